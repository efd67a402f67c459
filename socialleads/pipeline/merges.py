"""Two leads made one, or one touch made a lead of its own: a person's decision, undoable both ways.

Identity only merges on evidence that agrees (``pipeline.identity``); what it cannot decide, people
do here, from ``socialleads leads merge|split`` and the API:

- **merge** ``gone`` into ``kept``: every touch, identity key and note of ``gone`` moves to ``kept``,
  whose empty contact fields are filled from ``gone`` and which keeps the better intent and quality.
  ``gone`` stays as a row pointing to ``kept`` (``leads.merged_into``), so its key still answers.
  Deliveries keep CRM records straight: where only ``gone`` had a record in a sink, ``kept`` takes
  that delivery row over and updates that record; where both had one, ``kept`` updates its own and
  ``gone``'s record is left as it is (reported, so a person can mark it duplicate in the CRM: doing
  so through the CRMs' merge APIs is not built). ``kept`` goes out again as an update.
- **split** a touch off: it becomes a new lead (its own contact, keys and a new key), re-qualified
  as the store step would, delivered as new to the sinks the lead had (a CRM creates a record of its
  own); the lead it left is recomputed from its other touches and goes out again as an update. The
  pair is remembered as two people (a rejected link), so it is never proposed again.

Every decision is written to the audit log and to ``lead_links``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, delete, exists, select, update

from socialleads.models import Contact, LeadDraft, Qualification
from socialleads.pipeline.identity import identity_keys
from socialleads.store import audit, lead_links, outbox
from socialleads.store import leads as lead_store
from socialleads.store.tables import deliveries, identities, identity_givers, lead_notes, leads, touches

CONTACT_COLUMNS = lead_store.CONTACT_COLUMNS


class LeadChangeRefused(ValueError):
    """A merge or split that cannot be done as asked; the message says why, for the person who asked."""


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge did."""

    kept: int
    merged: int
    touches_moved: int
    records_taken_over: tuple[str, ...]
    """Sinks where only the merged lead had a record: the kept lead updates that record now."""
    records_left: tuple[str, ...]
    """Sinks where both had a record: the kept lead updates its own; the other is left in the CRM."""
    deliveries_due: int


@dataclass(frozen=True)
class SplitOutcome:
    """What a split did: the lead the touch left, and the new lead it became."""

    original: int
    new_lead: int
    new_key: str
    deliveries_due: int


def _locked(conn: Connection, lead_ids: list[int]) -> dict[int, RowMapping]:
    rows = lead_store.current_rows(conn, lead_ids, for_update=True)
    for lead_id in lead_ids:
        row = rows.get(lead_id)
        if row is None:
            raise LeadChangeRefused(f"no lead #{lead_id}")
        if row["merged_into"] is not None:
            raise LeadChangeRefused(f"lead #{lead_id} was merged into lead #{row['merged_into']} already")
    return rows


def merge_leads(engine: Engine, kept: int, gone: int, actor: str, now: datetime) -> MergeOutcome:
    """Merge lead ``gone`` into lead ``kept`` (see the module docstring); raises ``LeadChangeRefused``."""
    with engine.begin() as conn:
        return merge_in(conn, kept, gone, actor, "merged by a person", now)


def merge_in(conn: Connection, kept: int, gone: int, actor: str, why: str, now: datetime) -> MergeOutcome:
    """``merge_leads`` inside the caller's transaction (the store step merges two known leads a new
    touch proves to be one person, ``why`` in words); raises ``LeadChangeRefused``."""
    if kept == gone:
        raise LeadChangeRefused("a lead cannot be merged into itself")
    rows = _locked(conn, sorted({kept, gone}))
    keep, other = rows[kept], rows[gone]
    moved = _move_children(conn, gone, kept)
    revision = keep["revision"] + 1
    conn.execute(update(leads).where(leads.c.id == kept).values(**_merged_values(keep, other, revision, now)))
    conn.execute(
        update(leads)
        .where(leads.c.id == gone)
        .values(merged_into=kept, touch_count=0, revision=other["revision"] + 1, updated_at=now)
    )
    taken, left = _take_over_deliveries(conn, kept, gone, now)
    due = _deliver_again(conn, kept, keep["key"], revision, now)
    lead_links.decide(conn, kept, gone, lead_links.CONFIRMED, why, actor, now)
    audit.record(
        conn, actor=actor, action="lead.merge", target=f"lead:{kept}",
        before={"merged": gone}, after={"touches_moved": moved, "records_taken_over": taken}, now=now,
    )  # fmt: skip
    return MergeOutcome(kept, gone, moved, tuple(taken), tuple(left), due)


