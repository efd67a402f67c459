"""The ``x_mentions`` source against the conformance kit, over real tweepy and HTTP to the sandbox's X API.

The throttling, server-error and credential checks drive the sandbox's chaos switches; each is reset
after its test (``tests.support.x_contract``). Rate-limit windows run on the world's clock.
"""

from __future__ import annotations

from typing import Any

import pytest

from connectors.x.mentions import XMentionsSource
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.world.living import World
from tests.support.x_contract import XSandboxConformance
from tests.support.x_sources import mentions_data


class TestXMentionsSource(XSandboxConformance):
    """The store's account, the app's bearer token; the world's clock."""

    connector = XMentionsSource
    world_seed = 12

    @pytest.fixture
    def valid_config(self, world: World, chaos: Chaos) -> dict[str, Any]:
        """@thestore with the sandbox's bearer token and user token."""
        return mentions_data(world, user_token=world.tokens.x_user_token)

    @pytest.fixture
    def bad_credentials_config(self, world: World, chaos: Chaos) -> dict[str, Any]:
        """Bearer and user tokens X never issued."""
        return mentions_data(world, bearer_token="AAAAthis-token-was-never-issued-0000", user_token=None)
