"""Meta's webhook deliveries, emulated: the world's new leads and comments POSTed, signed, to a callback.

What Meta does and this sender reproduces
(https://developers.facebook.com/docs/graph-api/webhooks/getting-started; the payloads it is compared
with are in ``tests/fixtures/meta_webhooks/``, each with where it came from):

- the verification handshake ``GET ?hub.mode=subscribe&hub.challenge=<int>&hub.verify_token=<token>``,
  answered by echoing the challenge;
- page ``leadgen`` and ``feed`` (comment: new, edited, with a photo) changes and Instagram ``comments``
  changes, batched: updates arriving within ``batch_window`` seconds share one POST per object, several
  entries each with several changes (at most 1000 updates; "batching cannot be guaranteed");
- Instagram changes in the Instagram Login shape (an entry per change, ``field`` and ``value`` in it) for
  a share ``instagram_login_share`` of them, as an app on the Instagram API with Instagram Login gets them;
- the body as ASCII-escaped JSON with lowercase ``\\uXXXX``, signed in ``X-Hub-Signature-256``;
- at-least-once delivery: anything but 200 (or no answer) is retried after each of ``retry_delays`` ("we
  will retry immediately, then try a few more times with decreasing frequency over the next 36 hours"),
  then given up; chaos drops and duplicates a share of deliveries;
- nothing for pages that uninstalled the app (``chaos.unsubscribed_pages``), nor for their Instagram account;
- the App Dashboard's "Test" leadgen notification (``send_test``).

Not emulated: comment removals, post and reaction ``feed`` items, the legacy ``X-Hub-Signature``
(sha1) header, HTTPS, and Meta disabling a callback that keeps failing.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import random
import threading
import time
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Self

import requests

from socialleads.http import new_session
from socialleads.redact import REDACTOR
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.meta import webhook_payloads as shapes
from socialleads.sandbox.world.living import World

USER_AGENT = "facebookexternalua"


def sign(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value of ``body``: ``sha256=`` and the lowercase hex HMAC-SHA256."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class WebhookStats:
    """What the sender did. A delivery is one payload; each HTTP POST of it counts in ``sent``."""

    sent: int = 0
    """POSTs made: first tries, retries and second copies."""
    delivered: int = 0
    """POSTs answered 200."""
    dropped: int = 0
    """Deliveries never sent (``chaos.drop_webhooks``)."""
    duplicated: int = 0
    """Deliveries sent twice (``chaos.duplicate_webhooks``)."""
    retried: int = 0
    """POSTs that were retries."""
    gave_up: int = 0
    """Deliveries (or second copies) abandoned after the last retry failed."""
    dropped_leadgen_ids: list[str] = field(default_factory=list)
    """Leads whose notification was dropped: what polling must recover."""
    gave_up_leadgen_ids: list[str] = field(default_factory=list)
    """Leads whose notification was given up: polling must recover these too."""


@dataclass(frozen=True)
class _Delivery:
    body: bytes
    leadgen_ids: tuple[str, ...]
    attempt: int = 0


class WebhookSender:
    """Sends the world's new items to ``callback_url`` as Meta would, from one background thread.

    It subscribes to ``world`` when built; items made before ``start`` wait in the queue. ``flush`` waits
    until everything queued was delivered, dropped or given up (for tests); ``stats`` is a snapshot.
    """

    def __init__(
        self,
        world: World,
        chaos: Chaos,
        callback_url: str,
        *,
        verify_token: str | None = None,
        app_secret: str | None = None,
        retry_delays: tuple[float, ...] = (0.0, 1.0, 5.0, 30.0, 120.0),
        batch_window: float = 0.2,
        seed: int | None = None,
        session: requests.Session | None = None,
        instagram_login_share: float = 0.0,
    ) -> None:
        self.world = world
        self.chaos = chaos
        self.callback_url = callback_url
        self.verify_token = world.tokens.verify_token if verify_token is None else verify_token
        self.app_secret = world.tokens.app_secret if app_secret is None else app_secret
        # urllib3 logs the handshake's URL (its query holds the verify token) when it retries
        REDACTOR.register([self.verify_token, self.app_secret])
        self.retry_delays = tuple(retry_delays)
        self.batch_window = batch_window
        self.instagram_login_share = instagram_login_share
        seed = world.seed if seed is None else seed
        self._rng = random.Random(f"{seed}:webhooks")
        self._challenges = random.Random(f"{seed}:challenge")
        self._login_shapes = random.Random(f"{seed}:instagram_login")
        self._session = session or new_session()
        self._cond = threading.Condition()
        self._pending: list[shapes.Change] = []
        self._pending_since = 0.0
        self._queue: list[tuple[float, int, _Delivery]] = []  # heap of (due, sequence, delivery)
        self._sequence = 0
        self._in_flight = 0
        self._stats = WebhookStats()
        self._stopping = False
        self._thread: threading.Thread | None = None
        world.subscribe(self._on_items)

    # --- public ---------------------------------------------------------------------------------

    @property
    def stats(self) -> WebhookStats:
        """A copy of the counters."""
        with self._cond:
            s = self._stats
            return replace(
                s,
                dropped_leadgen_ids=list(s.dropped_leadgen_ids),
                gave_up_leadgen_ids=list(s.gave_up_leadgen_ids),
            )

    def handshake(self, challenge: int | None = None) -> bool:
        """Verify the callback: True only for a 200 echoing the challenge exactly (random if not given)."""
        sent = str(self._challenges.randint(10**9, 2**31 - 1) if challenge is None else challenge)
        params = {"hub.mode": "subscribe", "hub.challenge": sent, "hub.verify_token": self.verify_token}
        try:
            answer = self._session.get(self.callback_url, params=params, headers={"User-Agent": USER_AGENT})
        except requests.RequestException:
            return False
        return answer.status_code == 200 and answer.content == sent.encode()

    def send_test(self) -> None:
        """Queue the dashboard's "Test" leadgen notification (entry ``"0"``, ids 444…); chaos spares it."""
        payload = shapes.dashboard_test_leadgen(int(self.world.now.timestamp()))
        with self._cond:
            self._push(_Delivery(shapes.encode(payload), ()), time.monotonic())

    def start(self) -> Self:
        """Start the sending thread (again, after ``stop``)."""
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return self
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="meta-webhooks", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the POST in progress; what is still queued stays queued."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(30)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery was sent, dropped or given up; False when ``timeout`` ran out."""
        with self._cond:
            return self._cond.wait_for(lambda: not (self._pending or self._queue or self._in_flight), timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- from the world -------------------------------------------------------------------------

    def _on_items(self, items: list[Any]) -> None:
        changes = shapes.changes_for(self.world, items, set(self.chaos.state.unsubscribed_pages))
        if changes:
            with self._cond:
                if not self._pending:
                    self._pending_since = time.monotonic()
                self._pending.extend(self._shaped(change) for change in changes)
                self._cond.notify_all()

    def _shaped(self, change: shapes.Change) -> shapes.Change:
        """``change``, in the Instagram Login shape for a share of Instagram changes (condition held)."""
        share = self.instagram_login_share
        if change.object == "instagram" and share > 0 and self._login_shapes.random() < share:
            return replace(change, flat=True)
        return change

    # --- the sending thread ---------------------------------------------------------------------

    def _push(self, delivery: _Delivery, due: float) -> None:
        heapq.heappush(self._queue, (due, self._sequence, delivery))
        self._sequence += 1
        self._cond.notify_all()

    def _plan(self, changes: list[shapes.Change], now: float) -> None:
        """Turn pending changes into deliveries, dropping and doubling some as chaos says."""
        state = self.chaos.state
        for payload in shapes.payloads(changes):
            ids = shapes.leadgen_ids(payload)
            drop = self._rng.random() < state.drop_webhooks
            double = self._rng.random() < state.duplicate_webhooks
            if drop:
                self._stats.dropped += 1
                self._stats.dropped_leadgen_ids.extend(ids)
                continue
            delivery = _Delivery(shapes.encode(payload), ids)
            self._push(delivery, now)
            if double:
                self._stats.duplicated += 1
                self._push(delivery, now)

    def _next(self) -> _Delivery | None:
        """Wait for the next due delivery (None when stopping); called with the condition held."""
        while not self._stopping:
            now = time.monotonic()
            if self._pending and now >= self._pending_since + self.batch_window:
                changes, self._pending = self._pending, []
                self._plan(changes, now)
            if self._queue and self._queue[0][0] <= now:
                self._in_flight += 1
                return heapq.heappop(self._queue)[2]
            deadlines = [self._queue[0][0]] if self._queue else []
            if self._pending:
                deadlines.append(self._pending_since + self.batch_window)
            self._cond.notify_all()  # flush() may be waiting for an empty queue
            self._cond.wait(max(0.0, min(deadlines) - now) if deadlines else None)
        return None

    def _run(self) -> None:
        while True:
            with self._cond:
                delivery = self._next()
            if delivery is None:
                return
            ok = self._post(delivery.body)
            with self._cond:
                self._stats.sent += 1
                self._stats.retried += int(delivery.attempt > 0)
                if ok:
                    self._stats.delivered += 1
                elif delivery.attempt < len(self.retry_delays):
                    due = time.monotonic() + self.retry_delays[delivery.attempt]
                    self._push(replace(delivery, attempt=delivery.attempt + 1), due)
                else:
                    self._stats.gave_up += 1
                    self._stats.gave_up_leadgen_ids.extend(delivery.leadgen_ids)
                self._in_flight -= 1
                self._cond.notify_all()

    def _post(self, body: bytes) -> bool:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Hub-Signature-256": sign(body, self.app_secret),
        }
        try:
            answer = self._session.post(self.callback_url, data=body, headers=headers)
        except requests.RequestException:
            return False
        return answer.status_code == 200


__all__ = ["USER_AGENT", "WebhookSender", "WebhookStats", "sign"]
