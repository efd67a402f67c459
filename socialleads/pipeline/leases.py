"""Keeping claims alive: the deliveries a dispatcher holds have their leases renewed until recorded.

Leases are short (``DispatchSettings.lease``, 30 s), so a bot that dies on another host gives its
claims back within seconds; one that lives renews them every third of a lease, from a thread of
its own, however long its batch or a single delivery takes. The same set tells the dispatcher
what it holds in memory (a webhook lead handed over, an outcome the store has not taken yet), so
it never claims one of those a second time when the lease ran out during a database outage.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from socialleads.store import outbox

log = logging.getLogger("socialleads.dispatch")


class LeaseKeeper:
    """The ids of the deliveries this dispatcher holds, and the thread that renews their leases."""

    def __init__(self, engine: Engine, lease: timedelta, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.lease = lease
        self.clock = clock
        self.every = lease.total_seconds() / 3
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def hold(self, ids: Iterable[int]) -> None:
        """Count these deliveries as held from now on; called right after they were claimed."""
        with self._lock:
            self._held.update(ids)
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()

    def drop(self, ids: Iterable[int]) -> None:
        """Stop holding these (recorded, or given back); their leases are left to run out or cleared."""
        with self._lock:
            self._held.difference_update(ids)

    def holds(self, delivery_id: int) -> bool:
        """Whether this dispatcher holds the delivery in memory."""
        with self._lock:
            return delivery_id in self._held

    def close(self) -> None:
        """Stop renewing (the bot is stopping); safe to call twice."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=10)

    def renew_now(self) -> int:
        """Renew every held lease to a full lease from now; returns how many rows were renewed.

        Raises the store's error when it cannot be reached (the thread logs it and tries again).
        """
        with self._lock:
            ids = sorted(self._held)
        if not ids:
            return 0
        with self.engine.begin() as conn:
            return outbox.renew(conn, ids, self.clock() + self.lease)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.renew_now()
            except DBAPIError as exc:  # an outage: the leases may run out; nothing else is lost
                if not self._failing:
                    log.warning("cannot renew delivery leases: %s", type(exc.orig).__name__)
                self._failing = True
            else:
                self._failing = False
