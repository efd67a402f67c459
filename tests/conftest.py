"""Shared pytest fixtures. Each block below is owned by the feature named in its heading."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest

from socialleads.models import (
    Lead,
    Touch,
)
from socialleads.redact import REDACTOR
from socialleads.testing.kit import sample_lead, sample_touch

# Database fixtures (SQLite and PostgreSQL) for every store test; the shifted-clock pass (make test-future).
pytest_plugins = ["tests.support.db", "tests.support.clock_shift", "tests.support.secret_scan"]

# anyio imports its parts on first use, and, being a pytest plugin, has them rewritten by pytest's
# assertion rewriter, which parses their source. The first static file a test's web server sends
# imported anyio's file module from a server thread while another thread parsed source, and CPython
# 3.11 failed one of the two parses ("SystemError: AST constructor recursion depth mismatch"): the
# page's script answered 500 (seen once in CI on 2026-12-07). Everything anyio offers is imported here,
# before any test starts a thread. Outside pytest nothing is rewritten, so the bot itself needs none of this.
for _name in dir(anyio):
    if not _name.startswith("_"):
        getattr(anyio, _name)


@pytest.fixture(autouse=True)
def _secrets_stay_with_their_test() -> Iterator[None]:
    """The redactor is process-wide: a secret one test registers (a sink's token put through the API)
    must not mask the same characters in the next test's messages."""
    before = REDACTOR.snapshot()
    yield
    REDACTOR.restore(before)


# --- fixtures for sink tests ---

SINK_TEST_NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
#: The kit's realistic lead and touch, so tests and third-party kits build the same records.
build_touch = sample_touch
build_lead = sample_lead


@pytest.fixture
def make_lead() -> Callable[..., Lead]:
    """``make_lead(**overrides)`` builds a realistic ``Lead`` (see ``build_lead``)."""
    return build_lead


@pytest.fixture
def make_touch() -> Callable[..., Touch]:
    """``make_touch(**overrides)`` builds a realistic lead-form ``Touch`` (see ``build_touch``)."""
    return build_touch


@pytest.fixture
def closed_port() -> int:
    """A loopback TCP port nobody listens on (bound, then released), for "connection refused"."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpCapture:
    """An aiosmtpd handler that stores envelopes; ``reply`` answers DATA, ``rcpt_reply`` every RCPT."""

    envelopes: list[Any] = field(default_factory=list)
    reply: str | None = None
    rcpt_reply: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply is not None:
            return self.reply
        self.envelopes.append(envelope)
        return "250 Message accepted"


@dataclass(frozen=True)
class RunningSmtp:
    """A started aiosmtpd server: where it listens and what it received."""

    host: str
    port: int
    handler: SmtpCapture

    @property
    def envelopes(self) -> list[Any]:
        return self.handler.envelopes


@pytest.fixture
def start_smtp() -> Iterator[Callable[..., RunningSmtp]]:
    """``start_smtp(reply=None, rcpt_reply=None, users=None, tls_context=None, implicit_tls=False, **kw)``.

    Starts an aiosmtpd server on 127.0.0.1. ``users`` ({login: password}) turns on AUTH (allowed
    without TLS); ``tls_context`` offers STARTTLS, or wraps the port in TLS with ``implicit_tls``.
    Every server is stopped at teardown.
    """
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    controllers: list[Controller] = []

    def start(
        *,
        reply: str | None = None,
        rcpt_reply: str | None = None,
        users: dict[str, str] | None = None,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        **smtp_kwargs: Any,
    ) -> RunningSmtp:
        handler = SmtpCapture(reply=reply, rcpt_reply=rcpt_reply)
        if users is not None:

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> AuthResult:
                if not isinstance(data, LoginPassword):
                    return AuthResult(success=False, handled=False)
                return AuthResult(
                    success=users.get(data.login.decode()) == data.password.decode(), handled=False
                )

            smtp_kwargs.update(authenticator=authenticate, auth_require_tls=False)
        if tls_context is not None and not implicit_tls:
            smtp_kwargs["tls_context"] = tls_context
        with socket.socket() as sock:  # aiosmtpd cannot report an ephemeral port: pick a free one
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=port,
            ssl_context=tls_context if implicit_tls else None,
            **smtp_kwargs,
        )
        controller.start()
        controllers.append(controller)
        return RunningSmtp("127.0.0.1", port, handler)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp: Callable[..., RunningSmtp]) -> RunningSmtp:
    """A plain aiosmtpd server on 127.0.0.1 that accepts every message."""
    return start_smtp()
