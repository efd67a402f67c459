"""Sales work on a lead: its status, its owner and notes, each change audited in the transaction that
makes it (docs/api.md).

Called by ``PATCH /api/v1/leads/{id}`` inside one ``engine.begin()`` block, so a request's changes
and their audit entries are written together or not at all. Every status change goes through
``change_status``: the one place where pushing the status to the CRMs that model it will hook in.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from socialleads.models import LeadStatus
from socialleads.store import audit
from socialleads.store.status_push import queue_status_push
from socialleads.store.tables import lead_notes, leads


class LeadWorkError(ValueError):
    """A change that cannot be made as asked; the message says why, for people."""


class NoSuchLead(LookupError):
    """The lead does not exist (any more)."""


@dataclass(frozen=True)
class Change:
    """One audited change: what was done and the values before and after."""

    action: str
    before: dict[str, Any] | None
    after: dict[str, Any]
    deliveries_due: int = 0
    """Deliveries the change made due now (a status pushed to the CRMs): wake the dispatcher."""


@dataclass(frozen=True)
class LeadPatch:
    """What one request changes; ``owner_given`` tells "unassign" (owner None) from "leave it"."""

    status: LeadStatus | None = None
    status_reason: str | None = None
    owner: str | None = None
    owner_given: bool = False
    note: str | None = None


def _locked(conn: Connection, lead_id: int) -> RowMapping:
    """The lead's row, locked until the transaction ends (PostgreSQL; SQLite's writer holds the
    database already); raises NoSuchLead."""
    query = select(leads.c.id, leads.c.key, leads.c.status, leads.c.status_reason, leads.c.owner).where(
        leads.c.id == lead_id
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NoSuchLead(f"no lead {lead_id}")
    return row


def _text(value: str | None) -> str | None:
    """``value`` stripped; None for blank."""
    stripped = value.strip() if value is not None else None
    return stripped or None


def _target(row: RowMapping) -> str:
    return f"lead:{row['key']}"


def change_status(
    conn: Connection,
    lead_id: int,
    status: LeadStatus,
    reason: str | None,
    actor: str,
    now: datetime,
    status_sinks: Collection[str] = (),
) -> Change | None:
    """Set the lead's sales status (and its reason), stamp who and when, and audit it; None when
    nothing changes. Called inside the caller's transaction.

    ``lost`` needs a reason (why it was lost). Raises LeadWorkError for a lost without a reason,
    NoSuchLead for an unknown lead.

    The new status goes to the sinks named in ``status_sinks`` (those that model a status: HubSpot
    lifecycle stage, Salesforce Lead status, Pipedrive label) as a delivery like any other
    (``store.status_push``).
    """
    reason = _text(reason)
    if status is LeadStatus.LOST and reason is None:
        raise LeadWorkError("a lost lead needs a reason: give status_reason")
    row = _locked(conn, lead_id)
    before = {"status": row["status"], "status_reason": row["status_reason"]}
    after = {"status": status.value, "status_reason": reason}
    if before == after:
        return None
    conn.execute(
        update(leads)
        .where(leads.c.id == lead_id)
        .values(status=status.value, status_reason=reason, status_changed_at=now, status_changed_by=actor)
    )
    pushed = queue_status_push(conn, lead_id, now, status_sinks)
    change = Change("lead.status", before, after, deliveries_due=pushed.due if pushed else 0)
    audit.record(
        conn, actor=actor, action=change.action, target=_target(row), before=before, after=after, now=now
    )
    return change


def change_owner(
    conn: Connection, lead_id: int, owner: str | None, actor: str, now: datetime
) -> Change | None:
    """Give the lead to ``owner`` (a name or email, as routing writes them; None: nobody) and audit
    it; None when it already is theirs. Raises NoSuchLead."""
    owner = _text(owner)
    row = _locked(conn, lead_id)
    if row["owner"] == owner:
        return None
    conn.execute(update(leads).where(leads.c.id == lead_id).values(owner=owner))
    change = Change("lead.owner", {"owner": row["owner"]}, {"owner": owner})
    audit.record(
        conn,
        actor=actor,
        action=change.action,
        target=_target(row),
        before=change.before,
        after=change.after,
        now=now,
    )
    return change


def add_note(conn: Connection, lead_id: int, body: str, author: str, now: datetime) -> Change:
    """Append a note by ``author`` at ``now`` and audit it. Raises LeadWorkError for a blank note,
    NoSuchLead."""
    text = _text(body)
    if text is None:
        raise LeadWorkError("a note cannot be empty")
    row = _locked(conn, lead_id)
    conn.execute(insert(lead_notes).values(lead_id=lead_id, author=author, body=text, created_at=now))
    change = Change("lead.note", None, {"author": author, "body": text, "created_at": now.isoformat()})
    audit.record(
        conn,
        actor=author,
        action=change.action,
        target=_target(row),
        before=None,
        after=change.after,
        now=now,
    )
    return change


def apply_patch(
    conn: Connection,
    lead_id: int,
    patch: LeadPatch,
    actor: str,
    now: datetime,
    status_sinks: Collection[str] = (),
) -> list[Change]:
    """Make every change ``patch`` asks for (status, owner, note) in the caller's transaction; returns
    those made. A status change is pushed to ``status_sinks``. Raises LeadWorkError (nothing is then
    written: the caller's transaction rolls back), NoSuchLead."""
    if patch.status is None and patch.status_reason is not None:
        raise LeadWorkError("status_reason goes with a status")
    changes: list[Change | None] = []
    if patch.status is not None:
        changes.append(
            change_status(conn, lead_id, patch.status, patch.status_reason, actor, now, status_sinks)
        )
    if patch.owner_given:
        changes.append(change_owner(conn, lead_id, patch.owner, actor, now))
    if patch.note is not None:
        changes.append(add_note(conn, lead_id, patch.note, actor, now))
    return [c for c in changes if c is not None]