def _move_children(conn: Connection, gone: int, kept: int) -> int:
    """Move ``gone``'s touches, identity keys and notes to ``kept``; returns how many touches moved."""
    moved = conn.execute(update(touches).where(touches.c.lead_id == gone).values(lead_id=kept)).rowcount
    conn.execute(update(identities).where(identities.c.lead_id == gone).values(lead_id=kept))
    also_kept = identity_givers.alias("also_kept")
    conn.execute(
        delete(identity_givers).where(
            identity_givers.c.lead_id == gone,
            exists().where(
                also_kept.c.lead_id == kept,
                also_kept.c.kind == identity_givers.c.kind,
                also_kept.c.value == identity_givers.c.value,
            ),
        )
    )
    conn.execute(update(identity_givers).where(identity_givers.c.lead_id == gone).values(lead_id=kept))
    conn.execute(update(lead_notes).where(lead_notes.c.lead_id == gone).values(lead_id=kept))
    return int(moved or 0)


def _merged_values(keep: RowMapping, other: RowMapping, revision: int, now: datetime) -> dict[str, Any]:
    """The kept lead's columns after the merge: empty contact fields filled, the better scores kept."""
    values: dict[str, Any] = {c: keep[c] if keep[c] is not None else other[c] for c in CONTACT_COLUMNS}
    if (other["intent_score"] or -1.0) > (keep["intent_score"] or -1.0):
        values.update(intent_score=other["intent_score"], intent=other["intent"])
    if (other["quality_score"] or -1) > (keep["quality_score"] or -1):
        values.update(quality_score=other["quality_score"], grade=other["grade"], quality=other["quality"])
    values.update(
        touch_count=keep["touch_count"] + other["touch_count"],
        owner=keep["owner"] or other["owner"],
        revision=revision,
        updated_at=now,
    )
    return values


def _take_over_deliveries(
    conn: Connection, kept: int, gone: int, now: datetime
) -> tuple[list[str], list[str]]:
    """Give ``kept`` the delivery rows (and so the CRM records) of ``gone`` in sinks it has none in;
    ``gone``'s rows not sent yet where ``kept`` has one are never sent (``kept`` goes out instead)."""
    query = select(
        deliveries.c.id,
        deliveries.c.lead_id,
        deliveries.c.sink,
        deliveries.c.external_id,
        deliveries.c.status,
    )
    found = conn.execute(query.where(deliveries.c.lead_id.in_([kept, gone]))).all()
    kept_sinks = {r.sink for r in found if r.lead_id == kept}
    gone_rows = [r for r in found if r.lead_id == gone]
    taken = sorted(r.sink for r in gone_rows if r.sink not in kept_sinks)
    left = sorted(r.sink for r in gone_rows if r.sink in kept_sinks and r.external_id)
    moved = [r.id for r in gone_rows if r.sink not in kept_sinks]
    if moved:
        conn.execute(update(deliveries).where(deliveries.c.id.in_(moved)).values(lead_id=kept))
    unsent = [r.id for r in gone_rows if r.sink in kept_sinks and r.status in (outbox.PENDING, outbox.HELD)]
    if unsent:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(unsent))
            .values(status=outbox.REJECTED, last_error=f"merged into lead #{kept}", updated_at=now)
        )
    return taken, left


def _deliver_again(conn: Connection, lead_id: int, key: str, revision: int, now: datetime) -> int:
    """Deliver ``lead_id`` at ``revision`` to every sink it has a delivery row in (an update)."""
    rows = conn.execute(select(deliveries.c.sink, deliveries.c.route).where(deliveries.c.lead_id == lead_id))
    sinks = {r.sink: r.route for r in rows}
    if not sinks:
        return 0
    return outbox.enqueue(conn, [outbox.Plan(lead_id, revision, key, sinks)], now).due


#: Re-qualifies a split-off touch as the store step would: ``(draft, campaign name) -> qualification``.
Requalify = Callable[[LeadDraft, str | None], Qualification]


