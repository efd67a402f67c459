"""The store step: one chunk of raw events with their leads, touches, identities and outbox rows,
written in one transaction (DESIGN §2).

Polls and webhooks both end here. Storing an event that is already stored changes nothing; a
concurrent writer storing the same event first makes this chunk retry once and skip it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from socialleads.configuration.models import Campaign, DefaultRoute
from socialleads.errors import SkippableRecordError
from socialleads.models import (
    Contact,
    LeadDraft,
    Qualification,
    RawEvent,
    ReceivedVia,
)
from socialleads.pipeline.identity import IdentityResolver, LeadRef, Match, NewLead, identity_keys
from socialleads.pipeline.normalize import normalize, without_nul
from socialleads.pipeline.routing import RouteFacts, route
from socialleads.qualify import Qualifier
from socialleads.store import events as event_store
from socialleads.store import leads as lead_store
from socialleads.store import outbox
from socialleads.store.bulk import BulkWriter
from socialleads.store.state import PollCounts
from socialleads.store.tables import identities as identities_table
from socialleads.store.tables import leads as leads_table
from socialleads.store.tables import raw_events as raw_events_table
from socialleads.store.tables import touches as touches_table

log = logging.getLogger("socialleads.ingest")
CONTACT_COLUMNS = lead_store.CONTACT_COLUMNS


@dataclass(frozen=True)
class SourceBinding:
    """What the store step needs to know about the source an event came from."""

    name: str
    platform: str
    campaign_name: str | None = None
    campaign: Campaign | None = None
    phone_region: str | None = None


@dataclass
class Prepared:
    """One event after parse → normalize → qualify, before it is stored."""

    event: RawEvent
    draft: LeadDraft | None = None
    qualification: Qualification | None = None
    problem: str | None = None

    @property
    def status(self) -> str:
        """``dead`` (unusable), ``lead`` or ``ignored`` (kept as a raw event only)."""
        if self.problem is not None or self.draft is None or self.qualification is None:
            return "dead"
        return "lead" if self.qualification.is_lead else "ignored"


def prepare(
    parse: Callable[[RawEvent], LeadDraft],
    binding: SourceBinding,
    events: Iterable[RawEvent],
    qualifier: Qualifier,
) -> list[Prepared]:
    """Parse, normalize and qualify each event; an unusable one carries the reason instead of a draft."""
    prepared = []
    for event in events:
        try:
            draft = parse(event)
        except SkippableRecordError as exc:
            prepared.append(Prepared(event, problem=str(exc)))
            continue
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            # A payload the connector did not expect: keep it for a person to look at, never lose it.
            prepared.append(Prepared(event, problem=f"could not parse: {type(exc).__name__}: {exc}"))
            continue
        draft = normalize(draft, binding.phone_region)
        prepared.append(Prepared(event, draft, qualifier.qualify(draft, binding.campaign)))
    return prepared


@dataclass
class _LeadWork:
    """What this chunk does to one lead."""

    ref: LeadRef
    values: dict[str, Any]
    touches: int = 0
    latest: LeadDraft | None = None
    first_native_id: str | None = None


@dataclass
class ChunkResult:
    """Counts of one stored chunk and how many deliveries it made due."""

    counts: PollCounts = field(default_factory=PollCounts)
    deliveries_due: int = 0


def _qualification_values(q: Qualification) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if q.intent is not None:
        values["intent_score"] = q.intent.score
        values["intent"] = q.intent.model_dump(mode="json")
    if q.quality is not None:
        values["quality_score"] = q.quality.score
        values["grade"] = q.quality.grade
        values["quality"] = q.quality.model_dump(mode="json")
    return values


def _absorb(values: dict[str, Any], contact: Contact, q: Qualification) -> None:
    """Fill the lead's empty contact fields from a new touch; keep the better intent and quality."""
    for column in CONTACT_COLUMNS:
        if values.get(column) is None:
            new = getattr(contact, column)
            if new is not None:
                values[column] = new
    flags = [f for f in values.get("contact_flags") or [] if values.get(f["field"]) is None]
    for flag in contact.flags:
        dumped = flag.model_dump()
        if values.get(flag.field) is None and dumped not in flags:
            flags.append(dumped)
    values["contact_flags"] = flags
    new_q = _qualification_values(q)
    if "intent_score" in new_q and (values.get("intent_score") or -1.0) < new_q["intent_score"]:
        values.update({k: new_q[k] for k in ("intent_score", "intent")})
    if "quality_score" in new_q and (values.get("quality_score") or -1) < new_q["quality_score"]:
        values.update({k: new_q[k] for k in ("quality_score", "grade", "quality")})


