"""What the X sources' conformance tests share: the sandbox's X API over a world of their own, with
its chaos switches reset around each test and the kit's context reading the world's clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from socialleads.contracts import ConnectorContext
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.living import World
from socialleads.testing import SourceConformance
from tests.support.x_sources import context, limits, x_world


class XSandboxConformance(SourceConformance):
    """The kit over the sandbox's X API; a subclass names its ``connector``, its ``world_seed``,
    and its ``valid_config`` and ``bad_credentials_config``."""

    world_seed: ClassVar[int]

    @pytest.fixture(scope="class")
    @classmethod
    def world(cls) -> World:
        return x_world(seed=cls.world_seed)

    @pytest.fixture(scope="class")
    @classmethod
    def served(cls, world: World) -> Iterator[tuple[str, Chaos]]:
        chaos = Chaos()
        with SandboxServer(world, chaos, x_limits=limits(world)) as sandbox:
            yield sandbox.url, chaos

    @pytest.fixture
    def chaos(self, served: tuple[str, Chaos]) -> Iterator[Chaos]:
        served[1].reset()
        yield served[1]
        served[1].reset()

    @pytest.fixture
    def connector_context(self, world: World, served: tuple[str, Chaos]) -> ConnectorContext:
        """Sessions routed to the sandbox, and a clock that reads the world's time."""
        return context(world, served[0])

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
