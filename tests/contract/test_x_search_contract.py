"""The ``x_search`` source against the conformance kit, over real tweepy and HTTP to the sandbox's X API.

The throttling, server-error and credential checks drive the sandbox's chaos switches; each is reset
after its test (``tests.support.x_contract``). Rate-limit windows run on the world's clock.
"""

from __future__ import annotations

from typing import Any

import pytest

from connectors.x.search import XSearchSource
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.world.living import World
from tests.support.x_contract import XSandboxConformance
from tests.support.x_sources import search_data


class TestXSearchSource(XSandboxConformance):
    """Product words in five languages (three searches), the store as brand account; the world's clock."""

    connector = XSearchSource
    world_seed = 13

    @pytest.fixture
    def valid_config(self, world: World, chaos: Chaos) -> dict[str, Any]:
        """The three product searches with the sandbox's bearer token."""
        return search_data(world)

    @pytest.fixture
    def bad_credentials_config(self, world: World, chaos: Chaos) -> dict[str, Any]:
        """A bearer token X never issued."""
        return search_data(world, bearer_token="AAAAthis-token-was-never-issued-0000")
