"""Building the X sources against a sandbox, as the bot builds them, for the X tests and the bench.

A world making only X posts, starting at a fixed time, served on loopback; the sources get sessions from
``socialleads.http.new_session`` routed to the sandbox, a clock that reads the world's time, and a meter.
``run_poll`` does what the runner does with a poll: it keeps what was yielded before a failure, and moves
the cursor only when the poll ended well.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from connectors.x.mentions import XMentionsConfig, XMentionsSource
from connectors.x.search import XSearchConfig, XSearchSource
from socialleads.contracts import ConnectorContext, Cursor, MemoryMeter, Meter, Source
from socialleads.errors import SourceError
from socialleads.http import new_session
from socialleads.models import Checkpoint, RawEvent
from socialleads.sandbox.world.entities import Tweet
from socialleads.sandbox.world.living import Rates, World
from socialleads.sandbox.x.api import XLimits

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
BRAND = "thestore"
#: One search per group of languages, each for every product word of its languages (one search for all
#: five languages would be longer than the 512 characters X accepts).
SEARCH_GROUPS = {"products_en_is": ("en", "is"), "products_de": ("de",), "products_es_fr": ("es", "fr")}


def x_world(
    seed: int = 5,
    history: timedelta = timedelta(hours=2),
    per_minute: float = 3.0,
    intent_share: float = 0.3,
    population: int = 400,
) -> World:
    """A world making ``per_minute`` X posts a minute (and nothing else), ``history`` of them already made."""
    rates = Rates(
        leads=0,
        fb_comments=0,
        ig_comments=0,
        x_posts=per_minute,
        fb_posts_per_hour=0,
        ig_media_per_hour=0,
        intent_share=intent_share,
    )
    return World(seed=seed, start=START, rates=rates, history=history, population=population)


def limits(world: World, **allowances: Any) -> XLimits:
    """The sandbox's X windows on the world's clock (so a reset is reached by advancing the world)."""
    return XLimits(clock=lambda: world.now.timestamp(), **allowances)


def context(
    world: World,
    sandbox_url: str,
    seen: list[requests.Response] | None = None,
    meter: Meter | None = None,
    clock: Callable[[], datetime] | None = None,
) -> ConnectorContext:
    """What the bot hands a source: sessions routed to the sandbox, the world's clock, a meter.

    With ``seen``, every response the source's sessions receive is appended to it (a response hook).
    """
    factory: Callable[..., requests.Session] = functools.partial(new_session, sandbox_url=sandbox_url)
    if seen is not None:
        plain = factory

        def factory(*args: Any, **kwargs: Any) -> requests.Session:
            session = plain(*args, **kwargs)
            session.hooks["response"].append(lambda response, *_, **__: seen.append(response))
            return session

    return ConnectorContext(
        instance="x",
        clock=clock or (lambda: world.now),
        new_session=factory,
        meter=meter or MemoryMeter(),
        logger=logging.getLogger("socialleads.connector.x"),
    )


def search_words(world: World, langs: Sequence[str] = ("en", "is", "de", "es", "fr")) -> list[str]:
    """The product words of ``langs``, as ``world.describe()`` lists them."""
    words: dict[str, list[str]] = world.describe()["x"]["product_words"]
    return [word for lang in langs for word in words[lang]]


def product_searches(world: World) -> list[dict[str, Any]]:
    """The searches of ``SEARCH_GROUPS``, as config data."""
    return [{"name": name, "keywords": search_words(world, langs)} for name, langs in SEARCH_GROUPS.items()]


def mentions_data(world: World, **overrides: Any) -> dict[str, Any]:
    """A working ``x_mentions`` config for the store's account."""
    data: dict[str, Any] = {"bearer_token": world.tokens.x_bearer, "accounts": [BRAND]}
    data.update(overrides)
    return data


def search_data(world: World, **overrides: Any) -> dict[str, Any]:
    """A working ``x_search`` config: one search for product words of several languages."""
    data: dict[str, Any] = {
        "bearer_token": world.tokens.x_bearer,
        "searches": product_searches(world),
        "brand_accounts": [BRAND],
    }
    data.update(overrides)
    return data


def build_mentions(
    world: World, url: str, ctx: ConnectorContext | None = None, **overrides: Any
) -> XMentionsSource:
    """The mentions source (``overrides`` change the config)."""
    config = XMentionsConfig.model_validate(mentions_data(world, **overrides))
    return XMentionsSource(config, ctx or context(world, url))


def build_search(
    world: World, url: str, ctx: ConnectorContext | None = None, **overrides: Any
) -> XSearchSource:
    """The search source (``overrides`` change the config)."""
    config = XSearchConfig.model_validate(search_data(world, **overrides))
    return XSearchSource(config, ctx or context(world, url))


def events(items: Iterable[RawEvent | Checkpoint]) -> list[RawEvent]:
    """The events of a poll, without its checkpoints."""
    return [item for item in items if isinstance(item, RawEvent)]


def fold(items: Iterable[RawEvent | Checkpoint], cursor: Cursor) -> Cursor:
    """What the runner does after a poll that ended well: every position folded into the cursor."""
    for item in items:
        if item.position is not None:
            cursor = cursor.advance(item.position)
    return cursor


@dataclass
class Poll:
    """One poll as the runner sees it: the events kept, the cursor after it, the error that ended it."""

    events: list[RawEvent]
    cursor: Cursor
    error: SourceError | None = None
    items: list[RawEvent | Checkpoint] = field(default_factory=list)


def run_poll(source: Source[Any, Any], cursor: Cursor | None) -> Poll:
    """Fetch like the runner: keep what was yielded; the cursor moves only when the fetch raised nothing."""
    items: list[RawEvent | Checkpoint] = []
    error: SourceError | None = None
    try:
        for item in source.fetch(cursor):
            items.append(item)
    except SourceError as exc:
        error = exc
    start = cursor if cursor is not None else source.cursor_model()
    after = start if error is not None else fold(items, start)
    return Poll(events(items), after, error, items)


def mentions_of_brand(world: World, since: datetime) -> list[Tweet]:
    """Posts since ``since`` that mention the store, not retweets, not by the store: what x_mentions reads."""
    return [
        t
        for t in world.tweets
        if BRAND in t.mentions
        and t.retweet_of is None
        and t.author_id != world.brand.id
        and t.created >= since
    ]


def matching(world: World, words: Sequence[str], since: datetime, brand: bool = False) -> list[Tweet]:
    """Posts since ``since`` with one of ``words`` as whole words, not retweets, not by the store (unless
    ``brand``)."""
    patterns = [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.IGNORECASE) for w in words]
    return [
        t
        for t in world.tweets
        if t.retweet_of is None
        and (brand or t.author_id != world.brand.id)
        and t.created >= since
        and any(p.search(t.text) for p in patterns)
    ]


def first_versions(world: World, post_ids: Iterable[str]) -> set[str]:
    """The id of the first version of each post: one post however often it was edited (an edit is a new
    post with a new id, and search and mentions return only the newest version)."""
    first = {version: t.root_id for t in world.tweets for version in (*t.edit_history, t.id)}
    return {first.get(post_id, post_id) for post_id in post_ids}


def ids(items: Iterable[RawEvent | Tweet]) -> list[str]:
    """The native ids of events, or the ids of posts."""
    return [i.native_id if isinstance(i, RawEvent) else i.id for i in items]
