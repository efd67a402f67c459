"""The Teams sink against the conformance kit, over real HTTP to the Teams webhook emulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.teams.sink import TeamsSink
from socialleads.testing import ObservedKeys, SinkConformance
from tests.support.chat_servers import ServedTeams


def served() -> Iterator[ServedTeams]:
    with ServedTeams() as teams:
        yield teams


class TestTeamsSink(SinkConformance):
    """The Teams sink: Teams takes no key, so it travels as an ``Idempotency-Key`` header Teams ignores."""

    connector = TeamsSink
    check_verifies_credentials = False  # check() connects to the host; only a post can show a removed URL

    def _secret_fields(self) -> list[str]:
        # The kit spots secrets by field name (token, secret, key...); a Teams webhook's URL is its
        # credential under the name Teams gives it, so the kit's secret checks are pointed at it here.
        return ["webhook_url"]

    @pytest.fixture
    def teams(self) -> Iterator[ServedTeams]:
        """A tenant with one incoming webhook."""
        yield from served()

    @pytest.fixture
    def valid_config(self, teams: ServedTeams) -> dict[str, Any]:
        """Post to the webhook."""
        return {"webhook_url": teams.webhook_url, "timeout": "2s"}

    @pytest.fixture
    def observed_keys(self, teams: ServedTeams) -> ObservedKeys:
        """The ``Idempotency-Key`` header of each stored post, in order."""
        return lambda: [post.headers.get("idempotency-key") for post in teams.tenant.posts]

    @pytest.fixture
    def retriable_failure_config(self) -> Iterator[dict[str, Any]]:
        """A webhook answering 500 for the next hour."""
        for teams in served():
            teams.tenant.outage(seconds=3600)
            yield {"webhook_url": teams.webhook_url, "timeout": "2s"}

    @pytest.fixture
    def permanent_failure_config(self) -> Iterator[dict[str, Any]]:
        """A webhook answering 400 (Teams' "Bad payload received") for the next hour."""
        for teams in served():
            teams.tenant.outage(seconds=3600, status=400)
            yield {"webhook_url": teams.webhook_url, "timeout": "2s"}

    @pytest.fixture
    def bad_credentials_config(self) -> Iterator[dict[str, Any]]:
        """A webhook removed from its channel (404): its URL, the credential, no longer works."""
        for teams in served():
            teams.tenant.remove_webhook(teams.path)
            yield {"webhook_url": teams.webhook_url, "timeout": "2s"}

    @pytest.fixture
    def unreachable_config(self, closed_port: int) -> dict[str, Any]:
        """A webhook URL at a loopback port nobody listens on."""
        return {
            "webhook_url": f"http://127.0.0.1:{closed_port}/webhookb2/a1b2c3d4-e5f6/IncomingWebhook/0123abcd"
        }
