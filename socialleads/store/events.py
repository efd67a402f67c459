"""Raw events and their dead letters. A raw event is stored once per (source, native id)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, tuple_

from socialleads.store.tables import dead_letters, raw_events

#: Bound parameters per IN list; SQLite allows 32766 variables, PostgreSQL 65535.
IN_CHUNK = 900


def chunked(values: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    """Slices of ``values`` of at most ``size`` items, for IN lists."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def existing_native_ids(conn: Connection, source: str, native_ids: Sequence[str]) -> set[str]:
    """Which of ``native_ids`` are already stored for ``source``."""
    found: set[str] = set()
    for part in chunked(list(native_ids)):
        rows = conn.execute(
            select(raw_events.c.native_id).where(
                and_(raw_events.c.source == source, raw_events.c.native_id.in_(part))
            )
        )
        found.update(row[0] for row in rows)
    return found


def stored_event_ids(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Row ids of the stored events among ``(source, native_id)`` keys."""
    found: dict[tuple[str, str], int] = {}
    for part in chunked(list(keys), IN_CHUNK // 2):
        rows = conn.execute(
            select(raw_events.c.source, raw_events.c.native_id, raw_events.c.id).where(
                tuple_(raw_events.c.source, raw_events.c.native_id).in_(part)
            )
        )
        found.update({(r[0], r[1]): r[2] for r in rows})
    return found


def insert_raw_events(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert events (none of which may exist yet); returns their ids in the order given."""
    if not rows:
        return []
    result = conn.execute(insert(raw_events).returning(raw_events.c.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]


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
