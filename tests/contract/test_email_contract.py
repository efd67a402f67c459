"""The email sink against the conformance kit, with real SMTP servers (aiosmtpd) on loopback."""

from __future__ import annotations

import email
from collections.abc import Callable
from email.policy import default as default_policy
from typing import Any

import pytest

from connectors.email.sink import EmailSink
from socialleads.testing import ObservedKeys, SinkConformance

StartSmtp = Callable[..., Any]
PASSWORD = "correct-horse-battery-staple"
USERS = {"bot": PASSWORD}


def sink_config(port: int) -> dict[str, Any]:
    """A plain-SMTP config with a login, so the password is there for the secret checks."""
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "username": "bot",
        "password": PASSWORD,
        "from_address": "Socialleads <bot@example.com>",
        "to": ["sales@example.com"],
        "timeout": "5s",
    }


def key_of(message_id: str) -> str | None:
    """The idempotency key in a Message-ID ``<{key}.r{revision}@socialleads.invalid>``."""
    local = message_id.strip().removeprefix("<").partition("@")[0]
    key, marker, _ = local.rpartition(".r")
    return key if marker else None


class TestEmailSink(SinkConformance):
    """The email sink: the key travels as the Message-ID, which mail systems deduplicate on."""

    connector = EmailSink
    # aiosmtpd logs each reply it sends, and the rejecting server below echoes the password.
    foreign_loggers = frozenset({"mail.log"})

    @pytest.fixture
    def server(self, start_smtp: StartSmtp) -> Any:
        """An SMTP server that accepts the bot's login and every message."""
        return start_smtp(users=USERS)

    @pytest.fixture
    def valid_config(self, server: Any) -> dict[str, Any]:
        """Deliver to ``server``."""
        return sink_config(server.port)

    @pytest.fixture
    def observed_keys(self, server: Any) -> ObservedKeys:
        """The key in the Message-ID of each message the server accepted, in order."""

        def keys() -> list[str | None]:
            found: list[str | None] = []
            for envelope in server.envelopes:
                message = email.message_from_bytes(envelope.original_content, policy=default_policy)
                message_id = message["Message-ID"]
                found.append(key_of(str(message_id)) if message_id is not None else None)
            return found

        return keys

    @pytest.fixture
    def retriable_failure_config(self, start_smtp: StartSmtp) -> dict[str, Any]:
        """A server that answers DATA with 451 (local error, try later)."""
        return sink_config(start_smtp(users=USERS, reply="451 4.3.0 Temporary local problem").port)

    @pytest.fixture
    def permanent_failure_config(self, start_smtp: StartSmtp) -> dict[str, Any]:
        """A server that answers DATA with 550, echoing the password to prove the sink scrubs replies."""
        return sink_config(start_smtp(users=USERS, reply=f"550 5.7.1 Refused for {PASSWORD}").port)

    @pytest.fixture
    def unreachable_config(self, closed_port: int) -> dict[str, Any]:
        """A loopback port nobody listens on."""
        return sink_config(closed_port)

    @pytest.fixture
    def bad_credentials_config(self, server: Any) -> dict[str, Any]:
        """The right user with a wrong password: the server answers AUTH with 535."""
        return {**sink_config(server.port), "password": "not-the-bots-password"}
