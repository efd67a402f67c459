"""What a campaign being edited would have done with the last 30 days (docs/api.md, "Campaign
figures and previews"): where its routing rules would have sent the stored leads, and how many
comments, posts and mentions its intent threshold would have made leads.

Both run the code the pipeline runs. The routing preview routes each stored lead with
``routing.route`` on the facts of its newest touch (``facts_of_lead``), as ``POST
.../routes/test`` does for one lead. The threshold preview reads the stored raw events again with
their source's ``parse`` and the bot's qualifier (``prepare.parse_all`` and ``qualify_all``): the
intent score of a comment that did not become a lead is not stored (only the sentence of its
``why_not``), so it is computed again, and kept for a few minutes in a ``ScoreCache`` keyed by
(source, native id) so that moving the slider or editing the form does not read them all again;
the routing facts of a lead are kept the same way by (lead id, revision).
Nothing is written.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

from socialleads.configuration.models import Campaign, DefaultRoute
from socialleads.models import LEAD_BY_CONSTRUCTION, EventKind, Lead, RawEvent, ReceivedVia
from socialleads.pipeline.prepare import SourceBinding, parse_all, qualify_all
from socialleads.pipeline.routing import DEFAULT_ROUTE, UNROUTED, RouteFacts, facts_of_lead, route
from socialleads.qualify import Qualifier
from socialleads.store import campaign_figures as figures
from socialleads.store.events import chunked
from socialleads.store.leads import load_leads

ROUTE_CAP = 5000
"""The routing preview routes the newest 5,000 leads of the window at most."""
SCORE_CAP = 2000
"""The threshold preview scores the newest 2,000 comments, posts and mentions of the window at most."""
EXAMPLES = 3
"""Examples per rule, and on each side of the threshold."""
MESSAGE_CHARS = 200
"""An example's message is cut to this many characters."""
SCORED_KINDS = tuple(k.value for k in EventKind if k not in LEAD_BY_CONSTRUCTION and k != EventKind.WEBHOOK)
"""The kinds a threshold decides for: comments, posts, mentions."""
LOAD_CHUNK = 500


@dataclass(frozen=True)
class LeadExample:
    """A lead shown as an example: its public key and the best name it gave."""

    key: str
    name: str


@dataclass
class Bucket:
    """Leads routed one way: how many, and the newest few as examples."""

    leads: int = 0
    examples: list[LeadExample] = field(default_factory=list)

    def add(self, example: LeadExample) -> None:
        """Count one more lead; keep it as an example while there are fewer than ``EXAMPLES``."""
        self.leads += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(example)


@dataclass
class RuleFigures:
    """One rule: the leads it decides for (``first`` mode: the first rule that matches), and the leads
    it matches at all (more than it decides when a rule above takes them first)."""

    rule: str
    deliver_to: tuple[str, ...]
    decides: Bucket = field(default_factory=Bucket)
    matches: int = 0


