"""``socialleads deliveries``: the outbox by status, and replaying dead letters."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from socialleads.cli.common import console, engine_from, say
from socialleads.contracts import utc_now
from socialleads.safe_text import rich_text
from socialleads.store import outbox
from socialleads.store.sink_state import OPEN, SinkState, load_states
from socialleads.store.tables import deliveries

deliveries_app = typer.Typer(no_args_is_help=True)


@deliveries_app.command("list")
def list_deliveries(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="pending, held, delivered, dead or rejected.")] = None,
    sink: Annotated[str | None, typer.Option(help="Only this sink.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
) -> None:
    """Deliveries with their status, attempts and last error; then the totals by status."""
    engine = engine_from(ctx)
    query = select(deliveries).order_by(deliveries.c.id.desc()).limit(limit)
    if status:
        query = query.where(deliveries.c.status == status)
    if sink:
        query = query.where(deliveries.c.sink == sink)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
        totals = outbox.count_by_status(conn)
        troubled = [st for st in load_states(conn).values() if sink_trouble(st)]
    table = Table("id", "lead", "sink", "route", "status", "attempts", "next attempt (UTC)", "last error")
    for r in rows:
        # The last error quotes what a remote server answered: a rich_text cell, never markup.
        table.add_row(
            str(r["id"]),
            str(r["lead_id"]),
            rich_text(r["sink"]),
            rich_text(r["route"] or ""),
            r["status"],
            str(r["attempts"]),
            f"{r['next_attempt_at']:%Y-%m-%d %H:%M:%S}" if r["status"] == outbox.PENDING else "",
            rich_text((r["last_error"] or "")[:80]),
        )
    console.print(table)
    console.print(", ".join(f"{k}: {v}" for k, v in sorted(totals.items())) or "no deliveries")
    for state in troubled:
        say(f"sink {state.sink}: {sink_trouble(state)}")


def sink_trouble(state: SinkState) -> str | None:
    """A sentence on a sink whose circuit is open or that asked us to wait, or None when it is fine."""
    if state.circuit == OPEN:
        probe = f"{state.probe_at:%Y-%m-%d %H:%M:%S}Z" if state.probe_at else "soon"
        return (
            f"circuit open since {state.opened_at:%Y-%m-%d %H:%M:%S}Z after "
            f"{state.consecutive_failures} failures (last: {state.last_error}); its deliveries wait, "
            f"next probe at {probe}"
        )
    if state.paused_until is not None and state.paused_until > utc_now():
        return f"paused until {state.paused_until:%H:%M:%S}Z at its own request (429)"
    return None


@deliveries_app.command("replay")
def replay(
    ctx: typer.Context,
    delivery_id: Annotated[
        list[int] | None, typer.Option("--id", help="Replay these deliveries (repeatable).")
    ] = None,
    sink: Annotated[str | None, typer.Option(help="Replay the dead deliveries of this sink.")] = None,
    all_dead: Annotated[bool, typer.Option("--all", help="Replay every dead delivery.")] = False,
) -> None:
    """Put dead-lettered deliveries back in the queue; the running bot (or `poll`) delivers them."""
    if not (delivery_id or sink or all_dead):
        console.print("say which: --id N, --sink NAME or --all")
        raise typer.Exit(2)
    engine = engine_from(ctx)
    with engine.begin() as conn:
        count = outbox.replay_dead(conn, utc_now(), delivery_id or (), sink)
    console.print(f"{count} dead deliveries queued again")
