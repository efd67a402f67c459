"""The store step: one chunk of prepared events with their leads, touches, identities and outbox rows,
written in one transaction (DESIGN §2).

Polls and webhooks both end here. Storing an event that is already stored changes nothing but its
arrival count, also when another writer (a webhook job, a poll's lookback) stores it at the same
moment: the insert skips it (``BulkWriter.insert_absent``) and the chunk counts it as a repeat. A
chunk that meets another unique-key race (the same person's email stored by two chunks at once)
is retried once, and then merges into the lead the other one made. This is the ingest hot path
(bench/ingest.py): rows are built as tuples and written by ``BulkWriter``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from socialleads import jsontext
from socialleads.configuration.models import DefaultRoute
from socialleads.models import (
    Contact,
    IntentVerdict,
    Lead,
    LeadDraft,
    Qualification,
    QualityScore,
    ReceivedVia,
)
from socialleads.pipeline.identity import IdentityResolver, LeadRef, Match, NewLead
from socialleads.pipeline.normalize import without_nul
from socialleads.pipeline.owners import choose as choose_owner
from socialleads.pipeline.owners import take_team_turns
from socialleads.pipeline.prepare import DEAD, IGNORED, LEAD, Prepared, SourceBinding
from socialleads.pipeline.routing import RouteDecision, RouteFacts, route
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
_QUALITY_COLUMNS = ("intent_score", "intent", "quality_score", "grade", "quality")
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
    "arrivals",
    "via_poll",
    "via_webhook",
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
_LEAD_UPDATE_COLUMNS = (
    *CONTACT_COLUMNS,
    "contact_flags",
    *_QUALITY_COLUMNS,
    "revision",
    "touch_count",
    "owner",
    "route",
    "updated_at",
)
_LEAD_COLUMNS = ("id", "key", "campaign", "created_at", *_LEAD_UPDATE_COLUMNS)


@dataclass
class ChunkResult:
    """Counts of one stored chunk, how many deliveries it made due, and those leased to the caller."""

    counts: PollCounts = field(default_factory=PollCounts)
    deliveries_due: int = 0
    """Deliveries any worker may claim now."""
    leased: list[outbox.Claimed] = field(default_factory=list)
    """New deliveries claimed for the caller (``store_chunk``'s ``lease``), with their leads below."""
    leads: dict[int, Lead] = field(default_factory=dict)


@dataclass(slots=True)
class _LeadWork:
    """What this chunk does to one lead: its column values, how many touches, and the newest draft."""

    values: dict[str, Any]
    touches: int = 0
    latest: LeadDraft | None = None


@lru_cache(maxsize=4096)
def _json_text(record: IntentVerdict | QualityScore) -> str:
    """A verdict or score as JSON text; leads often share one (the same cached reasons), so it is cached."""
    return record.model_dump_json()


def _dumps(value: Any) -> str | None:
    """A JSON column's text: models from this chunk (cached), or documents read back from the store."""
    if value is None:
        return None
    if isinstance(value, IntentVerdict | QualityScore):
        return _json_text(value)
    return jsontext.dumps(value) if value else None


def _absorb(values: dict[str, Any], contact: Contact, q: Qualification) -> None:
    """Fill the lead's empty contact fields from a new touch; keep the better intent and quality.

    ``contact_flags`` keeps the flags of fields the lead still has no valid value for.
    """
    given = contact.__dict__
    for column in CONTACT_COLUMNS:
        if values.get(column) is None and given[column] is not None:
            values[column] = given[column]
    if contact.flags or values.get("contact_flags"):
        flags = [f for f in values.get("contact_flags") or [] if values.get(f["field"]) is None]
        for flag in contact.flags:
            dumped = {"field": flag.field, "raw": flag.raw, "problem": flag.problem}
            if values.get(flag.field) is None and dumped not in flags:
                flags.append(dumped)
        values["contact_flags"] = flags
    if q.intent is not None and (values.get("intent_score") or -1.0) < q.intent.score:
        values["intent_score"], values["intent"] = q.intent.score, q.intent
    if q.quality is not None and (values.get("quality_score") or -1) < q.quality.score:
        values.update(quality_score=q.quality.score, grade=q.quality.grade, quality=q.quality)


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
    given = draft.contact.__dict__
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
        jsontext.dumps({c: given[c] for c in CONTACT_COLUMNS if given[c] is not None}),
        jsontext.dumps(draft.handle.model_dump(mode="json", exclude_none=True)) if draft.handle else None,
        jsontext.dumps(draft.answers) if draft.answers else "{}",
        jsontext.dumps([c.model_dump(mode="json") for c in draft.consents]) if draft.consents else "[]",
        jsontext.dumps(draft.context) if draft.context else "{}",
        jsontext.dumps([f.model_dump() for f in flags]) if flags else "[]",
    )


