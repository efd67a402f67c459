"""The meta_comments source's pure parts: Graph times, webhook values, drafts, config and cursor."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from connectors.meta import comment_fields as cf
from connectors.meta.comments_config import RETENTION, MetaCommentsConfig, MetaCommentsCursor
from socialleads.errors import SkippableRecordError
from socialleads.models import EventKind, RawEvent

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "meta_webhooks"
PAGE = "104000000000001"
POST = f"{PAGE}_5000000004"
WHEN = datetime(2026, 11, 27, 8, 39, 27, tzinfo=UTC)


def fb_event(comment: dict[str, Any] | None = None, **payload: Any) -> RawEvent:
    comment = comment or {
        "id": "5000000004_7000001373",
        "message": "Hvað kostar hornsófinn?",
        "created_time": "2026-11-27T08:39:27+0000",
        "from": {"id": "3100001686747", "name": "Björn Wagner"},
    }
    post = {
        "id": POST,
        "permalink_url": f"https://www.facebook.com/{PAGE}/posts/5000000004",
        "message": "Nýtt!",
    }
    body = {**cf.facebook_payload(PAGE, comment, post), **payload}
    return RawEvent(native_id=str(comment.get("id") or "x"), kind=EventKind.COMMENT, payload=body)


def ig_event(comment: dict[str, Any], media: dict[str, Any] | None = None) -> RawEvent:
    media = (
        media
        if media is not None
        else {"id": "17950000000000023", "permalink": "https://www.instagram.com/p/AD_Fbg234Bc/"}
    )
    account = {"id": "17841400000000001", "username": "heimili.husgogn"}
    body = cf.instagram_payload(PAGE, account, comment, cf.media_summary(media))
    return RawEvent(native_id=str(comment["id"]), kind=EventKind.COMMENT, payload=body)


# --- times and shapes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-27T08:39:27+0000",
        "2026-11-27T08:39:27+00:00",
        1795768767,
        "1795768767",
        "2026-11-27T08:39:27",
    ],
)
def test_graph_times_read_in_every_form_meta_writes(value: Any) -> None:
    assert cf.graph_time(value) == WHEN


@pytest.mark.parametrize("value", [None, "", "yesterday", True, {"t": 1}])
def test_unreadable_times_are_none(value: Any) -> None:
    assert cf.graph_time(value) is None


def test_nested_instagram_replies_are_flattened_with_their_parent() -> None:
    comment = {
        "id": "1",
        "text": "Hvað kostar þessi?",
        "replies": {"data": [{"id": "2", "text": "líka ég"}, {"id": "3", "text": "x", "parent_id": "1"}]},
    }
    top, replies, more = cf.ig_thread(comment)
    assert top == {"id": "1", "text": "Hvað kostar þessi?"}
    assert [(r["id"], r["parent_id"]) for r in replies] == [("2", "1"), ("3", "1")]
    assert not more


def test_more_replies_than_nested_are_announced() -> None:
    comment = {"id": "1", "replies": {"data": [], "paging": {"next": "https://graph.facebook.com/..."}}}
    assert cf.ig_thread(comment)[2]


def test_a_feed_change_from_the_sample_becomes_a_graph_shaped_reply() -> None:
    document = json.loads((FIXTURES / "page_feed_comment_webhook.derived.json").read_text())
    value = document["entry"][0]["changes"][0]["value"]
    comment = cf.comment_from_feed_value(value)
    assert comment == {
        "id": "444444444_555555555",
        "message": "Example comment content.",
        "created_time": "2018-11-30T20:14:02+0000",
        "from": {"id": "1067280970047461", "name": "Test User"},
        "parent": {"id": "444444444_555555554"},
        "photo": value["photo"],  # a photo comment's link, kept (restfb/restfb#667)
    }


def test_a_feed_change_whose_parent_is_the_post_is_a_top_level_comment() -> None:
    value = {
        "comment_id": 12,
        "post_id": "1_2",
        "parent_id": "1_2",
        "created_time": 1795768767,
        "message": "?",
    }
    comment = cf.comment_from_feed_value(value)
    assert "parent" not in comment
    assert comment["id"] == "12"


def test_the_derived_permalink_has_graphs_form() -> None:
    assert cf.derived_permalink(PAGE, POST, "5000000004_7000001401", None) == (
        f"https://www.facebook.com/{PAGE}/posts/5000000004/?comment_id=7000001401"
    )
    assert cf.derived_permalink(PAGE, POST, "5000000004_7000001401", "5000000004_7000001387") == (
        f"https://www.facebook.com/{PAGE}/posts/5000000004/?comment_id=7000001387&reply_comment_id=7000001401"
    )


def test_own_comments_are_recognised_by_author() -> None:
    assert cf.is_own_facebook({"from": {"id": PAGE}}, PAGE)
    assert not cf.is_own_facebook({"message": "no author"}, PAGE)
    assert cf.is_own_instagram({"username": "heimili.husgogn"}, "178", "heimili.husgogn")
    assert cf.is_own_instagram({"from": {"id": "178", "username": "x"}}, "178", None)
    assert not cf.is_own_instagram({"from": {"id": "9", "username": "anna"}}, "178", "heimili.husgogn")


def test_report_groups_name_the_page_or_the_account() -> None:
    assert cf.report_group(fb_event().payload) == f"facebook page {PAGE}"
    assert cf.report_group(ig_event({"id": "1", "text": "?"}).payload) == "instagram @heimili.husgogn"


# --- drafts ----------------------------------------------------------------------------------------------


def test_a_facebook_comment_drafts_with_the_name_as_given_and_nothing_invented() -> None:
    draft = cf.draft(fb_event())
    assert (draft.platform, draft.kind, draft.occurred_at) == ("facebook", EventKind.COMMENT, WHEN)
    assert draft.message == "Hvað kostar hornsófinn?"
    assert draft.contact.model_dump(exclude_none=True) == {"full_name": "Björn Wagner", "flags": ()}
    assert draft.handle is not None and draft.handle.profile_url is None
    assert draft.url == f"https://www.facebook.com/{PAGE}/posts/5000000004/?comment_id=7000001373"
    assert draft.context == {
        "page_id": PAGE,
        "post_id": POST,
        "post_permalink": f"https://www.facebook.com/{PAGE}/posts/5000000004",
        "post_excerpt": "Nýtt!",
    }


def test_a_facebook_comment_without_an_author_has_no_handle() -> None:
    draft = cf.draft(fb_event({"id": "5_7", "message": "Verð?", "created_time": "2026-11-27T08:39:27+0000"}))
    assert draft.handle is None
    assert draft.contact.full_name is None


def test_an_instagram_comment_drafts_with_the_profile_url_and_the_media_link() -> None:
    comment = {"id": "1786", "text": "Price?", "timestamp": "2026-11-27T08:39:27+0000", "username": "anna.is"}
    draft = cf.draft(ig_event({**comment, "from": {"id": "1784", "username": "anna.is"}}))
    assert draft.handle is not None
    assert draft.handle.profile_url == "https://www.instagram.com/anna.is/"
    assert draft.url == "https://www.instagram.com/p/AD_Fbg234Bc/"
    assert draft.contact.full_name is None


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (fb_event(comment={"message": "no id"}), "no comment object with an id"),
        (fb_event(platform="tiktok"), "expected 'facebook' or 'instagram'"),
        (fb_event(post={}), "which post"),
        (fb_event(page_id=None), "page_id"),
        (fb_event({"id": "5_7", "message": "when?"}), "no readable time"),
        (
            ig_event({"id": "1", "text": "?", "timestamp": "2026-11-27T08:39:27+0000"}, media={}),
            "which Instagram",
        ),
    ],
)
def test_malformed_payloads_are_skipped_with_a_reason(event: RawEvent, reason: str) -> None:
    with pytest.raises(SkippableRecordError, match=reason):
        cf.draft(event)


# --- config and cursor -----------------------------------------------------------------------------------


def test_page_ids_written_as_numbers_in_yaml_are_text() -> None:
    config = MetaCommentsConfig.model_validate({"pages": [{"id": 104000000000001, "token": "t"}]})
    assert config.pages[0].id == "104000000000001"


@pytest.mark.parametrize(
    "change",
    [
        {"pages": []},
        {"pages": [{"id": "1", "token": "a"}, {"id": "1", "token": "b"}]},
        {"post_window": f"{RETENTION.days + 1}d"},
        {"lookback": "-1m"},
        {"graph_version": "26.0"},
    ],
)
def test_unusable_configs_are_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        MetaCommentsConfig.model_validate({"pages": [{"id": "1", "token": "t"}], **change})


POSITIONS = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "object": st.sampled_from(["p1", "p2", "m1"]),
                "created": st.integers(1_700_000_000, 1_800_000_000),
            }
        ),
        st.fixed_dictionaries(
            {"account": st.sampled_from(["104", "178"]), "from": st.integers(1_700_000_000, 1_800_000_000)}
        ),
    ),
    max_size=12,
)


@given(POSITIONS, st.randoms())
def test_the_cursor_does_not_depend_on_the_order_of_positions(
    positions: list[dict[str, Any]], rnd: Any
) -> None:
    shuffled = list(positions)
    rnd.shuffle(shuffled)
    forward, backward = MetaCommentsCursor(), MetaCommentsCursor()
    for position in positions:
        forward = forward.advance(position)
    for position in shuffled:
        backward = backward.advance(position)
    assert forward == backward


def test_the_cursor_keeps_each_objects_newest_time_and_each_accounts_first_start() -> None:
    cursor = MetaCommentsCursor()
    for position in (
        {"object": "p1", "created": 20},
        {"object": "p1", "created": 10},
        {"account": "104", "from": 5},
        {"account": "104", "from": 9},
    ):
        cursor = cursor.advance(position)
    assert (cursor.objects, cursor.accounts) == ({"p1": 20}, {"104": 5})


def test_the_cursor_forgets_posts_quiet_for_longer_than_the_retention() -> None:
    day = 86400
    cursor = MetaCommentsCursor().advance({"object": "old", "created": 0})
    cursor = cursor.advance({"object": "new", "created": (RETENTION.days + 1) * day})
    assert set(cursor.objects) == {"new"}


def test_the_cursor_rejects_positions_it_did_not_make() -> None:
    with pytest.raises(ValueError, match="object or an account"):
        MetaCommentsCursor().advance({"file": "x.csv"})
    with pytest.raises(ValueError, match="unix seconds"):
        MetaCommentsCursor().advance({"object": "p1", "created": "yesterday"})
