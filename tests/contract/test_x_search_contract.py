"""The ``x_search`` source against the conformance kit, over real tweepy and HTTP to the sandbox's X API.

The throttling, server-error and credential checks drive the sandbox's chaos switches; each is reset
after its test. Rate-limit windows run on the world's clock, which the kit's context reads too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.x.search import XSearchSource
from socialleads.contracts import ConnectorContext
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import World
from socialleads.testing import SourceConformance
from tests.support.x_sources import context, limits, search_data, x_world


@pytest.fixture(scope="module")
def world() -> World:
    return x_world(seed=13)


@pytest.fixture(scope="module")
def served(world: World) -> Iterator[tuple[str, Chaos]]:
    chaos = Chaos()
    with SandboxServer(world, chaos, x_limits=limits(world)) as sandbox:
        yield sandbox.url, chaos


@pytest.fixture
def chaos(served: tuple[str, Chaos]) -> Iterator[Chaos]:
    served[1].reset()
    yield served[1]
    served[1].reset()


class TestXSearchSource(SourceConformance):
    """Product words in five languages (three searches), the store as brand account; the world's clock."""

    connector = XSearchSource

    @pytest.fixture
    def valid_config(self, world: World, chaos: Chaos) -> dict[str, Any]:
        """The three product searches with the sandbox's bearer token."""
        return search_data(world)

    @pytest.fixture
    def connector_context(self, world: World, served: tuple[str, Chaos]) -> ConnectorContext:
        """Sessions routed to the sandbox, and a clock that reads the world's time."""
        return context(world, served[0])

    @pytest.fixture
    def bad_credentials_config(self, world: World, chaos: Chaos) -> dict[str, Any]:
        """A bearer token X never issued."""
        return search_data(world, bearer_token="AAAAthis-token-was-never-issued-0000")

    @pytest.fixture
    def rate_limited_config(self, valid_config: dict[str, Any], chaos: Chaos) -> dict[str, Any]:
        """X answers every call with 429 and a reset 5 minutes ahead."""
        chaos.update({"x_throttle": True, "throttle_seconds": 300})
        return valid_config

    @pytest.fixture
    def transient_failure_config(self, valid_config: dict[str, Any], chaos: Chaos) -> dict[str, Any]:
        """X answers the next calls with 503."""
        chaos.update({"fail_5xx": 5})
        return valid_config
