"""The Slack sink against the conformance kit, with the real slack_sdk and the Slack emulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.slack.sink import SlackSink
from socialleads.testing import ObservedKeys, SinkConformance
from tests.support.chat_servers import ServedSlack

CHANNEL = "C0SALES001"


def served() -> Iterator[ServedSlack]:
    with ServedSlack() as slack:
        yield slack


def config(slack: ServedSlack, **overrides: Any) -> dict[str, Any]:
    """A config for the emulated workspace, with its working token."""
    base = {"token": slack.workspace.token, "channel": CHANNEL, "base_url": slack.api_url, "timeout": "2s"}
    return {**base, **overrides}


class TestSlackSink(SinkConformance):
    """The Slack sink: the key travels in the message metadata (Slack has no idempotency key)."""

    connector = SlackSink

    @pytest.fixture
    def slack(self) -> Iterator[ServedSlack]:
        """A workspace with #sales (C0SALES001), the app in it."""
        yield from served()

    @pytest.fixture
    def valid_config(self, slack: ServedSlack) -> dict[str, Any]:
        """Post to #sales."""
        return config(slack)

    @pytest.fixture
    def observed_keys(self, slack: ServedSlack) -> ObservedKeys:
        """The ``idempotency_key`` in the metadata of each card posted or updated, in order."""

        def keys() -> list[str | None]:
            cards = [c for c in slack.workspace.calls if c.method in ("chat.postMessage", "chat.update")]
            return [
                ((c.args.get("metadata") or {}).get("event_payload") or {}).get("idempotency_key")
                for c in cards
            ]

        return keys

    @pytest.fixture
    def failing(self) -> Iterator[ServedSlack]:
        """A workspace whose API answers 503 for the next hour."""
        for slack in served():
            slack.workspace.outage(seconds=3600, status=503)
            yield slack

    @pytest.fixture
    def retriable_failure_config(self, failing: ServedSlack) -> dict[str, Any]:
        """Post to a Slack that is down for now."""
        return config(failing)

    @pytest.fixture
    def permanent_failure_config(self, slack: ServedSlack) -> dict[str, Any]:
        """Post to a channel that does not exist (``channel_not_found``)."""
        return config(slack, channel="C0NOSUCH01")

    @pytest.fixture
    def unreachable_config(self, closed_port: int) -> dict[str, Any]:
        """Slack's API at a loopback port nobody listens on."""
        return {
            "token": "xoxb-unreachable-0001",
            "channel": CHANNEL,
            "base_url": f"http://127.0.0.1:{closed_port}/api/",
        }

    @pytest.fixture
    def bad_credentials_config(self, slack: ServedSlack) -> dict[str, Any]:
        """A bot token the workspace never issued (``invalid_auth``)."""
        return config(slack, token="xoxb-0000000000-never-issued-000000")
