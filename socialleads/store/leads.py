"""Leads, the identities that find them again, their touches and the notes people wrote on them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, RowMapping, bindparam, exists, func, select, update

from socialleads.identifiers import SHARED_AT, identifier_notes
from socialleads.models import (
    CONTACT_FIELDS,
    Handle,
    Lead,
    Touch,
)
from socialleads.store.events import chunked
from socialleads.store.tables import identities, identity_givers, lead_notes, leads, raw_events, touches

IdentityKey = tuple[str, str]
CONTACT_COLUMNS = CONTACT_FIELDS  # the leads table has one column per contact field


#: Built once: a webhook's one-event chunk runs each of these, and building is half their cost.
_IDENTITIES = select(identities.c.value, identities.c.lead_id, identities.c.people).where(
    identities.c.kind == bindparam("kind"), identities.c.value.in_(bindparam("values", expanding=True))
)
_LEAD_ROWS = select(leads).where(leads.c.id.in_(bindparam("ids", expanding=True)))
_TOUCH_ROWS = (
    select(touches)
    .where(touches.c.lead_id.in_(bindparam("ids", expanding=True)))
    .order_by(touches.c.received_at, touches.c.id)
)
#: The lead rows with whether each has notes: one probe of the ``lead_notes`` index per lead, so a
#: batch of leads without notes (nearly every dispatch batch) costs no query for them.
_LEAD_ROWS_NOTED = select(leads, exists().where(lead_notes.c.lead_id == leads.c.id).label("has_notes")).where(
    leads.c.id.in_(bindparam("ids", expanding=True))
)
_NOTE_ROWS = (
    select(lead_notes.c.lead_id, lead_notes.c.author, lead_notes.c.created_at, lead_notes.c.body)
    .where(lead_notes.c.lead_id.in_(bindparam("ids", expanding=True)))
    .order_by(lead_notes.c.created_at, lead_notes.c.id)
)


class KnownKey(NamedTuple):
    """A stored identity key: the lead it finds, and how many distinct people gave it."""

    lead_id: int
    people: int


def find_identities(conn: Connection, keys: Sequence[IdentityKey]) -> dict[IdentityKey, KnownKey]:
    """The lead id and people count of every known key among ``keys``.

    One query per kind with ``value IN (...)``: SQLite does not use the (kind, value) index for a
    row-value IN list, and this form is as fast on PostgreSQL.
    """
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in keys:
        by_kind[kind].append(value)
    found: dict[IdentityKey, KnownKey] = {}
    for kind, values in by_kind.items():
        for part in chunked(values):
            rows = conn.execute(_IDENTITIES, {"kind": kind, "values": list(part)})
            found.update({(kind, r[0]): KnownKey(r[1], r[2]) for r in rows})
    return found


def count_people(conn: Connection, more: dict[IdentityKey, int]) -> None:
    """Add ``more[key]`` people to each stored key (people who gave it without joining its lead)."""
    statement = (
        update(identities)
        .where(identities.c.kind == bindparam("k"), identities.c.value == bindparam("v"))
        .values(people=identities.c.people + bindparam("n"))
    )
    rows = [{"k": kind, "v": value, "n": n} for (kind, value), n in sorted(more.items())]
    if rows:
        conn.execute(statement, rows)


def phone_givers(conn: Connection, phones: Sequence[str], per_phone: int) -> dict[str, list[RowMapping]]:
    """The newest ``per_phone`` leads (not merged away) that gave each of these shared ``phones``,
    newest last, with the columns identity evidence reads (``id``, ``email`` and the name columns)."""
    ranked = (
        select(
            leads.c.id, identity_givers.c.value.label("phone"), leads.c.email,
            leads.c.full_name, leads.c.first_name, leads.c.last_name,
            func.row_number().over(
                partition_by=identity_givers.c.value, order_by=identity_givers.c.id.desc()
            ).label("rank"),
        )
        .join(leads, leads.c.id == identity_givers.c.lead_id)
        .where(
            identity_givers.c.kind == "phone",
            identity_givers.c.value.in_(bindparam("phones", expanding=True)),
            leads.c.merged_into.is_(None),
        )
        .subquery()
    )  # fmt: skip
    query = select(ranked).where(ranked.c.rank <= per_phone).order_by(ranked.c.phone, ranked.c.rank.desc())
    found: dict[str, list[RowMapping]] = defaultdict(list)
    for part in chunked(sorted(set(phones))):
        for row in conn.execute(query, {"phones": list(part)}).mappings():
            found[row["phone"]].append(row)
    return found


def add_givers(conn: Connection, givers: Sequence[tuple[str, str, int]], now: datetime) -> None:
    """Record ``(kind, value, lead id)``: that lead gave that shared key."""
    if givers:
        conn.execute(
            identity_givers.insert(),
            [{"kind": k, "value": v, "lead_id": lead_id, "created_at": now} for k, v, lead_id in givers],
        )


def shared_phones(conn: Connection, phones: Sequence[str]) -> dict[str, int]:
    """How many people gave each of ``phones`` that two or more gave (shared numbers)."""
    found: dict[str, int] = {}
    query = select(identities.c.value, identities.c.people).where(
        identities.c.kind == "phone",
        identities.c.value.in_(bindparam("values", expanding=True)),
        identities.c.people >= SHARED_AT,
    )
    for part in chunked(sorted(set(phones))):
        found.update({r[0]: r[1] for r in conn.execute(query, {"values": list(part)})})
    return found


#: The touch made from a stored event, found by the event's (source, native id).
_TOUCHES_OF_EVENTS = (
    select(raw_events.c.native_id, touches.c.id, touches.c.lead_id, touches.c.message, touches.c.context)
    .join(touches, touches.c.raw_event_id == raw_events.c.id)
    .where(
        raw_events.c.source == bindparam("source"),
        raw_events.c.native_id.in_(bindparam("native_ids", expanding=True)),
    )
)


def touches_of_events(conn: Connection, source: str, native_ids: Sequence[str]) -> dict[str, RowMapping]:
    """The touch each of ``native_ids`` (events of ``source``) made, with its lead id, message and context.

    Events that made no touch (ignored, dead, not stored) are absent. Through the unique indexes of
    ``raw_events`` (source, native id) and ``touches.raw_event_id``.
    """
    found: dict[str, RowMapping] = {}
    for part in chunked(list(native_ids)):
        for row in conn.execute(_TOUCHES_OF_EVENTS, {"source": source, "native_ids": list(part)}).mappings():
            found[row["native_id"]] = row
    return found


def current_rows(
    conn: Connection, lead_ids: Sequence[int], for_update: bool = False
) -> dict[int, RowMapping]:
    """The lead rows for ``lead_ids``.

    ``for_update`` locks them until the transaction ends (PostgreSQL; on SQLite the writer holds the
    whole database already), in id order so that two writers never wait on each other in a circle:
    the store step, which rewrites a lead it read, must not overwrite what a person changed through
    the API in between (an owner, a status push's revision).
    """
    query = _LEAD_ROWS.order_by(leads.c.id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    found: dict[int, RowMapping] = {}
    for part in chunked(sorted(lead_ids)):
        for row in conn.execute(query, {"ids": list(part)}).mappings():
            found[row["id"]] = row
    return found


#: Touch fields read from their column of the same name.
_TOUCH_FIELDS = tuple(
    name for name in Touch.model_fields if name not in ("answers", "consents", "context", "flags")
)


def _touch_fields(row: RowMapping) -> dict[str, Any]:
    """A touch row as ``Touch`` fields (its JSON columns hold the nested records as dicts)."""
    fields = {name: row[name] for name in _TOUCH_FIELDS}
    fields["answers"] = row["answers"] or {}
    fields["consents"] = row["consents"] or ()
    fields["context"] = row["context"] or {}
    fields["flags"] = row["flags"] or ()
    return fields


def lead_from_rows(
    row: RowMapping, touch_rows: Sequence[RowMapping], note_rows: Sequence[RowMapping] = ()
) -> Lead:
    """Assemble a ``Lead`` from its row, its touch rows and its note rows (oldest first).

    One ``model_validate`` over plain dicts builds the whole lead, nested records included: pydantic
    then validates them in one pass instead of one call per record (a third of loading a batch).
    """
    handles: dict[str, Handle] = {}
    for t in touch_rows:
        if t["handle"]:
            handle = Handle.model_validate(t["handle"])
            handles[handle.identity_value() or handle.model_dump_json()] = handle
    contact = {c: row[c] for c in CONTACT_COLUMNS}
    contact["flags"] = row["contact_flags"] or ()
    return Lead.model_validate(
        {
            "id": row["id"],
            "contact": contact,
            "handles": tuple(handles.values()),
            "campaign": row["campaign"],
            "touches": [_touch_fields(t) for t in touch_rows],
            "intent": row["intent"],
            "quality": row["quality"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "revision": row["revision"],
            "owner": row["owner"],
            "status": row["status"],
            "status_reason": row["status_reason"],
            "status_changed_at": row["status_changed_at"],
            "notes": [
                {"author": n["author"], "created_at": n["created_at"], "body": n["body"]} for n in note_rows
            ],
        }
    )


def _rows_by_lead(conn: Connection, query: Any, lead_ids: Sequence[int]) -> dict[int, list[RowMapping]]:
    """The rows ``query`` finds for ``lead_ids`` (its ``ids`` parameter), grouped by their ``lead_id``."""
    by_lead: dict[int, list[RowMapping]] = defaultdict(list)
    for part in chunked(list(lead_ids)):
        for found in conn.execute(query, {"ids": list(part)}).mappings():
            by_lead[found["lead_id"]].append(found)
    return by_lead


def load_leads(conn: Connection, lead_ids: Sequence[int]) -> dict[int, Lead]:
    """Full leads with every touch (oldest first), their status and their notes (oldest first).

    Called by the dispatcher for each batch and by the commands that show leads. Notes are read only
    for the leads that have any (the lead query tells, with an index probe per lead), so a batch of
    leads without notes costs no query more.
    """
    rows: dict[int, RowMapping] = {}
    for part in chunked(list(lead_ids)):
        for row in conn.execute(_LEAD_ROWS_NOTED, {"ids": list(part)}).mappings():
            rows[row["id"]] = row
    touch_rows = _rows_by_lead(conn, _TOUCH_ROWS, list(rows))
    noted = [lead_id for lead_id, row in rows.items() if row["has_notes"]]
    note_rows = _rows_by_lead(conn, _NOTE_ROWS, noted) if noted else {}
    assembled = {
        lead_id: (lead_from_rows(row, touch_rows[lead_id], note_rows.get(lead_id, ())), row)
        for lead_id, row in rows.items()
    }
    return with_identifier_notes(conn, assembled)


def with_identifier_notes(conn: Connection, assembled: dict[int, tuple[Lead, RowMapping]]) -> dict[int, Lead]:
    """Each lead with what sales should know about its email and phone as identifiers (a shared
    number, a placeholder, a team's mailbox), from its row."""
    shared = shared_phones(conn, [row["phone"] for _, row in assembled.values() if row["phone"]])
    loaded = {}
    for lead_id, (lead, row) in assembled.items():
        notes = identifier_notes(row["email"], row["phone"], shared.get(row["phone"]))
        loaded[lead_id] = lead.model_copy(update={"identifier_notes": notes}) if notes else lead
    return loaded


def load_lead(conn: Connection, lead_id: int) -> Lead | None:
    """One lead with its touches, or None."""
    return load_leads(conn, [lead_id]).get(lead_id)


def list_lead_ids(
    conn: Connection, limit: int | None = None, campaign: str | None = None, since: datetime | None = None
) -> list[int]:
    """Lead ids, newest first, optionally by campaign and creation time."""
    query = select(leads.c.id).where(leads.c.merged_into.is_(None))
    query = query.order_by(leads.c.created_at.desc(), leads.c.id.desc())
    if campaign:
        query = query.where(leads.c.campaign == campaign)
    if since:
        query = query.where(leads.c.created_at >= since)
    if limit:
        query = query.limit(limit)
    return [row[0] for row in conn.execute(query)]