def _lead_update(v: dict[str, Any], received: Any) -> tuple[Any, ...]:
    return (
        *(v.get(c) for c in CONTACT_COLUMNS),
        jsontext.dumps(v.get("contact_flags") or []),
        v.get("intent_score"),
        _dumps(v.get("intent")),
        v.get("quality_score"),
        v.get("grade"),
        _dumps(v.get("quality")),
        v["revision"],
        v["touch_count"],
        v.get("owner"),
        v.get("route"),
        received,
    )


def _store_events(
    conn: Connection,
    w: BulkWriter,
    binding: SourceBinding,
    items: list[Prepared],
    via: str,
    run_id: int | None,
    now: datetime,
    counts: PollCounts,
) -> list[tuple[int, Prepared]]:
    """Store the events not stored yet, dead-lettering unusable ones; returns (event id, item) of new ones."""
    unique: dict[str, Prepared] = {}
    occurrences: dict[str, int] = {}
    for item in items:
        unique.setdefault(item.event.native_id, item)
        occurrences[item.event.native_id] = occurrences.get(item.event.native_id, 0) + 1
    stored = event_store.existing_native_ids(conn, binding.name, list(unique))
    new = [item for native_id, item in unique.items() if native_id not in stored]
    webhook = via == ReceivedVia.WEBHOOK.value
    # Every item counts: a repeat inside the chunk is an arrival too.
    repeats = [stored[item.event.native_id] for item in items if item.event.native_id in stored]
    event_store.record_arrivals(conn, repeats, via_webhook=webhook)
    ids = w.allocate_ids(raw_events_table, len(new))
    received = w.timestamp(now)
    inserted = w.insert_absent(
        raw_events_table,
        _RAW_COLUMNS,
        [
            (
                eid,
                binding.name,
                i.event.native_id,
                i.event.kind.value,
                via,
                w.timestamp(i.event.occurred_at),
                received,
                json.dumps(i.event.payload),  # verbatim: the standard library, NaN included
                i.status,
                without_nul(i.reason),
                run_id,
                occurrences[i.event.native_id],
                not webhook,
                webhook,
            )
            for eid, i in zip(ids, new, strict=True)
        ],
        event_store.EVENT_KEY,
    )
    fresh = [(eid, i) for eid, i in zip(ids, new, strict=True) if eid in inserted]
    if len(fresh) < len(new):
        raced = [i for eid, i in zip(ids, new, strict=True) if eid not in inserted]
        _absorb_raced(conn, binding, raced, occurrences, webhook)
    counts.events_new = len(fresh)
    dead = [(eid, i.problem or "unusable", i.event.payload) for eid, i in fresh if i.status == DEAD]
    event_store.dead_letter_events(conn, binding.name, dead, now)
    counts.dead_lettered = len(dead)
    counts.ignored = sum(1 for _, i in fresh if i.status == IGNORED)
    return fresh


def _absorb_raced(
    conn: Connection,
    binding: SourceBinding,
    raced: list[Prepared],
    occurrences: dict[str, int],
    webhook: bool,
) -> None:
    """Count the arrivals of events another writer stored while this chunk was being stored.

    They are repeats like those found stored at the start: the writer that stored them made their
    leads, touches and deliveries, so this chunk makes none.
    """
    stored = event_store.existing_native_ids(conn, binding.name, [i.event.native_id for i in raced])
    repeats = [stored[i.event.native_id] for i in raced for _ in range(occurrences[i.event.native_id])]
    event_store.record_arrivals(conn, repeats, via_webhook=webhook)
    log.info(
        "source %s: another writer stored %d of these events a moment ago; counted as repeats",
        binding.name,
        len(raced),
    )


