"""The ``meta_lead_ads`` source against the conformance kit, over real HTTP to the sandbox's Graph API.

The throttling, server-error and credential checks drive the sandbox's chaos switches; each is reset
after its test.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest

from connectors.meta.lead_ads import MetaLeadAdsSource
from socialleads.contracts import ConnectorContext
from socialleads.models import RawEvent
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.living import World
from socialleads.testing import SourceConformance
from tests.support.meta_leads import MAIN, config_data, context, lead_world

LOOKBACK = timedelta(minutes=10)


@pytest.fixture(scope="module")
def world() -> World:
    return lead_world(seed=11)


@pytest.fixture(scope="module")
def served(world: World) -> Iterator[tuple[str, Chaos]]:
    chaos = Chaos()
    with SandboxServer(world, chaos) as sandbox:
        yield sandbox.url, chaos


@pytest.fixture
def chaos(served: tuple[str, Chaos]) -> Iterator[Chaos]:
    served[1].reset()
    yield served[1]
    served[1].reset()


class TestMetaLeadAdsSource(SourceConformance):
    """Both pages of the sandbox's store, every form; the world's clock."""

    connector = MetaLeadAdsSource

    @pytest.fixture
    def valid_config(self, world: World, chaos: Chaos) -> dict[str, Any]:
        """Both pages with their tokens, the app's id and secret, the default lookback."""
        return config_data(world, lookback=f"{int(LOOKBACK.total_seconds())}s")

    @pytest.fixture
    def connector_context(self, world: World, served: tuple[str, Chaos]) -> ConnectorContext:
        """Sessions routed to the sandbox, and a clock that reads the world's time."""
        return context(world, served[0])

    @pytest.fixture
    def bad_credentials_config(self, world: World, chaos: Chaos) -> dict[str, Any]:
        """A page token Meta does not know (the kit fills app_secret and verify_token with samples)."""
        data = config_data(world, app_secret=None, verify_token=None)
        data["pages"] = [{"id": MAIN, "token": "EAAPthis-token-was-never-issued-000000000000"}]
        return data

    @pytest.fixture
    def rate_limited_config(self, valid_config: dict[str, Any], chaos: Chaos) -> dict[str, Any]:
        """Meta answers every call with the LeadGen throttle, 80005."""
        chaos.update({"meta_throttle_code": 80005, "throttle_seconds": 300})
        return valid_config

    @pytest.fixture
    def transient_failure_config(self, valid_config: dict[str, Any], chaos: Chaos) -> dict[str, Any]:
        """Meta answers the next calls with 503 (code 1, is_transient)."""
        chaos.update({"fail_5xx": 5})
        return valid_config

    def allowed_repeats(self, first_fetch: Sequence[RawEvent]) -> set[str]:
        """Leads created within ``lookback`` of their form's newest lead are read again, by design."""
        newest: dict[str, int] = {}
        for event in first_fetch:
            if event.position is not None:
                form, created = event.position["form"], event.position["created"]
                newest[form] = max(newest.get(form, created), created)
        window = int(LOOKBACK.total_seconds())
        return {
            e.native_id
            for e in first_fetch
            if e.position is not None and e.position["created"] > newest[e.position["form"]] - window
        }
