"""The store step: one chunk of prepared events with their leads, touches, identities and outbox rows,
written in one transaction (``docs/architecture.md``, "The flow", step 7).

Polls and webhooks both end here. Storing an event that is already stored changes nothing but its
arrival count, also when another writer (a webhook job, a poll's lookback) stores it at the same
moment: the insert skips it (``BulkWriter.insert_absent``) and the chunk counts it as a repeat. A
chunk that meets another unique-key race (the same person's email stored by two chunks at once)
is retried once, and then merges into the lead the other one made. This is the ingest hot path
(bench/ingest.py): rows are built as (named) tuples and written by ``BulkWriter``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from socialleads import jsontext
from socialleads.configuration.models import DefaultRoute
from socialleads.models import (
    CONTACT_HINTS,
    TEST_LEAD,
    Contact,
    EventStatus,
    IntentVerdict,
    Lead,
    LeadDraft,
    Qualification,
    QualityScore,
    ReceivedVia,
)
from socialleads.pipeline.event_bus import StoredLead
from socialleads.pipeline.identity import (
    GIVERS_COMPARED,
    Evidence,
    IdentityKey,
    IdentityResolver,
    LeadRef,
    Match,
    NewLead,
)
from socialleads.pipeline.merges import LeadChangeRefused, merge_in
from socialleads.pipeline.normalize import without_nul
from socialleads.pipeline.owners import choose as choose_owner
from socialleads.pipeline.owners import take_team_turns
from socialleads.pipeline.prepare import Prepared, SourceBinding
from socialleads.pipeline.revisions import Revision, split_revisions
from socialleads.pipeline.routing import RouteDecision, RouteFacts, route
from socialleads.store import events as event_store
from socialleads.store import lead_links, outbox
from socialleads.store import leads as lead_store
from socialleads.store.bulk import BulkWriter
from socialleads.store.state import PollCounts
from socialleads.store.tables import identities as identities_table
from socialleads.store.tables import leads as leads_table
from socialleads.store.tables import raw_events as raw_events_table
from socialleads.store.tables import touches as touches_table

log = logging.getLogger("socialleads.ingest")
CONTACT_COLUMNS = lead_store.CONTACT_COLUMNS
_QUALITY_COLUMNS = ("intent_score", "intent", "quality_score", "grade", "quality")


class _RawEventRow(NamedTuple):
    """A ``raw_events`` row as ``BulkWriter`` writes it (timestamps and JSON already converted)."""

    id: int
    source: str
    native_id: str
    kind: str
    received_via: str
    occurred_at: Any
    received_at: Any
    payload: str
    status: str
    status_reason: str | None
    poll_run_id: int | None
    arrivals: int
    via_poll: bool
    via_webhook: bool


class _TouchRow(NamedTuple):
    """A ``touches`` row as ``BulkWriter`` writes it: one per event that reached a lead."""

    lead_id: int
    raw_event_id: int
    source: str
    native_id: str
    platform: str
    kind: str
    received_via: str
    occurred_at: Any
    received_at: Any
    merge_reason: str
    message: str | None
    url: str | None
    contact: str
    handle: str | None
    answers: str
    consents: str
    context: str
    flags: str


class _IdentityRow(NamedTuple):
    """An ``identities`` row: a key (email, phone, handle) that finds its lead again, and how many
    distinct people gave it."""

    kind: str
    value: str
    lead_id: int
    created_at: Any
    people: int


#: A lead's columns this chunk sets (``_lead_values`` builds them in this order); the lead's id last
#: for an update.
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
#: A new lead's columns: these, then ``_LEAD_UPDATE_COLUMNS``.
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
    touched: dict[LeadRef, _LeadWork] = field(default_factory=dict)
    """The leads this chunk created or added a touch to, with the ids in ``touched_ids``."""
    touched_ids: dict[LeadRef, int] = field(default_factory=dict)

    def stored_leads(self) -> list[StoredLead]:
        """The leads this chunk created or touched, for the event bus (built only when asked)."""
        found = []
        for ref, work in self.touched.items():
            campaign, grade = work.values.get("campaign"), work.values.get("grade")
            found.append(StoredLead(self.touched_ids[ref], campaign, grade, isinstance(ref, NewLead)))
        return found


@dataclass(slots=True)
class _LeadWork:
    """What this chunk does to one lead: its column values, how many touches, and the newest draft."""

    values: dict[str, Any]
    touches: int = 0
    edits: int = 0
    """Touches of this lead this chunk revised (an edited post or comment, ``pipeline.revisions``)."""
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


class _MatchedTouch(NamedTuple):
    """A lead event of this chunk and the lead identity resolution joined it to."""

    event_id: int
    draft: LeadDraft
    match: Match


@dataclass
class _Identified:
    """The leads one chunk touches, what it does to each, and which lead each of its lead events joined."""

    work: dict[LeadRef, _LeadWork]
    touches: list[_MatchedTouch]
    new_leads: int
    revisions: list[Revision] = field(default_factory=list)
    people: dict[IdentityKey, int] = field(default_factory=dict)
    """How many people gave each key, after this chunk (``IdentityResolver.people``)."""
    more_people: Counter[IdentityKey] = field(default_factory=Counter)
    """Stored keys this chunk's drafts gave without joining their lead: one more person each."""
    givers: list[tuple[IdentityKey, LeadRef]] = field(default_factory=list)
    """Leads that gave a shared phone, not recorded yet (``identity_givers``)."""


