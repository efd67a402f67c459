"""The HubSpot sink against the conformance kit, over real HTTP to the HubSpot emulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.hubspot.sink import HubSpotSink
from socialleads.sandbox.crm.hubspot.app import HubSpotServer
from socialleads.sandbox.crm.hubspot.store import HubSpotStore
from socialleads.testing import ObservedKeys, SinkConformance, sample_secret

#: The token every emulator accepts: the kit's sample value, so the leak checks look for it.
TOKEN = sample_secret("access_token")


def serving(store: HubSpotStore) -> Iterator[tuple[HubSpotStore, str]]:
    """(store, base URL) while the emulator serves ``store``."""
    with HubSpotServer(store) as server:
        yield store, server.url


def config(url: str, **extra: Any) -> dict[str, Any]:
    return {"access_token": TOKEN, "portal_id": 123456, "base_url": url, "timeout": "2s", **extra}


class TestHubSpotSink(SinkConformance):
    """The HubSpot sink: the key reaches HubSpot as the contact's ``socialleads_key`` property."""

    connector = HubSpotSink

    @pytest.fixture
    def portal(self) -> Iterator[tuple[HubSpotStore, str]]:
        """A working portal that knows the token."""
        yield from serving(HubSpotStore(tokens=[TOKEN]))

    @pytest.fixture
    def valid_config(self, portal: tuple[HubSpotStore, str]) -> dict[str, Any]:
        """Deliver to the working portal."""
        return config(portal[1])

    @pytest.fixture
    def observed_keys(self, portal: tuple[HubSpotStore, str]) -> ObservedKeys:
        """The ``socialleads_key`` of each contact write, in order."""
        store = portal[0]
        return lambda: [
            w.properties.get("socialleads_key") for w in store.writes if w.object_type == "contacts"
        ]

    @pytest.fixture
    def retriable_failure_config(self) -> Iterator[dict[str, Any]]:
        """A portal in an outage: 500 to every call."""
        for store, url in serving(HubSpotStore(tokens=[TOKEN])):
            store.gate.fail(10_000, status=500)
            yield config(url)

    @pytest.fixture
    def permanent_failure_config(self) -> Iterator[dict[str, Any]]:
        """An answer mapped to a property the portal lacks: 400 PROPERTY_DOESNT_EXIST."""
        for _, url in serving(HubSpotStore(tokens=[TOKEN])):
            yield config(url, answer_properties={"Budget": "budget_range"})

    @pytest.fixture
    def unreachable_config(self, closed_port: int) -> dict[str, Any]:
        """A loopback port nobody listens on."""
        return config(f"http://127.0.0.1:{closed_port}")

    @pytest.fixture
    def bad_credentials_config(self, portal: tuple[HubSpotStore, str]) -> dict[str, Any]:
        """A private app token the portal never issued (401)."""
        return {**config(portal[1]), "access_token": "pat-na1-00000000-never-issued-0000"}
