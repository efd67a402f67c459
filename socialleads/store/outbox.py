"""The delivery outbox: one row per (lead, sink), claimed with a lease, retried, dead-lettered, replayed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, case, func, insert, or_, select, text, true, update

from socialleads.models import Delivery
from socialleads.store.bulk import BulkWriter
from socialleads.store.events import chunked
from socialleads.store.lease_holders import this_process
from socialleads.store.tables import dead_letters, deliveries, delivery_attempts

PENDING, HELD, DELIVERED, DEAD, REJECTED = "pending", "held", "delivered", "dead", "rejected"


def lead_key(first_source: str, first_native_id: str) -> str:
    """A lead's public key, built from its first touch rather than a row id.

    Rebuilding the database from the same events gives the same keys, so a receiver never
    mistakes a new lead for an old one after a reset, nor an old one for a new one.
    """
    digest = hashlib.sha256(f"{first_source}\x1f{first_native_id}".encode()).hexdigest()
    return f"sl1-{digest[:32]}"


def idempotency_key(key_of_lead: str, sink: str) -> str:
    """The delivery key, stable for the (lead, sink) pair."""
    return f"{key_of_lead}.{sink}"


@dataclass(frozen=True)
class Plan:
    """Deliver ``lead_id`` (whose public key is ``lead_key``) at ``revision`` to each sink (sink → rule)."""

    lead_id: int
    revision: int
    lead_key: str
    sinks: dict[str, str]
    is_new: bool = False
    """A lead created in this transaction: it has no delivery rows yet."""
    hold: bool = False
    """New delivery rows wait, held, until a person releases the lead."""


@dataclass
class Enqueued:
    """What ``enqueue`` did: rows due for any worker, and new rows leased to the caller."""

    due: int = 0
    """Rows a worker may claim now."""
    leased: list[Claimed] = field(default_factory=list)
    """New rows already claimed for the caller (``lease_until`` set), to deliver without a claim."""


class _NewDelivery(NamedTuple):
    """A delivery row to insert, its fields in the order of ``deliveries``' columns."""

    lead_id: int
    sink: str
    idempotency_key: str
    route: str | None
    status: str
    attempts: int
    revision: int
    next_attempt_at: Any
    created_at: Any
    updated_at: Any
    lease_until: Any
    lease_holder: str | None


@dataclass
class _Changes:
    """What ``enqueue`` writes: new rows, delivered rows to re-arm and rows that take a new revision."""

    inserts: list[_NewDelivery] = field(default_factory=list)
    rearm: list[tuple[int, int]] = field(default_factory=list)
    """(delivery id, revision) of delivered rows that become pending again."""
    bump: list[tuple[int, int]] = field(default_factory=list)
    """(delivery id, revision) of rows that keep their status and take the new revision."""


def enqueue(
    conn: Connection, plans: Sequence[Plan], now: datetime, lease: timedelta | None = None
) -> Enqueued:
    """Create or re-arm delivery rows.

    A new (lead, sink) gets a pending row. A delivered row gets the new revision and is pending
    again (the sink updates its record). A pending row keeps its backoff and takes the new revision.
    A dead row takes the new revision but stays dead until replayed; a held or rejected row stays so.
    New rows of a plan that holds are held.

    With ``lease``, new pending rows are inserted claimed by this process until ``now + lease``:
    the webhook path hands a fresh lead to the dispatcher in memory instead of a claim transaction.
    If the process dies first, its successor takes them back at start, or any worker once the
    lease runs out, as after any crash.
    """
    if not plans:
        return Enqueued()
    writer = BulkWriter(conn)
    stamp = writer.timestamp(now)
    leased_until = writer.timestamp(now + lease) if lease is not None else None
    holder = this_process() if lease is not None else None
    changes = _changes(_existing_deliveries(conn, plans), plans, stamp, leased_until, holder)
    ids = writer.allocate_ids(deliveries, len(changes.inserts)) if leased_until is not None else []
    # Ids are allocated up front only for leased rows, which are handed over with them.
    leased = (
        [
            Claimed(d_id, row.lead_id, row.sink, row.idempotency_key, 0, row.revision, None, None)
            for d_id, row in zip(ids, changes.inserts, strict=True)
            if row.lease_until is not None
        ]
        if ids
        else []
    )
    _write(writer, changes, ids, stamp)
    due = sum(1 for row in changes.inserts if row.status == PENDING) + len(changes.rearm)
    return Enqueued(due=due - len(leased), leased=leased)