def touch_context(draft: LeadDraft) -> dict[str, Any]:
    """The context stored with a draft's touch: the connector's, its hints and its test-lead reason
    (the connector's own, uncopied, when it has neither: nearly every touch)."""
    if not draft.hints and not draft.test_lead:
        return draft.context
    context = dict(draft.context)
    if draft.hints:
        context[CONTACT_HINTS] = [hint.model_dump(mode="json", exclude_none=True) for hint in draft.hints]
    if draft.test_lead:
        context[TEST_LEAD] = draft.test_lead
    return context


def _touch_row(
    w: BulkWriter, lead_id: int, touch: _MatchedTouch, binding: SourceBinding, via: str, received: Any
) -> _TouchRow:
    draft = touch.draft
    flags = draft.contact.flags
    given = draft.contact.__dict__
    return _TouchRow(
        lead_id=lead_id,
        raw_event_id=touch.event_id,
        source=binding.name,
        native_id=draft.native_id,
        platform=draft.platform,
        kind=draft.kind.value,
        received_via=via,
        occurred_at=w.timestamp(draft.occurred_at),
        received_at=received,
        merge_reason=touch.match.reason,
        message=draft.message,
        url=draft.url,
        contact=jsontext.dumps({c: given[c] for c in CONTACT_COLUMNS if given[c] is not None}),
        handle=jsontext.dumps(draft.handle.model_dump(mode="json", exclude_none=True))
        if draft.handle
        else None,
        answers=jsontext.dumps(draft.answers) if draft.answers else "{}",
        consents=jsontext.dumps([c.model_dump(mode="json") for c in draft.consents])
        if draft.consents
        else "[]",
        context=jsontext.dumps(touch_context(draft))
        if draft.context or draft.hints or draft.test_lead
        else "{}",
        flags=jsontext.dumps([f.model_dump() for f in flags]) if flags else "[]",
    )


def _lead_values(v: dict[str, Any], received: Any) -> tuple[Any, ...]:
    """A lead's ``_LEAD_UPDATE_COLUMNS`` values, from what this chunk made of it."""
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
    """Store the events not stored yet, dead-lettering unusable ones; returns (event id, item) of new ones.

    An event already stored (or repeated inside the chunk) counts one more arrival per occurrence.
    """
    unique: dict[str, Prepared] = {}
    for item in items:
        unique.setdefault(item.event.native_id, item)
    occurrences = Counter(item.event.native_id for item in items)
    stored = event_store.existing_native_ids(conn, binding.name, list(unique))
    webhook = via == ReceivedVia.WEBHOOK.value
    # Every item counts: a repeat inside the chunk is an arrival too.
    repeats = [stored[item.event.native_id] for item in items if item.event.native_id in stored]
    event_store.record_arrivals(conn, repeats, via_webhook=webhook)
    new = [item for native_id, item in unique.items() if native_id not in stored]
    fresh = _insert_events(conn, w, binding, new, occurrences, via, run_id, now)
    counts.events_new = len(fresh)
    dead = [
        (eid, i.problem or "unusable", i.event.payload) for eid, i in fresh if i.status is EventStatus.DEAD
    ]
    event_store.dead_letter_events(conn, binding.name, dead, now)
    counts.dead_lettered = len(dead)
    counts.ignored = sum(1 for _, i in fresh if i.status is EventStatus.IGNORED)
    return fresh


