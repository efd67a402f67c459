"""The meta_comments source against the sandbox's Graph emulator: real facebook-sdk, real HTTP on loopback.

Every test gets its own seeded world (two hours of comments on the store's page and Instagram account)
and its own server, so chaos switches and usage counters never leak between tests. The source is built
as the bot builds it: a ``ConnectorContext`` whose clock is the world's and whose sessions are routed to
the sandbox.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import socialleads.http
from connectors.meta.comments import MetaCommentsConfig, MetaCommentsCursor, MetaCommentsSource
from socialleads.contracts import ConnectorContext
from socialleads.errors import AuthError, RateLimitedError, SourceError, TransientError
from socialleads.models import Checkpoint, EventKind, HealthState, RawEvent, ReceivedVia
from socialleads.pipeline.normalize import normalize
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.meta.webhook_payloads import feed_comment_value, ig_comment_value
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.entities import Comment, IgComment
from socialleads.sandbox.world.living import World
from socialleads.testing.kit import error_texts, log_texts

pytestmark = pytest.mark.filterwarnings("error")

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MAIN, IG = fixtures.MAIN_PAGE, fixtures.IG_ACCOUNT
IG_USERNAME = "heimili.husgogn"
LOG = "socialleads.connector.fbc"

Poll = list[RawEvent | Checkpoint]


# --- the world, the server, the source ----------------------------------------------------------------


@pytest.fixture
def world() -> World:
    """Two hours of the store's life: a few hundred comments and replies, some by the page itself."""
    return World(seed=7, start=START)


@pytest.fixture
def chaos() -> Chaos:
    return Chaos()


@pytest.fixture
def sandbox(world: World, chaos: Chaos) -> Iterator[SandboxServer]:
    with SandboxServer(world, chaos) as server:
        yield server


@pytest.fixture
def make_source(world: World, sandbox: SandboxServer) -> Iterator[Callable[..., MetaCommentsSource]]:
    """``make_source(**config overrides)``: the source for the main page (and its Instagram account)."""
    made: list[MetaCommentsSource] = []

    def build(**overrides: Any) -> MetaCommentsSource:
        config = {
            "app_secret": world.tokens.app_secret,
            "pages": [{"id": MAIN, "token": world.tokens.page_tokens[MAIN]}],
            **overrides,
        }
        context = ConnectorContext(
            instance="fbc",
            clock=lambda: world.now,
            logger=logging.getLogger(LOG),
            new_session=functools.partial(socialleads.http.new_session, sandbox_url=sandbox.url),
        )
        source = MetaCommentsSource(MetaCommentsConfig.model_validate(config), context)
        made.append(source)
        return source

    yield build
    for source in made:
        source.close()


@pytest.fixture
def source(make_source: Callable[..., MetaCommentsSource]) -> MetaCommentsSource:
    return make_source()


def events(items: Poll) -> list[RawEvent]:
    return [item for item in items if isinstance(item, RawEvent)]


def ids(items: Poll) -> list[str]:
    return [event.native_id for event in events(items)]


def fold(items: Poll, cursor: MetaCommentsCursor | None = None) -> MetaCommentsCursor:
    """What the runner does with a poll: every position folded into the cursor."""
    folded = cursor or MetaCommentsCursor()
    for item in items:
        if item.position is not None:
            folded = folded.advance(item.position)
    return folded


def main_post_ids(world: World) -> set[str]:
    return {post.id for post in world.posts if post.page_id == MAIN}


def people_comments(world: World, since: datetime | None = None) -> list[Comment]:
    """Comments and replies on the main page's posts written by people (not the page)."""
    posts = main_post_ids(world)
    return [
        c
        for c in world.comments
        if c.post_id in posts and c.person_key is not None and (since is None or c.created >= since)
    ]


def expected_ids(world: World, since: datetime | None = None) -> set[str]:
    """What a faithful source yields: people's comments on the page's posts, every Instagram comment."""
    ig = {c.id for c in world.ig_comments if since is None or c.created >= since}
    return {c.id for c in people_comments(world, since)} | ig


def unix(when: datetime) -> int:
    return int(when.timestamp())


