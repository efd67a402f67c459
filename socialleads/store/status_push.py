"""A lead's status change, sent to the sinks that keep a status of their own, as a delivery like any other.

A status set by a person (``PATCH /api/v1/leads/{id}``) is part of the lead: ``queue_status_push``
gives the lead a new revision and puts its deliveries to the sinks that model a status (the CRMs:
``Sink.models_status``) back in the queue, exactly as a merged touch does (``outbox.enqueue``): a
delivered row becomes pending at the new revision (the sink updates the record it reported, from
``Delivery.external_id``); a pending row takes the new revision and keeps its backoff; a dead, held
or rejected row takes the new revision and stays as it is (a replay or a release sends the status
too). Deliveries to the other sinks (chat, webhooks, email) are left alone: they are not sent again
for a status change, and get the new revision with the lead's next touch.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, select, update

from socialleads.store.outbox import DELIVERED, PENDING
from socialleads.store.tables import deliveries, leads


@dataclass(frozen=True)
class StatusPush:
    """What ``queue_status_push`` did."""

    revision: int
    """The lead's new revision."""
    due: int
    """Deliveries it made due now (delivered rows queued again): wake the dispatcher when above 0."""
    updated: int
    """Deliveries not yet delivered (pending, dead, held, rejected) that took the new revision."""


def queue_status_push(
    conn: Connection, lead_id: int, now: datetime, status_sinks: Collection[str]
) -> StatusPush | None:
    """Give lead ``lead_id`` a new revision and queue its deliveries to ``status_sinks`` again.

    Called by ``change_status`` in the transaction that writes the new status (so the dispatcher
    never loads the new revision without it). ``status_sinks`` are the names of the configured sinks
    whose class models a status (``Sink.models_status``). Returns None when there is no such lead.
    Raises only the database's errors.
    """
    # One statement reads and bumps the revision, so a concurrent bump is never lost.
    revision = conn.execute(
        update(leads)
        .where(leads.c.id == lead_id)
        .values(revision=leads.c.revision + 1, updated_at=now)
        .returning(leads.c.revision)
    ).scalar_one_or_none()
    if revision is None:
        return None
    if not status_sinks:
        return StatusPush(revision, 0, 0)
    rows = conn.execute(
        select(deliveries.c.id, deliveries.c.status).where(
            and_(deliveries.c.lead_id == lead_id, deliveries.c.sink.in_(sorted(status_sinks)))
        )
    ).all()
    delivered = [row.id for row in rows if row.status == DELIVERED]
    others = [row.id for row in rows if row.status != DELIVERED]
    if delivered:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(delivered))
            .values(revision=revision, status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        )
    if others:
        conn.execute(
            update(deliveries).where(deliveries.c.id.in_(others)).values(revision=revision, updated_at=now)
        )
    return StatusPush(revision, len(delivered), len(others))


__all__ = ["StatusPush", "queue_status_push"]