def _insert_events(
    conn: Connection,
    w: BulkWriter,
    binding: SourceBinding,
    new: list[Prepared],
    occurrences: Counter[str],
    via: str,
    run_id: int | None,
    now: datetime,
) -> list[tuple[int, Prepared]]:
    """Insert the raw events of ``new`` verbatim; returns (event id, item) of those this chunk stored.

    Those another writer stored meanwhile are counted as repeats instead (``_absorb_raced``).
    """
    ids = w.allocate_ids(raw_events_table, len(new))
    received = w.timestamp(now)
    webhook = via == ReceivedVia.WEBHOOK.value
    rows = [
        _RawEventRow(
            id=eid,
            source=binding.name,
            native_id=i.event.native_id,
            kind=i.event.kind.value,
            received_via=via,
            occurred_at=w.timestamp(i.event.occurred_at),
            received_at=received,
            payload=json.dumps(i.event.payload),  # verbatim: the standard library, NaN included
            status=i.status.value,
            status_reason=without_nul(i.reason),
            poll_run_id=run_id,
            arrivals=occurrences[i.event.native_id],
            via_poll=not webhook,
            via_webhook=webhook,
        )
        for eid, i in zip(ids, new, strict=True)
    ]
    inserted = w.insert_absent(raw_events_table, _RawEventRow._fields, rows, event_store.EVENT_KEY)
    fresh = [(eid, i) for eid, i in zip(ids, new, strict=True) if eid in inserted]
    if len(fresh) < len(new):
        raced = [i for eid, i in zip(ids, new, strict=True) if eid not in inserted]
        _absorb_raced(conn, binding, raced, occurrences, webhook)
    return fresh


