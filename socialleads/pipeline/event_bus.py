"""The in-process event bus behind ``GET /api/v1/events``: what happened, for live screens.

The pipeline publishes from its own threads (the runner after it committed a chunk, the dispatcher
after it committed outcomes, the health reporter when a source's health changes, the API after a
person changed a lead); each subscriber (an open event stream) has a bounded queue of its own.
A subscriber that falls behind loses its oldest events, and is told how many at its next read
(``Subscription.drain``), so a screen knows to fetch its list again.

Events carry ids and the names of things (a campaign, a sink, a source), never a person's data:
a screen fetches the lead through the API, which decides what the caller may see.

Publishing never raises into the pipeline and costs one attribute check while nobody listens
(``EventBus.listening``): callers build a batch's payloads only when someone does.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from socialleads.redact import REDACTOR

log = logging.getLogger("socialleads.events")

LEAD_STORED = "lead.stored"
LEAD_UPDATED = "lead.updated"
DELIVERY_DONE = "delivery.done"
SOURCE_HEALTH = "source.health"
KINDS = (LEAD_STORED, LEAD_UPDATED, DELIVERY_DONE, SOURCE_HEALTH)

#: Events a subscriber may have waiting before its oldest are dropped.
QUEUE_SIZE = 1000
#: Seconds between two heartbeats (an SSE comment) on an idle stream, so proxies keep it open.
HEARTBEAT_S = 15.0


@dataclass(frozen=True)
class BusEvent:
    """One event: its number on this bus (increasing from 1), its kind and its JSON-able data."""

    seq: int
    kind: str
    data: dict[str, Any]


class StoredLead(NamedTuple):
    """A lead a stored chunk created or added a touch to (``ChunkResult.stored_leads``)."""

    lead_id: int
    campaign: str | None
    grade: str | None
    new: bool


class Subscription:
    """One subscriber's queue. ``notify`` is called (from the publishing thread, at most once per
    publish) when events arrive or the bus closes; it must not block."""

    def __init__(self, bus: EventBus, size: int, notify: Callable[[], None]) -> None:
        self._bus = bus
        self._items: deque[BusEvent] = deque()
        self._size = size
        self._dropped = 0
        self.notify = notify
        self.closed = False
        """True once the subscriber left or the bus closed: nothing more arrives."""

    def _offer(self, event: BusEvent) -> None:
        """Queue ``event``, dropping the oldest when full; called with the bus's lock held."""
        if len(self._items) >= self._size:
            self._items.popleft()
            self._dropped += 1
        self._items.append(event)

    def drain(self) -> tuple[list[BusEvent], int]:
        """Everything waiting, oldest first, and how many events were dropped since the last drain."""
        with self._bus._lock:
            items, dropped = list(self._items), self._dropped
            self._items.clear()
            self._dropped = 0
        return items, dropped

    def close(self) -> None:
        """Leave the bus (the stream ended); safe to call twice."""
        self._bus._remove(self)


class EventBus:
    """Fans events out to subscribers; thread-safe. See the module docstring."""

    def __init__(self, queue_size: int = QUEUE_SIZE, heartbeat_s: float = HEARTBEAT_S) -> None:
        self.queue_size = queue_size
        self.heartbeat_s = heartbeat_s
        """Seconds between heartbeats on an idle stream (read by the API's stream)."""
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscription, ...] = ()
        self._seq = itertools.count(1)
        self._closed = False

    @property
    def listening(self) -> bool:
        """True while someone subscribes; publishers skip building payloads otherwise."""
        return bool(self._subscribers)

    @property
    def closed(self) -> bool:
        """True after ``close``: streams end and new subscriptions are refused."""
        return self._closed

    def subscribe(self, notify: Callable[[], None], size: int | None = None) -> Subscription:
        """A new subscription (``size`` events queued at most). Raises ``RuntimeError`` once closed."""
        subscription = Subscription(self, size or self.queue_size, notify)
        with self._lock:
            if self._closed:
                raise RuntimeError("the event bus is closed")
            self._subscribers = (*self._subscribers, subscription)
        return subscription

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            subscription.closed = True
            self._subscribers = tuple(s for s in self._subscribers if s is not subscription)

    def close(self) -> None:
        """End every subscription (the bot or its web server stops); called once at shutdown."""
        with self._lock:
            self._closed = True
            subscribers, self._subscribers = self._subscribers, ()
            for subscription in subscribers:
                subscription.closed = True
        _notify_all(subscribers)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Publish one event; never raises."""
        self.publish_many(kind, (data,))

    def publish_many(self, kind: str, items: Iterable[dict[str, Any]]) -> None:
        """Publish one event per item, in order, waking each subscriber once; never raises."""
        if not self._subscribers:
            return
        try:
            with self._lock:
                subscribers = self._subscribers
                for data in items:
                    event = BusEvent(next(self._seq), kind, data)
                    for subscription in subscribers:
                        subscription._offer(event)
            _notify_all(subscribers)
        except Exception:  # a screen's bookkeeping must never stop the pipeline
            log.warning("publishing %s events failed", kind, exc_info=True)

    def leads_stored(self, leads: Iterable[StoredLead]) -> None:
        """``lead.stored`` for each lead a committed chunk created or touched (called by the runner)."""
        self.publish_many(
            LEAD_STORED,
            (
                {"lead_id": lead.lead_id, "campaign": lead.campaign, "grade": lead.grade, "new": lead.new}
                for lead in leads
            ),
        )

    def lead_updated(self, lead_id: int, changed: Sequence[str] = ()) -> None:
        """``lead.updated`` after a person changed a lead's status, owner or notes (the API's PATCH)."""
        self.publish(LEAD_UPDATED, {"lead_id": lead_id, "changed": sorted(changed)})

    def deliveries_done(self, done: Iterable[tuple[int, int, str, str]]) -> None:
        """``delivery.done`` for each committed (delivery id, lead id, sink, ``delivered`` or ``dead``)."""
        self.publish_many(
            DELIVERY_DONE,
            (
                {"delivery_id": delivery_id, "lead_id": lead_id, "sink": sink, "status": status}
                for delivery_id, lead_id, sink, status in done
            ),
        )

    def source_health(self, source: str, health: str, summary: str) -> None:
        """``source.health`` when a source's health changed; the summary is scrubbed like a log line."""
        if self._subscribers:
            data = {"source": source, "health": health, "summary": REDACTOR.scrub(summary)}
            self.publish(SOURCE_HEALTH, data)


def _notify_all(subscribers: Iterable[Subscription]) -> None:
    for subscription in subscribers:
        try:
            subscription.notify()
        except Exception:  # a stream whose loop is gone must not stop the others
            log.debug("waking an event subscriber failed", exc_info=True)
