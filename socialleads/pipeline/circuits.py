"""Circuit breakers for sinks: a sink that keeps failing is paused instead of burning every retry.

A sink's circuit opens after ``CircuitPolicy.failures`` failures in a row. While open, its
deliveries are not tried (they keep their retries and their place in line); after the cooldown
one delivery probes the sink. A success closes the circuit, the backlog is made due and drains
oldest first; a failed probe doubles the cooldown, up to ``max_cooldown`` and never beyond the
sink's retry horizon (a probe later than that would find every delivery out of time). Opening and
closing are each told to the admin once. An answer with a retry time (a 429's Retry-After, or a
503's) pauses the sink until then without counting as a failure, and closes an open circuit: the
receiver is up, and said when it takes deliveries again (Slack and HubSpot both document
Retry-After; RFC 9110 §10.2.3). The dispatcher wakes at that moment (``next_opening``), not at its
next round.

A ``SinkNeedsAdminError`` (a rejected token) opens the circuit at the first failure: the deliveries
wait for the admin instead of being dead-lettered one by one.

The gate is shared by the dispatcher's delivery threads, so it locks.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta
from enum import Enum

from socialleads.configuration.models import CircuitPolicy
from socialleads.store.sink_state import CLOSED, OPEN, SinkState


class Change(Enum):
    """A circuit change worth telling the admin."""

    OPENED = "opened"
    CLOSED = "closed"


class SinkGate:
    """The circuit of one sink, and its pause."""

    def __init__(
        self,
        sink: str,
        policy: CircuitPolicy,
        state: SinkState | None = None,
        horizon: timedelta | None = None,
    ) -> None:
        self.sink = sink
        self.policy = policy
        longest = policy.max_cooldown if horizon is None else min(policy.max_cooldown, horizon)
        self.max_cooldown_s = max(longest.total_seconds(), 0.0)
        """The longest wait between two probes: the policy's ``max_cooldown``, capped by the horizon."""
        self.state = state or SinkState(sink)
        self.dirty = False
        """The state changed since it was last saved."""
        self._lock = threading.Lock()

    def snapshot(self) -> SinkState:
        """A copy of the state, for saving."""
        with self._lock:
            return replace(self.state)

    def admission(self, now: datetime) -> int | None:
        """How many deliveries the sink takes now: None for any number, 0 for none, 1 for a probe."""
        with self._lock:
            s = self.state
            if s.paused_until is not None and now < s.paused_until:
                return 0  # the receiver asked us to wait
            if s.circuit == OPEN:
                return 0 if s.probe_at is not None and now < s.probe_at else 1
            return None

    def next_opening(self, now: datetime) -> datetime | None:
        """When the sink takes a delivery again, if that is later than ``now``: the end of its pause,
        or its next probe. None when it takes deliveries now (or waits for nothing in time)."""
        with self._lock:
            s = self.state
            if s.paused_until is not None and now < s.paused_until:
                return s.paused_until
            if s.circuit == OPEN and s.probe_at is not None and now < s.probe_at:
                return s.probe_at
            return None

    def accepting(self, now: datetime) -> bool:
        """Whether to go on delivering in this batch (the circuit did not open, no pause began)."""
        with self._lock:
            s = self.state
            paused = s.paused_until is not None and now < s.paused_until
            return not paused and s.circuit == CLOSED

    def succeeded(self) -> Change | None:
        """The sink answered (delivered, or refused one lead for a reason of its own)."""
        with self._lock:
            s = self.state
            was_open = s.circuit == OPEN
            if s.consecutive_failures or was_open:
                s.circuit, s.consecutive_failures = CLOSED, 0
                s.opened_at = s.probe_at = None
                s.cooldown_s = 0.0
                self.dirty = True
            return Change.CLOSED if was_open else None

    def failed(self, now: datetime, error: str, open_now: bool = False) -> Change | None:
        """The sink failed (an outage, a timeout, a 5xx); may open the circuit or delay the next probe.

        ``open_now``: the failure needs an admin (a rejected token), so waiting for more is pointless.
        """
        with self._lock:
            s = self.state
            s.consecutive_failures += 1
            s.last_error = error
            self.dirty = True
            if s.circuit == OPEN:  # the probe failed
                s.cooldown_s = min(s.cooldown_s * 2, self.max_cooldown_s)
                s.probe_at = now + timedelta(seconds=s.cooldown_s)
                return None
            if open_now or s.consecutive_failures >= self.policy.failures:
                s.circuit, s.opened_at = OPEN, now
                s.cooldown_s = min(self.policy.cooldown.total_seconds(), self.max_cooldown_s)
                s.probe_at = now + timedelta(seconds=s.cooldown_s)
                return Change.OPENED
            return None

    def throttled(self, now: datetime, retry_after: float) -> None:
        """The sink asked to wait ``retry_after`` seconds (a 429's or a 503's Retry-After): pause all its
        deliveries that long, to the moment it named (never before it)."""
        with self._lock:
            until = now + timedelta(seconds=retry_after)
            if self.state.paused_until is None or self.state.paused_until < until:
                self.state.paused_until = until
                self.dirty = True
