"""Raw events and their dead letters. A raw event is stored once per (source, native id)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from socialleads.store.tables import dead_letters, raw_events

#: The unique key of a raw event: what ``ON CONFLICT`` names.
EVENT_KEY = ("native_id", "source")

#: Values per IN list. Small enough that PostgreSQL keeps probing the index even while its statistics
#: lag behind a bulk import (with ~500 values it switched to scanning the table, slower at every chunk).
IN_CHUNK = 100


def chunked(values: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    """Slices of ``values`` of at most ``size`` items, for IN lists."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


#: Built once: a webhook's one-event chunk runs each of these, and building is half their cost.
_EXISTING = select(raw_events.c.native_id, raw_events.c.id).where(
    and_(
        raw_events.c.source == bindparam("source"),
        raw_events.c.native_id.in_(bindparam("native_ids", expanding=True)),
    )
)


def existing_native_ids(conn: Connection, source: str, native_ids: Sequence[str]) -> dict[str, int]:
    """The row id of each of ``native_ids`` already stored for ``source``."""
    found: dict[str, int] = {}
    for part in chunked(list(native_ids)):
        rows = conn.execute(_EXISTING, {"source": source, "native_ids": list(part)})
        found.update({row[0]: row[1] for row in rows})
    return found


def insert_unless_stored(conn: Connection, values: dict[str, Any]) -> int | None:
    """Insert one raw event and return its id; None when its (source, native id) is already stored.

    Called for webhook deliveries, which a platform may send twice at once. ``ON CONFLICT DO
    NOTHING`` settles a race with another transaction storing the same key: PostgreSQL waits for
    that one to end, then inserts nothing (it committed) or this row (it rolled back), never a
    unique-key error (https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT).
    Raises only what the database raises for anything else.
    """
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(raw_events)
        .values(values)
        .on_conflict_do_nothing(index_elements=list(EVENT_KEY))
        .returning(raw_events.c.id)
    )
    event_id = conn.execute(statement).scalar_one_or_none()
    return None if event_id is None else int(event_id)


def record_arrivals(conn: Connection, event_ids: Sequence[int], via_webhook: bool) -> None:
    """Count one more arrival of each stored event, and the path it came by this time."""
    if not event_ids:
        return
    flag = "via_webhook" if via_webhook else "via_poll"
    statement = (
        update(raw_events)
        .where(raw_events.c.id == bindparam("event_id"))
        .values({"arrivals": raw_events.c.arrivals + 1, flag: True})
    )
    conn.execute(statement, [{"event_id": event_id} for event_id in event_ids])


def dead_letter_events(
    conn: Connection, origin: str, items: list[tuple[int, str, dict[str, Any]]], now: datetime
) -> None:
    """Record raw events the pipeline could not use: ``(raw_event_id, reason, payload)``, payload verbatim."""
    if not items:
        return
    conn.execute(
        insert(dead_letters),
        [
            {
                "kind": "event",
                "origin": origin,
                "raw_event_id": event_id,
                "delivery_id": None,
                "reason": reason,
                "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
                "created_at": now,
                "replayed_at": None,
            }
            for event_id, reason, payload in items
        ],
    )
