"""Delivery outcomes on their way to the store: noted by the delivery threads as each attempt ends,
committed by the dispatcher in small groups (``Dispatcher._record_due``).

A group is due when its oldest outcome has waited ``every`` seconds or it holds ``most`` outcomes,
whichever comes first: a crash loses (and so re-sends) at most that much, while a backlog is still
recorded a group at a time rather than a row at a time (bench/dispatch.py). Outcomes the store
could not take (an outage) are put back, first in line, and are due again after a short wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from socialleads.models import Delivery, Lead
from socialleads.store import outbox


@dataclass
class Outcome:
    """How one attempt ended (or that it was not made: ``tried`` False), with the lead it carried."""

    item: outbox.Claimed
    lead: Lead
    started: datetime
    finished: datetime
    result: Delivery | None = None
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    needs_admin: bool = False
    tried: bool = True
    closed_circuit: bool = False
    """This answer closed its sink's circuit: the sink's waiting deliveries are made due with it."""


class PendingOutcomes:
    """Outcomes not yet committed, shared by the delivery threads and the dispatcher's thread."""

    def __init__(self, every: float, most: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.most = most
        self._monotonic = monotonic
        self._items: list[Outcome] = []
        self._oldest = 0.0
        """``monotonic()`` when the oldest outcome waiting was noted."""
        self._not_before = 0.0
        """``monotonic()`` before which no group is due: the store failed to take the last one."""
        self._changed = threading.Condition()

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)

    def add(self, outcome: Outcome) -> None:
        """Note an outcome; called by a delivery thread when its attempt ends."""
        with self._changed:
            if not self._items:
                self._oldest = self._monotonic()
            self._items.append(outcome)
            if len(self._items) >= self.most:
                self._changed.notify_all()

    def due_in(self) -> float | None:
        """Seconds until a group is due (0 when it is), None when nothing waits."""
        with self._changed:
            if not self._items:
                return None
            now = self._monotonic()
            due = now if len(self._items) >= self.most else self._oldest + self.every
            return max(0.0, due - now, self._not_before - now)

    def _full(self) -> bool:
        return len(self._items) >= self.most and self._monotonic() >= self._not_before

    def ids(self) -> set[int]:
        """The deliveries whose outcomes wait."""
        with self._changed:
            return {o.item.id for o in self._items}

    def take(self) -> list[Outcome]:
        """Everything waiting, oldest first; the caller commits it or ``put_back``s it."""
        with self._changed:
            taken, self._items = self._items, []
            return taken

    def put_back(self, outcomes: list[Outcome], retry_in: float) -> None:
        """Outcomes the store could not take: they go first in the next group, due in ``retry_in``."""
        with self._changed:
            self._items = outcomes + self._items
            self._oldest = self._monotonic() - self.every
            self._not_before = self._monotonic() + retry_in

    def committed(self) -> None:
        """The store took a group: the next one is due on the usual terms."""
        with self._changed:
            self._not_before = 0.0

    def wait(self, timeout: float, done: Callable[[], bool]) -> bool:
        """Wait until a group is due, ``done()`` holds (checked whenever ``wake`` is called) or
        ``timeout`` passes; returns ``done()``."""
        with self._changed:
            self._changed.wait_for(lambda: done() or self._full(), timeout)
            return done()

    def wake(self) -> None:
        """Make ``wait`` look again (a delivery thread finished its share)."""
        with self._changed:
            self._changed.notify_all()