def _json_or_none(value: Any) -> str | None:
    return json.dumps(value) if value else None


_RAW_COLUMNS = (
    "id",
    "source",
    "native_id",
    "kind",
    "received_via",
    "occurred_at",
    "received_at",
    "payload",
    "status",
    "status_reason",
    "poll_run_id",
)
_TOUCH_COLUMNS = (
    "lead_id",
    "raw_event_id",
    "source",
    "native_id",
    "platform",
    "kind",
    "received_via",
    "occurred_at",
    "received_at",
    "merge_reason",
    "message",
    "url",
    "contact",
    "handle",
    "answers",
    "consents",
    "context",
    "flags",
)
_LEAD_COLUMNS = (
    "id",
    "campaign",
    *CONTACT_COLUMNS,
    "contact_flags",
    "intent_score",
    "intent",
    "quality_score",
    "grade",
    "quality",
    "revision",
    "touch_count",
    "created_at",
    "updated_at",
)
_EMPTY_JSON_LIST = "[]"
_EMPTY_JSON_OBJECT = "{}"


def _raw_row(
    w: BulkWriter,
    event_id: int,
    binding: SourceBinding,
    item: Prepared,
    via: str,
    run_id: int | None,
    received: Any,
) -> tuple[Any, ...]:
    status = item.status
    reason = (
        item.problem if status == "dead" else (item.qualification.why_not if item.qualification else None)
    )
    event = item.event
    return (
        event_id,
        binding.name,
        event.native_id,
        event.kind.value,
        via,
        w.timestamp(event.occurred_at),
        received,
        json.dumps(event.payload),
        status,
        without_nul(reason),
        run_id,
    )


def _contact_json(contact: Contact) -> str:
    return json.dumps({c: getattr(contact, c) for c in CONTACT_COLUMNS if getattr(contact, c) is not None})


def _touch_row(
    w: BulkWriter,
    lead_id: int,
    event_id: int,
    binding: SourceBinding,
    draft: LeadDraft,
    via: str,
    reason: str,
    received: Any,
) -> tuple[Any, ...]:
    flags = draft.contact.flags
    return (
        lead_id,
        event_id,
        binding.name,
        draft.native_id,
        draft.platform,
        draft.kind.value,
        via,
        w.timestamp(draft.occurred_at),
        received,
        reason,
        draft.message,
        draft.url,
        _contact_json(draft.contact),
        json.dumps(draft.handle.model_dump(mode="json", exclude_none=True)) if draft.handle else None,
        json.dumps(draft.answers) if draft.answers else _EMPTY_JSON_OBJECT,
        json.dumps([c.model_dump(mode="json") for c in draft.consents])
        if draft.consents
        else _EMPTY_JSON_LIST,
        json.dumps(draft.context) if draft.context else _EMPTY_JSON_OBJECT,
        json.dumps([f.model_dump() for f in flags]) if flags else _EMPTY_JSON_LIST,
    )


def _lead_row(w: BulkWriter, lead_id: int, v: dict[str, Any], now: datetime) -> tuple[Any, ...]:
    return (
        lead_id,
        v.get("campaign"),
        *(v.get(c) for c in CONTACT_COLUMNS),
        json.dumps(v["contact_flags"]),
        v.get("intent_score"),
        _json_or_none(v.get("intent")),
        v.get("quality_score"),
        v.get("grade"),
        _json_or_none(v.get("quality")),
        v["revision"],
        v["touch_count"],
        w.timestamp(now),
        w.timestamp(now),
    )