def _existing_deliveries(conn: Connection, plans: Sequence[Plan]) -> dict[tuple[int, str], tuple[int, str]]:
    """(lead id, sink) -> (delivery id, status) of the rows the plans' known leads already have."""
    existing: dict[tuple[int, str], tuple[int, str]] = {}
    for part in chunked([p.lead_id for p in plans if not p.is_new]):
        query = select(deliveries.c.id, deliveries.c.lead_id, deliveries.c.sink, deliveries.c.status)
        for row in conn.execute(query.where(deliveries.c.lead_id.in_(part))):
            existing[(row.lead_id, row.sink)] = (row.id, row.status)
    return existing


def _changes(
    existing: dict[tuple[int, str], tuple[int, str]],
    plans: Sequence[Plan],
    stamp: Any,
    leased_until: Any,
    holder: str | None,
) -> _Changes:
    """Sort each (lead, sink) of the plans into a new row, a re-armed one or a new revision."""
    changes = _Changes()
    for plan in plans:
        for sink, rule in plan.sinks.items():
            found = existing.get((plan.lead_id, sink))
            if found is None:
                status = HELD if plan.hold else PENDING
                lease_until, lease_holder = (None, None) if plan.hold else (leased_until, holder)
                key = idempotency_key(plan.lead_key, sink)
                changes.inserts.append(
                    _NewDelivery(
                        plan.lead_id,
                        sink,
                        key,
                        rule,
                        status,
                        0,
                        plan.revision,
                        stamp,
                        stamp,
                        stamp,
                        lease_until,
                        lease_holder,
                    )
                )
            elif found[1] == DELIVERED:
                changes.rearm.append((found[0], plan.revision))
            else:
                changes.bump.append((found[0], plan.revision))
    return changes


