"""Reading leads for the API: filtered, searched and sorted pages with opaque cursors, and one lead in
full with its touches, reasons, route, deliveries and notes (docs/api.md).

Pages are keyset pages: a cursor holds the sort key and the id of the last lead shown, and the next
page starts after it. A lead stored meanwhile never shifts a page (newest-first: it sorts before the
cursor; oldest-first: it comes at the end), so paging shows no lead twice and skips none. A lead
whose sort key changes while someone pages (``-updated_at``, ``-quality_score``: a new touch) may move
past the cursor; that is the nature of those orders.

The indexes these queries use are in migration 0007 (bench/api.py measures them at 100,000 leads).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    and_,
    false,
    func,
    not_,
    or_,
    select,
)

from socialleads.models import Lead
from socialleads.store import lead_links
from socialleads.store import leads as lead_store
from socialleads.store.accounts import User
from socialleads.store.lead_links import Link
from socialleads.store.tables import deliveries, lead_notes, leads, touches, users


class CursorError(ValueError):
    """A cursor this module did not make, or made for another sort; the message says which."""


@dataclass(frozen=True)
class SortOrder:
    """One order a list can take: a leads column, its direction, and the id to break ties."""

    column: Column[Any]
    descending: bool
    nullable: bool = False
    """The column may be NULL: such leads come last, after every lead with a value."""
    numeric: bool = False
    """The key is a number (else a time)."""

    def cursor_value(self, value: Any) -> Any:
        """The sort key of a lead as a cursor keeps it (JSON)."""
        return value.isoformat() if isinstance(value, datetime) else value

    def parse_value(self, raw: Any) -> Any:
        """A cursor's sort key back in the column's type; raises CursorError."""
        if raw is None and self.nullable:
            return None
        if self.numeric:
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            raise CursorError("the cursor's position is not a number")
        try:
            moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise CursorError("the cursor's position is not a time")
        return moment.astimezone(UTC)


#: The orders a list can take; the first is the default. ``-`` means newest (or highest) first.
SORTS: dict[str, SortOrder] = {
    "-created_at": SortOrder(leads.c.created_at, descending=True),
    "created_at": SortOrder(leads.c.created_at, descending=False),
    "-updated_at": SortOrder(leads.c.updated_at, descending=True),
    "-quality_score": SortOrder(leads.c.quality_score, descending=True, nullable=True, numeric=True),
}
DEFAULT_SORT = "-created_at"


@dataclass(frozen=True)
class LeadFilters:
    """What a list of leads is narrowed to; None means "any". Touch filters (source, platform, kind)
    hold when one touch of the lead matches all of them."""

    campaign: str | None = None
    source: str | None = None
    platform: str | None = None
    kind: str | None = None
    grade: str | None = None
    status: str | None = None
    owner: str | None = None
    language: str | None = None
    created_after: datetime | None = None
    """Inclusive."""
    created_before: datetime | None = None
    """Exclusive."""
    q: str | None = None
    """Words in the name, email, phone or a touch's message (case-insensitive; on SQLite for ASCII
    letters only, as SQLite's LIKE)."""
    owners: frozenset[str] | None = None
    """Only leads whose owner is one of these (lower-cased): a salesperson's sight (``sales_owners``)."""


@dataclass(frozen=True)
class LeadSummary:
    """One lead in a list."""

    id: int
    key: str
    campaign: str | None
    full_name: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    company: str | None
    country: str | None
    grade: str | None
    quality_score: int | None
    intent_score: float | None
    language: str | None
    status: str
    owner: str | None
    touch_count: int
    created_at: datetime
    updated_at: datetime
    sources: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    last_touch_at: datetime | None = None
    """When the person last wrote or filled a form (the platform's time of their latest touch)."""
    reasons: tuple[str, ...] = ()
    """The lead's intent reasons in words, strongest first, at most ``GLANCE_REASONS`` (for lists)."""

    @property
    def name(self) -> str | None:
        """The best name given (full, else first and last), None when there is none."""
        joined = " ".join(p for p in (self.first_name, self.last_name) if p)
        return self.full_name or joined or None


@dataclass(frozen=True)
class LeadPage:
    """One page of a list and the cursor of the next (None on the last page)."""

    items: list[LeadSummary]
    next_cursor: str | None


