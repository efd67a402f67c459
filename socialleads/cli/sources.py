"""``socialleads sources``: installed connectors, configured sources and their health, live checks."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import select

from socialleads.bot import stored_overlay
from socialleads.cli.common import bot_from, console, errors, fail_on_config_errors, say, settings_from
from socialleads.configuration.loader import load_app_config
from socialleads.contracts import Sink, Source
from socialleads.errors import AuthError, SocialLeadsError
from socialleads.models import TEST_LEAD, Health, HealthState
from socialleads.pipeline.revisions import EDIT_REASON
from socialleads.redact import REDACTOR
from socialleads.registry import PluginKind, discover
from socialleads.safe_text import rich_text
from socialleads.store.db import make_engine, migrate
from socialleads.store.state import all_states, load_state
from socialleads.store.tables import raw_events, touches

sources_app = typer.Typer(no_args_is_help=True)


@sources_app.command("list")
def list_sources(ctx: typer.Context) -> None:
    """Every installed source and sink connector (built-in or plugin), then the configured sources."""
    registry = discover()
    table = Table("kind", "connector", "package", "available")
    kinds: tuple[PluginKind, ...] = ("source", "sink")
    for kind in kinds:
        for name, info in sorted(registry.plugins(kind).items()):
            package = f"{info.distribution} {info.version}" if info.distribution else info.target
            # A plugin's import error is free text: a rich_text cell, never markup.
            table.add_row(
                kind,
                rich_text(name),
                rich_text(package),
                rich_text("yes" if info.available else f"no: {info.error}"),
            )
    console.print(table)
    settings = settings_from(ctx)
    engine = make_engine(settings.database_url)
    migrate(engine)
    with fail_on_config_errors():
        # The files' configuration with what people changed through the API laid over it.
        config = stored_overlay(load_app_config(settings, registry), engine, registry).config
    with engine.connect() as conn:
        states = {s.source: s for s in all_states(conn)}
    engine.dispose()
    configured = Table("source", "connector", "enabled", "every", "campaign", "health", "last success (UTC)")
    for name, entry in config.sources.items():
        state = states.get(name)
        campaign = config.campaign_of(name)
        health = (config.unavailable.get(name) and "unavailable") or (
            state.health if state else "not polled yet"
        )
        configured.add_row(
            rich_text(name),
            rich_text(entry.type),
            "yes" if entry.enabled else "no",
            str(entry.every),
            rich_text(campaign[0] if campaign else ""),
            rich_text(health),
            f"{state.last_success_at:%Y-%m-%d %H:%M}" if state and state.last_success_at else "",
        )
    console.print(configured)


def check_connector(connector: Source[Any, Any] | Sink[Any]) -> Health:
    """Run ``check()`` and turn a raised error into a Health a person can read."""
    try:
        return connector.check()
    except SocialLeadsError as exc:
        state = HealthState.NEEDS_REAUTH if isinstance(exc, AuthError) else HealthState.FAILING
        return Health(state=state, summary=REDACTOR.scrub(f"{type(exc).__name__}: {exc}"))
    except Exception as exc:  # noqa: BLE001 - a check must report, never crash the command
        return Health(state=HealthState.FAILING, summary=f"check crashed: {type(exc).__name__}")


@sources_app.command("check")
def check(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="One source; all when omitted.")] = None,
) -> None:
    """Run each source's live check (token, permissions, folder) and print the result."""
    with fail_on_config_errors():
        bot = bot_from(ctx)
    try:
        names = [name] if name else sorted(bot.sources)
        bad = False
        for source_name in names:
            if source_name not in bot.sources:
                say(f"{source_name}: not running ({bot.unavailable.get(source_name, 'not configured')})")
                bad = True
                continue
            health = check_connector(bot.sources[source_name])
            bad = bad or health.state != HealthState.OK
            # A check's summary and details quote what the platform answered (a page's name, an error).
            say(f"{source_name}: {health.state.value}: {health.summary}")
            for detail in health.details:
                say(f"    {detail}")
        if bad:
            raise typer.Exit(1)
    finally:
        bot.close()