def store_chunk(
    conn: Connection,
    binding: SourceBinding,
    items: list[Prepared],
    via: ReceivedVia,
    run_id: int | None,
    default_route: DefaultRoute,
    now: datetime,
    lease: timedelta | None = None,
) -> ChunkResult:
    """Store ``items`` inside the caller's transaction; see the module docstring.

    With ``lease``, the new deliveries are claimed for the caller and returned with their leads,
    read in this transaction, so they can be delivered at once (see ``outbox.enqueue``).
    """
    result = ChunkResult()
    counts = result.counts
    counts.events_seen = len(items)
    w = BulkWriter(conn)
    stored = _store_events(conn, w, binding, items, via.value, run_id, now, counts)
    lead_items = [(eid, i) for eid, i in stored if i.status == LEAD]
    if not lead_items:
        return result

    # Identity: which known or new lead each draft belongs to.
    keys = list({key for _, i in lead_items for key in i.keys})
    known: dict[Any, LeadRef] = dict(lead_store.find_identities(conn, keys))
    existing = lead_store.current_rows(conn, sorted({v for v in known.values() if isinstance(v, int)}))
    resolver = IdentityResolver(known=known)
    work: dict[LeadRef, _LeadWork] = {}
    matched: list[tuple[int, LeadDraft, Match]] = []
    for event_id, item in lead_items:
        draft, qualification = item.draft, item.qualification
        assert draft is not None and qualification is not None
        match = resolver.resolve(item.keys)
        lead = work.get(match.lead)
        if lead is None:
            if isinstance(match.lead, NewLead):
                values: dict[str, Any] = {
                    "key": outbox.lead_key(binding.name, draft.native_id),
                    "campaign": binding.campaign_name,
                    "revision": 0,
                    "touch_count": 0,
                }
            else:
                values = dict(existing[match.lead])
            lead = work[match.lead] = _LeadWork(values)
        _absorb(lead.values, draft.contact, qualification)
        lead.touches += 1
        lead.latest = draft
        matched.append((event_id, draft, match))
    counts.leads_created = resolver.new_leads
    counts.leads_merged = len(lead_items) - resolver.new_leads

    new_ids = iter(w.allocate_ids(leads_table, resolver.new_leads))
    ids: dict[LeadRef, int] = {ref: (ref if isinstance(ref, int) else next(new_ids)) for ref in work}
    for lead in work.values():
        lead.values["revision"] += lead.touches
        lead.values["touch_count"] += lead.touches
    plans = _route(conn, binding, work, ids, default_route, now)
    received = w.timestamp(now)
    new_rows, updates = [], []
    for ref, lead in work.items():
        v = lead.values
        if isinstance(ref, NewLead):
            new_rows.append((ids[ref], v["key"], v["campaign"], received, *_lead_update(v, received)))
        else:
            updates.append((*_lead_update(v, received), ref))
    w.insert(leads_table, _LEAD_COLUMNS, new_rows)
    w.update(leads_table, _LEAD_UPDATE_COLUMNS, updates)
    w.insert(
        identities_table,
        ("kind", "value", "lead_id", "created_at"),
        [(k[0], k[1], ids[m.lead], received) for _, _, m in matched for k in m.new_keys],
    )
    w.insert(
        touches_table,
        _TOUCH_COLUMNS,
        [_touch_row(w, ids[m.lead], eid, binding, d, via.value, m.reason, received) for eid, d, m in matched],
    )
    enqueued = outbox.enqueue(conn, plans, now, lease)
    result.deliveries_due, result.leased = enqueued.due, enqueued.leased
    if enqueued.leased:
        result.leads = lead_store.load_leads(conn, sorted({c.lead_id for c in enqueued.leased}))
    return result


def route_facts(binding: SourceBinding, latest: LeadDraft, values: dict[str, Any]) -> RouteFacts:
    """What routing looks at: the lead's best grade and intent, and the touch that brought it now."""
    intent = values.get("intent")
    language = intent.language if isinstance(intent, IntentVerdict) else (intent or {}).get("language")
    return RouteFacts(
        source=binding.name,
        platform=latest.platform,
        kind=latest.kind,
        grade=values.get("grade"),
        quality_score=values.get("quality_score"),
        intent_score=values.get("intent_score"),
        country=values.get("country"),
        language=language,
    )


def _route(
    conn: Connection,
    binding: SourceBinding,
    work: dict[LeadRef, _LeadWork],
    ids: dict[LeadRef, int],
    default_route: DefaultRoute,
    now: datetime,
) -> list[outbox.Plan]:
    """Route every lead this chunk touched, assign owners to those without one, and plan deliveries.

    Leads with the same facts share one decision; team turns are taken in one update per team.
    """
    decisions: dict[RouteFacts, RouteDecision] = {}
    plans = []
    turns: list[tuple[LeadRef, str]] = []
    for ref, lead in work.items():
        v, latest = lead.values, lead.latest
        assert latest is not None
        facts = route_facts(binding, latest, v)
        decision = decisions.get(facts)
        if decision is None:
            decision = decisions[facts] = route(facts, binding.campaign_name, binding.campaign, default_route)
        v["route"] = decision.route
        if decision.assign is not None and not v.get("owner"):
            choice = choose_owner(decision.assign, facts.country)
            if choice.owner:
                v["owner"] = choice.owner
            elif choice.team:
                turns.append((ref, choice.team))
        if decision.sinks:
            plans.append(
                outbox.Plan(
                    ids[ref],
                    v["revision"],
                    v["key"],
                    decision.sinks,
                    is_new=isinstance(ref, NewLead),
                    hold=decision.hold,
                )
            )
    if turns:
        for ref, owner in take_team_turns(conn, turns, binding.teams, now).items():
            work[ref].values["owner"] = owner
    return plans


def store_with_retry(
    engine: Engine,
    binding: SourceBinding,
    items: list[Prepared],
    via: ReceivedVia,
    run_id: int | None,
    default_route: DefaultRoute,
    now: datetime,
    lease: timedelta | None = None,
) -> ChunkResult:
    """``store_chunk`` in its own transaction; a unique-key race with another writer retries once.

    Raises what the second attempt raises (``IntegrityError`` included) and any other database error.
    """
    for attempt in (1, 2):
        try:
            with engine.begin() as conn:
                return store_chunk(conn, binding, items, via, run_id, default_route, now, lease)
        except IntegrityError:
            if attempt == 2:
                raise
            log.info(
                "source %s: another writer stored some of these events first; retrying the chunk",
                binding.name,
            )
    raise AssertionError("unreachable")
