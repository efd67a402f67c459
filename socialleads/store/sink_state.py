"""Each sink's circuit and pause, kept in the store so a restart neither forgets nor re-announces them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from socialleads.store.tables import sink_state

CLOSED, OPEN = "closed", "open"


@dataclass
class SinkState:
    """One sink's circuit: ``open`` pauses its deliveries until ``probe_at``; ``paused_until`` is a
    pause the sink asked for (a 429 with a retry time), which is not a failure."""

    sink: str
    circuit: str = CLOSED
    consecutive_failures: int = 0
    opened_at: datetime | None = None
    probe_at: datetime | None = None
    cooldown_s: float = 0.0
    paused_until: datetime | None = None
    last_error: str | None = None


def load_states(conn: Connection) -> dict[str, SinkState]:
    """Every stored sink state by sink name (sinks that never failed have none)."""
    rows = conn.execute(select(sink_state)).mappings()
    return {
        row["sink"]: SinkState(
            sink=row["sink"],
            circuit=row["circuit"],
            consecutive_failures=row["consecutive_failures"],
            opened_at=row["opened_at"],
            probe_at=row["probe_at"],
            cooldown_s=row["cooldown_s"],
            paused_until=row["paused_until"],
            last_error=row["last_error"],
        )
        for row in rows
    }


def save_state(conn: Connection, state: SinkState, now: datetime) -> None:
    """Insert or update ``state``."""
    values = {
        "circuit": state.circuit,
        "consecutive_failures": state.consecutive_failures,
        "opened_at": state.opened_at,
        "probe_at": state.probe_at,
        "cooldown_s": state.cooldown_s,
        "paused_until": state.paused_until,
        "last_error": state.last_error,
        "updated_at": now,
    }
    done = conn.execute(update(sink_state).where(sink_state.c.sink == state.sink).values(**values))
    if not done.rowcount:
        conn.execute(insert(sink_state).values(sink=state.sink, **values))
