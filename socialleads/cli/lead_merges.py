"""``socialleads leads merge|split|duplicates|different``: people decide what identity could not.

The work is done by ``pipeline.merges`` and ``store.lead_links``; the API offers the same
(``api/lead_merges.py``). Each decision is audited with the operator's name (``--by``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from socialleads.cli.common import bot_from, console, engine_from, errors, say
from socialleads.cli.leads import leads_app
from socialleads.contracts import utc_now
from socialleads.models import LeadDraft, Qualification
from socialleads.pipeline.merges import LeadChangeRefused, merge_leads, split_lead
from socialleads.safe_text import rich_text
from socialleads.store import lead_links
from socialleads.store import leads as lead_store

BY = typer.Option("--by", help="Who decides, for the audit log (default: the command line).")


@leads_app.command("merge")
def merge(
    ctx: typer.Context,
    kept: Annotated[int, typer.Argument(help="The lead that stays.")],
    gone: Annotated[int, typer.Argument(help="The lead merged into it.")],
    by: Annotated[str, BY] = "cli",
) -> None:
    """Merge lead GONE into lead KEPT: one person, every touch, re-delivered as an update."""
    engine = engine_from(ctx)
    try:
        outcome = merge_leads(engine, kept, gone, by, utc_now())
    except LeadChangeRefused as exc:
        say(str(exc), to=errors)
        raise typer.Exit(1) from exc
    say(
        f"Lead {gone} merged into lead {kept}: {outcome.touches_moved} touch(es) moved, "
        f"{outcome.deliveries_due} delivery(ies) due again."
    )
    if outcome.records_taken_over:
        say(f"Lead {kept} now updates lead {gone}'s record in: {', '.join(outcome.records_taken_over)}.")
    if outcome.records_left:
        say(
            f"Both had a record in {', '.join(outcome.records_left)}: lead {kept} updates its own; "
            f"mark lead {gone}'s record there as a duplicate."
        )


@leads_app.command("split")
def split(
    ctx: typer.Context,
    lead_id: Annotated[int, typer.Argument(help="The lead a touch is taken from.")],
    touch: Annotated[int, typer.Option("--touch", help="The touch (an id from leads show) to split off.")],
    by: Annotated[str, BY] = "cli",
) -> None:
    """Make one touch of a lead a lead of its own (another person): delivered as new."""
    bot = bot_from(ctx)
    try:

        def requalify(draft: LeadDraft, campaign: str | None) -> Qualification:
            return bot.runner.qualifier.qualify(draft, bot.config.campaigns.get(campaign or ""))

        outcome = split_lead(bot.engine, lead_id, touch, by, utc_now(), requalify)
    except LeadChangeRefused as exc:
        say(str(exc), to=errors)
        raise typer.Exit(1) from exc
    finally:
        bot.close()
    say(
        f"Touch {touch} is lead {outcome.new_lead} now (key {outcome.new_key}); lead {lead_id} keeps the "
        f"rest; {outcome.deliveries_due} delivery(ies) due. The two are remembered as different people."
    )


@leads_app.command("duplicates")
def duplicates(
    ctx: typer.Context, lead_id: Annotated[int, typer.Argument(help="The lead whose links to list.")]
) -> None:
    """Leads possibly the same person as LEAD_ID, and the pairs people decided."""
    engine = engine_from(ctx)
    with engine.connect() as conn:
        if lead_store.load_lead(conn, lead_id) is None:
            errors.print(f"no lead with id {lead_id}")
            raise typer.Exit(1)
        links = lead_links.links_of(conn, lead_id)
    if not links:
        console.print(f"Lead {lead_id} is linked to no other lead.")
        return
    table = Table("lead", "status", "why", "decided")
    for link in links:
        decided = f"{link.decided_by}, {link.decided_at:%Y-%m-%d %H:%M}Z" if link.decided_at else ""
        # The reason quotes what matched (a name, a phone) and --by is whatever an operator typed.
        table.add_row(str(link.other_id), link.status, rich_text(link.reason), rich_text(decided))
    console.print(table)


@leads_app.command("different")
def different(
    ctx: typer.Context,
    lead_id: Annotated[int, typer.Argument(help="One lead.")],
    other: Annotated[int, typer.Argument(help="The lead it is not.")],
    by: Annotated[str, BY] = "cli",
) -> None:
    """Record that two leads are different people: never proposed as duplicates again."""
    engine = engine_from(ctx)
    with engine.begin() as conn:
        found = lead_store.current_rows(conn, [lead_id, other])
        if len(found) < 2 or lead_id == other:
            errors.print(f"leads {lead_id} and {other} must be two stored leads")
            raise typer.Exit(1)
        lead_links.decide(conn, lead_id, other, lead_links.REJECTED, "different people", by, utc_now())
    console.print(f"Leads {lead_id} and {other} are recorded as different people.")
