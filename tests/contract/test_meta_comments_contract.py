"""The meta_comments source against the conformance kit, on the sandbox's Graph emulator.

Each test gets a fresh seeded world and server; the throttling and failure hooks flip the server's
chaos switches (a Page throttle, code 80001; one 503), so the kit sees Meta's real error shapes through
facebook-sdk.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import socialleads.http
from connectors.meta.comments import MetaCommentsSource
from socialleads.contracts import ConnectorContext
from socialleads.models import RawEvent
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import World
from socialleads.testing import SourceConformance

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LOOKBACK = timedelta(minutes=10)


class TestMetaCommentsSource(SourceConformance):
    """meta_comments re-reads ``lookback`` before each post's newest comment: those may come again."""

    connector = MetaCommentsSource

    @pytest.fixture
    def world(self) -> World:
        """Two hours of comments on the store's page and Instagram account."""
        return World(seed=11, start=START)

    @pytest.fixture
    def served(self, world: World) -> Iterator[tuple[SandboxServer, Chaos]]:
        chaos = Chaos()
        with SandboxServer(world, chaos) as sandbox:
            yield sandbox, chaos

    @pytest.fixture
    def connector_context(self, world: World, served: tuple[SandboxServer, Chaos]) -> ConnectorContext:
        """The world's clock, and sessions routed to the sandbox."""
        return ConnectorContext(
            instance="kit-meta_comments",
            config_file="<conformance kit>",
            clock=lambda: world.now,
            new_session=functools.partial(socialleads.http.new_session, sandbox_url=served[0].url),
        )

    @pytest.fixture
    def valid_config(self, world: World) -> dict[str, Any]:
        """The main page with its page token; its Instagram account is read too."""
        page = fixtures.MAIN_PAGE
        return {
            "app_secret": world.tokens.app_secret,
            "pages": [{"id": page, "token": world.tokens.page_tokens[page]}],
            "lookback": f"{int(LOOKBACK.total_seconds())}s",
        }

    @pytest.fixture
    def bad_credentials_config(self, valid_config: dict[str, Any]) -> dict[str, Any]:
        """A page token the world never issued: Graph answers 190."""
        pages = [{"id": fixtures.MAIN_PAGE, "token": "EAAPnot-a-token-the-world-knows-0000"}]
        return {**valid_config, "pages": pages}

    @pytest.fixture
    def rate_limited_config(
        self, valid_config: dict[str, Any], served: tuple[SandboxServer, Chaos]
    ) -> Iterator[dict[str, Any]]:
        """Every Graph call answers the Page throttle (HTTP 400, code 80001), as Meta does instead of 429."""
        served[1].update({"meta_throttle_code": 80001})
        yield valid_config
        served[1].reset()

    @pytest.fixture
    def transient_failure_config(
        self, valid_config: dict[str, Any], served: tuple[SandboxServer, Chaos]
    ) -> Iterator[dict[str, Any]]:
        """The next Graph response is a 503 (code 1, is_transient)."""
        served[1].update({"fail_5xx": 1})
        yield valid_config
        served[1].reset()

    def allowed_repeats(self, first_fetch: Sequence[RawEvent]) -> set[str]:
        """Comments within ``lookback`` of their post's (or media's) newest comment are read again."""
        newest: dict[str, int] = {}
        for event in first_fetch:
            if event.position is not None:
                key = event.position["object"]
                newest[key] = max(newest.get(key, 0), event.position["created"])
        window = int(LOOKBACK.total_seconds())
        return {
            event.native_id
            for event in first_fetch
            if event.position is not None
            and event.position["created"] >= newest[event.position["object"]] - window
        }
