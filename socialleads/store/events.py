"""Raw events and their dead letters. A raw event is stored once per (source, native id)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select

from socialleads.store.tables import dead_letters, raw_events

#: Values per IN list. Small enough that PostgreSQL keeps probing the index even while its statistics
#: lag behind a bulk import (with ~500 values it switched to scanning the table, slower at every chunk).
IN_CHUNK = 100


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
