"""Chaos switches: the failures real platforms produce, turned on and off by tests, demos and people.

Set by ``socialleads sandbox`` options and ``POST /_sandbox/chaos``; read by the emulators on every
request. All fields are plain values so the state is one JSON document.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class ChaosState:
    """What is broken right now. The default breaks nothing."""

    meta_token_expired: bool = False
    """Every Meta token answers error 190 / subcode 463 (expired)."""
    x_token_expired: bool = False
    """The X bearer token answers 401."""
    permissions_removed: list[str] = field(default_factory=list)
    """Meta permissions the user token lost (e.g. leads_retrieval): reads needing them answer error 200."""
    unsubscribed_pages: list[str] = field(default_factory=list)
    """Pages from which the app is uninstalled: no webhooks, and subscribed_apps lists nothing."""
    meta_throttle_code: int | None = None
    """Answer every Graph call with this throttle error (4, 17, 32, 613, 80001, 80005)."""
    x_throttle: bool = False
    """Answer every X call with 429 (the rate-limit headers still tell the real reset)."""
    throttle_seconds: int = 60
    """estimated_time_to_regain_access (minutes on Meta, rounded up) and the X reset offset."""
    fail_5xx: int = 0
    """The next N API responses are 503, then normal service resumes."""
    slow_ms: int = 0
    """Every API response waits this long first."""
    drop_webhooks: float = 0.0
    """Share of webhook deliveries never sent (0..1)."""
    duplicate_webhooks: float = 0.0
    """Share of webhook deliveries sent twice (0..1)."""
    short_pages: bool = False
    """List endpoints return fewer items than asked while still announcing a next page."""


class Chaos:
    """The live, thread-safe chaos state shared by the emulators."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = ChaosState()

    @property
    def state(self) -> ChaosState:
        """A copy of the current switches."""
        with self._lock:
            return ChaosState(**asdict(self._state))

    def update(self, changes: dict[str, Any]) -> ChaosState:
        """Apply ``changes`` (field → value); raises ``ValueError`` naming an unknown switch."""
        known = {f.name for f in fields(ChaosState)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown chaos switch {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        with self._lock:
            merged = {**asdict(self._state), **changes}
            self._state = ChaosState(**merged)
            return ChaosState(**asdict(self._state))

    def reset(self) -> None:
        """Break nothing again."""
        with self._lock:
            self._state = ChaosState()

    def take_5xx(self) -> bool:
        """True (and one fewer left) when this response must be a 503."""
        with self._lock:
            if self._state.fail_5xx > 0:
                self._state.fail_5xx -= 1
                return True
            return False
