"""The ``x_mentions`` source against the conformance kit, over real tweepy and HTTP to the sandbox's X API.

The throttling, server-error and credential checks drive the sandbox's chaos switches; each is reset
after its test. Rate-limit windows run on the world's clock, which the kit's context reads too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.x.mentions import XMentionsSource
from socialleads.contracts import ConnectorContext
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import World
from socialleads.testing import SourceConformance
from tests.support.x_sources import context, limits, mentions_data, x_world


@pytest.fixture(scope="module")
def world() -> World:
    return x_world(seed=12)


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


class TestXMentionsSource(SourceConformance):
    """The store's account, the app's bearer token; the world's clock."""

    connector = XMentionsSource

    @pytest.fixture
    def valid_config(self, world: World, chaos: Chaos) -> dict[str, Any]:
        """@thestore with the sandbox's bearer token and user token."""
        return mentions_data(world, user_token=world.tokens.x_user_token)

    @pytest.fixture
    def connector_context(self, world: World, served: tuple[str, Chaos]) -> ConnectorContext:
        """Sessions routed to the sandbox, and a clock that reads the world's time."""
        return context(world, served[0])

    @pytest.fixture
    def bad_credentials_config(self, world: World, chaos: Chaos) -> dict[str, Any]:
        """Bearer and user tokens X never issued."""
        return mentions_data(world, bearer_token="AAAAthis-token-was-never-issued-0000", user_token=None)

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
