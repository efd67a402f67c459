"""The sandbox's X API v2 emulator, driven by the real tweepy 4.17 client over real HTTP on loopback.

The client is built exactly as the product builds it: ``tweepy.Client(bearer_token=...)`` with its
session replaced by ``socialleads.http.new_session(sandbox_url=...)``. Expected results are computed
independently from ``world.tweets``. Warnings are errors: tweepy warns when a post lacks
``edit_history_tweet_ids`` and raises when ``created_at`` has no milliseconds.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import tweepy

from socialleads.http import new_session
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.entities import Tweet
from socialleads.sandbox.world.fixtures import BRAND_X_ID
from socialleads.sandbox.world.living import Rates, World
from socialleads.sandbox.x.api import XLimits

pytestmark = pytest.mark.filterwarnings("error")

START = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
FIXTURES = Path(__file__).parent.parent / "fixtures" / "x"
RATE_HEADERS = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")
TWEET_FIELDS = ["created_at", "author_id", "lang", "conversation_id", "in_reply_to_user_id",
                "referenced_tweets", "entities", "public_metrics"]  # fmt: skip
USER_FIELDS = ["description", "location", "url", "verified", "public_metrics", "created_at"]


# --- helpers -----------------------------------------------------------------------------------------


def make_client(url: str, token: str, **options: Any) -> tweepy.Client:
    """The client as the product builds it, pointed at the sandbox."""
    client = tweepy.Client(bearer_token=token, wait_on_rate_limit=False, **options)
    client.session = new_session(sandbox_url=url)
    return client


def newest_first(tweets: list[Tweet]) -> list[str]:
    return [t.id for t in sorted(tweets, key=lambda t: int(t.id), reverse=True)]


def mentions_of(world: World, username: str) -> list[Tweet]:
    return [t for t in world.tweets if username in t.mentions]


def json_type(value: Any) -> str:
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def assert_same_shape(
    expected: Any, actual: Any, extra: frozenset[str] = frozenset(), path: str = "$"
) -> None:
    """Same keys and JSON types, recursively; lists are compared by their first element."""
    assert json_type(actual) == json_type(expected), f"{path}: {json_type(actual)} != {json_type(expected)}"
    if isinstance(expected, dict):
        missing = expected.keys() - actual.keys()
        surplus = actual.keys() - expected.keys() - extra
        assert not missing and not surplus, f"{path}: missing {sorted(missing)}, unexpected {sorted(surplus)}"
        for key, value in expected.items():
            assert_same_shape(value, actual[key], extra, f"{path}.{key}")
    elif isinstance(expected, list) and expected:
        assert actual, f"{path}: empty list"
        assert_same_shape(expected[0], actual[0], extra, f"{path}[0]")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def served(world: World, limits: XLimits) -> SandboxServer:
    """The sandbox with its own X limits (small windows, a test clock)."""
    return SandboxServer(world, Chaos(), x_limits=limits)


class Clock:
    """A settable Unix clock for the rate-limit windows."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=11, start=START)


@pytest.fixture(scope="module")
def chaos() -> Chaos:
    return Chaos()


@pytest.fixture(scope="module")
def sandbox(world: World, chaos: Chaos) -> Iterator[SandboxServer]:
    with SandboxServer(world, chaos) as server:
        yield server


@pytest.fixture(autouse=True)
def calm(chaos: Chaos) -> Iterator[None]:
    yield
    chaos.reset()


@pytest.fixture
def client(sandbox: SandboxServer, world: World) -> tweepy.Client:
    return make_client(sandbox.url, world.tokens.x_bearer)


@pytest.fixture
def responses(client: tweepy.Client) -> list[requests.Response]:
    """Every HTTP response the client receives."""
    seen: list[requests.Response] = []
    client.session.hooks["response"].append(lambda response, *args, **kwargs: seen.append(response))
    return seen


# --- recent search -----------------------------------------------------------------------------------


