"""Owner round-robin of each team (``campaigns.yaml`` ``teams``): whose turn it is to own the next
lead, kept across restarts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from socialleads.store.tables import team_cursors


def take_turns(conn: Connection, team: str, count: int, now: datetime) -> int:
    """Reserve ``count`` turns of ``team``; returns the position of the first (callers take it modulo
    the team's size, so a team that grows or shrinks just continues from there).

    The row is locked for the caller's transaction (PostgreSQL), so two writers never hand out the
    same turn; a first insert racing another raises IntegrityError and the chunk retries.
    """
    query = select(team_cursors.c.next_index).where(team_cursors.c.team == team).with_for_update()
    start = conn.execute(query).scalar()
    if start is None:
        conn.execute(insert(team_cursors).values(team=team, next_index=count, updated_at=now))
        return 0
    conn.execute(
        update(team_cursors)
        .where(team_cursors.c.team == team)
        .values(next_index=start + count, updated_at=now)
    )
    return int(start)


def next_turn(conn: Connection, team: str) -> int:
    """The position the next lead of ``team`` would get, without taking it (for ``routes test``)."""
    query = select(team_cursors.c.next_index).where(team_cursors.c.team == team)
    return int(conn.execute(query).scalar() or 0)
