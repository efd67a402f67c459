"""``socialleads routes``: which rule routes a stored lead and why; how many leads each route took."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Connection, func, select

from socialleads.bot import stored_overlay
from socialleads.cli.common import console, engine_from, errors, fail_on_config_errors, say, settings_from
from socialleads.configuration.loader import load_app_config
from socialleads.pipeline.owners import choose
from socialleads.pipeline.routing import RouteDecision, facts_of_lead, route
from socialleads.registry import discover
from socialleads.safe_text import rich_text
from socialleads.store import leads as lead_store
from socialleads.store.owner_rotation import next_turn
from socialleads.store.tables import deliveries, leads

routes_app = typer.Typer(no_args_is_help=True)


@routes_app.command("test")
def test_route(ctx: typer.Context, lead_id: Annotated[int, typer.Argument(help="The lead's id.")]) -> None:
    """Route a stored lead with the current configuration and explain every rule's verdict.

    Nothing is delivered or changed: this shows what the rules decide for the lead as it is now.
    """
    settings = settings_from(ctx)
    engine = engine_from(ctx)
    registry = discover()
    with fail_on_config_errors():
        # The files' configuration with what people changed through the API laid over it.
        config = stored_overlay(load_app_config(settings, registry), engine, registry).config
    with engine.connect() as conn:
        lead = lead_store.load_lead(conn, lead_id)
        if lead is None:
            errors.print(f"no lead with id {lead_id}")
            raise typer.Exit(1)
        facts = facts_of_lead(lead)
        if facts is None:
            errors.print(f"lead {lead_id} has no touches to route by")
            raise typer.Exit(1)
        stored_route = conn.execute(select(leads.c.route).where(leads.c.id == lead_id)).scalar()
        sent = conn.execute(
            select(deliveries.c.sink, deliveries.c.status, deliveries.c.route, deliveries.c.external_id)
            .where(deliveries.c.lead_id == lead_id)
            .order_by(deliveries.c.id)
        ).all()
        campaign = config.campaign_of(facts.source)
        name, rules = campaign if campaign else (None, None)
        decision = route(facts, name, rules, config.default_route)
        owner_line = _owner_line(lead.owner, decision, facts.country, config.teams, conn)
    # The lead's name, the facts and the rules' explanations quote what the stranger sent: ``say``.
    out = say
    out(f"Lead {lead.id} ({lead.display_name()}), campaign {lead.campaign or '(none)'}")
    out(
        f"Facts: source {facts.source}, platform {facts.platform}, kind {facts.kind.value}, "
        f"grade {facts.grade or '-'} (score {_or_dash(facts.quality_score)}), "
        f"intent {_or_dash(facts.intent_score)} "
        f"({facts.language or 'language unknown'}), country {facts.country or 'unknown'}"
    )
    mode = f" (route_mode {campaign[1].route_mode})" if campaign else ""
    out(f"Rules{mode}:")
    for line in decision.explanation:
        out(f"  {'✓' if ': match →' in line or line.startswith('default') else '·'} {line}")
    targets = ", ".join(decision.sinks) or "nowhere"
    held = " (held for review until `socialleads leads release`)" if decision.hold else ""
    out(f"Decision: route {decision.route} → {targets}{held}")
    out(f"Owner: {owner_line}")
    out(f"Last stored route: {stored_route or '(none recorded)'}")
    for sink, status, rule, external_id in sent:
        record = f", record {external_id}" if external_id else ""
        out(f"  delivery to {sink} (rule {rule}): {status}{record}")


def _or_dash(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _owner_line(
    current: str | None,
    decision: RouteDecision,
    country: str | None,
    teams: dict[str, tuple[str, ...]],
    conn: Connection,
) -> str:
    """Who owns the lead, or who would: routing assigns an owner once and keeps it."""
    if current:
        return f"{current} (assigned earlier; a lead keeps its owner)"
    if decision.assign is None:
        return "nobody (no rule assigns an owner)"
    choice = choose(decision.assign, country)
    if choice.owner:
        return f"{choice.owner} ({choice.why}; by {decision.assigned_by})"
    if choice.team and teams.get(choice.team):
        members = teams[choice.team]
        upcoming = members[next_turn(conn, choice.team) % len(members)]
        return f"{upcoming} would be next ({choice.why}; by {decision.assigned_by})"
    return f"nobody ({choice.why})"


@routes_app.command("stats")
def stats(
    ctx: typer.Context,
    since: Annotated[
        datetime | None, typer.Option(help="Only leads created since (UTC, e.g. 2026-11-01).")
    ] = None,
) -> None:
    """How many leads each route took, per campaign; the default route and unrouted leads are counted too."""
    engine = engine_from(ctx)
    query = select(leads.c.campaign, leads.c.route, func.count()).group_by(leads.c.campaign, leads.c.route)
    if since is not None:
        query = query.where(leads.c.created_at >= since)
    with engine.connect() as conn:
        rows = sorted(conn.execute(query).all(), key=lambda r: (r[0] or "", -r[2]))
    table = Table("campaign", "route", "leads")
    for campaign, name, count in rows:
        table.add_row(
            rich_text(campaign or "(none)"), rich_text(name or "(before routing was recorded)"), str(count)
        )
    console.print(table)
    unrouted = sum(r[2] for r in rows if r[1] == "unrouted")
    default = sum(r[2] for r in rows if r[1] == "default")
    console.print(
        f"{sum(r[2] for r in rows)} leads; {default} took the default route, {unrouted} went nowhere"
    )
