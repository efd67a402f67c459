"""Building the ``meta_lead_ads`` source against a sandbox, as the bot builds it, for the Lead Ads tests.

A small world (leads only) starting at a fixed time, served on loopback; the source gets sessions
from ``socialleads.http.new_session`` routed to the sandbox and a clock that reads the world's time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

import scheduler
from connectors.meta.lead_ads import MetaLeadAdsConfig, MetaLeadAdsSource, MetaLeadsCursor
from socialleads.bot import Bot
from socialleads.contracts import ConnectorContext
from socialleads.http import new_session
from socialleads.models import Checkpoint, RawEvent
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import Rates, World

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MAIN, OUTLET = fixtures.MAIN_PAGE, fixtures.OUTLET_PAGE
CONSULTATION, CATALOGUE, NEWSLETTER = "880000000000101", "880000000000102", "880000000000201"


def lead_world(seed: int = 5, history: timedelta = timedelta(hours=6)) -> World:
    """A world making about one lead every two minutes over three forms, and nothing else."""
    rates = Rates(
        leads=0.5, fb_comments=0, ig_comments=0, x_posts=0, fb_posts_per_hour=0, ig_media_per_hour=0
    )
    return World(seed=seed, start=START, rates=rates, history=history, population=120)


def config_data(world: World, **overrides: Any) -> dict[str, Any]:
    """A working config for both pages (every form), with the app's id, secret and verify token."""
    t = world.tokens
    data: dict[str, Any] = {
        "app_id": t.app_id,
        "app_secret": t.app_secret,
        "verify_token": t.verify_token,
        "pages": [{"id": page, "token": t.page_tokens[page]} for page in (MAIN, OUTLET)],
    }
    data.update(overrides)
    return data


def main_page_source(world: World, environ: Callable[[str, str], None], **config: Any) -> dict[str, Any]:
    """The ``sources.yaml`` entry of an hourly ``meta_lead_ads`` source for the main page, secrets as
    ``$env`` references; ``environ(name, value)`` sets them (``monkeypatch.setenv``)."""
    t = world.tokens
    environ("META_APP_SECRET", t.app_secret)
    environ("META_VERIFY_TOKEN", t.verify_token)
    environ("META_MAIN_TOKEN", t.page_tokens[MAIN])
    return {
        "type": "meta_lead_ads",
        "every": "1h",
        "config": {
            "app_secret": {"$env": "META_APP_SECRET"},
            "verify_token": {"$env": "META_VERIFY_TOKEN"},
            "pages": [{"id": MAIN, "token": {"$env": "META_MAIN_TOKEN"}}],
            **config,
        },
    }


def context(
    world: World, sandbox_url: str, seen: list[requests.PreparedRequest] | None = None
) -> ConnectorContext:
    """What the bot hands the source: the world's clock, and sessions routed to the sandbox.

    With ``seen``, every request the source's sessions send is appended to it (a response hook).
    """
    factory: Callable[..., requests.Session] = functools.partial(new_session, sandbox_url=sandbox_url)
    if seen is not None:
        plain = factory

        def factory(*args: Any, **kwargs: Any) -> requests.Session:
            session = plain(*args, **kwargs)
            session.hooks["response"].append(lambda response, *_, **__: seen.append(response.request))
            return session

    return ConnectorContext(instance="fb", clock=lambda: world.now, new_session=factory)


def build(
    world: World, sandbox_url: str, seen: list[requests.PreparedRequest] | None = None, **overrides: Any
) -> MetaLeadAdsSource:
    """The source over both pages (``overrides`` change the config)."""
    config = MetaLeadAdsConfig.model_validate(config_data(world, **overrides))
    return MetaLeadAdsSource(config, context(world, sandbox_url, seen))


def events(items: list[RawEvent | Checkpoint]) -> list[RawEvent]:
    """The events of a poll, without its checkpoints."""
    return [item for item in items if isinstance(item, RawEvent)]


def fold(items: list[RawEvent | Checkpoint], cursor: MetaLeadsCursor | None = None) -> MetaLeadsCursor:
    """What the runner does after a poll: every position folded into the cursor."""
    folded = cursor or MetaLeadsCursor()
    for item in items:
        if item.position is not None:
            folded = folded.advance(item.position)
    return folded


def unix(when: datetime) -> int:
    """Whole seconds, as Graph's ``filtering`` compares them."""
    return int(when.timestamp())


@contextmanager
def serving_webhooks(bot: Bot) -> Iterator[str]:
    """Serve ``bot``'s web app on the free port its settings ask for (``port=0``); yields the URL of
    its Meta webhook endpoint and stops serving when the block ends."""
    web = scheduler.start_web(bot)
    assert web is not None
    port = web[0].servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/webhooks/meta"
    finally:
        web[0].should_exit = True
        web[1].join(10)