def test_search_returns_the_worlds_matching_posts_with_their_authors(
    client: tweepy.Client, world: World
) -> None:
    expected = newest_first([t for t in mentions_of(world, "thestore") if t.retweet_of is None])
    page = client.search_recent_tweets(
        "@thestore -is:retweet", max_results=100, expansions="author_id",
        tweet_fields=TWEET_FIELDS, user_fields=USER_FIELDS,
    )  # fmt: skip
    assert [t.id for t in page.data] == [int(i) for i in expected[:100]]
    by_id = {t.id: t for t in world.tweets}
    for got in page.data:
        made = by_id[str(got.id)]
        assert got.created_at == made.created.replace(microsecond=made.created.microsecond // 1000 * 1000)
        assert got.author_id == int(made.author_id) and got.lang == made.lang
        assert got.edit_history_tweet_ids == [int(i) for i in (*made.edit_history, made.id)]
        assert [m["username"] for m in got.entities["mentions"]] == ["thestore"]
    authors = {u.id: u for u in page.includes["users"]}
    assert {t.author_id for t in page.data} == set(authors)
    for author in authors.values():
        account = world.x_users[str(author.id)]
        assert (author.username, author.name, author.description) == (
            account.username,
            account.name,
            account.description,
        )


def test_a_bare_word_matches_whole_words_in_any_case(client: tweepy.Client, world: World) -> None:
    word = max(
        (w for t in world.tweets for w in re.findall(r"\w{5,}", t.text) if w.upper().lower() == w.lower()),
        key=lambda w: sum(1 for t in world.tweets if w in t.text),
    )
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    expected = newest_first([t for t in world.tweets if pattern.search(t.text)])
    found = client.search_recent_tweets(word.upper(), max_results=100)
    assert expected and [t.id for t in found.data] == [int(i) for i in expected[:100]]


def test_paginator_follows_next_token_to_the_end_without_repeats(
    client: tweepy.Client, world: World, responses: list[requests.Response]
) -> None:
    query = "#heimili OR #hygge OR #interiors OR #homedecor"
    expected = newest_first([t for t in world.tweets if t.hashtags])
    got = [t.id for t in tweepy.Paginator(client.search_recent_tweets, query, max_results=10).flatten()]
    assert got == [int(i) for i in expected]
    assert len(responses) == max(1, math.ceil(len(expected) / 10))
    assert all("pagination_token" not in r.url for r in responses)
    assert "next_token=" in responses[1].url


def test_since_id_returns_only_newer_posts(client: tweepy.Client, world: World) -> None:
    expected = newest_first(mentions_of(world, "thestore"))
    found = client.search_recent_tweets("@thestore", since_id=expected[5], max_results=100)
    assert [t.id for t in found.data] == [int(i) for i in expected[:5]]
    assert found.meta == {"newest_id": expected[0], "oldest_id": expected[4], "result_count": 5}


def test_nothing_found_is_an_empty_meta(client: tweepy.Client) -> None:
    found = client.search_recent_tweets('"no such words anywhere"')
    assert found.data is None and found.meta == {"result_count": 0}


def test_only_the_last_7_days_are_searchable() -> None:
    quiet = Rates(
        leads=0, fb_comments=0, ig_comments=0, x_posts=0.02, fb_posts_per_hour=0, ig_media_per_hour=0
    )
    old_world = World(seed=5, start=START, rates=quiet, history=timedelta(days=9))
    recent = [t for t in old_world.tweets if t.created >= START - timedelta(days=7)]
    assert len(recent) < len(old_world.tweets)
    with SandboxServer(old_world) as server:
        client = make_client(server.url, old_world.tokens.x_bearer)
        got = tweepy.Paginator(client.search_recent_tweets, "@thestore OR -@thestore lang:en OR -lang:en",
                               max_results=100).flatten()  # fmt: skip
        assert [t.id for t in got] == [int(i) for i in newest_first(recent)]
        with pytest.raises(tweepy.BadRequest, match="since_id"):
            client.search_recent_tweets("@thestore", since_id=old_world.tweets[0].id)


def test_short_pages_still_announce_the_next_page(client: tweepy.Client, world: World, chaos: Chaos) -> None:
    chaos.update({"short_pages": True})
    first = client.search_recent_tweets("@thestore", max_results=30)
    assert len(first.data) == 10 and "next_token" in first.meta
    got = [t.id for t in tweepy.Paginator(client.search_recent_tweets, "@thestore", max_results=30).flatten()]
    assert got == [int(i) for i in newest_first(mentions_of(world, "thestore"))]


# --- mentions ----------------------------------------------------------------------------------------


def test_mentions_page_with_pagination_token(
    client: tweepy.Client, world: World, responses: list[requests.Response]
) -> None:
    expected = newest_first(mentions_of(world, "thestore"))
    paginator = tweepy.Paginator(client.get_users_mentions, world.brand.id, max_results=50,
                                 expansions="author_id", tweet_fields=["created_at"])  # fmt: skip
    got = [t.id for t in paginator.flatten()]
    assert got == [int(i) for i in expected]
    assert "pagination_token=" in responses[1].url and "next_token=" not in responses[1].url
    assert "next_token" in responses[0].json()["meta"]


def test_mentions_reach_only_the_800_most_recent() -> None:
    busy = Rates(leads=0, fb_comments=0, ig_comments=0, x_posts=25, fb_posts_per_hour=0, ig_media_per_hour=0)
    busy_world = World(seed=9, start=START, rates=busy)
    every = newest_first(mentions_of(busy_world, "thestore"))
    assert len(every) > 900
    with SandboxServer(busy_world) as server:
        client = make_client(server.url, busy_world.tokens.x_bearer)
        mentions = client.get_users_mentions
        got = [t.id for t in tweepy.Paginator(mentions, busy_world.brand.id, max_results=100).flatten()]
        assert got == [int(i) for i in every[:800]]
        since_old = every[850]  # more than 800 came after it: since_id becomes the oldest reachable id
        got = [t.id for t in tweepy.Paginator(mentions, busy_world.brand.id, since_id=since_old,
                                              max_results=100).flatten()]  # fmt: skip
        assert got == [int(i) for i in every[:799]]


# --- users -------------------------------------------------------------------------------------------


def test_get_user_by_username_and_by_id(client: tweepy.Client, world: World) -> None:
    by_name = client.get_user(username="TheStore", user_fields=USER_FIELDS).data
    assert (by_name.id, by_name.username, by_name.verified) == (int(world.brand.id), "thestore", True)
    assert by_name.created_at == world.brand.created
    person = next(u for u in world.x_users.values() if u.id != world.brand.id)
    assert client.get_user(id=person.id).data.name == person.name


def test_an_unknown_user_is_a_200_with_a_not_found_error(client: tweepy.Client) -> None:
    missing = client.get_user(username="nobody_here")
    assert missing.data is None
    assert missing.errors[0]["title"] == "Not Found Error" and missing.errors[0]["value"] == "nobody_here"


def test_get_me_needs_user_context(sandbox: SandboxServer, world: World, client: tweepy.Client) -> None:
    user_client = make_client(sandbox.url, world.tokens.x_user_token)
    assert user_client.get_me(user_auth=False).data.username == world.brand.username
    with pytest.raises(tweepy.Forbidden) as caught:
        client.get_me(user_auth=False)
    assert caught.value.response.json()["type"].endswith("/unsupported-authentication")


# --- errors and limits -------------------------------------------------------------------------------


def test_exhausted_window_raises_too_many_requests_with_the_reset(world: World) -> None:
    clock = Clock()
    with served(world, XLimits(search=2, window_seconds=60, clock=clock)) as server:
        url = server.url
        client = make_client(url, world.tokens.x_bearer)
        for _ in range(2):
            client.search_recent_tweets("@thestore")
        with pytest.raises(tweepy.TooManyRequests) as caught:
            client.search_recent_tweets("@thestore")
        assert caught.value.reset_time == int(clock.now) + 60
        headers = caught.value.response.headers
        assert (headers["x-rate-limit-limit"], headers["x-rate-limit-remaining"]) == ("2", "0")
        client.get_user(username="thestore")  # other endpoints have their own window
        clock.now += 61
        assert client.search_recent_tweets("@thestore").meta["result_count"] == 10


def test_bad_or_expired_token_is_unauthorized(sandbox: SandboxServer, chaos: Chaos, world: World) -> None:
    with pytest.raises(tweepy.Unauthorized):
        make_client(sandbox.url, "not-a-token").search_recent_tweets("@thestore")
    chaos.update({"x_token_expired": True})
    with pytest.raises(tweepy.Unauthorized):
        make_client(sandbox.url, world.tokens.x_bearer).search_recent_tweets("@thestore")


def test_throttle_forces_429_with_a_reset(client: tweepy.Client, chaos: Chaos) -> None:
    chaos.update({"x_throttle": True, "throttle_seconds": 120})
    with pytest.raises(tweepy.TooManyRequests) as caught:
        client.get_users_mentions(BRAND_X_ID)
    assert caught.value.reset_time is not None
    assert caught.value.reset_time >= int(datetime.now(UTC).timestamp()) + 119


def test_503_is_a_server_error_then_service_resumes(client: tweepy.Client, chaos: Chaos) -> None:
    chaos.update({"fail_5xx": 1})
    with pytest.raises(tweepy.TwitterServerError):
        client.search_recent_tweets("@thestore")
    assert client.search_recent_tweets("@thestore").data


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.search_recent_tweets("sofa " * 103), "at most 512"),
        (lambda c: c.search_recent_tweets("(sofa"), "parenthesis"),
        (lambda c: c.search_recent_tweets("@thestore", max_results=5), "between 10 and 100"),
        (lambda c: c.get_users_mentions(BRAND_X_ID, max_results=101), "between 5 and 100"),
        (lambda c: c.search_recent_tweets("@thestore", tweet_fields=["colour"]), "tweet.fields"),
    ],
)
def test_invalid_requests_are_bad_requests(
    client: tweepy.Client, call: Callable[[tweepy.Client], Any], message: str
) -> None:
    with pytest.raises(tweepy.BadRequest, match=message):
        call(client)


