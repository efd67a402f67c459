"""X posts to events and drafts (``connectors.x.fields``), and the X configs' queries and cursors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.x.bio import bio_emails
from connectors.x.config import SearchConfig, XMentionsConfig, XMentionsCursor, XSearchConfig, XSearchCursor
from connectors.x.fields import (
    Page,
    draft_from_event,
    is_retweet,
    make_event,
    snowflake_time,
    x_time,
)
from connectors.x.polling import next_month
from socialleads.errors import SkippableRecordError
from socialleads.models import EventKind

POST_ID = "2126238499727212854"
AUTHOR = {
    "id": "1400032357",
    "name": "Margrét Stefánsdóttir",
    "username": "margretstefan53",
    "description": "Húsavík. Contact: margret.stefansdottir53@simnet.is.",
    "location": "Húsavík",
    "url": "https://margret.example.is",
    "verified": False,
    "public_metrics": {"followers_count": 512, "following_count": 80, "tweet_count": 900, "listed_count": 1},
}


def post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": POST_ID,
        "text": "Flyt eftir 6 vikur og mig vantar borðstofuborð sem fyrst @thestore",
        "edit_history_tweet_ids": [POST_ID],
        "created_at": "2026-11-27T08:55:36.593Z",
        "author_id": AUTHOR["id"],
        "lang": "is",
        "conversation_id": POST_ID,
        "in_reply_to_user_id": "1500000000000000001",
    }
    data.update(overrides)
    return data


def page(*posts: dict[str, Any], users: list[dict[str, Any]] | None = None, **meta: Any) -> Page:
    body: dict[str, Any] = {"data": list(posts), "includes": {"users": [AUTHOR] if users is None else users}}
    body["meta"] = {"result_count": len(posts), "newest_id": posts[0]["id"] if posts else None, **meta}
    return Page.of(body)


def event(kind: EventKind = EventKind.MENTION, **overrides: Any) -> Any:
    the_post = post(**overrides)
    return make_event(
        kind, the_post, page(the_post), {"account": "thestore", "since_id": POST_ID}, account="thestore"
    )


# --- parse ------------------------------------------------------------------------------------------


def test_a_mention_parses_to_its_text_link_handle_and_context() -> None:
    draft = draft_from_event(event())
    assert (draft.native_id, draft.kind, draft.platform) == (POST_ID, EventKind.MENTION, "x")
    assert draft.message == post()["text"]
    assert draft.url == f"https://x.com/margretstefan53/status/{POST_ID}"
    assert draft.occurred_at == datetime(2026, 11, 27, 8, 55, 36, 593000, tzinfo=UTC)
    handle = draft.handle
    assert handle is not None
    assert (handle.platform, handle.user_id, handle.username) == ("x", "1400032357", "margretstefan53")
    assert handle.display_name == "Margrét Stefánsdóttir"
    assert handle.profile_url == "https://x.com/margretstefan53"
    assert draft.context == {
        "lang": "is",
        "account": "thestore",
        "conversation_id": POST_ID,
        "in_reply_to_user_id": "1500000000000000001",
        "author_url": "https://margret.example.is",
        "verified": False,
        "followers": 512,
        "location": "Húsavík",
    }


def test_the_email_in_the_bio_is_a_hint_and_the_display_name_no_contact_name() -> None:
    draft = draft_from_event(event())
    assert draft.contact.full_name is None and draft.contact.email is None
    assert draft.handle is not None and draft.handle.display_name == "Margrét Stefánsdóttir"
    assert [(h.field, h.value, h.source, h.caution) for h in draft.hints] == [
        ("email", "margret.stefansdottir53@simnet.is", "X bio of @margretstefan53", None)
    ]


@pytest.mark.parametrize(
    ("bio", "emails"),
    [
        ("Reykjavík", []),
        ("write to anna.j+x@gmail.com or call", ["anna.j+x@gmail.com"]),
        ("no at sign here @thestore fan", []),
        (None, []),
    ],
)
def test_emails_in_a_bio(bio: str | None, emails: list[str]) -> None:
    assert [address for address, _ in bio_emails(bio)] == emails


def test_a_search_result_carries_the_search_name_not_an_account() -> None:
    the_post = post()
    found = make_event(
        EventKind.POST, the_post, page(the_post), {"search": "sofas", "since_id": POST_ID}, search="sofas"
    )
    draft = draft_from_event(found)
    assert (
        draft.kind == EventKind.POST and draft.context["search"] == "sofas" and "account" not in draft.context
    )


def test_a_post_whose_author_was_not_included_still_parses_with_a_link_by_id() -> None:
    the_post = post()
    lonely = make_event(
        EventKind.POST, the_post, page(the_post, users=[]), {"search": "s", "since_id": POST_ID}
    )
    draft = draft_from_event(lonely)
    assert draft.url == f"https://x.com/i/web/status/{POST_ID}"
    assert draft.handle is not None and draft.handle.user_id == "1400032357" and draft.handle.username is None
    assert draft.contact.full_name is None and draft.contact.email is None


def test_a_post_without_text_is_skippable_with_a_reason() -> None:
    with pytest.raises(SkippableRecordError, match=POST_ID):
        draft_from_event(event(text=""))


def test_referenced_posts_travel_with_the_event() -> None:
    quoted = {"id": "2126238400000000000", "text": "the original"}
    the_post = post(referenced_tweets=[{"type": "replied_to", "id": quoted["id"]}])
    body = {
        "data": [the_post],
        "includes": {"users": [AUTHOR], "tweets": [quoted]},
        "meta": {"result_count": 1},
    }
    made = make_event(EventKind.MENTION, the_post, Page.of(body), {"account": "a", "since_id": POST_ID})
    assert made.payload["referenced"] == [{"type": "replied_to", "id": quoted["id"], "post": quoted}]


# --- retweets, ids, times, pages --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "retweet"),
    [
        ({}, False),
        ({"referenced_tweets": [{"type": "retweeted", "id": "1"}]}, True),
        ({"referenced_tweets": [{"type": "quoted", "id": "1"}]}, False),
        ({"referenced_tweets": [{"type": "replied_to", "id": "1"}]}, False),
        ({"text": "RT @someone: the sofa is lovely"}, True),
        ({"text": "ART @ the museum"}, False),
    ],
)
def test_retweets_are_recognised_by_reference_or_by_rt_prefix(
    overrides: dict[str, Any], retweet: bool
) -> None:
    assert is_retweet(post(**overrides)) is retweet


def test_an_ids_time_is_read_from_the_snowflake() -> None:
    assert snowflake_time(POST_ID) == datetime(2026, 11, 27, 8, 55, 36, 593000, tzinfo=UTC)
    assert x_time("2026-11-27T08:55:36.593Z") == snowflake_time(POST_ID)
    assert x_time("yesterday") is None and x_time(None) is None


def test_an_event_without_created_at_takes_its_time_from_the_id() -> None:
    assert event(created_at=None).occurred_at == snowflake_time(POST_ID)


def test_an_empty_page_and_a_page_with_a_next_token() -> None:
    empty = Page.of({"meta": {"result_count": 0}})
    assert (empty.posts, empty.result_count, empty.newest_id, empty.next_token) == ([], 0, None, None)
    full = page(post(), next_token="b26v89c19zqg8o3fpzbkk7ne1nopkq4n6nkx4h2c1xu5")
    assert full.next_token and full.newest_id == POST_ID and full.users["1400032357"] == AUTHOR


def test_the_budget_resumes_on_the_first_of_next_month() -> None:
    assert next_month(datetime(2026, 11, 27, 9, tzinfo=UTC)) == datetime(2026, 12, 1, tzinfo=UTC)
    assert next_month(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == datetime(2027, 1, 1, tzinfo=UTC)


# --- queries and cursors ----------------------------------------------------------------------------


def test_structured_terms_are_built_into_one_query() -> None:
    search = SearchConfig(
        name="sofas",
        keywords=("sofa", "corner sofa", "canapé d'angle"),
        phrases=('the "best" couch',),
        hashtags=("#hygge",),
        mentions=("@thestore",),
        languages=("is", "en"),
    )
    assert search.query_text(("thestore",)) == (
        '(sofa OR "corner sofa" OR "canapé d\'angle" OR "the \\"best\\" couch" OR #hygge OR @thestore) '
        "(lang:is OR lang:en) -is:retweet -from:thestore"
    )
    assert SearchConfig(name="one", keywords=("sofa",), include_retweets=True).query_text() == "sofa"


def test_a_raw_query_is_grouped_before_what_is_added() -> None:
    assert SearchConfig(name="raw", query="sofa OR couch").query_text() == "(sofa OR couch) -is:retweet"
    assert (
        SearchConfig(name="raw", query="sofa -is:retweet").query_text(("b",)) == "(sofa -is:retweet) -from:b"
    )
    assert SearchConfig(name="raw", query="sofa", include_retweets=True).query_text() == "sofa"


@pytest.mark.parametrize(
    "search",
    [
        {"name": "both", "query": "sofa", "keywords": ["couch"]},
        {"name": "neither", "languages": ["en"]},
        {"name": "lang", "keywords": ["sofa"], "languages": ["English"]},
        {"name": "bad name!", "keywords": ["sofa"]},
    ],
)
def test_a_search_must_be_a_query_or_terms_with_valid_languages(search: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        XSearchConfig.model_validate({"bearer_token": "t", "searches": [search]})


def test_first_window_of_a_search_is_at_most_7_days_and_accounts_lose_their_at() -> None:
    with pytest.raises(ValidationError, match="at most 7d"):
        XSearchConfig.model_validate(
            {"bearer_token": "t", "searches": [{"name": "a", "query": "x"}], "first_window": "8d"}
        )
    config = XMentionsConfig.model_validate({"bearer_token": "t", "accounts": ["@TheStore"]})
    assert config.accounts == ("TheStore",)
    with pytest.raises(ValidationError, match="twice"):
        XMentionsConfig.model_validate({"bearer_token": "t", "accounts": ["thestore", "@TheStore"]})


def test_cursor_ids_compare_as_numbers_in_any_order() -> None:
    cursor = XSearchCursor()
    for since_id in ("999", "1000", "998"):
        cursor = cursor.advance({"search": "s", "since_id": since_id})
    assert cursor.since == {"s": "1000"}
    cursor = cursor.advance({"search": "t", "start": 1_700_000_000}).advance(
        {"search": "t", "start": 1_600_000_000}
    )
    assert cursor.start == {"t": 1_700_000_000}
    with pytest.raises(ValueError, match="position"):
        cursor.advance({"form": "1", "created": 2})


def test_mention_gaps_are_kept_once_and_round_trip() -> None:
    gap = {"account": "thestore", "after": "2026-11-27T08:00:00+00:00", "before": "2026-11-27T08:30:00+00:00"}
    noted = {"gap": {**gap, "noted_at": "2026-11-27T09:00:00+00:00"}}
    cursor = (
        XMentionsCursor().advance(noted).advance(noted).advance({"account": "thestore", "since_id": POST_ID})
    )
    assert len(cursor.gaps) == 1 and cursor.since == {"thestore": POST_ID}
    assert XMentionsCursor.model_validate_json(cursor.model_dump_json()) == cursor
