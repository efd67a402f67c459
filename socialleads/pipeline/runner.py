"""The runner: load cursor → fetch → prepare → store, and the only place a cursor advances.

Events are stored chunk by chunk as they arrive, each chunk in one transaction with its leads,
touches and outbox rows. The cursor (folded from every position the poll reported) is written
only after the whole poll is stored. A crash in between leaves stored events and the old cursor:
the next poll re-reads, and the duplicates are absorbed by the (source, native id) key
(``docs/architecture.md``, "The runner alone commits a cursor").
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine

from socialleads.configuration.loader import AppConfig
from socialleads.contracts import Cursor, Source, utc_now
from socialleads.errors import (
    AuthError,
    ConfigurationError,
    RateLimitedError,
    SourceError,
    TransientError,
)
from socialleads.models import Checkpoint, Health, HealthState, Lead, RawEvent, ReceivedVia
from socialleads.pipeline.contact_check_helper import ContactCheckHelper
from socialleads.pipeline.event_bus import EventBus
from socialleads.pipeline.health import HealthReporter
from socialleads.pipeline.prepare import Prepared, SourceBinding, parse_all, qualify_all
from socialleads.pipeline.store_step import store_with_retry
from socialleads.qualify import Qualifier
from socialleads.store.outbox import Claimed
from socialleads.store.state import (
    PollCounts,
    SourceState,
    finish_run,
    load_state,
    save_health,
    save_state,
    start_run,
)

log = logging.getLogger("socialleads.runner")
#: Events per store transaction. A commit rewrites every page the chunk touched, and the identity
#: index takes keys (emails, phones) in random order: 2,000 events a commit wrote ~15% more per second
#: than 500 in bench/ingest.py (4,000 no more). A webhook or a slow page is stored before it fills.
CHUNK_SIZE = 2000
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
FAILING_AFTER = 3  # consecutive transient failures before the admin is told


class PollStatus(StrEnum):
    """How one poll ended, as its run is stored (``poll_runs.status``; a skipped poll stores no run)."""

    OK = "ok"
    SKIPPED = "skipped"
    """Not called: a stored "no call before", or an auth or configuration stop."""
    RATE_LIMITED = "rate_limited"
    NEEDS_REAUTH = "needs_reauth"
    DISABLED = "disabled"
    FAILED = "failed"


@dataclass
class PollOutcome:
    """What one call of ``Runner.poll`` did."""

    source: str
    status: PollStatus
    counts: PollCounts = field(default_factory=PollCounts)
    message: str | None = None
    next_allowed_at: datetime | None = None


def config_fingerprint(source: Source[Any, Any]) -> str:
    """A digest of the source's config, secrets included, so a replaced token lifts an auth stop.

    Secrets count at every depth (a Meta page's ``token`` inside ``pages``): ``model_dump`` leaves
    nested ``SecretStr`` values as they are, whose ``repr`` is the same mask for every token.
    Only the digest is stored; the values never leave memory.
    """
    dumped = source.config.model_dump(mode="python")
    text = repr(sorted((k, _reveal(v)) for k, v in dumped.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def _reveal(value: Any) -> Any:
    """``value`` with every secret inside it (in mappings, lists, tuples and sets) as its text.

    A value without secrets comes back equal, so its ``repr`` (and a stored fingerprint) is unchanged.
    """
    getter = getattr(value, "get_secret_value", None)
    if callable(getter):
        return getter()
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_reveal(v) for v in value]
        return value._make(items) if hasattr(value, "_make") else type(value)(items)  # _make: a NamedTuple
    if isinstance(value, set | frozenset):  # in an order that does not change with the hash seed
        return sorted((_reveal(v) for v in value), key=repr)
    return value


def _with_end(events: Iterable[RawEvent]) -> Iterator[RawEvent | None]:
    """``events`` then None, so a chunked loop can flush its last chunk."""
    yield from events
    yield None


#: A chunk that filled faster than this is one of many (a file, a backfill): it may wait for the next.
HOLD_IF_FILLED_WITHIN_S = 0.5


class _ChunkFeed:
    """Prepares and stores one poll's (or ingest's) chunks, in order, each chunk once.

    When chunks come fast, it holds one prepared chunk back: when the next arrives, that one is
    parsed, its unchecked emails and phones go to the helper process (``contact_check_helper``), the
    held chunk is stored meanwhile, and the new one is normalized and qualified from the helper's
    answers. A chunk that took longer to fill (an API's pages) is stored at once, as is the last one
    (``flush``): holding costs a lead at most ``HOLD_IF_FILLED_WITHIN_S`` more on its way to the
    sales team.
    """

    def __init__(self, runner: Runner, binding: SourceBinding, via: ReceivedVia, run_id: int | None) -> None:
        self.runner, self.binding, self.via, self.run_id = runner, binding, via, run_id
        self.parse = runner.sources[binding.name].parse
        self.held: list[Prepared] | None = None
        self._filling_since = time.monotonic()

    def push(self, events: list[RawEvent]) -> PollCounts:
        """Take a full chunk; returns the counts of what this stored (perhaps the chunk before)."""
        fast = time.monotonic() - self._filling_since < HOLD_IF_FILLED_WITHIN_S
        parsed = parse_all(self.parse, events)
        stored = PollCounts()
        if self.held is not None:
            drafts = [item.draft for item in parsed if item.draft is not None]
            checking = self.runner.helper.submit(drafts, self.binding.phone_region)
            stored = self.flush()
            self.runner.helper.absorb(checking)
        self.held = qualify_all(self.binding, parsed, self.runner.qualifier)
        if not fast:
            stored.add(self.flush())
        self._filling_since = time.monotonic()
        return stored

    def flush(self) -> PollCounts:
        """Store the chunk held back, if any; returns its counts."""
        held, self.held = self.held, None
        return PollCounts() if held is None else self.runner._store(self.binding, held, self.via, self.run_id)


class Runner:
    """Polls sources and stores what they return; also the entry for events that arrive by webhook."""

    def __init__(
        self,
        engine: Engine,
        config: AppConfig,
        sources: Mapping[str, Source[Any, Any]],
        qualifier: Qualifier,
        health: HealthReporter,
        clock: Callable[[], datetime] = utc_now,
        on_deliveries_due: Callable[[], None] | None = None,
        chunk_size: int = CHUNK_SIZE,
        on_leased: Callable[[list[Claimed], dict[int, Lead]], None] | None = None,
        events: EventBus | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.sources = sources
        self.qualifier = qualifier
        self.health = health
        self.clock = clock
        self.on_deliveries_due = on_deliveries_due
        self.on_leased = on_leased
        """Takes a webhook lead's new deliveries, already claimed, with the lead (see ``_store``)."""
        self.chunk_size = chunk_size
        self.helper = ContactCheckHelper()
        self.events = events
        """Told of every lead a committed chunk created or touched (``lead.stored``), when someone listens."""

    def binding(self, name: str) -> SourceBinding:
        """What the store step needs to know about source ``name``."""
        source = self.sources[name]
        config = self.config  # read once: a configuration change swaps it whole (Bot.apply_config)
        campaign = config.campaign_of(name)
        entry = config.sources.get(name)
        region = (entry.phone_region if entry else None) or config.settings.phone_region
        return SourceBinding(
            name=name,
            platform=source.platform,
            campaign_name=campaign[0] if campaign else None,
            campaign=campaign[1] if campaign else None,
            phone_region=region,
            teams=config.teams,
        )

    def _store(
        self, binding: SourceBinding, prepared: list[Prepared], via: ReceivedVia, run_id: int | None
    ) -> PollCounts:
        """Store one prepared chunk; wakes the dispatcher when it made deliveries due.

        A lead that came by webhook is the one somebody waits for: its new deliveries are claimed in
        the chunk's transaction and handed to ``on_leased`` with the lead, so dispatch starts without
        a claim or a read of its own.
        """
        hand_over = via == ReceivedVia.WEBHOOK and self.on_leased is not None
        lease = self.config.settings.dispatch.lease if hand_over else None
        result = store_with_retry(
            self.engine, binding, prepared, via, run_id, self.config.default_route, self.clock(), lease
        )
        if self.events is not None and self.events.listening:
            self.events.leads_stored(result.stored_leads())
        if result.leased and self.on_leased is not None:
            self.on_leased(result.leased, result.leads)
        if result.deliveries_due and self.on_deliveries_due is not None:
            self.on_deliveries_due()
        return result.counts

    def close(self) -> None:
        """Stop the contact-check helper process, if a poll started it."""
        self.helper.close()

    def ingest(
        self,
        name: str,
        events: Iterable[RawEvent],
        via: ReceivedVia = ReceivedVia.WEBHOOK,
        on_chunk: Callable[[PollCounts], None] | None = None,
    ) -> PollCounts:
        """Store events that arrived outside a poll (webhooks, backfills); no cursor moves.

        Streams ``events`` in chunks (``on_chunk`` sees each chunk's counts). A backfill is logged as
        a run; webhook items are not (one run per webhook lead would drown the log).
        """
        counts = PollCounts()
        run_id = None
        if via != ReceivedVia.WEBHOOK:
            with self.engine.begin() as conn:
                run_id = start_run(conn, name, via.value, self.clock())
        feed = _ChunkFeed(self, self.binding(name), via, run_id)

        def add(stored: PollCounts) -> None:
            if stored.events_seen:  # a chunk was stored
                counts.add(stored)
                if on_chunk is not None:
                    on_chunk(stored)

        chunk: list[RawEvent] = []
        try:
            for event in _with_end(events):
                if event is not None:
                    chunk.append(event)
                if chunk and (event is None or len(chunk) >= self.chunk_size):
                    add(feed.push(chunk))
                    chunk = []
        finally:  # what was read before a failure is stored, as it would have been without the feed
            add(feed.flush())
        if run_id is not None:
            with self.engine.begin() as conn:
                finish_run(conn, run_id, PollStatus.OK, counts, self.clock())
        return counts

    def _blocked(self, state: SourceState, fingerprint: str, now: datetime) -> str | None:
        """Why the source must not be called now, or None."""
        stopped = state.health in (HealthState.NEEDS_REAUTH.value, HealthState.DISABLED.value)
        if stopped and state.failed_config == fingerprint:
            return f"{state.health}: {state.health_summary} (change its configuration to retry)"
        if state.next_allowed_at is not None and now < state.next_allowed_at:
            return f"no call before {state.next_allowed_at.isoformat()}"
        return None

    def poll(self, name: str, force: bool = False) -> PollOutcome:
        """Run one poll of source ``name``; never raises for a source failure (it becomes health).

        Called by the scheduler's poll job and ``poll``. ``force`` ignores a stored "no call before"
        and an auth stop (used by ``poll --once``). Raises ``ConfigurationError`` when the stored
        cursor is of a version the connector cannot read, and database errors.
        """
        source = self.sources[name]
        now = self.clock()
        fingerprint = config_fingerprint(source)
        with self.engine.begin() as conn:
            state = load_state(conn, name, source.name)
        blocked = None if force else self._blocked(state, fingerprint, now)
        if blocked:
            log.debug("source %s skipped: %s", name, blocked)
            return PollOutcome(
                name, PollStatus.SKIPPED, message=blocked, next_allowed_at=state.next_allowed_at
            )
        with self.engine.begin() as conn:
            run_id = start_run(conn, name, ReceivedVia.POLL.value, now)
        outcome, cursor = self._fetch_and_store(name, state, fingerprint, run_id)
        self._close_poll(state, outcome, cursor, run_id)
        return outcome

    def _fetch_and_store(
        self, name: str, state: SourceState, fingerprint: str, run_id: int
    ) -> tuple[PollOutcome, Cursor]:
        """Fetch from the stored cursor and store what comes, chunk by chunk.

        Returns how the fetch ended and the cursor folded from every position it reported; what was
        fetched before a failure is stored too. A source failure becomes the outcome (``_failed``).
        """
        source = self.sources[name]
        cursor_model = source.cursor_model
        since = cursor_model.upgrade(state.cursor, state.cursor_version or 1) if state.cursor else None
        folded: Cursor = since if since is not None else cursor_model()
        feed = _ChunkFeed(self, self.binding(name), ReceivedVia.POLL, run_id)
        counts = PollCounts()
        chunk: list[RawEvent] = []
        outcome = PollOutcome(name, PollStatus.OK, counts)
        try:
            for item in source.fetch(since):
                if item.position is not None:
                    folded = folded.advance(item.position)
                if isinstance(item, Checkpoint):
                    continue
                chunk.append(item)
                if len(chunk) >= self.chunk_size:
                    counts.add(feed.push(chunk))
                    chunk = []
        except SourceError as exc:
            outcome = self._failed(state, exc, fingerprint)
        except Exception as exc:  # a connector bug must become health, not kill the scheduler
            log.exception("source %s raised an unexpected error; treating it as transient", name)
            outcome = self._failed(state, TransientError(f"unexpected {type(exc).__name__}"), fingerprint)
        if chunk:  # the last chunk, or what was fetched before a failure (then the cursor stays put)
            counts.add(feed.push(chunk))
        counts.add(feed.flush())
        outcome.counts = counts
        return outcome, folded

    def _close_poll(self, state: SourceState, outcome: PollOutcome, cursor: Cursor, run_id: int) -> None:
        """Save the source's state (after a good poll: its new cursor, and OK health) and close the run."""
        finished = self.clock()
        counts = outcome.counts
        state.last_poll_at = finished
        if outcome.status is PollStatus.OK:
            state.cursor = cursor.model_dump(mode="json")
            state.cursor_version = cursor.version
            state.consecutive_failures = 0
            state.next_allowed_at = None
            state.failed_config = None
            state.last_success_at = finished
            # A warning from check() stays until check() clears it.
            if state.health != HealthState.DEGRADED.value:
                summary = f"last poll ok: {counts.events_new} new events"
                self.health.change(state, HealthState.OK, summary, finished)
        with self.engine.begin() as conn:
            save_state(conn, state)
            finish_run(conn, run_id, outcome.status, counts, finished, outcome.message)
        if counts.events_new:
            log.info(
                "source %s: %d new events, %d new leads, %d merged, %d ignored, %d dead-lettered",
                outcome.source,
                counts.events_new,
                counts.leads_created,
                counts.leads_merged,
                counts.ignored,
                counts.dead_lettered,
            )

    def check(self, name: str) -> Health:
        """Run the source's own check (token expiry, permissions, subscriptions) and record its health.

        Called by the scheduler's health job and ``doctor``. A warning (a token expiring soon, a lost
        webhook subscription) or a failure is told to the admin once, and its end once.
        """
        source = self.sources[name]
        now = self.clock()
        try:
            health = source.check()
        except AuthError as exc:
            health = Health(state=HealthState.NEEDS_REAUTH, summary=str(exc))
        except SourceError as exc:
            health = Health(state=HealthState.FAILING, summary=f"check failed: {exc}")
        except Exception as exc:  # a connector bug is a failed check, not a crashed scheduler
            log.exception("source %s: check raised an unexpected error", name)
            health = Health(state=HealthState.FAILING, summary=f"check crashed: {type(exc).__name__}")
        with self.engine.begin() as conn:
            state = load_state(conn, name, source.name)
            current = HealthState(state.health)
            poll_trouble = (
                current in (HealthState.RATE_LIMITED, HealthState.FAILING) and health.state == HealthState.OK
            )
            if not poll_trouble:  # a clean check does not hide what the last poll ran into
                summary = "; ".join([health.summary, *health.details])
                if health.state == HealthState.NEEDS_REAUTH:
                    state.failed_config = config_fingerprint(source)
                self.health.change(state, health.state, summary, now)
            save_health(conn, state)  # a poll running beside this check keeps the cursor it committed
        return health

    def _failed(self, state: SourceState, exc: SourceError, fingerprint: str) -> PollOutcome:
        """Turn a source error into the next state: wait, back off, stop until re-auth, or disable."""
        now = self.clock()
        message = str(exc) or type(exc).__name__
        if isinstance(exc, RateLimitedError):
            state.next_allowed_at = exc.reset_at
            self.health.change(
                state, HealthState.RATE_LIMITED, f"{message}; next call at {exc.reset_at:%H:%M:%S}Z", now
            )
            return PollOutcome(
                state.source, PollStatus.RATE_LIMITED, message=message, next_allowed_at=exc.reset_at
            )
        if isinstance(exc, AuthError | ConfigurationError):
            new = HealthState.NEEDS_REAUTH if isinstance(exc, AuthError) else HealthState.DISABLED
            state.failed_config = fingerprint
            self.health.change(state, new, message, now)
            return PollOutcome(state.source, PollStatus(new.value), message=message)
        state.consecutive_failures += 1
        backoff = min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (state.consecutive_failures - 1))
        state.next_allowed_at = now + backoff
        if state.consecutive_failures >= FAILING_AFTER:
            self.health.change(
                state,
                HealthState.FAILING,
                f"{state.consecutive_failures} failed polls in a row, last: {message}",
                now,
            )
        else:
            log.info("source %s failed (%s); next try in %ds", state.source, message, backoff.total_seconds())
        return PollOutcome(
            state.source, PollStatus.FAILED, message=message, next_allowed_at=state.next_allowed_at
        )