def test_every_response_has_rate_headers_and_json_utf8(
    client: tweepy.Client, chaos: Chaos, responses: list[requests.Response], sandbox: SandboxServer
) -> None:
    client.search_recent_tweets("@thestore")
    client.get_user(username="nobody_here")
    with pytest.raises(tweepy.BadRequest):
        client.search_recent_tweets("(")
    with pytest.raises(tweepy.Forbidden):
        client.get_me(user_auth=False)
    chaos.update({"fail_5xx": 1})
    with pytest.raises(tweepy.TwitterServerError):
        client.get_users_mentions(BRAND_X_ID)
    chaos.update({"x_throttle": True})
    with pytest.raises(tweepy.TooManyRequests):
        client.get_users_mentions(BRAND_X_ID)
    assert [r.status_code for r in responses] == [200, 200, 400, 403, 503, 429]
    for response in responses:
        assert all(response.headers[name].isdigit() for name in RATE_HEADERS)
        assert response.headers["content-type"] == "application/json; charset=utf-8"


# --- shapes against the reference samples ------------------------------------------------------------


def test_search_has_the_shape_of_the_docs_sample(sandbox: SandboxServer, world: World) -> None:
    client = make_client(sandbox.url, world.tokens.x_bearer, return_type=dict)
    body = client.search_recent_tweets("@thestore -is:retweet", max_results=10, expansions="author_id",
                                       tweet_fields=["created_at", "author_id", "public_metrics"],
                                       user_fields=["verified"])  # fmt: skip
    meta = body.pop("meta")
    assert_same_shape(fixture("search_recent_meta_with_next_token.json")["meta"], meta)
    expected = fixture("search_recent_with_author_expansion.json")
    expected.pop("meta")
    assert_same_shape(expected, body)


