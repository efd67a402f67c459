"""Refused web requests, logged as a summary per place and kind rather than one line each.

Strangers may send the public port anything (``/webhooks/*`` answers the internet): a flood of
unsigned or oversized POSTs must not become a flood of log lines. ``RefusalLog`` logs the first
refusal of a kind at once, with its reason, then counts; at most one summary line per place a
minute follows, e.g. ``webhook meta: 412 requests refused in the last minute (411 unsigned, 1 too
large)``. After a quiet minute the next refusal is logged at once again.

Places and kinds are fixed phrases of ours (``webhook meta``, ``unsigned``), never text a stranger
chose, so the counters stay small; past ``MAX_KINDS`` kinds at one place, the rest count as ``other``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from socialleads.errors import WebhookRejected

#: Kinds counted apart at one place; more are counted as ``other``.
MAX_KINDS = 8
#: At most one line per place (or per kind of uvicorn warning) this often.
SUMMARY_EVERY_S = 60.0
#: A kind is the text before the first ": " of a refusal's reason, when that is at most this long.
MAX_KIND_LENGTH = 24
_BY_STATUS = {400: "malformed", 401: "unsigned", 403: "refused", 413: "too large"}

Schedule = Callable[[float, Callable[[], None]], object | None]
"""``schedule(delay_s, callback)``: run ``callback`` once, ``delay_s`` seconds from now; None when it
cannot (then the summary waits for the next refusal)."""


def kind_of(exc: WebhookRejected) -> str:
    """The kind of a receiver's refusal: the short label its reason starts with (``unsigned: no
    X-Hub-Signature-256 header`` is ``unsigned``, see ``connectors/meta/webhook.py``), else by status."""
    label, colon, _ = str(exc).partition(": ")
    if colon and 0 < len(label) <= MAX_KIND_LENGTH:
        return label
    return _BY_STATUS.get(exc.status, f"status {exc.status}")


@dataclass
class _Place:
    """What one place refused since its last line."""

    pending: Counter[str] = field(default_factory=Counter)
    """Refusals not logged yet, by kind."""
    told: set[str] = field(default_factory=set)
    """Kinds logged at once since the place was last quiet for a whole period."""
    last_line: float | None = None
    last_refusal: float | None = None
    flush_scheduled: bool = False


class RefusalLog:
    """Counts refused requests per place (``webhook meta``, ``api``) and kind, and logs them sparingly.

    ``clock`` is a monotonic clock in seconds (injectable for tests). ``schedule``, when given, is
    used to log a pending summary when its minute is over even if no further refusal comes (the web
    app passes the event loop's ``call_later``); without it a summary waits for the next refusal or
    an explicit ``flush()``. Thread-safe.
    """

    def __init__(
        self,
        logger: logging.Logger,
        clock: Callable[[], float] = time.monotonic,
        every: float = SUMMARY_EVERY_S,
        schedule: Schedule | None = None,
    ) -> None:
        self.logger = logger
        self.clock = clock
        self.every = every
        self.schedule = schedule
        self._places: dict[str, _Place] = {}
        self._lock = threading.Lock()

    def refused(self, place: str, kind: str, reason: str) -> None:
        """Count one refused request; logs ``reason`` at once when ``kind`` is new at ``place``."""
        now = self.clock()
        with self._lock:
            state = self._places.setdefault(place, _Place())
            quiet = state.last_refusal is None or now - state.last_refusal >= self.every
            if quiet and not state.pending:
                state.told.clear()
            state.last_refusal = now
            known = state.told | state.pending.keys()
            if kind not in known and len(known) >= MAX_KINDS:
                kind = "other"
            if kind not in state.told:
                state.told.add(kind)
                state.last_line = now
                detail = reason.removeprefix(f"{kind}: ")
                self.logger.warning("%s: refused a request (%s): %s", place, kind, detail)
                return
            state.pending[kind] += 1
            due = self._due(state, now)
            if due <= 0:
                self._summarise(place, state, now)
            elif self.schedule is not None and not state.flush_scheduled:
                state.flush_scheduled = self.schedule(due, self.flush) is not None

    def flush(self) -> None:
        """Log the summary of every place whose minute since its last line is over."""
        now = self.clock()
        with self._lock:
            for place, state in self._places.items():
                state.flush_scheduled = False
                if state.pending and self._due(state, now) <= 0:
                    self._summarise(place, state, now)
                elif state.pending and self.schedule is not None:
                    state.flush_scheduled = self.schedule(self._due(state, now), self.flush) is not None

    def pending(self, place: str) -> dict[str, int]:
        """Refusals at ``place`` not logged yet, by kind."""
        with self._lock:
            state = self._places.get(place)
            return dict(state.pending) if state else {}

    def _due(self, state: _Place, now: float) -> float:
        """Seconds until the place may log its next line (0 or less: now)."""
        return 0.0 if state.last_line is None else state.last_line + self.every - now

    def _summarise(self, place: str, state: _Place, now: float) -> None:
        total = sum(state.pending.values())
        kinds = ", ".join(f"{n} {kind}" for kind, n in state.pending.most_common())
        noun = "request" if total == 1 else "requests"
        span = now - (state.last_line if state.last_line is not None else now)
        minutes = round(span / 60)
        since = "in the last minute" if minutes <= 1 else f"in the last {minutes} minutes"
        self.logger.warning("%s: %d %s refused %s (%s)", place, total, noun, since, kinds)
        state.pending.clear()
        state.last_line = now


class RepeatsPerMinute(logging.Filter):
    """Lets one line of each kind through per ``every`` seconds, and counts the rest into the next one.

    For uvicorn's own warnings, which it writes once per refused connection ("Exceeded concurrency
    limit.", "Invalid HTTP request received."): a stranger's flood must not become a flood of log
    lines. A kind is the record's format string (uvicorn's fixed phrases); errors always pass.
    """

    MAX_KINDS = 64

    def __init__(self, every: float = SUMMARY_EVERY_S, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.every = every
        self.clock = clock
        self._last: dict[str, float] = {}
        self._held: Counter[str] = Counter()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        kind, now = str(record.msg)[:200], self.clock()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < self.every:
                self._held[kind] += 1
                return False
            if kind not in self._last and len(self._last) >= self.MAX_KINDS:
                self._last.pop(next(iter(self._last)))
            self._last[kind] = now
            held = self._held.pop(kind, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last {self.every:.0f} s)"
        return True