@dataclass
class RoutePreview:
    """Where the window's leads would go under the campaign's rules."""

    examined: int
    total: int
    cap: int
    rules: list[RuleFigures]
    default: Bucket
    """Leads no rule takes that the default route sends on."""
    unrouted: Bucket
    """Leads delivered nowhere."""
    sinks: dict[str, int]
    """Sink → leads it would receive."""
    held: int
    """Leads a rule would hold for review."""
    changed: int
    """Leads whose route would differ from the one they were stored with."""


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values kept ``ttl_s`` seconds each, ``size`` of them at most; thread-safe.

    One per running bot (the API keeps them on its app): two bots in one process may share a source
    name and a native id, or a lead id, for different things.
    """

    def __init__(
        self, ttl_s: float = 300.0, size: int = 20_000, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s, self.size, self.now = ttl_s, size, now
        self._items: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> tuple[bool, V | None]:
        """(found, the value) for ``key``; (False, None) when unknown or expired."""
        with self._lock:
            kept = self._items.get(key)
            if kept is None or kept[0] < self.now():
                return False, None
            return True, kept[1]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key`` from now on."""
        with self._lock:
            if len(self._items) >= self.size:
                self._drop_oldest()
            self._items.pop(key, None)
            self._items[key] = (self.now() + self.ttl_s, value)

    def _drop_oldest(self) -> None:
        """Drop the expired entries, or else the oldest tenth (dicts keep insertion order)."""
        now = self.now()
        expired = [key for key, (until, _) in self._items.items() if until < now]
        for key in expired or list(self._items)[: max(1, self.size // 10)]:
            del self._items[key]


ScoreCache = TtlCache[tuple[str, str], tuple[float, str] | None]
"""Intent scores (with the message cut to ``MESSAGE_CHARS``) by (source, native id); None for an
event that cannot be scored. A raw event is stored verbatim once, so its score changes only with
its source's settings (the business's own handles) or the model: a few minutes is short enough."""
FactsCache = TtlCache[tuple[int, int], tuple[RouteFacts, str] | None]
"""The routing facts and name of a lead by (lead id, revision): a new touch or a status change
raises the revision, so a changed lead is read again."""


def _single_rules(campaign: Campaign) -> list[Campaign]:
    """The campaign once per rule with only that rule, to test each alone (as ``routes test`` does)."""
    return [campaign.model_copy(update={"routes": (rule,), "owner_team": None}) for rule in campaign.routes]


class _RouteTally:
    """Adds up the routing of one lead after another."""

    def __init__(self, name: str, campaign: Campaign, default_route: DefaultRoute) -> None:
        self.name, self.campaign, self.default_route = name, campaign, default_route
        self.singles = _single_rules(campaign)
        self.rules = [RuleFigures(rule.name, rule.deliver_to) for rule in campaign.routes]
        self.default, self.unrouted = Bucket(), Bucket()
        self.sinks: Counter[str] = Counter()
        self.held = self.changed = 0

    def add(self, facts: RouteFacts, example: LeadExample, stored_route: str | None) -> None:
        """Route one lead with the campaign, and each rule alone (as ``routes test`` shows them)."""
        decision = route(facts, self.name, self.campaign, self.default_route)
        decided = False
        for figures_, single in zip(self.rules, self.singles, strict=True):
            if not route(facts, self.name, single, DefaultRoute()).sinks:
                continue
            figures_.matches += 1
            if not (decided and self.campaign.route_mode == "first"):
                figures_.decides.add(example)
            decided = True
        if decision.route == DEFAULT_ROUTE:
            self.default.add(example)
        elif decision.route == UNROUTED:
            self.unrouted.add(example)
        self.sinks.update(decision.sinks.keys())
        self.held += decision.hold
        self.changed += decision.route != stored_route


def _lead_facts(
    conn: Connection, refs: Sequence[figures.LeadRef], cache: FactsCache
) -> dict[int, tuple[RouteFacts, str] | None]:
    """Each lead's routing facts (``facts_of_lead``, as ``routes test`` reads them) and name, from
    ``cache`` or loaded in chunks; None for a lead without touches."""
    found: dict[int, tuple[RouteFacts, str] | None] = {}
    missing = []
    for ref in refs:
        known, value = cache.get((ref.id, ref.revision))
        if known:
            found[ref.id] = value
        else:
            missing.append(ref)
    for part in chunked(missing, LOAD_CHUNK):
        loaded: dict[int, Lead] = load_leads(conn, [ref.id for ref in part])
        for ref in part:
            lead = loaded.get(ref.id)
            facts = facts_of_lead(lead) if lead is not None else None
            value = (facts, lead.display_name()) if lead is not None and facts is not None else None
            cache.put((ref.id, ref.revision), value)
            found[ref.id] = value
    return found


def preview_routes(
    conn: Connection,
    name: str,
    campaign: Campaign,
    default_route: DefaultRoute,
    window: figures.Window,
    cache: FactsCache | None = None,
    cap: int = ROUTE_CAP,
) -> RoutePreview:
    """Route the newest ``cap`` leads of the window stored under ``name`` or that came through the
    campaign's sources with ``campaign``'s rules; nothing is written."""
    refs, total = figures.campaign_leads(conn, name, campaign.sources, window, cap)
    facts = _lead_facts(conn, refs, cache if cache is not None else TtlCache())
    tally = _RouteTally(name, campaign, default_route)
    examined = 0
    for ref in refs:
        known = facts.get(ref.id)
        if known is not None:
            examined += 1
            tally.add(known[0], LeadExample(ref.key, known[1]), ref.route)
    return RoutePreview(
        examined=examined,
        total=total,
        cap=cap,
        rules=tally.rules,
        default=tally.default,
        unrouted=tally.unrouted,
        sinks=dict(tally.sinks.most_common()),
        held=tally.held,
        changed=tally.changed,
    )


@dataclass(frozen=True)
class Scored:
    """A comment, post or mention with the intent score the qualifier gives it."""

    source: str
    native_id: str
    kind: str
    received_at: datetime
    status: str
    """What the pipeline made of it when it came: ``lead``, ``ignored`` or ``dead``."""
    score: float
    message: str
    """Its text, cut to ``MESSAGE_CHARS``."""


def _raw_event(stored: figures.StoredEvent) -> RawEvent:
    return RawEvent(
        native_id=stored.native_id,
        kind=EventKind(stored.kind),
        occurred_at=stored.occurred_at,
        payload=stored.payload,
        received_via=ReceivedVia(stored.received_via),
    )


def score_events(
    events: Sequence[figures.StoredEvent],
    bindings: Mapping[str, SourceBinding],
    parsers: Mapping[str, Callable[[RawEvent], Any]],
    qualifier: Qualifier,
    cache: ScoreCache,
) -> tuple[list[Scored], int]:
    """The intent score of each event through its source's ``parse`` and ``qualifier``, cached; and
    how many could not be scored (their source does not run, or its parse refuses them now)."""
    todo: dict[str, list[figures.StoredEvent]] = {}
    found: dict[tuple[str, str], tuple[float, str] | None] = {}
    for event in events:
        known, value = cache.get((event.source, event.native_id))
        if known:
            found[(event.source, event.native_id)] = value
        elif event.source in bindings:
            todo.setdefault(event.source, []).append(event)
    for source, pending in todo.items():
        parsed = parse_all(parsers[source], [_raw_event(e) for e in pending])
        for item in qualify_all(bindings[source], parsed, qualifier):
            intent = item.qualification.intent if item.qualification else None
            value = None
            if intent is not None and item.draft is not None:
                value = (intent.score, (item.draft.message or "")[:MESSAGE_CHARS])
            cache.put((source, item.event.native_id), value)
            found[(source, item.event.native_id)] = value
    scored = []
    for event in events:
        value = found.get((event.source, event.native_id))
        if value is not None:
            scored.append(
                Scored(event.source, event.native_id, event.kind, event.received_at, event.status, *value)
            )
    return scored, len(events) - len(scored)


BINS = 101
"""Histogram bins: bin k holds the scores s with k/100 <= s < (k+1)/100; bin 100 holds s = 1."""


def score_bin(score: float) -> int:
    """The bin of ``score``: the largest k with k/100 <= score, so that for a threshold t = k/100 the
    scores at or above t are exactly those of bins k and up (the same float comparison as the
    qualifier's ``score >= threshold``)."""
    k = min(BINS - 1, max(0, int(score * 100)))
    if k < BINS - 1 and (k + 1) / 100 <= score:
        k += 1
    if k > 0 and k / 100 > score:
        k -= 1
    return k


def histogram(scores: Iterable[float]) -> list[int]:
    """Counts per bin (``BINS``) of ``scores``."""
    counts = [0] * BINS
    for score in scores:
        counts[score_bin(score)] += 1
    return counts


def either_side(
    items: Sequence[Scored], threshold: float, n: int = EXAMPLES
) -> tuple[list[Scored], list[Scored]]:
    """The ``n`` items just at or above ``threshold`` (lowest first) and the ``n`` just below it
    (highest first): the ones the line decides about."""
    above = sorted((i for i in items if i.score >= threshold), key=lambda i: i.score)[:n]
    below = sorted((i for i in items if i.score < threshold), key=lambda i: -i.score)[:n]
    return above, below


Scorer = Callable[[Sequence[figures.StoredEvent]], tuple[list[Scored], int]]
"""``score_events`` bound to a running bot's sources, qualifier and cache."""


@dataclass
class ThresholdPreview:
    """How many of the window's comments, posts and mentions reach ``threshold``, with the histogram
    of their scores (so a slider can move without asking again) and examples either side."""

    threshold: float
    total: int
    """Comments, posts and mentions of the sources received in the window."""
    examined: int
    """The newest of them that were read (``cap`` at most)."""
    cap: int
    unscored: int
    """Read but not scored: their source does not run, or its parse refuses them."""
    histogram: list[int]
    would_be_leads: int
    """Scored items at or above the threshold."""
    by_construction: int
    """Lead forms and imported rows of the window: leads whatever the threshold."""
    above: list[Scored]
    below: list[Scored]


def preview_threshold(
    conn: Connection,
    sources: Sequence[str],
    window: figures.Window,
    threshold: float,
    score: Scorer,
    cap: int = SCORE_CAP,
) -> ThresholdPreview:
    """Score the newest ``cap`` comments, posts and mentions ``sources`` received in the window with
    ``score`` (``score_events`` bound to the running bot) and count those at or above ``threshold``."""
    by_kind = figures.events_by_kind(conn, sources, window)
    events = figures.newest_events(conn, sources, SCORED_KINDS, window, cap)
    scored, unscored = score(events)
    above, below = either_side(scored, threshold)
    return ThresholdPreview(
        threshold=threshold,
        total=sum(n for kind, n in by_kind.items() if kind in SCORED_KINDS),
        examined=len(events),
        cap=cap,
        unscored=unscored,
        histogram=histogram(s.score for s in scored),
        would_be_leads=sum(1 for s in scored if s.score >= threshold),
        by_construction=sum(n for kind, n in by_kind.items() if EventKind(kind) in LEAD_BY_CONSTRUCTION),
        above=above,
        below=below,
    )