# --- reading ------------------------------------------------------------------------------------------


def test_first_poll_reads_every_comment_and_reply_on_the_page_and_instagram(
    source: MetaCommentsSource, world: World
) -> None:
    got = ids(list(source.fetch(None)))
    assert any(c.parent_id for c in people_comments(world)), "the world must have Facebook replies"
    assert any(c.parent_id for c in world.ig_comments), "the world must have Instagram replies"
    assert len(got) == len(set(got)), "a comment came twice in one poll"
    assert set(got) == expected_ids(world)


def test_comments_are_fetched_exactly_once_across_two_polls(source: MetaCommentsSource, world: World) -> None:
    """Only comments inside the declared lookback come again (the store keeps one of each)."""
    first = list(source.fetch(None))
    cursor = fold(first)
    world.advance(world.now + timedelta(minutes=45))
    second = list(source.fetch(cursor))
    lookback = 600
    repeats = set(ids(first)) & set(ids(second))
    for event in events(second):
        if event.native_id in repeats:
            assert event.position is not None
            assert event.position["created"] >= cursor.objects[event.position["object"]] - lookback
    assert set(ids(second)) - set(ids(first)), "the world made no new comment in 45 minutes"
    assert set(ids(first)) | set(ids(second)) == expected_ids(world)


def test_the_pages_own_replies_are_left_out_but_move_the_cursor(
    source: MetaCommentsSource, world: World
) -> None:
    posts = main_post_ids(world)
    own = [c for c in world.comments if c.post_id in posts and c.person_key is None]
    assert own, "the world must have replies written by the page"
    items = list(source.fetch(None))
    assert not {c.id for c in own} & set(ids(items))
    cursor = fold(items)
    for post_id in {c.post_id for c in own}:
        newest = max(unix(c.created) for c in world.comments if c.post_id == post_id)
        assert cursor.objects[post_id] == newest


def test_the_instagram_accounts_own_replies_are_left_out(source: MetaCommentsSource, world: World) -> None:
    question = world.ig_comments[-1]
    answer = IgComment(
        "17869999999999999",
        question.media_id,
        question.id,
        IG,
        IG_USERNAME,
        "Takk! Við sendum þér verðið í skilaboðum.",
        world.now,
        "the-store",
        False,
        "is",
    )
    with world.lock:
        world.ig_comments.append(answer)
    items = list(source.fetch(None))
    assert answer.id not in ids(items)
    assert question.id in ids(items)
    assert fold(items).objects[question.media_id] == unix(answer.created)


def test_the_first_poll_leaves_comments_older_than_first_window(
    make_source: Callable[..., MetaCommentsSource], world: World
) -> None:
    source = make_source(first_window="30m")
    since = world.now - timedelta(minutes=30)
    assert expected_ids(world) - expected_ids(world, since), "the world must have older comments"
    assert set(ids(list(source.fetch(None)))) == expected_ids(world, since)


def test_posts_older_than_post_window_are_not_watched(
    make_source: Callable[..., MetaCommentsSource], world: World
) -> None:
    source = make_source(
        post_window="1h", pages=[{"id": MAIN, "token": world.tokens.page_tokens[MAIN], "instagram": False}]
    )
    recent = {p.id for p in world.posts if p.page_id == MAIN and p.created >= world.now - timedelta(hours=1)}
    assert recent and recent != main_post_ids(world), "the world must have recent and older posts"
    got = events(list(source.fetch(None)))
    assert {event.payload["post"]["id"] for event in got} == recent


def test_posts_and_media_published_after_the_first_poll_are_read_from_their_start(
    source: MetaCommentsSource, world: World
) -> None:
    cursor = fold(list(source.fetch(None)))
    posts_before, media_before = main_post_ids(world), {m.id for m in world.ig_media}
    world.advance(world.now + timedelta(hours=6))
    new_posts = main_post_ids(world) - posts_before
    new_media = {m.id for m in world.ig_media} - media_before
    assert new_posts and new_media, "the world published nothing in six hours"
    second = events(list(source.fetch(cursor)))
    on_new = {c.id for c in people_comments(world) if c.post_id in new_posts}
    on_new |= {c.id for c in world.ig_comments if c.media_id in new_media}
    assert on_new, "nobody commented on the new posts and media"
    assert on_new <= {event.native_id for event in second}
    assert new_posts | new_media <= set(fold(second, cursor).objects)