@dataclass(frozen=True)
class DeliveryFacts:
    """Where a lead went: one sink's delivery of it."""

    sink: str
    route: str
    status: str
    attempts: int
    last_error: str | None
    external_id: str | None
    external_url: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class Note:
    """A note sales wrote on a lead."""

    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class LeadDetail:
    """One lead in full: the pipeline's ``Lead`` (contact with flags, touches, intent, quality) and
    what the API adds: its key, route, sales status, deliveries and notes."""

    lead: Lead
    key: str
    route: str | None
    status: str
    status_reason: str | None
    status_changed_at: datetime | None
    status_changed_by: str | None
    deliveries: list[DeliveryFacts] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    merged_into_key: str | None = None
    """The key of the lead this one was merged into (its touches are there now), or None."""
    links: list[Link] = field(default_factory=list)
    """Leads possibly the same person, and the pairs people decided (``store.lead_links``)."""


# --- cursors ---


def encode_cursor(sort: str, value: Any, lead_id: int) -> str:
    """An opaque, URL-safe cursor for the position after the lead with ``value`` and ``lead_id``."""
    text = json.dumps([sort, SORTS[sort].cursor_value(value), lead_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The (sort key, id) a cursor holds; raises CursorError for a foreign or mangled one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
    except (binascii.Error, ValueError):
        raise CursorError("the cursor is not one this API gave") from None
    if not (isinstance(decoded, list) and len(decoded) == 3 and decoded[0] in SORTS):
        raise CursorError("the cursor is not one this API gave")
    if decoded[0] != sort:
        raise CursorError(f"the cursor belongs to sort {decoded[0]}, not {sort}")
    lead_id = decoded[2]
    if not isinstance(lead_id, int) or isinstance(lead_id, bool):
        raise CursorError("the cursor is not one this API gave")
    return SORTS[sort].parse_value(decoded[1]), lead_id


# --- conditions ---

_LIKE_ESCAPE = "\\"
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{3,}$")
_TRIGRAM = re.compile(r"\w{3}")


def like_pattern(words: str) -> str:
    """A LIKE pattern finding ``words`` anywhere, with LIKE's own wildcards taken literally."""
    escaped = words.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(conn: Connection, column: Column[Any], pattern: str) -> ColumnElement[bool]:
    # SQLite's LIKE ignores ASCII case already; ILIKE's lower() on both sides would cost a call per row.
    if conn.dialect.name == "sqlite":
        return column.like(pattern, escape=_LIKE_ESCAPE)
    return column.ilike(pattern, escape=_LIKE_ESCAPE)


def _among(conn: Connection, lead_ids: Select[Any]) -> ColumnElement[bool]:
    """``leads.id IN lead_ids``. On SQLite written ``leads.id + 0 IN``: without the ``+ 0`` SQLite reads
    every lead of the subquery by id and sorts them all; with it, it walks the sort order's index and
    tests each id against the subquery's result, built once, and stops at the page's end."""
    column = leads.c.id + 0 if conn.dialect.name == "sqlite" else leads.c.id
    return column.in_(lead_ids)


SEARCH_CANDIDATES = 1000
"""A search matching at most this many leads is answered from the search indexes: their ids, then
those leads by id. Beyond it the words are common, and testing the leads one by one in the list's
order fills a page sooner (bench/api.py measures both)."""


@dataclass(frozen=True)
class _Search:
    """What ``q`` looks for, as LIKE patterns: in names, emails and messages, and in phones."""

    anywhere: str
    phone: str
    indexed: bool
    """The words hold a trigram (three letters or digits in a row), which the trigram indexes find."""

    @classmethod
    def of(cls, q: str) -> _Search:
        """A phone is stored in E.164 (+3546612345): "661 2345" and "+354 661-2345" find it too."""
        digits = re.sub(r"[\s().\-/]", "", q) if _PHONE_LIKE.match(q) else q
        return cls(anywhere=like_pattern(q), phone=like_pattern(digits), indexed=bool(_TRIGRAM.search(q)))

    def in_contact(self, conn: Connection) -> ColumnElement[bool]:
        """The lead's name, email or phone matches. The name is the full name, which the pipeline
        composes from the first and last names when none is given (``pipeline/normalize.py``)."""
        return or_(
            _contains(conn, leads.c.full_name, self.anywhere),
            _contains(conn, leads.c.email, self.anywhere),
            leads.c.phone.like(self.phone, escape=_LIKE_ESCAPE),
        )

    def in_message(self, conn: Connection) -> ColumnElement[bool]:
        """The touch's message matches."""
        return _contains(conn, touches.c.message, self.anywhere)


def _indexed_matches(conn: Connection, search: _Search, at_most: int) -> list[int]:
    """Ids of leads matching ``search`` (with repeats), at most ``at_most``, read from the search
    indexes of migration 0007: trigram indexes on PostgreSQL; on SQLite narrow copies of the
    columns, scanned instead of the (much wider) rows."""
    said = search.in_message(conn)
    if conn.dialect.name == "sqlite":
        # The touch ids come from the message index alone; only the matches' rows are read.
        said = touches.c.id.in_(select(touches.c.id).where(said))
    # With a LIMIT, PostgreSQL reckons a scan of the table meets enough matches early, and it
    # over-counts words found in two columns of the same rows (a surname in the name and the email):
    # it scanned 18,000 rows with an ILIKE each (50 ms) for what the trigram index gives in 2 ms
    # (bench/api.py, q=Eriksson). Words without a trigram cannot use the index: they keep the scan.
    hint = conn.dialect.name == "postgresql" and search.indexed
    if hint:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    # Two queries, not a UNION: PostgreSQL starts parallel workers for a union of two index scans,
    # which costs more here than the scans themselves.
    found = list(conn.execute(select(touches.c.lead_id).where(said).limit(at_most)).scalars())
    if len(found) < at_most:
        by_contact = select(leads.c.id).where(search.in_contact(conn)).limit(at_most - len(found))
        found += conn.execute(by_contact).scalars()
    if hint:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = on")
    return found


def _search(conn: Connection, q: str, candidates: int) -> ColumnElement[bool]:
    """Leads whose name, email or phone contains ``q``, or with a touch whose message does: the few
    that match by id, or (when more than ``candidates`` do) a test of each lead's row and touches,
    made while the list is read in order."""
    search = _Search.of(q)
    found = _indexed_matches(conn, search, candidates + 1)
    if len(found) <= candidates:
        return leads.c.id.in_(sorted(set(found))) if found else false()
    # A scalar subquery rather than EXISTS: PostgreSQL would turn an EXISTS into a hashed list of
    # every matching touch, the very work this branch avoids.
    first_said = (
        select(touches.c.id)
        .where(touches.c.lead_id == leads.c.id, search.in_message(conn))
        .limit(1)
        .scalar_subquery()
    )
    return or_(search.in_contact(conn), first_said.is_not(None))


def language_of_lead() -> ColumnElement[Any]:
    """The language the intent classifier found (``leads.intent``'s ``language``), as text."""
    language: ColumnElement[Any] = leads.c.intent["language"].as_string()
    return language


def _touch_condition(filters: LeadFilters) -> list[ColumnElement[bool]]:
    """What one touch of the lead must match (source, platform, kind): empty when nothing is asked."""
    wanted = [
        column == value
        for column, value in (
            (touches.c.source, filters.source),
            (touches.c.platform, filters.platform),
            (touches.c.kind, filters.kind),
        )
        if value is not None
    ]
    return wanted


def conditions(
    conn: Connection, filters: LeadFilters, search_candidates: int = SEARCH_CANDIDATES
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``filters`` on ``leads`` (``search_candidates``: see ``SEARCH_CANDIDATES``)."""
    found: list[ColumnElement[bool]] = [leads.c.merged_into.is_(None)]  # a merged lead lives in another
    found += [
        column == value
        for column, value in (
            (leads.c.campaign, filters.campaign),
            (leads.c.grade, filters.grade),
            (leads.c.status, filters.status),
            (leads.c.owner, filters.owner),
        )
        if value is not None
    ]
    if filters.language is not None:
        found.append(language_of_lead() == filters.language)
    if filters.created_after is not None:
        found.append(leads.c.created_at >= filters.created_after)
    if filters.created_before is not None:
        found.append(leads.c.created_at < filters.created_before)
    touched = _touch_condition(filters)
    if touched:
        found.append(_among(conn, select(touches.c.lead_id).where(*touched)))
    if filters.q:
        found.append(_search(conn, filters.q, search_candidates))
    if filters.owners is not None:
        found.append(func.lower(leads.c.owner).in_(sorted(filters.owners)) if filters.owners else false())
    return found


# --- pages ---

_SUMMARY_COLUMNS = (
    leads.c.id,
    leads.c.key,
    leads.c.campaign,
    leads.c.full_name,
    leads.c.first_name,
    leads.c.last_name,
    leads.c.email,
    leads.c.phone,
    leads.c.company,
    leads.c.country,
    leads.c.grade,
    leads.c.quality_score,
    leads.c.intent_score,
    leads.c.status,
    leads.c.owner,
    leads.c.touch_count,
    leads.c.created_at,
    leads.c.updated_at,
)


def _after(order: SortOrder, value: Any, lead_id: int) -> ColumnElement[bool]:
    """Leads after (value, lead_id) in ``order``, among leads whose key is not NULL.

    Written as a range on the key plus a tie-break (not as an OR of the two), so both databases
    walk the (key, id) index from the cursor on.
    """
    column = order.column
    if order.descending:
        return and_(column <= value, not_(and_(column == value, leads.c.id >= lead_id)))
    return and_(column >= value, not_(and_(column == value, leads.c.id <= lead_id)))


def _ordered(query: Select[Any], order: SortOrder) -> Select[Any]:
    if order.descending:
        return query.order_by(order.column.desc(), leads.c.id.desc())
    return query.order_by(order.column.asc(), leads.c.id.asc())


def _page_rows(
    conn: Connection,
    where: list[ColumnElement[bool]],
    order: SortOrder,
    after: tuple[Any, int] | None,
    n: int,
) -> list[Any]:
    """Up to ``n`` lead rows after ``after`` in ``order``; leads whose key is NULL come last, by id."""
    base = select(*_SUMMARY_COLUMNS, language_of_lead().label("language")).where(*where)
    rows: list[Any] = []
    in_nulls = after is not None and after[0] is None
    if not in_nulls:
        query = base.where(order.column.is_not(None)) if order.nullable else base
        if after is not None:
            query = query.where(_after(order, *after))
        rows = list(conn.execute(_ordered(query, order).limit(n)).mappings())
    if order.nullable and len(rows) < n:
        query = base.where(order.column.is_(None))
        if in_nulls and after is not None:
            query = query.where(leads.c.id < after[1] if order.descending else leads.c.id > after[1])
        id_order = leads.c.id.desc() if order.descending else leads.c.id.asc()
        rows += list(conn.execute(query.order_by(id_order).limit(n - len(rows))).mappings())
    return rows


#: How many intent reasons a list shows per lead.
GLANCE_REASONS = 3


@dataclass
class _TouchFacts:
    """What a list shows of a lead's touches: distinct sources, platforms and kinds in the order they
    came, and when the latest was written."""

    sources: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    last_touch_at: datetime | None = None

    def add(self, source: str, platform: str, kind: str, occurred_at: datetime | None) -> None:
        for target, value in ((self.sources, source), (self.platforms, platform), (self.kinds, kind)):
            if value not in target:
                target.append(value)
        if occurred_at is not None and (self.last_touch_at is None or occurred_at > self.last_touch_at):
            self.last_touch_at = occurred_at


def _touch_facts(conn: Connection, lead_ids: Sequence[int]) -> dict[int, _TouchFacts]:
    """Each lead's ``_TouchFacts``."""
    found: dict[int, _TouchFacts] = defaultdict(_TouchFacts)
    if not lead_ids:
        return found
    query = (
        select(touches.c.lead_id, touches.c.source, touches.c.platform, touches.c.kind, touches.c.occurred_at)
        .where(touches.c.lead_id.in_(list(lead_ids)))
        .order_by(touches.c.lead_id, touches.c.received_at, touches.c.id)
    )
    for lead_id, source, platform, kind, occurred_at in conn.execute(query):
        found[lead_id].add(source, platform, kind, occurred_at)
    return found


def _glance_reasons(conn: Connection, lead_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Each lead's strongest intent reasons in words (``GLANCE_REASONS`` at most)."""
    if not lead_ids:
        return {}
    found: dict[int, tuple[str, ...]] = {}
    query = select(leads.c.id, leads.c.intent).where(
        leads.c.id.in_(list(lead_ids)), leads.c.intent.is_not(None)
    )
    for lead_id, intent in conn.execute(query):
        reasons = (intent or {}).get("reasons") or []
        ranked = sorted(reasons, key=lambda r: -(r.get("points") or 0.0))
        found[lead_id] = tuple(str(r.get("detail") or r.get("signal")) for r in ranked[:GLANCE_REASONS])
    return found


def _summary(row: Mapping[str, Any], touched: _TouchFacts | None, reasons: tuple[str, ...]) -> LeadSummary:
    facts = touched or _TouchFacts()
    values = {column.name: row[column.name] for column in _SUMMARY_COLUMNS}
    return LeadSummary(
        **values,
        language=row["language"],
        sources=tuple(facts.sources),
        platforms=tuple(facts.platforms),
        kinds=tuple(facts.kinds),
        last_touch_at=facts.last_touch_at,
        reasons=reasons,
    )


def list_leads(
    conn: Connection,
    filters: LeadFilters,
    *,
    sort: str = DEFAULT_SORT,
    limit: int = 50,
    cursor: str | None = None,
    search_candidates: int = SEARCH_CANDIDATES,
) -> LeadPage:
    """One page of the leads ``filters`` select, in ``sort`` order, after ``cursor``.

    Called by ``GET /api/v1/leads``; ``search_candidates`` is for tests of both ways of searching.
    Raises CursorError for a cursor this module did not make or made for another sort, KeyError for
    an unknown sort.
    """
    order = SORTS[sort]
    after = decode_cursor(cursor, sort) if cursor else None
    where = conditions(conn, filters, search_candidates)
    rows = _page_rows(conn, where, order, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [r["id"] for r in rows]
    touched, reasons = _touch_facts(conn, ids), _glance_reasons(conn, ids)
    items = [_summary(r, touched.get(r["id"]), reasons.get(r["id"], ())) for r in rows]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(sort, last[order.column.name], last["id"])
    return LeadPage(items=items, next_cursor=next_cursor)


# --- who sees what ---


def sales_owners(conn: Connection, user: User, teams: Mapping[str, Sequence[str]]) -> frozenset[str]:
    """The owners (lower-cased) whose leads a salesperson sees when sales see their team's only:
    themselves (email and name), the members of their team in ``campaigns.yaml`` ``teams``, and the
    emails and names of the users of the same team."""
    names = {user.email, user.name}
    if user.team:
        names.update(teams.get(user.team, ()))
        rows = conn.execute(select(users.c.email, users.c.name).where(users.c.team == user.team))
        for email, name in rows:
            names.update((email, name))
    return frozenset(n.strip().lower() for n in names if n and n.strip())


def may_see(owners: frozenset[str] | None, owner: str | None) -> bool:
    """True when a caller limited to ``owners`` (None: no limit) may read a lead owned by ``owner``."""
    return owners is None or (owner is not None and owner.strip().lower() in owners)


# --- one lead ---


def lead_row(conn: Connection, key: str) -> RowMapping | None:
    """The row of the lead with public ``key``, or None."""
    return conn.execute(select(leads).where(leads.c.key == key)).mappings().first()


def lead_deliveries(conn: Connection, lead_id: int) -> list[DeliveryFacts]:
    """The lead's deliveries, by sink name."""
    query = (
        select(
            deliveries.c.sink,
            deliveries.c.route,
            deliveries.c.status,
            deliveries.c.attempts,
            deliveries.c.last_error,
            deliveries.c.external_id,
            deliveries.c.external_url,
            deliveries.c.next_attempt_at,
            deliveries.c.delivered_at,
        )
        .where(deliveries.c.lead_id == lead_id)
        .order_by(deliveries.c.sink)
    )
    return [DeliveryFacts(**row) for row in conn.execute(query).mappings()]


def lead_notes_of(conn: Connection, lead_id: int) -> list[Note]:
    """The lead's notes, oldest first."""
    query = (
        select(lead_notes.c.author, lead_notes.c.body, lead_notes.c.created_at)
        .where(lead_notes.c.lead_id == lead_id)
        .order_by(lead_notes.c.created_at, lead_notes.c.id)
    )
    return [Note(**row) for row in conn.execute(query).mappings()]


def lead_detail(conn: Connection, row: RowMapping) -> LeadDetail:
    """The lead of ``row`` (``lead_row``, ``store.leads.current_rows``) in full. Called by
    ``GET /api/v1/leads/{id}`` and after a ``PATCH``; the lead is assembled by ``store.leads`` from
    its row and touches, as ``leads show`` does."""
    lead_id = row["id"]
    touch_rows = list(
        conn.execute(
            select(touches).where(touches.c.lead_id == lead_id).order_by(touches.c.received_at, touches.c.id)
        ).mappings()
    )
    merged_into = row["merged_into"]
    kept_key = (
        conn.execute(select(leads.c.key).where(leads.c.id == merged_into)).scalar_one_or_none()
        if merged_into is not None
        else None
    )
    return LeadDetail(
        lead=lead_store.with_identifier_notes(
            conn, {lead_id: (lead_store.lead_from_rows(row, touch_rows), row)}
        )[lead_id],
        key=row["key"],
        route=row["route"],
        status=row["status"],
        status_reason=row["status_reason"],
        status_changed_at=row["status_changed_at"],
        status_changed_by=row["status_changed_by"],
        deliveries=lead_deliveries(conn, lead_id),
        notes=lead_notes_of(conn, lead_id),
        merged_into_key=kept_key,
        links=lead_links.links_of(conn, lead_id),
    )
