"""The ``x_mentions`` and ``x_search`` sources: real tweepy over real HTTP against the sandbox's X API v2.

Expected posts are computed from the world's own posts (``world.tweets``) and its truth, never from what
the sources return. Rate-limit windows run on the world's clock, so a reset is reached by advancing it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import ValidationError

from connectors.x.config import XMentionsCursor, XSearchConfig, XSearchCursor
from connectors.x.fields import snowflake_time
from socialleads.errors import AuthError, ConfigurationError, RateLimitedError, SourceError, TransientError
from socialleads.models import HealthState
from socialleads.pipeline.normalize import normalize
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.living import World, snowflake
from socialleads.store.db import make_engine, migrate
from socialleads.store.meters import StoredMeter
from socialleads.testing.kit import error_texts, log_texts
from tests.support.x_sources import (
    BRAND,
    SEARCH_GROUPS,
    START,
    build_mentions,
    build_search,
    context,
    first_versions,
    ids,
    limits,
    matching,
    mentions_of_brand,
    run_poll,
    search_data,
    search_words,
    x_world,
)

HOUR = timedelta(hours=1)
#: Measured on this world (seed 8, 8 hours): precision 1.000, recall 0.992: the two misses are long posts
#: (note_tweet) whose question is followed by two paragraphs of chatter, which dilute the text model.
#: Before the world made long posts: recall 1.000 (0.986 and 0.854 before the
#: rules learned Icelandic price, delivery, size and booking phrasings, booking and home-visit questions
#: in every language, and a deadline or move as its own evidence; 0.994 and 0.495 before "@thestore"
#: was read as addressing the seller). Other seeds: precision 1.000, recall 0.98 to 1.000. The sandbox writes
#: from a finite set of phrasings, so these figures say the rules cover them, not how a real feed reads.
PRECISION_FLOOR = 0.98
RECALL_FLOOR = 0.98


@pytest.fixture
def world() -> World:
    return x_world(seed=5)


@pytest.fixture
def chaos() -> Chaos:
    return Chaos()


@pytest.fixture
def sandbox(world: World, chaos: Chaos) -> Iterator[SandboxServer]:
    with SandboxServer(world, chaos, x_limits=limits(world)) as server:
        yield server


def statuses(seen: list[requests.Response]) -> list[int]:
    return [response.status_code for response in seen]


# --- (a) every post exactly once --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mentions", "search"])
def test_every_matching_post_is_yielded_exactly_once_across_polls_and_a_restart(
    world: World, sandbox: SandboxServer, kind: str
) -> None:
    build = build_mentions if kind == "mentions" else build_search
    source = build(world, sandbox.url)
    polls = [run_poll(source, None)]
    for minutes in (20, 35):
        world.advance(world.now + timedelta(minutes=minutes))
        polls.append(run_poll(source, polls[-1].cursor))
    stored = polls[-1].cursor.model_dump_json()
    restarted = build(world, sandbox.url)
    cursor = type(polls[-1].cursor).model_validate_json(stored)
    for minutes in (15, 25):
        world.advance(world.now + timedelta(minutes=minutes))
        polls.append(run_poll(restarted, cursor))
        cursor = polls[-1].cursor
    assert all(poll.error is None for poll in polls)
    got = [i for poll in polls for i in ids(poll.events)]
    since = START - HOUR
    expected = (
        mentions_of_brand(world, since) if kind == "mentions" else matching(world, search_words(world), since)
    )
    assert len(expected) > 60 and all(poll.events for poll in polls)
    assert len(got) == len(set(got)), "a post was yielded twice"
    assert first_versions(world, got) == first_versions(world, ids(expected))


# --- (b) the real qualifier against the world's truth -----------------------------------------------


def test_posts_with_intent_become_leads_through_the_real_qualifier() -> None:
    world = x_world(seed=8, history=timedelta(hours=8))
    with SandboxServer(world, Chaos(), x_limits=limits(world)) as server:
        window: dict[str, Any] = {"first_window": "8h"}
        drafts = {}
        for source in (
            build_mentions(world, server.url, **window),
            build_search(world, server.url, **window),
        ):
            poll = run_poll(source, None)
            assert poll.error is None
            drafts.update({event.native_id: source.parse(event) for event in poll.events})
    truth = {item.native_id: item.intent for item in world.truth if item.kind == "x_post"}
    qualifier = LeadQualifier()
    hits = misses = false_alarms = quiet = 0
    for native_id, draft in drafts.items():
        is_lead = qualifier.qualify(normalize(draft, None), None).is_lead
        intent = truth[draft.revises[0] if draft.revises else native_id] is True  # an edit: the same item
        hits += is_lead and intent
        false_alarms += is_lead and not intent
        misses += not is_lead and intent
        quiet += not is_lead and not intent
    precision, recall = hits / (hits + false_alarms), hits / (hits + misses)
    print(
        f"\nx_mentions + x_search through LeadQualifier: {len(drafts)} posts, {hits + misses} with intent; "
        f"precision {precision:.3f}, recall {recall:.3f} ({hits} hits, {false_alarms} false alarms, "
        f"{misses} missed, {quiet} quiet)"
    )
    assert len(drafts) >= 500
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR
    assert false_alarms / (false_alarms + quiet) <= 0.05, "posts without intent mostly stay out"


# --- (c) rate limits ----------------------------------------------------------------------------------


def test_a_spent_window_stops_calls_before_a_429_and_the_next_window_loses_nothing() -> None:
    world = x_world(seed=6)
    with SandboxServer(world, Chaos(), x_limits=limits(world, mentions=2)) as server:
        seen: list[requests.Response] = []
        source = build_mentions(world, server.url, context(world, server.url, seen), max_results=20)
        cursor, got, waits, moved = None, [], 0, False
        while True:  # poll as the runner would, waiting for each reset, until a poll reaches the present
            poll = run_poll(source, cursor)
            got += ids(poll.events)
            cursor = poll.cursor
            if poll.error is None and not moved:
                break
            moved = False
            if poll.error is None:
                continue
            assert isinstance(poll.error, RateLimitedError), poll.error
            assert poll.error.reset_at > world.now
            window = [
                r
                for r in seen
                if "/mentions" in r.url
                and r.headers["x-rate-limit-reset"] == str(int(poll.error.reset_at.timestamp()))
            ]
            assert len(window) == 2, "both calls of the window used, and none once it was spent"
            world.advance(poll.error.reset_at)
            waits, moved = waits + 1, True
        assert waits >= 2 and 429 not in statuses(seen)
        assert len([r for r in seen if "/mentions" in r.url]) >= 6
    assert len(got) == len(set(got)), "a post was yielded twice"
    assert first_versions(world, got) == first_versions(world, ids(mentions_of_brand(world, START - HOUR)))


def test_a_forced_429_is_rate_limited_until_its_reset_and_nothing_is_lost(world: World, chaos: Chaos) -> None:
    with SandboxServer(world, chaos, x_limits=limits(world)) as server:
        seen: list[requests.Response] = []
        source = build_search(world, server.url, context(world, server.url, seen), max_results=10)
        first = run_poll(source, None)
        chaos.update({"x_throttle": True, "throttle_seconds": 300})
        world.advance(world.now + timedelta(minutes=10))
        throttled = run_poll(source, first.cursor)
        assert isinstance(throttled.error, RateLimitedError)
        assert throttled.error.reset_at == world.now + timedelta(seconds=300)
        chaos.reset()
        asked = len(seen)
        again = run_poll(source, throttled.cursor)
        assert isinstance(again.error, RateLimitedError) and len(seen) == asked, "no call before the reset"
        world.advance(throttled.error.reset_at)
        after = run_poll(source, again.cursor)
        assert after.error is None
    got = ids(first.events) + ids(throttled.events) + ids(again.events) + ids(after.events)
    assert len(got) == len(set(got))
    assert first_versions(world, got) == first_versions(
        world, ids(matching(world, search_words(world), START - HOUR))
    )


# --- (d) the monthly budget ---------------------------------------------------------------------------


def test_a_spent_monthly_budget_stops_polling_until_next_month_across_a_restart(
    world: World, sandbox: SandboxServer, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    migrate(engine)
    meter = StoredMeter(engine, lambda: world.now)
    options: dict[str, Any] = {"monthly_post_budget": 30, "max_results": 10, "first_window": "5d"}
    source = build_mentions(world, sandbox.url, context(world, sandbox.url, meter=meter), **options)
    first = run_poll(source, None)
    assert isinstance(first.error, RateLimitedError)
    assert "monthly budget of 30 posts read is spent" in str(first.error)
    assert first.error.reset_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert meter.used("x:default:posts", "2026-11") == 30
    assert source.usage_summary() == {"period": "2026-11", "posts_read": 30, "budget": 30}
    engine.dispose()

    again = make_engine(url)  # a restarted bot: new engine, new meter, new source
    seen: list[requests.Response] = []
    restarted_meter = StoredMeter(again, lambda: world.now)
    restarted = build_mentions(
        world, sandbox.url, context(world, sandbox.url, seen, restarted_meter), **options
    )
    stopped = run_poll(restarted, None)
    assert isinstance(stopped.error, RateLimitedError) and not [r for r in seen if "/mentions" in r.url]
    health = restarted.check()
    assert health.state == HealthState.DEGRADED
    assert health.summary == "monthly budget spent: 30 of 30 posts; polling resumes on 2026-12-01"
    sibling = build_search(world, sandbox.url, context(world, sandbox.url, meter=restarted_meter), **options)
    assert isinstance(run_poll(sibling, None).error, RateLimitedError), "sources of one app share the budget"
    other_app = build_search(
        world, sandbox.url, context(world, sandbox.url, meter=restarted_meter), app="other", max_results=10
    )
    assert run_poll(other_app, None).error is None

    december = lambda: datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)  # noqa: E731
    later = build_mentions(
        world,
        sandbox.url,
        context(world, sandbox.url, meter=StoredMeter(again, december), clock=december),
        **options,
    )
    resumed = run_poll(later, None)
    assert isinstance(resumed.error, RateLimitedError), "December has its own 30 posts"
    assert StoredMeter(again, december).used("x:default:posts", "2026-12") == 30
    got = set(ids(first.events)) | set(ids(resumed.events))
    assert got <= set(ids(mentions_of_brand(world, START - timedelta(days=5))))
    assert len(resumed.events) >= len(first.events) > 0
    again.dispose()


# --- (e) configuration, first window, brand posts, retweets, failures, secrets ------------------------


def test_a_query_longer_than_512_characters_is_refused_when_the_config_is_read(world: World) -> None:
    words = [f"word{i}" for i in range(60)]
    with pytest.raises(ValidationError) as refused:
        XSearchConfig.model_validate(search_data(world, searches=[{"name": "long", "keywords": words}]))
    length = len("(" + " OR ".join(words) + ") -is:retweet -from:thestore")
    assert f"the query is {length} characters long" in str(refused.value) and "at most 512" in str(
        refused.value
    )


@pytest.mark.parametrize("kind", ["mentions", "search"])
def test_the_first_poll_reads_no_further_back_than_first_window(
    world: World, sandbox: SandboxServer, kind: str
) -> None:
    build = build_mentions if kind == "mentions" else build_search
    poll = run_poll(build(world, sandbox.url, first_window="30m"), None)
    since = START - timedelta(minutes=30)
    expected = (
        mentions_of_brand(world, since) if kind == "mentions" else matching(world, search_words(world), since)
    )
    assert poll.events and all(e.occurred_at is not None and e.occurred_at >= since for e in poll.events)
    assert sorted(ids(poll.events)) == sorted(ids(expected))


def test_posts_by_the_configured_accounts_are_never_yielded_but_move_the_cursor(
    world: World, sandbox: SandboxServer
) -> None:
    by_person = mentions_of_brand(world, START - HOUR)[0]
    person = world.x_users[by_person.author_id].username
    poll = run_poll(build_mentions(world, sandbox.url, accounts=[BRAND, person]), None)
    authors = {e.payload["author"].get("id") for e in poll.events}
    assert poll.events and by_person.author_id not in authors
    assert isinstance(poll.cursor, XMentionsCursor) and int(poll.cursor.since[BRAND]) >= int(by_person.id)


def test_brand_posts_are_never_yielded_by_a_search(world: World, sandbox: SandboxServer) -> None:
    brand_posts = [
        t
        for t in matching(world, search_words(world), START - HOUR, brand=True)
        if t.author_id == world.brand.id
    ]
    assert brand_posts, "the world's store posts about its products"
    without = run_poll(build_search(world, sandbox.url, brand_accounts=[]), None)
    assert set(ids(brand_posts)) <= set(ids(without.events))
    poll = run_poll(build_search(world, sandbox.url, brand_accounts=["TheStore"]), None)
    assert not set(ids(brand_posts)) & set(ids(poll.events))


def test_retweets_are_left_out_unless_asked_for(world: World, sandbox: SandboxServer) -> None:
    retweets = [t for t in world.tweets if t.retweet_of and BRAND in t.mentions and t.created >= START - HOUR]
    assert retweets
    plain = run_poll(build_mentions(world, sandbox.url), None)
    assert not set(ids(retweets)) & set(ids(plain.events))
    assert all(not e.payload["post"]["text"].startswith("RT @") for e in plain.events)
    wanted = run_poll(build_mentions(world, sandbox.url, include_retweets=True), None)
    assert set(ids(retweets)) <= set(ids(wanted.events))
    search = {"name": "rt", "mentions": [BRAND], "include_retweets": True}
    searched = run_poll(build_search(world, sandbox.url, searches=[search]), None)
    assert set(ids(retweets)) <= set(ids(searched.events))


@pytest.mark.parametrize("kind", ["mentions", "search"])
def test_an_expired_token_is_an_auth_error(
    world: World, sandbox: SandboxServer, chaos: Chaos, kind: str
) -> None:
    source = (build_mentions if kind == "mentions" else build_search)(world, sandbox.url)
    chaos.update({"x_token_expired": True})
    with pytest.raises(AuthError, match="401"):
        list(source.fetch(None))
    with pytest.raises(AuthError, match="bearer_token"):
        source.check()


@pytest.mark.parametrize("kind", ["mentions", "search"])
def test_a_503_is_transient(world: World, sandbox: SandboxServer, chaos: Chaos, kind: str) -> None:
    source = (build_mentions if kind == "mentions" else build_search)(world, sandbox.url)
    chaos.update({"fail_5xx": 1})
    with pytest.raises(TransientError, match="503"):
        list(source.fetch(None))
    assert run_poll(source, None).error is None


def test_a_query_x_refuses_is_a_configuration_error_with_its_reason(
    world: World, sandbox: SandboxServer
) -> None:
    source = build_search(world, sandbox.url, searches=[{"name": "bad", "query": "sofa url:example.com"}])
    with pytest.raises(ConfigurationError, match="url: operator"):
        list(source.fetch(None))


@pytest.mark.parametrize(
    "switch", [{"x_token_expired": True}, {"x_throttle": True}, {"fail_5xx": 2}, {"slow_ms": 0}]
)
def test_tokens_never_reach_errors_or_logs(
    world: World,
    sandbox: SandboxServer,
    chaos: Chaos,
    caplog: pytest.LogCaptureFixture,
    switch: dict[str, Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    chaos.update(switch)
    secrets = [world.tokens.x_bearer, world.tokens.x_user_token]
    raised: list[BaseException] = []
    for source in (
        build_mentions(world, sandbox.url, user_token=world.tokens.x_user_token),
        build_search(world, sandbox.url),
    ):
        for action in (source.check, lambda s=source: list(s.fetch(None))):
            try:
                action()
            except SourceError as exc:
                raised.append(exc)
    assert raised or switch == {"slow_ms": 0}
    assert any("Bearer ***" in r.getMessage() for r in caplog.records), "tweepy's request log is masked"
    texts = [t for exc in raised for t in error_texts(exc)] + log_texts(caplog.records)
    joined = "\n".join(texts)
    assert not [s[:4] for s in secrets if s in joined]


def test_more_than_800_mentions_since_the_last_poll_is_a_gap_told_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    busy = x_world(seed=9, per_minute=25)
    mentions = sorted(
        mentions_of_brand(busy, START - timedelta(hours=3)), key=lambda t: int(t.id), reverse=True
    )
    every = [t for t in busy.tweets if BRAND in t.mentions]
    assert len(every) > 900
    old = sorted(every, key=lambda t: int(t.id), reverse=True)[850]
    with SandboxServer(busy, Chaos(), x_limits=limits(busy)) as server:
        source = build_mentions(busy, server.url)
        caplog.set_level(logging.WARNING)
        poll = run_poll(source, XMentionsCursor(since={BRAND: old.id}))
        assert poll.error is None and len(poll.events) <= 800
        warned = [r for r in caplog.records if "beyond the 800 most recent" in r.getMessage()]
        assert len(warned) == 1
        cursor = poll.cursor
        assert isinstance(cursor, XMentionsCursor) and len(cursor.gaps) == 1
        gap = cursor.gaps[0]
        assert datetime.fromisoformat(gap.after) == snowflake_time(old.id)
        health = source.check()
        assert health.state == HealthState.DEGRADED and "beyond the 800 most recent" in health.summary
        assert any("800" in line for line in health.details)
        busy.advance(busy.now + timedelta(minutes=1))
        assert run_poll(source, cursor).error is None
        assert len([r for r in caplog.records if "beyond the 800" in r.getMessage()]) == 1
    assert mentions  # the world is busy enough for the horizon to matter


def test_a_search_not_read_for_over_7_days_starts_again_7_days_back(
    world: World, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    stale = XSearchCursor(since={name: snowflake(START - timedelta(days=8), 0) for name in SEARCH_GROUPS})
    caplog.set_level(logging.WARNING)
    poll = run_poll(build_search(world, sandbox.url), stale)
    assert poll.error is None
    assert sorted(ids(poll.events)) == sorted(
        ids(matching(world, search_words(world), START - timedelta(days=7)))
    )
    assert any("recent search holds 7 days" in r.getMessage() for r in caplog.records)


def test_check_reports_the_windows_and_the_budget_and_uses_the_user_token(
    world: World, sandbox: SandboxServer
) -> None:
    source = build_mentions(
        world, sandbox.url, user_token=world.tokens.x_user_token, monthly_post_budget=5000
    )
    run_poll(source, None)
    health = source.check()
    assert health.state == HealthState.OK
    assert f"user token of @{BRAND}" in health.details
    assert any(line.startswith("mentions: ") and "calls left until" in line for line in health.details)
    assert any(
        "posts read in 2026-11 by app default: " in line and "of 5000" in line for line in health.details
    )
    search = build_search(world, sandbox.url)
    assert search.check().state == HealthState.OK
    with pytest.raises(AuthError):
        build_search(world, sandbox.url, bearer_token="not-a-token").check()
