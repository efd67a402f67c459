"""A running sandbox: the world, its clock, the HTTP emulators (the platforms' and, each at its own
path, the sales pipeline's: ``socialleads.sandbox.sales``) and (optionally) the webhook sender.

Used by ``socialleads sandbox`` and ``socialleads demo``; tests build the parts they need directly.
The world it runs makes every shape the Meta connectors must read (``socialleads.sandbox.world.
meta_shapes``): forms with custom-question names and upper-case keys, edited and photo comments; its
webhooks send Instagram comments in both entry shapes; and a tester makes a Lead Ads Testing Tool lead
right after the webhook handshake, then every ``testing_tool_every`` seconds, on each form in turn.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.sales import SalesPipeline
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.entities import Lead
from socialleads.sandbox.world.living import Rates, World

log = logging.getLogger("socialleads.sandbox")


@dataclass
class SandboxOptions:
    """How to run a sandbox."""

    host: str = "127.0.0.1"
    port: int = 8089
    seed: int = 7
    rates: Rates = field(default_factory=Rates)
    history: timedelta = timedelta(hours=2)
    tick: float = 0.5
    """Seconds between two advances of the world's clock."""
    callback_url: str | None = None
    """Where to send Meta webhooks (e.g. the bot's /webhooks/meta); None sends none."""
    webhook_retry_delays: tuple[float, ...] = (0.0, 1.0, 5.0, 30.0, 120.0)
    send_test_webhook: bool = True
    """After the handshake, send the App Dashboard's test leadgen payload once, as people do."""
    testing_tool_every: float = 60.0
    """Seconds between two Lead Ads Testing Tool leads (0: none); the first comes after the handshake."""
    instagram_login_share: float = 0.5
    """Share of Instagram comment webhooks sent in the Instagram Login shape (``field``/``value`` in the
    entry), the rest with ``changes[]`` as apps on Facebook Login get them: the bot must read both."""
    chaos: dict[str, Any] = field(default_factory=dict)


class Sandbox:
    """Start with ``with Sandbox(options) as sandbox:``; the world moves with the wall clock.

    ``sandbox.sales`` holds the HubSpot, Salesforce, Pipedrive, Slack and Teams accounts it serves.
    """

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.world = World(seed=options.seed, rates=options.rates, history=options.history)
        self.chaos = Chaos()
        if options.chaos:
            self.chaos.update(options.chaos)
        self.sales = SalesPipeline()
        self.server = SandboxServer(self.world, self.chaos, options.host, options.port, sales=self.sales)
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="sandbox-clock", daemon=True)
        self.sender: Any = None
        self._tool_turns = itertools.count()

    @property
    def url(self) -> str:
        """Where the emulators answer (``SOCIALLEADS_SANDBOX_URL``)."""
        return self.server.url

    def sinks(self) -> dict[str, dict[str, Any]]:
        """Per sales-pipeline emulator, the sink settings that reach it (as ``GET /_sandbox/world`` lists)."""
        return self.sales.describe(self.url)

    def _tick(self) -> None:
        every = self.options.testing_tool_every
        next_tool = time.monotonic() + every
        while not self._stop.wait(self.options.tick):
            self.world.advance(datetime.now(UTC))
            if every > 0 and time.monotonic() >= next_tool:
                self.testing_tool_lead()
                next_tool = time.monotonic() + every

    def testing_tool_lead(self) -> Lead:
        """A tester's "Create lead" in the Lead Ads Testing Tool, on the next of the world's forms in turn:
        a lead with a real id and dummy values, announced by a ``leadgen`` webhook like any lead."""
        forms = list(self.world.forms)
        return self.world.testing_tool_lead(forms[next(self._tool_turns) % len(forms)])

    def send_webhooks_to(self, callback_url: str) -> bool:
        """Start sending Meta webhooks to ``callback_url`` (after a handshake, which it returns)."""
        from socialleads.sandbox.meta.webhooks import WebhookSender

        self.sender = WebhookSender(
            self.world,
            self.chaos,
            callback_url,
            retry_delays=self.options.webhook_retry_delays,
            instagram_login_share=self.options.instagram_login_share,
        )
        shook = bool(self.sender.handshake())
        if not shook:
            log.warning("webhook handshake with %s failed; sending anyway", callback_url)
        self.sender.start()
        if self.options.send_test_webhook:
            self.sender.send_test()
        if self.options.testing_tool_every > 0:
            self.testing_tool_lead()
        return shook

    def start(self) -> Self:
        """Serve, start the clock, and (with a callback URL) the webhook sender after its handshake."""
        self.server.start()
        if self.options.callback_url:
            self.send_webhooks_to(self.options.callback_url)
        self._ticker.start()
        return self

    def stop(self) -> None:
        """Stop the clock, the sender and the server."""
        self._stop.set()
        if self._ticker.is_alive():
            self._ticker.join(5)
        if self.sender is not None:
            self.sender.stop()
        self.server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
