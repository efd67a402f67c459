"""Per-source state (cursor, health, next allowed call) and the poll-run log."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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
    """Insert or update ``state``, in one statement.

    Called by the runner after a poll and a health check, and by ``backfill``; the first two may run
    at once for a source that has no row yet. An upsert (``INSERT ... ON CONFLICT DO UPDATE``) settles
    that race: PostgreSQL waits for the other transaction and then updates its row instead of failing
    on the primary key (https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT); SQLite
    serialises writers anyway. Raises only what the database raises.
    """
    _upsert(conn, state, [f.name for f in fields(state) if f.name != "source"])


#: The columns a health check decides; the rest of a source's state is the poll's.
HEALTH_COLUMNS = ("health", "health_summary", "health_changed_at", "failed_config")


def save_health(conn: Connection, state: SourceState) -> None:
    """Store ``state``'s health (``HEALTH_COLUMNS``) and leave the poll's columns as they are.

    For the health check (``Runner.check``), which runs beside a poll: saving its whole ``state`` would
    put back the cursor it loaded, older than the one a poll has just committed. A source with no row
    yet gets ``state`` whole. Raises only what the database raises.
    """
    _upsert(conn, state, list(HEALTH_COLUMNS))


def _upsert(conn: Connection, state: SourceState, columns: list[str]) -> None:
    """Insert ``state`` whole, or, when its source has a row (committed by then, or by a writer this
    one waited for), set ``columns`` of that row to ``state``'s values."""
    values = {f.name: getattr(state, f.name) for f in fields(state)}
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(source_state).values(values)
    changed = {name: statement.excluded[name] for name in columns}
    conn.execute(statement.on_conflict_do_update(index_elements=[source_state.c.source], set_=changed))


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
