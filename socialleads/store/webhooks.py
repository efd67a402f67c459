"""Webhook deliveries, kept verbatim before they are answered, and what in them could not be routed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from socialleads.models import EventKind, EventStatus, ReceivedVia
from socialleads.store.events import existing_native_ids, insert_unless_stored, record_arrivals
from socialleads.store.tables import dead_letters

#: Headers worth keeping with a body (never Authorization or cookies).
KEPT_HEADERS = ("content-type", "user-agent", "x-hub-signature-256", "x-hub-signature")


def storable(text: str) -> str:
    """``text`` as a database text column can keep it: a lone surrogate (a JSON string may escape one,
    ``"\\ud800"``, and strangers send them) written as its escape ``\\ud800``, and NUL (which
    PostgreSQL's text refuses) as ``\\u0000``.

    In JSON text (a dead letter's payload) these are the JSON escapes of the same characters, so the
    document reads back as it came; in prose (a reason, a summary) they show what was sent.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def webhook_source(receiver: str) -> str:
    """The raw-event source name under which a receiver's deliveries are kept."""
    return f"webhook:{receiver}"


def store_delivery(
    conn: Connection,
    receiver: str,
    body: bytes,
    headers: Mapping[str, str],
    summary: str,
    unrouted: list[tuple[str, dict[str, Any]]],
    now: datetime,
) -> bool:
    """Keep one delivery (its exact body) and dead-letter its unrouted items; False for a repeated delivery.

    Called by ``/webhooks/{name}`` before it answers. A platform that retries sends the same bytes
    again: the body's hash is its native id, so a repeat only counts one more arrival, also when
    the first copy is being stored by another request at the same moment. Whatever the delivery's
    text holds (a lone surrogate, invalid UTF-8) is kept (``storable``). Raises only database errors.
    """
    source = webhook_source(receiver)
    native_id = hashlib.sha256(body).hexdigest()
    # No look first: the same bytes may be stored by another request at this very moment (a
    # platform retrying before its first attempt was answered), and only the insert can tell.
    event_id = insert_unless_stored(conn, _delivery_row(source, native_id, body, headers, summary, now))
    if event_id is None:
        record_arrivals(conn, list(existing_native_ids(conn, source, [native_id]).values()), via_webhook=True)
        return False
    _dead_letter_unrouted(conn, source, event_id, unrouted, now)
    return True


def _delivery_row(
    source: str, native_id: str, body: bytes, headers: Mapping[str, str], summary: str, now: datetime
) -> dict[str, Any]:
    """The raw event of a delivery: its body and the headers worth keeping, its summary as the reason."""
    kept = {name: headers[name] for name in KEPT_HEADERS if name in headers}
    return {
        "source": source,
        "native_id": native_id,
        "kind": EventKind.WEBHOOK.value,
        "received_via": ReceivedVia.WEBHOOK.value,
        "occurred_at": None,
        "received_at": now,
        "payload": {"body": body.decode("utf-8", "backslashreplace"), "headers": kept},
        "status": EventStatus.RECEIVED.value,
        "status_reason": storable(summary[:2000]),
        "poll_run_id": None,
        "arrivals": 1,
        "via_poll": False,
        "via_webhook": True,
    }


def _dead_letter_unrouted(
    conn: Connection, source: str, event_id: int, unrouted: list[tuple[str, dict[str, Any]]], now: datetime
) -> None:
    """Keep each item no source watches, with why, as an ``unrouted`` dead letter of the delivery."""
    if not unrouted:
        return
    conn.execute(
        insert(dead_letters),
        [
            {
                "kind": "unrouted",
                "origin": source,
                "raw_event_id": event_id,
                "delivery_id": None,
                "reason": storable(reason),
                "payload": storable(json.dumps(change, ensure_ascii=False, sort_keys=True)),
                "created_at": now,
                "replayed_at": None,
            }
            for reason, change in unrouted
        ],
    )
