"""Print each lead card to the terminal: the simplest sink, for trying the bot and for small setups.

Configured in ``sinks.yaml`` as ``type: console``, with an optional ``stream: stderr`` under its ``config:``.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import Literal, TextIO

from socialleads.card import render_notice_text, render_text
from socialleads.contracts import ConnectorConfig, ConnectorContext, Sink
from socialleads.errors import RetriableDeliveryError
from socialleads.models import AdminNotice, Delivery, Health, HealthState, Lead
from socialleads.safe_text import terminal_text

RULE = "-" * 72
#: How many (key, revision) pairs are remembered to print each lead revision once per process.
REMEMBER = 4096


class ConsoleConfig(ConnectorConfig):
    """Where the cards go: ``stdout`` (default) or ``stderr``."""

    stream: Literal["stdout", "stderr"] = "stdout"


class ConsoleSink(Sink[ConsoleConfig]):
    """Writes ``render_text`` of each lead between rule lines; also an admin-notice channel.

    Idempotent within the process: a (key, revision) already printed is not printed again (the
    last ``REMEMBER`` pairs are remembered). Thread-safe: one card is written at a time.
    """

    name = "console"
    config_model = ConsoleConfig
    accepts_notices = True

    def __init__(self, config: ConsoleConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self._lock = threading.Lock()
        self._printed: OrderedDict[tuple[str, int], None] = OrderedDict()

    def _stream(self) -> TextIO:
        # Looked up at each call, not stored: pytest's capsys and CLI redirections swap sys.stdout.
        return sys.stderr if self.config.stream == "stderr" else sys.stdout

    def _write(self, text: str) -> None:
        stream = self._stream()
        encoding = getattr(stream, "encoding", None) or "utf-8"
        # The card is display text already; this sink writes to a terminal, so it makes sure: an ESC or
        # a bidi override in a stranger's name is shown, never acted on (safe_text.terminal_text).
        # A terminal that cannot show "ó" or "—" gets "?" rather than a failed delivery.
        text = terminal_text(text).encode(encoding, "replace").decode(encoding, "replace")
        try:
            stream.write(f"{RULE}\n{text}{RULE}\n")
            stream.flush()
        except (OSError, ValueError) as exc:  # closed pipe or closed file
            problem = f"cannot write to {self.config.stream}: {type(exc).__name__}"
            raise RetriableDeliveryError(problem) from None

    def check(self) -> Health:
        """Always OK: the process's standard streams exist as long as it runs."""
        return Health(state=HealthState.OK, summary=f"printing leads to {self.config.stream}")

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """Print the lead card once per (key, revision); called by the dispatcher.

        Raises ``RetriableDeliveryError`` when the stream cannot be written (closed pipe).
        """
        marker = (key, lead.revision)
        with self._lock:
            if marker in self._printed:
                self._printed.move_to_end(marker)
                return Delivery(detail="already printed")
            self._write(render_text(lead))
            self._printed[marker] = None
            while len(self._printed) > REMEMBER:
                self._printed.popitem(last=False)
        return Delivery(detail="printed")

    def send_notice(self, notice: AdminNotice) -> None:
        """Print an admin notice; called by the runner when a connector's health changes."""
        with self._lock:
            self._write(render_notice_text(notice))