def _absorb_raced(
    conn: Connection,
    binding: SourceBinding,
    raced: list[Prepared],
    occurrences: Counter[str],
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

    Called by ``store_with_retry``. With ``lease``, the new deliveries are claimed for the caller and
    returned with their leads, read in this transaction, so they can be delivered at once (see
    ``outbox.enqueue``). Raises database errors (``IntegrityError`` for a unique-key race).
    """
    result = ChunkResult()
    counts = result.counts
    counts.events_seen = len(items)
    w = BulkWriter(conn)
    stored = _store_events(conn, w, binding, items, via.value, run_id, now, counts)
    split = split_revisions(conn, binding.name, stored)
    counts.ignored += sum(1 for _, i in split.superseded if i.status is EventStatus.LEAD)
    lead_items = [(eid, i) for eid, i in split.rest if i.status is EventStatus.LEAD]
    if not lead_items and not split.revisions:
        return result
    identified = _identify(conn, binding, lead_items, split.revisions)
    counts.leads_created = identified.new_leads
    counts.leads_merged = len(lead_items) - identified.new_leads
    new_ids = iter(w.allocate_ids(leads_table, identified.new_leads))
    ids = {ref: (ref if isinstance(ref, int) else next(new_ids)) for ref in identified.work}
    plans = _route(conn, binding, identified.work, ids, default_route, now)
    received = w.timestamp(now)
    _write_leads(w, identified.work, ids, received)
    _write_touches(w, binding, identified, ids, via.value, received)
    lead_store.count_people(conn, identified.more_people)
    _propose_links(conn, identified.touches, ids, now)
    lead_store.add_givers(conn, [(k, v, _row_id(ids, ref)) for (k, v), ref in identified.givers], now)
    _merge_proven(conn, identified.touches, ids, now)
    _revise_touches(w, identified.revisions, now)
    enqueued = outbox.enqueue(conn, plans, now, lease)
    result.deliveries_due, result.leased = enqueued.due, enqueued.leased
    result.touched, result.touched_ids = identified.work, ids
    if enqueued.leased:
        result.leads = lead_store.load_leads(conn, sorted({c.lead_id for c in enqueued.leased}))
    return result


def _identify(
    conn: Connection,
    binding: SourceBinding,
    lead_items: list[tuple[int, Prepared]],
    revisions: list[Revision],
) -> _Identified:
    """Which known or new lead each lead event joins, and each lead's values after this chunk's touches.

    ``revisions`` (edits of stored touches) count toward their lead's revision, not its touches.
    """
    keys = list({key for _, i in lead_items for key in i.keys})
    stored_keys = lead_store.find_identities(conn, keys)
    known: dict[IdentityKey, LeadRef] = {key: found.lead_id for key, found in stored_keys.items()}
    known_ids = {found.lead_id for found in stored_keys.values()} | {r.lead_id for r in revisions}
    existing = lead_store.current_rows(conn, sorted(known_ids), for_update=True)
    resolver = IdentityResolver(
        known=known,
        people={key: found.people for key, found in stored_keys.items() if found.people > 1},
        evidence={lead_id: _evidence_reader(row) for lead_id, row in existing.items()},
    )
    loaded = _add_phone_givers(conn, resolver, {k: f for k, f in stored_keys.items() if k[0] == "phone"})
    more_people: Counter[IdentityKey] = Counter()
    work: dict[LeadRef, _LeadWork] = {}
    touches: list[_MatchedTouch] = []
    for event_id, item in lead_items:
        draft, qualification = item.draft, item.qualification
        assert draft is not None and qualification is not None
        match = resolver.resolve(item.keys, partial(Evidence.of, draft.contact))
        more_people.update(key for key in match.shared_keys if key in stored_keys)
        lead = work.get(match.lead)
        if lead is None:
            lead = work[match.lead] = _LeadWork(_values_before(binding, draft, match.lead, existing))
        _absorb(lead.values, draft.contact, qualification)
        lead.touches += 1
        lead.latest = draft
        touches.append(_MatchedTouch(event_id, draft, match))
    for revision in revisions:
        lead = work.get(revision.lead_id)
        if lead is None:
            lead = work[revision.lead_id] = _LeadWork(dict(existing[revision.lead_id]))
        assert revision.item.qualification is not None
        _absorb(lead.values, revision.draft.contact, revision.item.qualification)
        lead.edits += 1
        lead.latest = revision.draft
    for lead in work.values():
        lead.values["revision"] += lead.touches + lead.edits
        lead.values["touch_count"] += lead.touches
    givers = [
        (key, ref)
        for key, refs in resolver.givers.items()
        if len(refs) > 1
        for ref in refs
        if (key, ref) not in loaded
    ]
    return _Identified(work, touches, resolver.new_leads, revisions, resolver.people, more_people, givers)


def _add_phone_givers(
    conn: Connection, resolver: IdentityResolver, phones: dict[IdentityKey, lead_store.KnownKey]
) -> set[tuple[IdentityKey, LeadRef]]:
    """Tell ``resolver`` which stored leads gave these known phones, for possible duplicates; returns
    the (key, lead) pairs already recorded. A phone one person gave has one giver, the lead it finds;
    only shared ones are recorded (``identity_givers``) and cost a query."""
    shared = [value for (_, value), found in phones.items() if found.people > 1]
    for key, found in phones.items():
        resolver.givers[key] = [found.lead_id]
    if not shared:
        return set()
    loaded: set[tuple[IdentityKey, LeadRef]] = set()
    for phone, rows in lead_store.phone_givers(conn, shared, GIVERS_COMPARED).items():
        key = ("phone", phone)
        resolver.givers[key] = [row["id"] for row in rows]
        loaded.update((key, row["id"]) for row in rows)
        for row in rows:
            resolver.evidence.setdefault(row["id"], _evidence_reader(row))
    return loaded


def _evidence_reader(row: RowMapping) -> Callable[[], Evidence]:
    """How to read a stored lead's identity evidence from its row, when first needed."""
    return partial(Evidence.of_values, row["email"], row["full_name"], row["first_name"], row["last_name"])


def _values_before(
    binding: SourceBinding, first: LeadDraft, ref: LeadRef, existing: dict[int, RowMapping]
) -> dict[str, Any]:
    """A lead's column values before this chunk: its stored row, or a new lead's key and campaign."""
    if isinstance(ref, NewLead):
        return {
            "key": outbox.lead_key(binding.name, first.native_id),
            "campaign": binding.campaign_name,
            "revision": 0,
            "touch_count": 0,
        }
    return dict(existing[ref])


def _write_leads(
    w: BulkWriter, work: dict[LeadRef, _LeadWork], ids: dict[LeadRef, int], received: Any
) -> None:
    """Insert the new leads and update the known ones."""
    new_rows, updates = [], []
    for ref, lead in work.items():
        v = lead.values
        if isinstance(ref, NewLead):
            new_rows.append((ids[ref], v["key"], v["campaign"], received, *_lead_values(v, received)))
        else:
            updates.append((*_lead_values(v, received), ref))
    w.insert(leads_table, _LEAD_COLUMNS, new_rows)
    w.update(leads_table, _LEAD_UPDATE_COLUMNS, updates)


def _write_touches(
    w: BulkWriter,
    binding: SourceBinding,
    identified: _Identified,
    ids: dict[LeadRef, int],
    via: str,
    received: Any,
) -> None:
    """Insert a touch per lead event, and the keys identity resolution saw for the first time (with
    how many people gave each in this chunk)."""
    touches = identified.touches
    identity_rows = [
        _IdentityRow(kind, value, ids[t.match.lead], received, identified.people.get((kind, value), 1))
        for t in touches
        for kind, value in t.match.new_keys
    ]
    w.insert(identities_table, _IdentityRow._fields, identity_rows)
    touch_rows = [_touch_row(w, ids[t.match.lead], t, binding, via, received) for t in touches]
    w.insert(touches_table, _TouchRow._fields, touch_rows)


#: Why the store step links two leads as possibly one person (``Match.possible``).
POSSIBLE_REASON = "a phone both gave and a similar name or address, but different given emails"


def _row_id(ids: dict[LeadRef, int], ref: LeadRef) -> int:
    """A lead's row id: this chunk's, or a stored lead's own (one this chunk did not touch)."""
    return ids[ref] if ref in ids else int(ref)  # type: ignore[arg-type]


def _propose_links(
    conn: Connection, touches: list[_MatchedTouch], ids: dict[LeadRef, int], now: datetime
) -> None:
    """Record the pairs identity resolution found possibly one person, for a person to decide."""

    pairs = [
        (ids[t.match.lead], _row_id(ids, ref), POSSIBLE_REASON) for t in touches for ref in t.match.possible
    ]
    if pairs:
        lead_links.propose(conn, pairs, now)


def _merge_proven(
    conn: Connection, touches: list[_MatchedTouch], ids: dict[LeadRef, int], now: datetime
) -> None:
    """Merge the known leads a touch proved to be one person (its email one's, its account the other's)."""
    for touch in touches:
        for gone in touch.match.merge:
            kept = ids[touch.match.lead]
            try:
                merge_in(
                    conn,
                    kept,
                    gone,
                    "identity",
                    f"one touch gave both leads' keys ({touch.draft.native_id})",
                    now,
                )
            except LeadChangeRefused as exc:  # merged already by an earlier touch of this chunk
                log.info("lead #%d not merged into lead #%d: %s", gone, kept, exc)


def _revise_touches(w: BulkWriter, revisions: list[Revision], now: datetime) -> None:
    """Rewrite each revised touch with its new version's message, link and context (the edit noted)."""
    rows = [
        (
            r.draft.message,
            r.draft.url,
            jsontext.dumps(r.touch_context(touch_context(r.draft), now)),
            r.touch["id"],
        )
        for r in revisions
    ]
    w.update(touches_table, ("message", "url", "context"), rows)


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


def _held_back_as_test(binding: SourceBinding, ref: LeadRef, latest: LeadDraft) -> bool:
    """A platform's test lead is delivered nowhere unless its campaign asks (``deliver_test_leads``).

    A test draft has no identity keys, so it always makes a lead of its own (``pipeline.identity``).
    """
    wanted = binding.campaign is not None and binding.campaign.deliver_test_leads
    return isinstance(ref, NewLead) and latest.test_lead is not None and not wanted


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
        if decision.sinks and not _held_back_as_test(binding, ref, latest):
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
