"""Per-source state (cursor, health, next allowed call) and the poll-run log."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from socialleads.models import HealthState
from socialleads.store.tables import poll_runs, source_state


@dataclass
class SourceState:
    """One source's stored state; the runner is its only writer."""

    source: str
    connector: str
    cursor: dict[str, Any] | None = None
    cursor_version: int | None = None
    health: str = HealthState.UNKNOWN.value
    health_summary: str | None = None
    health_changed_at: datetime | None = None
    next_allowed_at: datetime | None = None
    consecutive_failures: int = 0
    failed_config: str | None = None
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None


def load_state(conn: Connection, source: str, connector: str) -> SourceState:
    """The stored state of ``source``, or a fresh one."""
    row = conn.execute(select(source_state).where(source_state.c.source == source)).mappings().first()
    if row is None:
        return SourceState(source=source, connector=connector)
    return SourceState(**dict(row))


def all_states(conn: Connection) -> list[SourceState]:
    """Every source's stored state."""
    return [SourceState(**dict(r)) for r in conn.execute(select(source_state)).mappings()]


def save_state(conn: Connection, state: SourceState) -> None:
    """Insert or update ``state``."""
    values = {f.name: getattr(state, f.name) for f in fields(state)}
    done = conn.execute(update(source_state).where(source_state.c.source == state.source).values(values))
    if done.rowcount == 0:
        conn.execute(insert(source_state).values(values))


@dataclass
class PollCounts:
    """What one poll (or one webhook delivery) did."""

    events_seen: int = 0
    events_new: int = 0
    leads_created: int = 0
    leads_merged: int = 0
    ignored: int = 0
    dead_lettered: int = 0

    def add(self, other: PollCounts) -> None:
        """Accumulate ``other`` into this one."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def start_run(conn: Connection, source: str, via: str, now: datetime) -> int:
    """Open a poll-run row; returns its id."""
    result = conn.execute(
        insert(poll_runs)
        .values(
            source=source,
            received_via=via,
            started_at=now,
            status="running",
            events_seen=0,
            events_new=0,
            leads_created=0,
            leads_merged=0,
            ignored=0,
            dead_lettered=0,
        )
        .returning(poll_runs.c.id)
    )
    return int(result.scalar_one())


def finish_run(
    conn: Connection, run_id: int, status: str, counts: PollCounts, now: datetime, error: str | None = None
) -> None:
    """Close a poll-run row with its outcome and counts."""
    conn.execute(
        update(poll_runs)
        .where(poll_runs.c.id == run_id)
        .values(
            status=status,
            finished_at=now,
            error=error,
            **{f.name: getattr(counts, f.name) for f in fields(counts)},
        )
    )