def _write(writer: BulkWriter, changes: _Changes, ids: list[int], stamp: Any) -> None:
    """Insert the new rows (with ``ids`` when they were allocated), re-arm and bump the others."""
    columns = (*(("id",) if ids else ()), *_NewDelivery._fields)
    rows = [(d_id, *row) for d_id, row in zip(ids, changes.inserts, strict=True)] if ids else changes.inserts
    writer.insert(deliveries, columns, rows)
    writer.update(
        deliveries,
        ("revision", "status", "attempts", "next_attempt_at", "updated_at"),
        [(revision, PENDING, 0, stamp, stamp, d_id) for d_id, revision in changes.rearm],
    )
    writer.update(
        deliveries, ("revision", "updated_at"), [(revision, stamp, d_id) for d_id, revision in changes.bump]
    )


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds until ``lease_until``."""

    id: int
    lead_id: int
    sink: str
    key: str
    attempts: int
    revision: int
    delivered_revision: int | None
    external_id: str | None
    failing_since: datetime | None = None


def claim_due(
    conn: Connection,
    sinks: Sequence[str],
    now: datetime,
    lease: timedelta,
    limit: int,
    ignore_backoff: bool = False,
) -> list[Claimed]:
    """Claim up to ``limit`` due deliveries for ``sinks``, oldest first, leasing them to this process.

    An expired lease (a worker that died mid-delivery) makes the row claimable again.
    ``ignore_backoff`` claims the oldest pending ones even before their next attempt is due (the
    probe of a sink whose circuit is open: the oldest lead goes first once the sink answers).
    """
    if not sinks:
        return []
    query = (
        select(
            deliveries.c.id,
            deliveries.c.lead_id,
            deliveries.c.sink,
            deliveries.c.idempotency_key,
            deliveries.c.attempts,
            deliveries.c.revision,
            deliveries.c.delivered_revision,
            deliveries.c.external_id,
            deliveries.c.failing_since,
        )
        .where(
            and_(
                deliveries.c.status == PENDING,
                true() if ignore_backoff else deliveries.c.next_attempt_at <= now,
                deliveries.c.sink.in_(list(sinks)),
                or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
            )
        )
        .order_by(deliveries.c.created_at, deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = conn.execute(query).all()
    if not rows:
        return []
    conn.execute(
        update(deliveries)
        .where(deliveries.c.id.in_([r[0] for r in rows]))
        .values(lease_until=now + lease, lease_holder=this_process())
    )
    return [Claimed(*row) for row in rows]


def renew(conn: Connection, ids: Sequence[int], until: datetime) -> int:
    """Extend this process's leases on ``ids`` to ``until``; returns how many it still held.

    Called while a batch is in flight, so a long batch keeps its claims. A row recorded meanwhile
    (its lease cleared) or claimed by another process after the lease ran out is left alone.
    """
    renewed = 0
    for part in chunked(list(ids)):
        done = conn.execute(
            update(deliveries)
            .where(
                and_(
                    deliveries.c.id.in_(part),
                    deliveries.c.lease_holder == this_process(),
                    deliveries.c.lease_until.is_not(None),
                )
            )
            .values(lease_until=until)
        )
        renewed += int(done.rowcount or 0)
    return renewed


def reclaim_abandoned(conn: Connection, now: datetime, is_gone: Callable[[str], bool]) -> int:
    """Make the deliveries leased by processes that are gone claimable now; returns how many.

    Called when a dispatcher starts: a bot killed mid-batch is restarted and sends what it held at
    once, instead of when the leases run out. ``is_gone`` decides for each holder
    (``lease_holders.is_gone``).
    """
    holders = conn.execute(
        select(deliveries.c.lease_holder)
        .where(and_(deliveries.c.lease_holder.is_not(None), deliveries.c.lease_until >= now))
        .distinct()
    ).scalars()
    gone = [h for h in holders if is_gone(h)]
    if not gone:
        return 0
    done = conn.execute(
        update(deliveries)
        .where(deliveries.c.lease_holder.in_(gone))
        .values(lease_until=None, lease_holder=None)
    )
    return int(done.rowcount or 0)


def _attempt(
    conn: Connection, claimed: Claimed, started: datetime, finished: datetime, outcome: str, error: str | None
) -> None:
    conn.execute(
        insert(delivery_attempts).values(
            delivery_id=claimed.id,
            attempt=claimed.attempts + 1,
            revision=claimed.revision,
            started_at=started,
            finished_at=finished,
            outcome=outcome,
            error=error,
        )
    )


@dataclass(frozen=True)
class Done:
    """A delivery the sink accepted: what it reported, and when the attempt ran."""

    claimed: Claimed
    result: Delivery
    started: datetime
    finished: datetime


_DONE_ATTEMPT = insert(delivery_attempts).values(
    delivery_id=bindparam("d_id"),
    attempt=bindparam("d_attempt"),
    revision=bindparam("d_revision"),
    started_at=bindparam("d_started"),
    finished_at=bindparam("d_finished"),
    outcome="delivered",
    error=None,
)
_DONE_COMMON: dict[str, Any] = {
    "delivered_revision": bindparam("d_revision"),
    "lease_until": None,
    "lease_holder": None,
    "last_error": None,
    "failing_since": None,
    "delivered_at": bindparam("d_finished"),
    "updated_at": bindparam("d_finished"),
    # A sink that reports no record id this time keeps the one it reported before.
    "external_id": func.coalesce(bindparam("d_external_id"), deliveries.c.external_id),
    "external_url": func.coalesce(bindparam("d_url"), deliveries.c.external_url),
}
_SAME_REVISION = deliveries.c.revision == bindparam("d_revision")
#: One statement for both cases: the claimed revision is delivered, or a newer revision arrived
#: meanwhile and stays pending, due now (a CASE per column rather than a second UPDATE per row).
_DONE = (
    update(deliveries)
    .where(deliveries.c.id == bindparam("d_id"))
    .values(
        status=case((_SAME_REVISION, DELIVERED), else_=deliveries.c.status),
        attempts=case((_SAME_REVISION, bindparam("d_attempt")), else_=0),
        next_attempt_at=case((_SAME_REVISION, deliveries.c.next_attempt_at), else_=bindparam("d_finished")),
        **_DONE_COMMON,
    )
)


def record_delivered(conn: Connection, done: Sequence[Done]) -> None:
    """Mark each claimed revision delivered; a newer revision that arrived meanwhile stays pending.

    Two statements for the whole batch (executemany), whatever its size: this is the hot path of
    draining a backlog (bench/dispatch.py).
    """
    if not done:
        return
    if conn.dialect.name == "postgresql":
        # Each executemany row is a statement of its own for PostgreSQL, planned anew each time
        # (``plan_cache_mode``, see store.db): COPY the attempts, and one UPDATE over arrays.
        writer = BulkWriter(conn)
        ids = [d.claimed.id for d in done]
        attempt = [d.claimed.attempts + 1 for d in done]
        revision = [d.claimed.revision for d in done]
        finished = [writer.timestamp(d.finished) for d in done]
        started = [writer.timestamp(d.started) for d in done]
        writer.insert(
            delivery_attempts,
            _ATTEMPT_COLUMNS,
            list(zip(ids, attempt, revision, started, finished, ["delivered"] * len(done), strict=True)),
        )
        arrays = {
            "d_id": ids,
            "d_attempt": attempt,
            "d_revision": revision,
            "d_finished": finished,
            "d_external_id": [d.result.external_id for d in done],
            "d_url": [d.result.url for d in done],
        }
        conn.execute(_DONE_FROM_ARRAYS, arrays)
        return
    params = [
        {
            "d_id": d.claimed.id,
            "d_attempt": d.claimed.attempts + 1,
            "d_revision": d.claimed.revision,
            "d_started": d.started,
            "d_finished": d.finished,
            "d_external_id": d.result.external_id,
            "d_url": d.result.url,
        }
        for d in done
    ]
    conn.execute(_DONE_ATTEMPT, params)
    conn.execute(_DONE, params)


_ATTEMPT_COLUMNS = ("delivery_id", "attempt", "revision", "started_at", "finished_at", "outcome")
#: ``_DONE`` for a whole batch in one statement (PostgreSQL): the rows come as one array per column.
_DONE_FROM_ARRAYS = text(
    """
    UPDATE deliveries SET
        status = CASE WHEN deliveries.revision = done.revision THEN :delivered ELSE deliveries.status END,
        attempts = CASE WHEN deliveries.revision = done.revision THEN done.attempt ELSE 0 END,
        next_attempt_at = CASE WHEN deliveries.revision = done.revision
            THEN deliveries.next_attempt_at ELSE done.finished END,
        delivered_revision = done.revision,
        lease_until = NULL,
        lease_holder = NULL,
        last_error = NULL,
        failing_since = NULL,
        delivered_at = done.finished,
        updated_at = done.finished,
        external_id = coalesce(done.external_id, deliveries.external_id),
        external_url = coalesce(done.url, deliveries.external_url)
    FROM unnest(
        CAST(:d_id AS integer[]), CAST(:d_attempt AS integer[]), CAST(:d_revision AS integer[]),
        CAST(:d_finished AS timestamp[]), CAST(:d_external_id AS text[]), CAST(:d_url AS text[])
    ) AS done (id, attempt, revision, finished, external_id, url)
    WHERE deliveries.id = done.id
    """
).bindparams(delivered=DELIVERED)


def record_retry(
    conn: Connection,
    claimed: Claimed,
    error: str,
    next_attempt_at: datetime,
    started: datetime,
    now: datetime,
) -> None:
    """Count a failed attempt and schedule the next one."""
    _attempt(conn, claimed, started, now, "retry", error)
    conn.execute(
        update(deliveries)
        .where(deliveries.c.id == claimed.id)
        .values(
            attempts=claimed.attempts + 1,
            next_attempt_at=next_attempt_at,
            lease_until=None,
            lease_holder=None,
            last_error=error,
            failing_since=claimed.failing_since or started,
            updated_at=now,
        )
    )


def record_dead(
    conn: Connection,
    claimed: Claimed,
    error: str,
    lead_snapshot: dict[str, Any],
    started: datetime,
    now: datetime,
    permanent: bool,
) -> None:
    """Give up on a delivery: status dead, and a dead letter with the reason and the lead as it was sent."""
    _attempt(conn, claimed, started, now, "permanent" if permanent else "retry", error)
    conn.execute(
        update(deliveries)
        .where(deliveries.c.id == claimed.id)
        .values(
            status=DEAD,
            attempts=claimed.attempts + 1,
            lease_until=None,
            lease_holder=None,
            last_error=error,
            updated_at=now,
        )
    )
    reason = error if permanent else f"gave up after {claimed.attempts + 1} attempts: {error}"
    conn.execute(
        insert(dead_letters).values(
            kind="delivery",
            origin=claimed.sink,
            raw_event_id=None,
            delivery_id=claimed.id,
            reason=reason,
            payload=json.dumps(lead_snapshot, ensure_ascii=False, sort_keys=True, default=str),
            created_at=now,
            replayed_at=None,
        )
    )


def release(conn: Connection, claimed: Sequence[Claimed]) -> None:
    """Give claims back untouched (the bot is stopping before it tried them)."""
    for part in chunked([c.id for c in claimed]):
        conn.execute(
            update(deliveries).where(deliveries.c.id.in_(part)).values(lease_until=None, lease_holder=None)
        )


def make_due(conn: Connection, sink: str, now: datetime) -> int:
    """Make every pending delivery of ``sink`` that waits on a backoff due now (its circuit closed:
    the backlog drains oldest first, instead of in the order the backoffs happen to expire)."""
    done = conn.execute(
        update(deliveries)
        .where(
            and_(
                deliveries.c.sink == sink,
                deliveries.c.status == PENDING,
                deliveries.c.next_attempt_at > now,
            )
        )
        .values(next_attempt_at=now)
    )
    return int(done.rowcount or 0)


def decide_held(conn: Connection, lead_id: int, release: bool, now: datetime) -> int:
    """Release a held lead's deliveries (they become due now) or reject them; returns how many."""
    values: dict[str, Any] = {"status": PENDING, "next_attempt_at": now} if release else {"status": REJECTED}
    done = conn.execute(
        update(deliveries)
        .where(and_(deliveries.c.lead_id == lead_id, deliveries.c.status == HELD))
        .values(updated_at=now, **values)
    )
    return int(done.rowcount or 0)


def replay_dead(
    conn: Connection, now: datetime, delivery_ids: Sequence[int] = (), sink: str | None = None
) -> int:
    """Put dead deliveries back in the queue (all, or by id or sink); returns how many."""
    query = select(deliveries.c.id).where(deliveries.c.status == DEAD)
    if delivery_ids:
        query = query.where(deliveries.c.id.in_(list(delivery_ids)))
    if sink:
        query = query.where(deliveries.c.sink == sink)
    ids = [row[0] for row in conn.execute(query)]
    for part in chunked(ids):
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(part))
            .values(
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                lease_until=None,
                lease_holder=None,
                failing_since=None,
                updated_at=now,
            )
        )
        conn.execute(
            update(dead_letters)
            .where(and_(dead_letters.c.delivery_id.in_(part), dead_letters.c.replayed_at.is_(None)))
            .values(replayed_at=now)
        )
    return len(ids)


def count_by_status(conn: Connection) -> dict[str, int]:
    """Deliveries per status."""
    rows = conn.execute(select(deliveries.c.status, func.count()).group_by(deliveries.c.status))
    return {row[0]: int(row[1]) for row in rows}