def _first_touches(conn: Connection, lead_ids: list[int]) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for part in event_store.chunked(lead_ids):
        query = (
            select(touches_table.c.lead_id, touches_table.c.source, touches_table.c.native_id)
            .where(touches_table.c.lead_id.in_(part))
            .order_by(touches_table.c.id.desc())
        )
        for row in conn.execute(query):
            found[row[0]] = (row[1], row[2])  # descending: the last assignment is the first touch
    return found


def _resolve(
    conn: Connection,
    binding: SourceBinding,
    lead_items: list[tuple[int, Prepared]],
    now: datetime,
    counts: PollCounts,
) -> tuple[dict[LeadRef, _LeadWork], list[tuple[int, LeadDraft, Match]], int]:
    """Match every lead draft to a known or new lead; returns the work per lead, the matches, new leads."""
    keys = list({key for _, i in lead_items if i.draft for key in identity_keys(i.draft)})
    known: dict[Any, LeadRef] = dict(lead_store.find_identities(conn, keys))
    resolver = IdentityResolver(known=known)
    existing_rows = lead_store.current_rows(conn, sorted({v for v in known.values() if isinstance(v, int)}))
    work: dict[LeadRef, _LeadWork] = {}
    matched: list[tuple[int, LeadDraft, Match]] = []
    for event_id, item in lead_items:
        draft, qualification = item.draft, item.qualification
        assert draft is not None and qualification is not None
        match = resolver.resolve(draft)
        lead = work.get(match.lead)
        if lead is None:
            if isinstance(match.lead, NewLead):
                values: dict[str, Any] = {
                    "campaign": binding.campaign_name,
                    "revision": 0,
                    "touch_count": 0,
                    "contact_flags": [],
                }
                lead = _LeadWork(match.lead, values, first_native_id=draft.native_id)
            else:
                lead = _LeadWork(match.lead, dict(existing_rows[match.lead]))
            work[match.lead] = lead
        _absorb(lead.values, draft.contact, qualification)
        lead.touches += 1
        lead.latest = draft
        matched.append((event_id, draft, match))
    counts.leads_created = resolver.new_leads
    counts.leads_merged = len(lead_items) - resolver.new_leads
    return work, matched, resolver.new_leads