def test_each_post_is_read_from_its_own_cursor_less_the_lookback(
    make_source: Callable[..., MetaCommentsSource], world: World
) -> None:
    source = make_source(
        lookback="5m", pages=[{"id": MAIN, "token": world.tokens.page_tokens[MAIN], "instagram": False}]
    )
    comments = people_comments(world)
    post_id = max(main_post_ids(world), key=lambda p: sum(c.post_id == p for c in comments))
    on_post = sorted((c for c in comments if c.post_id == post_id), key=lambda c: c.created)
    mark = on_post[len(on_post) // 2].created
    floor = unix(world.now - timedelta(days=1))
    cursor = MetaCommentsCursor(objects={post_id: unix(mark)}, accounts={MAIN: floor})
    got = events(list(source.fetch(cursor)))
    read_on_post = {e.native_id for e in got if e.payload["post"]["id"] == post_id}
    assert read_on_post == {c.id for c in on_post if c.created >= mark - timedelta(minutes=5)}
    others = {c.id for c in comments if c.post_id != post_id}
    assert others <= {e.native_id for e in got}, "posts without a cursor entry are read from their start"


# --- parsing -------------------------------------------------------------------------------------------


def test_a_facebook_reply_parses_to_its_message_permalink_author_and_post(
    source: MetaCommentsSource, world: World
) -> None:
    reply = next(c for c in people_comments(world) if c.parent_id)
    event = next(e for e in events(list(source.fetch(None))) if e.native_id == reply.id)
    post = next(p for p in world.posts if p.id == reply.post_id)
    draft = source.parse(event)
    assert (draft.kind, draft.platform, draft.message) == (EventKind.COMMENT, "facebook", reply.message)
    assert draft.url is not None and f"reply_comment_id={reply.id.split('_')[-1]}" in draft.url
    assert draft.handle is not None
    assert (draft.handle.user_id, draft.handle.display_name) == (reply.author_id, reply.author_name)
    assert draft.contact.full_name == reply.author_name
    assert (draft.contact.email, draft.contact.phone) == (None, None)
    assert draft.context["parent_id"] == reply.parent_id
    assert draft.context["post_id"] == reply.post_id
    assert draft.context["post_excerpt"] == post.message[:200]
    assert draft.context["post_permalink"].endswith(post.id.split("_")[-1])


def test_an_instagram_reply_parses_to_its_text_media_link_and_username(
    source: MetaCommentsSource, world: World
) -> None:
    reply = next(c for c in world.ig_comments if c.parent_id)
    event = next(e for e in events(list(source.fetch(None))) if e.native_id == reply.id)
    draft = source.parse(event)
    assert (draft.platform, draft.message) == ("instagram", reply.text)
    assert draft.url is not None and draft.url.startswith("https://www.instagram.com/p/")
    assert draft.handle is not None
    assert (draft.handle.user_id, draft.handle.username) == (reply.user_id, reply.username)
    assert draft.handle.profile_url == f"https://www.instagram.com/{reply.username}/"
    assert draft.contact.full_name is None
    assert draft.context["media_id"] == reply.media_id
    assert draft.context["parent_id"] == reply.parent_id
    assert draft.context["post_permalink"] == draft.url


def test_comments_with_buying_intent_become_leads_through_the_real_qualifier(
    source: MetaCommentsSource, world: World
) -> None:
    truth = {item.native_id: item.intent for item in world.truth}
    qualifier = LeadQualifier()
    hits = misses = false_alarms = quiet = 0
    for event in events(list(source.fetch(None))):
        is_lead = qualifier.qualify(normalize(source.parse(event), None), None).is_lead
        intent = truth[event.native_id]
        hits += is_lead and intent is True
        false_alarms += is_lead and intent is not True
        misses += not is_lead and intent is True
        quiet += not is_lead and intent is not True
    total = hits + misses + false_alarms + quiet
    precision, recall = hits / (hits + false_alarms), hits / (hits + misses)
    print(
        f"\nmeta_comments through LeadQualifier: {total} comments, {hits + misses} with intent; "
        f"precision {precision:.3f}, recall {recall:.3f} ({hits} hits, {false_alarms} false alarms, "
        f"{misses} missed)"
    )
    assert total >= 300
    # Measured (seed 7): precision 1.000, recall 0.990 (0.933 and 0.848 before the rules learned booking
    # and home-visit questions, Icelandic phrasings, whether a price still holds, and job seekers).
    assert precision >= 0.97
    assert recall >= 0.97


# --- webhooks ------------------------------------------------------------------------------------------


def test_the_source_claims_its_page_and_instagram_account_only(source: MetaCommentsSource) -> None:
    assert source.claims_object(MAIN)
    assert source.claims_object(IG)
    assert not source.claims_object(fixtures.OUTLET_PAGE)


def test_a_feed_comment_change_becomes_the_same_event_a_poll_reads(
    source: MetaCommentsSource, world: World
) -> None:
    reply = next(c for c in people_comments(world) if c.parent_id)
    polled = next(e for e in events(list(source.fetch(None))) if e.native_id == reply.id)
    event = source.event_from_feed_change(MAIN, feed_comment_value(reply))
    assert event is not None
    assert (event.native_id, event.received_via, event.position) == (reply.id, ReceivedVia.WEBHOOK, None)
    assert event.occurred_at == reply.created.replace(microsecond=0)
    pushed, read = source.parse(event), source.parse(polled)
    assert (pushed.message, pushed.url, pushed.handle) == (read.message, read.url, read.handle)
    assert pushed.context == read.context
    assert source.report_group(event.payload) == f"facebook page {MAIN}"


def test_a_feed_comment_change_without_from_is_completed_from_graph(
    source: MetaCommentsSource, world: World
) -> None:
    comment = people_comments(world)[0]
    value = {k: v for k, v in feed_comment_value(comment).items() if k not in ("from", "message")}
    event = source.event_from_feed_change(MAIN, value)
    assert event is not None
    draft = source.parse(event)
    assert draft.handle is not None
    assert (draft.handle.user_id, draft.message) == (comment.author_id, comment.message)


def test_feed_changes_that_are_no_new_comment_by_someone_else_give_nothing(
    source: MetaCommentsSource, world: World
) -> None:
    own = next(c for c in world.comments if c.person_key is None and c.post_id in main_post_ids(world))
    someone = people_comments(world)[0]
    assert source.event_from_feed_change(MAIN, feed_comment_value(own)) is None
    own_without_from = {k: v for k, v in feed_comment_value(own).items() if k != "from"}
    assert source.event_from_feed_change(MAIN, own_without_from) is None
    # An edit is an event of its own (tests/integration/test_meta_real_payloads.py); a removal is none.
    assert source.event_from_feed_change(MAIN, {**feed_comment_value(someone), "verb": "remove"}) is None
    assert source.event_from_feed_change(MAIN, {**feed_comment_value(someone), "verb": "hide"}) is None
    status = {"item": "status", "verb": "add", "post_id": someone.post_id, "created_time": 1795770000}
    assert source.event_from_feed_change(MAIN, status) is None


def test_an_instagram_comment_change_becomes_an_event_with_the_media_link(
    source: MetaCommentsSource, world: World
) -> None:
    comment = world.ig_comments[-1]
    media = next(m for m in world.ig_media if m.id == comment.media_id)
    event = source.event_from_instagram_change(IG, ig_comment_value(comment, media.media_product_type))
    assert event is not None
    assert (event.native_id, event.received_via, event.occurred_at) == (
        comment.id,
        ReceivedVia.WEBHOOK,
        world.now,
    )
    draft = source.parse(event)
    assert (draft.platform, draft.message) == ("instagram", comment.text)
    assert draft.url is not None and draft.url.startswith("https://www.instagram.com/p/")
    assert draft.handle is not None and draft.handle.username == comment.username
    assert source.report_group(event.payload) == f"instagram @{IG_USERNAME}"


def test_the_instagram_accounts_own_comment_change_gives_nothing(
    source: MetaCommentsSource, world: World
) -> None:
    value = {
        "from": {"id": IG, "username": IG_USERNAME},
        "media": {"id": world.ig_media[-1].id, "media_product_type": "FEED"},
        "id": "17869999999999998",
        "text": "Takk fyrir!",
    }
    assert source.event_from_instagram_change(IG, value) is None


# --- failures and health -------------------------------------------------------------------------------


def test_meta_throttling_is_rate_limited_until_a_future_time(
    source: MetaCommentsSource, world: World, chaos: Chaos
) -> None:
    chaos.update({"meta_throttle_code": 80001, "throttle_seconds": 600})
    with pytest.raises(RateLimitedError) as caught:
        list(source.fetch(None))
    assert caught.value.reset_at > world.now


def test_an_expired_token_is_an_auth_error(source: MetaCommentsSource, chaos: Chaos) -> None:
    chaos.update({"meta_token_expired": True})
    with pytest.raises(AuthError, match="expired"):
        list(source.fetch(None))


def test_a_503_from_meta_is_transient(source: MetaCommentsSource, chaos: Chaos) -> None:
    chaos.update({"fail_5xx": 1})
    with pytest.raises(TransientError):
        list(source.fetch(None))


def test_check_is_ok_for_a_subscribed_page_with_every_permission(source: MetaCommentsSource) -> None:
    health = source.check()
    assert health.state is HealthState.OK, health
    assert health.expires_at is not None


def test_check_is_degraded_with_the_fix_when_the_app_is_not_subscribed(
    source: MetaCommentsSource, chaos: Chaos
) -> None:
    chaos.update({"unsubscribed_pages": [MAIN]})
    health = source.check()
    assert health.state is HealthState.DEGRADED
    assert f"POST /{MAIN}/subscribed_apps?subscribed_fields=feed" in health.summary


def test_check_is_degraded_naming_a_missing_instagram_permission(
    source: MetaCommentsSource, chaos: Chaos
) -> None:
    chaos.update({"permissions_removed": ["instagram_manage_comments"]})
    health = source.check()
    assert health.state is HealthState.DEGRADED
    assert "instagram_manage_comments" in health.summary


def test_check_is_degraded_for_a_page_without_a_linked_instagram_account(
    make_source: Callable[..., MetaCommentsSource], world: World
) -> None:
    outlet = fixtures.OUTLET_PAGE
    source = make_source(pages=[{"id": outlet, "token": world.tokens.page_tokens[outlet]}])
    health = source.check()
    assert health.state is HealthState.DEGRADED
    assert "no linked Instagram business account" in health.summary
    assert "instagram: false" in health.summary


def test_check_with_a_rejected_token_raises_auth_error(
    make_source: Callable[..., MetaCommentsSource],
) -> None:
    source = make_source(pages=[{"id": MAIN, "token": "EAAPnot-a-token-the-world-knows-0000"}])
    with pytest.raises(AuthError):
        source.check()


@pytest.mark.parametrize(
    "switch",
    [
        {"meta_token_expired": True},
        {"meta_throttle_code": 32},
        {"fail_5xx": 1},
        {"permissions_removed": ["pages_read_engagement"]},
    ],
)
def test_tokens_never_reach_errors_or_the_connectors_logs(
    source: MetaCommentsSource,
    world: World,
    chaos: Chaos,
    caplog: pytest.LogCaptureFixture,
    switch: dict[str, Any],
) -> None:
    """urllib3's own DEBUG lines show request URLs; the CLI's redacting formatter masks those."""
    secrets = [world.tokens.page_tokens[MAIN], world.tokens.app_secret]
    caplog.set_level(logging.DEBUG)
    chaos.update(switch)
    raised: list[BaseException] = []
    for action in (source.check, lambda: list(source.fetch(None))):
        try:
            action()
        except SourceError as exc:
            raised.append(exc)
    assert raised, "the broken sandbox must make the source fail"
    texts = [t for exc in raised for t in error_texts(exc)] + log_texts(caplog.records, ["urllib3"])
    joined = "\n".join(texts)
    assert not [s[:4] for s in secrets if s in joined]
