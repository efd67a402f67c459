"""The Salesforce sink against the conformance kit, with the Salesforce emulator served on loopback.

simple-salesforce always speaks https to the instance host, so each test org gets its own host name,
routed to its emulator by the context's session factory (``routed_sessions``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.salesforce.sink import SalesforceSink
from socialleads.contracts import ConnectorContext
from socialleads.sandbox.crm.salesforce.app import SalesforceOrg, create_salesforce_app
from socialleads.sandbox.loopback import LoopbackServer, routed_sessions
from socialleads.testing import ObservedKeys, SinkConformance, sample_secret

#: The kit's sample token, so the leak checks look for a value the emulator accepts.
TOKEN = sample_secret("access_token")


def serve(org: SalesforceOrg, host: str, routes: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Serve ``org`` for ``host`` and yield a sink config pointing at it."""
    with LoopbackServer(create_salesforce_app(org)) as server:
        routes[host] = server.url
        yield {
            "instance_url": f"https://{host}",
            "access_token": TOKEN,
            "client_id": "sandbox-app",
            "timeout": "2s",
        }


class TestSalesforceSink(SinkConformance):
    """The Salesforce sink: the key travels as the Lead's external-id value."""

    connector = SalesforceSink
    not_secret_fields = frozenset({"token_url"})  # the OAuth endpoint's address

    @pytest.fixture
    def routes(self) -> dict[str, str]:
        """Instance host → emulator address, filled by the config fixtures."""
        return {}

    @pytest.fixture
    def connector_context(self, routes: dict[str, str]) -> ConnectorContext:
        """A context whose sessions reach the emulators behind the test hosts."""
        return ConnectorContext(instance="kit-salesforce", new_session=routed_sessions(routes))

    @pytest.fixture
    def org(self) -> SalesforceOrg:
        """A working org."""
        return SalesforceOrg(tokens=[TOKEN])

    @pytest.fixture
    def valid_config(self, org: SalesforceOrg, routes: dict[str, str]) -> Iterator[dict[str, Any]]:
        """A config for the working org."""
        yield from serve(org, "acme.my.salesforce.com", routes)

    @pytest.fixture
    def observed_keys(self, org: SalesforceOrg) -> ObservedKeys:
        """The external-id value each Lead write carried, in order."""
        return lambda: list(org.lead_writes)

    @pytest.fixture
    def retriable_failure_config(self, routes: dict[str, str]) -> Iterator[dict[str, Any]]:
        """An org in the middle of an outage (HTTP 503 for an hour)."""
        down = SalesforceOrg(tokens=[TOKEN])
        down.outage(seconds=3600, status=503)
        yield from serve(down, "down.my.salesforce.com", routes)

    @pytest.fixture
    def permanent_failure_config(self, routes: dict[str, str]) -> Iterator[dict[str, Any]]:
        """An org whose duplicate rule blocks the kit's lead (its email is on an existing Lead)."""
        strict = SalesforceOrg(tokens=[TOKEN])
        strict.add_lead(LastName="Jónsdóttir", Company="Sófar ehf.", Email="anna@example.is")
        yield from serve(strict, "strict.my.salesforce.com", routes)

    @pytest.fixture
    def bad_credentials_config(self, valid_config: dict[str, Any]) -> dict[str, Any]:
        """A session the org never issued, and no refresh token to get another."""
        return {**valid_config, "access_token": "00Dxx-session-never-issued-00000000"}

    @pytest.fixture
    def unreachable_config(self, closed_port: int) -> dict[str, Any]:
        """An instance on a loopback port nobody listens on."""
        return {
            "instance_url": f"https://127.0.0.1:{closed_port}",
            "access_token": TOKEN,
            "client_id": "sandbox-app",
            "token_url": f"https://127.0.0.1:{closed_port}/services/oauth2/token",
            "timeout": "2s",
        }