def split_lead(
    engine: Engine, lead_id: int, touch_id: int, actor: str, now: datetime, requalify: Requalify
) -> SplitOutcome:
    """Make touch ``touch_id`` of lead ``lead_id`` a lead of its own (see the module docstring)."""
    with engine.begin() as conn:
        row = _locked(conn, [lead_id])[lead_id]
        lead_touches = conn.execute(
            select(touches).where(touches.c.lead_id == lead_id).order_by(touches.c.received_at, touches.c.id)
        ).mappings().all()  # fmt: skip
        touch = next((t for t in lead_touches if t["id"] == touch_id), None)
        if touch is None:
            raise LeadChangeRefused(f"lead #{lead_id} has no touch #{touch_id}")
        if len(lead_touches) < 2:
            raise LeadChangeRefused(f"lead #{lead_id} has only this touch: there is nothing to split it from")
        rest = [t for t in lead_touches if t["id"] != touch_id]
        draft = _draft_of(touch)
        new_id, new_key = _new_lead_of(conn, row, touch, draft, requalify(draft, row["campaign"]), now)
        conn.execute(update(touches).where(touches.c.id == touch_id).values(lead_id=new_id))
        _move_keys(conn, lead_id, new_id, draft, rest)
        revision = row["revision"] + 1
        conn.execute(update(leads).where(leads.c.id == lead_id).values(**_recomputed(rest, revision, now)))
        sinks = {r.sink: r.route for r in conn.execute(
            select(deliveries.c.sink, deliveries.c.route).where(deliveries.c.lead_id == lead_id)
        )}  # fmt: skip
        due = _deliver_again(conn, lead_id, row["key"], revision, now)
        if sinks:
            due += outbox.enqueue(conn, [outbox.Plan(new_id, 1, new_key, sinks, is_new=True)], now).due
        lead_links.decide(
            conn, lead_id, new_id, lead_links.REJECTED, f"touch #{touch_id} split off", actor, now
        )
        audit.record(
            conn, actor=actor, action="lead.split", target=f"lead:{lead_id}",
            before={"touch": touch_id}, after={"new_lead": new_id}, now=now,
        )  # fmt: skip
    return SplitOutcome(lead_id, new_id, new_key, due)


def _draft_of(touch: RowMapping) -> LeadDraft:
    """A stored touch as the draft it was made from (for its keys and its qualification)."""
    return LeadDraft.model_validate(
        {
            "native_id": touch["native_id"],
            "kind": touch["kind"],
            "platform": touch["platform"],
            "occurred_at": touch["occurred_at"],
            "contact": touch["contact"] or {},
            "handle": touch["handle"],
            "message": touch["message"],
            "url": touch["url"],
            "answers": touch["answers"] or {},
            "consents": touch["consents"] or (),
            "context": touch["context"] or {},
        }
    )


def _new_lead_of(
    conn: Connection, row: RowMapping, touch: RowMapping, draft: LeadDraft, q: Qualification, now: datetime
) -> tuple[int, str]:
    """Insert the lead a split-off touch becomes; returns its id and key."""
    key = outbox.lead_key(touch["source"], f"{touch['native_id']}\x1fsplit:{row['id']}")
    contact = draft.contact.model_dump()
    result = conn.execute(
        leads.insert().values(
            key=key,
            campaign=row["campaign"],
            **{c: contact[c] for c in CONTACT_COLUMNS},
            contact_flags=list(touch["flags"] or []),
            intent_score=q.intent.score if q.intent else None,
            intent=q.intent.model_dump(mode="json") if q.intent else None,
            quality_score=q.quality.score if q.quality else None,
            grade=q.quality.grade if q.quality else None,
            quality=q.quality.model_dump(mode="json") if q.quality else None,
            revision=1,
            touch_count=1,
            route=row["route"],
            created_at=now,
            updated_at=now,
        )
    )
    inserted = result.inserted_primary_key
    assert inserted is not None
    return int(inserted[0]), key


def _move_keys(conn: Connection, lead_id: int, new_id: int, draft: LeadDraft, rest: list[RowMapping]) -> None:
    """Move to the new lead the identity keys only its touch gave; keys other touches gave stay."""
    staying = {key for t in rest for key in identity_keys(_draft_of(t))}
    for kind, value in identity_keys(draft):
        if (kind, value) not in staying:
            conn.execute(
                update(identities)
                .where(
                    identities.c.kind == kind, identities.c.value == value, identities.c.lead_id == lead_id
                )
                .values(lead_id=new_id)
            )


def _recomputed(rest: list[RowMapping], revision: int, now: datetime) -> dict[str, Any]:
    """A lead's contact from its remaining touches (the first given value of each field, oldest first)."""
    values: dict[str, Any] = dict.fromkeys(CONTACT_COLUMNS)
    for touch in rest:
        given = Contact.model_validate(touch["contact"] or {})
        for column in CONTACT_COLUMNS:
            if values[column] is None:
                values[column] = getattr(given, column)
    return {**values, "touch_count": len(rest), "revision": revision, "updated_at": now}