def store_chunk(
    conn: Connection,
    binding: SourceBinding,
    items: list[Prepared],
    via: ReceivedVia,
    run_id: int | None,
    default_route: DefaultRoute,
    now: datetime,
) -> ChunkResult:
    """Store ``items`` inside the caller's transaction; see the module docstring."""
    result = ChunkResult()
    counts = result.counts
    counts.events_seen = len(items)
    unique: dict[str, Prepared] = {}
    for item in items:
        unique.setdefault(item.event.native_id, item)
    stored = event_store.existing_native_ids(conn, binding.name, list(unique))
    new = [item for native_id, item in unique.items() if native_id not in stored]
    counts.events_new = len(new)
    if not new:
        return result
    w = BulkWriter(conn)
    received = w.timestamp(now)
    event_ids = w.allocate_ids(raw_events_table, len(new))
    w.insert(
        raw_events_table,
        _RAW_COLUMNS,
        [
            _raw_row(w, eid, binding, i, via.value, run_id, received)
            for eid, i in zip(event_ids, new, strict=True)
        ],
    )

    dead = [
        (eid, i.problem or "unusable", i.event.payload)
        for eid, i in zip(event_ids, new, strict=True)
        if i.status == "dead"
    ]
    event_store.dead_letter_events(conn, binding.name, dead, now)
    counts.dead_lettered = len(dead)
    counts.ignored = sum(1 for i in new if i.status == "ignored")
    lead_items = [(eid, i) for eid, i in zip(event_ids, new, strict=True) if i.status == "lead"]
    if not lead_items:
        return result

    work, matched, new_count = _resolve(conn, binding, lead_items, now, counts)
    new_ids = iter(w.allocate_ids(leads_table, new_count))
    ids: dict[LeadRef, int] = {ref: next(new_ids) for ref in work if isinstance(ref, NewLead)}

    def lead_id(ref: LeadRef) -> int:
        return ref if isinstance(ref, int) else ids[ref]

    new_rows = []
    for ref, lw in work.items():
        if isinstance(ref, NewLead):
            lw.values.update(revision=lw.touches, touch_count=lw.touches)
            new_rows.append(_lead_row(w, ids[ref], lw.values, now))
    w.insert(leads_table, _LEAD_COLUMNS, new_rows)
    w.insert(
        identities_table,
        ("kind", "value", "lead_id", "created_at"),
        [(k[0], k[1], lead_id(m.lead), received) for _, _, m in matched for k in m.new_keys],
    )
    w.insert(
        touches_table,
        _TOUCH_COLUMNS,
        [
            _touch_row(w, lead_id(m.lead), eid, binding, d, via.value, m.reason, received)
            for eid, d, m in matched
        ],
    )
    updates = []
    for ref, lw in work.items():
        if isinstance(ref, int):
            v = lw.values
            v.update(revision=v["revision"] + lw.touches, touch_count=v["touch_count"] + lw.touches)
            updates.append(
                (
                    *(v.get(c) for c in CONTACT_COLUMNS),
                    json.dumps(v["contact_flags"]),
                    v.get("intent_score"),
                    _json_or_none(v.get("intent")),
                    v.get("quality_score"),
                    v.get("grade"),
                    _json_or_none(v.get("quality")),
                    v["revision"],
                    v["touch_count"],
                    received,
                    ref,
                )
            )
    w.update(
        leads_table,
        (
            *CONTACT_COLUMNS,
            "contact_flags",
            "intent_score",
            "intent",
            "quality_score",
            "grade",
            "quality",
            "revision",
            "touch_count",
            "updated_at",
        ),
        updates,
    )

    firsts = _first_touches(conn, [ref for ref in work if isinstance(ref, int)])
    decisions: dict[RouteFacts, dict[str, str]] = {}
    plans = []
    for ref, lw in work.items():
        latest = lw.latest
        assert latest is not None
        facts = RouteFacts(
            source=binding.name,
            platform=latest.platform,
            kind=latest.kind,
            grade=lw.values.get("grade"),
            quality_score=lw.values.get("quality_score"),
            intent_score=lw.values.get("intent_score"),
            country=lw.values.get("country"),
        )
        sinks = decisions.get(facts)
        if sinks is None:
            sinks = decisions[facts] = route(
                facts, binding.campaign_name, binding.campaign, default_route
            ).sinks
        if sinks:
            first = firsts[ref] if isinstance(ref, int) else (binding.name, lw.first_native_id or "")
            plans.append(
                outbox.Plan(
                    lead_id(ref),
                    lw.values["revision"],
                    first[0],
                    first[1],
                    sinks,
                    is_new=isinstance(ref, NewLead),
                )
            )
    result.deliveries_due = outbox.enqueue(conn, plans, now)
    return result


def store_with_retry(
    engine: Engine,
    binding: SourceBinding,
    items: list[Prepared],
    via: ReceivedVia,
    run_id: int | None,
    default_route: DefaultRoute,
    now: datetime,
) -> ChunkResult:
    """``store_chunk`` in its own transaction; a unique-key race with another writer retries once."""
    for attempt in (1, 2):
        try:
            with engine.begin() as conn:
                return store_chunk(conn, binding, items, via, run_id, default_route, now)
        except IntegrityError:
            if attempt == 2:
                raise
            log.info(
                "source %s: another writer stored some of these events first; retrying the chunk",
                binding.name,
            )
    raise AssertionError("unreachable")