@sources_app.command("report")
def report(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The configured source.")]) -> None:
    """What a source brought in, per group (a Meta form, an X search): events, leads, paths, duplicates.

    "by webhook" counts events that came by push; "poll only" those only a poll found (the webhook
    missed them); "duplicates absorbed" every repeated arrival of an event already stored; "test
    leads" the leads that are a platform's test leads (stored, delivered only where a campaign asks);
    "edits" the new versions of an edited post or comment, which updated the touch they revise. A source
    with a ``report_lines(cursor)`` adds lines above the table (csv: how each file was read).
    """
    with fail_on_config_errors():
        bot = bot_from(ctx)
    try:
        source = bot.sources.get(name)
        if source is None and name not in bot.config.sources:
            say(
                f"no source named {name!r}; configured: {', '.join(sorted(bot.config.sources)) or 'none'}",
                to=errors,
            )
            raise typer.Exit(2)
        group_of = getattr(source, "report_group", None)
        groups: dict[str, Counter[str]] = defaultdict(Counter)
        query = (
            select(
                raw_events.c.payload,
                raw_events.c.status,
                raw_events.c.status_reason,
                raw_events.c.via_poll,
                raw_events.c.via_webhook,
                raw_events.c.arrivals,
                touches.c.context,
            )
            .outerjoin(touches, touches.c.raw_event_id == raw_events.c.id)
            .where(raw_events.c.source == name)
        )
        with bot.engine.connect() as conn:
            notes = getattr(source, "report_lines", None)  # e.g. csv: how each file was read
            if source is not None and callable(notes):
                state = load_state(conn, name, source.name)
                cursor = (
                    source.cursor_model.upgrade(state.cursor, state.cursor_version or 1)
                    if state.cursor
                    else None
                )
                for line in notes(cursor):
                    say(line)
            for row in conn.execute(query.execution_options(yield_per=1000)):
                group = str(group_of(row.payload)) if callable(group_of) else "all"
                counts = groups[group]
                counts["events"] += 1
                edit = (row.status_reason or "").startswith(EDIT_REASON)
                counts["edits" if edit else row.status] += 1
                counts["test leads"] += bool(row.context and row.context.get(TEST_LEAD))
                counts["by webhook"] += bool(row.via_webhook)
                counts["poll only"] += bool(row.via_poll and not row.via_webhook)
                counts["duplicates absorbed"] += row.arrivals - 1
        columns = (
            "events", "lead", "test leads", "edits", "ignored", "dead", "by webhook", "poll only",
            "duplicates absorbed",
        )  # fmt: skip
        table = Table("group", *("leads" if c == "lead" else c for c in columns))
        total: Counter[str] = Counter()
        for group, counts in sorted(groups.items()):
            total.update(counts)
            table.add_row(rich_text(group), *(str(counts[c]) for c in columns))  # a form's name, say
        table.add_row("all", *(str(total[c]) for c in columns), style="bold")
        console.print(table)
        usage = getattr(source, "usage_summary", None)
        if callable(usage):
            say(paid_usage_line(usage(), total["lead"]))
    finally:
        bot.close()


def paid_usage_line(summary: dict[str, Any], leads: int) -> str:
    """Posts read this period (paid, on X), against the budget, and what each lead cost in reads."""
    read, budget = int(summary.get("posts_read") or 0), summary.get("budget")
    of = f" of a budget of {budget}" if budget is not None else " (no budget set)"
    spent = " (spent: polling waits for the next period)" if budget is not None and read >= budget else ""
    per_lead = f"{read / leads:.1f} posts read per lead" if leads else "no lead yet"
    return (
        f"Paid reads in {summary.get('period')}: {read} posts{of}{spent}; "
        f"{leads} posts became leads; {per_lead}"
    )