def test_last_page_meta_has_no_next_token(sandbox: SandboxServer, world: World) -> None:
    client = make_client(sandbox.url, world.tokens.x_bearer, return_type=dict)
    expected = newest_first(mentions_of(world, "thestore"))
    body = client.search_recent_tweets("@thestore", since_id=expected[3])
    assert_same_shape(fixture("search_recent_with_author_expansion.json")["meta"], body["meta"])


def test_error_bodies_have_the_shapes_of_the_samples(world: World, sandbox: SandboxServer) -> None:
    client = make_client(sandbox.url, world.tokens.x_bearer, return_type=dict)
    with pytest.raises(tweepy.BadRequest) as bad:
        client.search_recent_tweets("x" * 513)
    assert_same_shape(fixture("error_problem_details.json"), bad.value.response.json(), frozenset({"errors"}))
    missing = client.get_user(username="nobody")["errors"]
    assert_same_shape(fixture("partial_error_200.json")["errors"], missing, frozenset({"value", "parameter"}))
    with pytest.raises(tweepy.Unauthorized) as unauthorized:
        make_client(sandbox.url, "wrong").get_user(username="thestore")
    assert_same_shape(fixture("unauthorized_401.json"), unauthorized.value.response.json())
    assert unauthorized.value.response.json() == fixture("unauthorized_401.json")


def test_both_429_bodies_alternate_or_one_is_chosen(world: World) -> None:
    clock = Clock()
    with served(world, XLimits(users=1, clock=clock)) as server:
        url = server.url
        client = make_client(url, world.tokens.x_bearer)
        client.get_user(username="thestore")
        bodies = []
        for _ in range(2):
            with pytest.raises(tweepy.TooManyRequests) as caught:
                client.get_user(username="thestore")
            bodies.append(caught.value.response.json())
    assert bodies == [fixture("rate_limit_429_docs.json"), fixture("rate_limit_429_v2.json")]
    with served(world, XLimits(users=0, clock=clock, body_429="v2")) as server:
        url = server.url
        client = make_client(url, world.tokens.x_bearer)
        for _ in range(2):
            with pytest.raises(tweepy.TooManyRequests) as caught:
                client.get_user(username="thestore")
            assert_same_shape(fixture("rate_limit_429_v2.json"), caught.value.response.json())
            assert caught.value.api_messages == ["Too Many Requests"]
