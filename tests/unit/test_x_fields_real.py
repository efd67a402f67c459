"""X posts as X really sends them, through ``connectors.x.fields`` and ``connectors.x.bio``: escaped text,
edits, long posts, codes of no language, decorated names and other people's addresses in bios.

Fixtures: ``tests/fixtures/x/edited_post_with_history.json`` (the docs' edit example, verbatim) and
``search_recent_real_shapes.json`` (written from the docs' field descriptions; see the README there).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.x.bio import bio_emails, bio_hints
from connectors.x.fields import (
    Page,
    draft_from_event,
    earlier_versions,
    make_event,
    post_language,
    post_text,
    request_fields,
    x_text,
)
from socialleads.models import EDITED, EventKind, LeadDraft
from socialleads.sandbox.x.shapes import TWEET_FIELDS as SANDBOX_TWEET_FIELDS

FIXTURES = Path(__file__).parent.parent / "fixtures" / "x"


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return body


def drafts(body: dict[str, Any]) -> dict[str, LeadDraft]:
    page = Page.of(body)
    return {
        post["id"]: draft_from_event(
            make_event(EventKind.MENTION, post, page, {"account": "thestore", "since_id": post["id"]})
        )
        for post in page.posts
    }


# --- 1. escaped text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "written"),
    [
        ("Sofa &amp; armchair", "Sofa & armchair"),
        ("&lt;3 -&gt;", "<3 ->"),
        ("AT&amp;T", "AT&T"),
        ("I typed &amp;lt;3", "I typed &lt;3"),
        ("&amp;amp;", "&amp;"),
        ("&quot;quoted&quot; &#39;x&#39; &nbsp;", "&quot;quoted&quot; &#39;x&#39; &nbsp;"),
        ("no entities", "no entities"),
    ],
)
def test_only_what_x_escapes_is_decoded_and_only_once(sent: str, written: str) -> None:
    assert x_text(sent) == written


# --- 2. edits and long posts -----------------------------------------------------------------------------


def test_the_docs_edit_names_its_earlier_version_and_the_original_none() -> None:
    body = fixture("edited_post_with_history.json")
    edit, original = body["data"], body["includes"]["tweets"][0]
    assert earlier_versions(edit) == ("1234567890",)
    assert earlier_versions(original) == (), "the original lists its later edit, which it does not revise"
    draft = drafts({"data": [edit]})["1234567891"]
    assert draft.revises == ("1234567890",)
    assert draft.context[EDITED] == {
        "versions": ["1234567890"],
        "edited_at": draft.occurred_at.isoformat(),
        "editable_until": datetime(2024, 1, 15, 12, 30, tzinfo=UTC).isoformat(),
    }


@pytest.mark.parametrize(
    ("history", "versions"),
    [
        (["3", "1", "2", "4"], ("1", "2", "3")),
        ([4], ()),
        (["1", "x", None, 2, "4"], ("1", "2")),
        ("1,2", ()),
        (None, ()),
    ],
)
def test_earlier_versions_are_the_smaller_ids_of_the_history_oldest_first(
    history: Any, versions: tuple[str, ...]
) -> None:
    assert earlier_versions({"id": "4", "edit_history_tweet_ids": history}) == versions


def test_a_long_post_is_its_note_tweet_decoded() -> None:
    body = fixture("search_recent_real_shapes.json")
    long = body["data"][0]
    assert x_text(long["text"]).endswith("…") and len(x_text(long["text"])) == 280
    draft = drafts(body)[long["id"]]
    assert draft.message == x_text(long["note_tweet"]["text"])
    assert "& its 6 chairs <still>" in draft.message and len(draft.message) > 280
    assert post_text({"text": "cut…", "note_tweet": {"text": "  "}}) == "cut…"
    assert post_text({"text": "&amp;", "note_tweet": "not an object"}) == "&"


def test_every_field_asked_for_is_one_x_knows() -> None:
    asked = request_fields()["tweet_fields"]
    assert {"edit_history_tweet_ids", "edit_controls", "note_tweet"} <= set(asked)
    assert set(asked) <= set(SANDBOX_TWEET_FIELDS)


# --- 6. languages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "code"),
    [
        ("und", None),
        ("qme", None),
        ("qam", None),
        ("qht", None),
        ("qst", None),
        ("qct", None),
        ("zxx", None),
        ("art", None),
        ("", None),
        (None, None),
        (7, None),
        ("in", "id"),
        ("iw", "he"),
        ("is", "is"),
        ("zh-CN", "zh-CN"),
    ],
)
def test_codes_of_no_language_are_none_and_xs_own_codes_iso(lang: Any, code: str | None) -> None:
    assert post_language(lang) == code


def test_drafts_of_und_and_in_posts() -> None:
    found = drafts(fixture("search_recent_real_shapes.json"))
    und, indonesian = found["2126238499727212855"], found["2126238499727212856"]
    assert "lang" not in und.context and indonesian.context["lang"] == "id"
    assert und.message == "@thestore hvað kostar sófinn? &lt;3 AT&T &quot;quoted&quot;"


# --- 3. bios and 9. display names --------------------------------------------------------------------


def test_a_decorated_name_stays_on_the_handle_and_the_press_address_is_a_cautioned_hint() -> None:
    found = drafts(fixture("search_recent_real_shapes.json"))
    anna = found["2126238499727212854"]
    assert anna.contact.full_name is None and anna.contact.email is None
    assert anna.handle is not None and anna.handle.display_name == "🛋️ Anna | Home & Interiors ✨"
    assert [(h.field, h.value, h.source, h.caution) for h in anna.hints] == [
        ("email", "press@agency.example", "X bio of @annahome", "labelled 'Media enquiries'")
    ]
    assert found["2126238499727212855"].hints == (), "jon[at]gmail.com is no address to trust"


@pytest.mark.parametrize(
    ("bio", "caution"),
    [
        ("Media enquiries to press2@agency.example", "labelled 'Media enquiries'"),
        ("Business inquiries: anna@hekla.example", "labelled 'Business inquiries'"),
        ("booking anna@hekla.example", "labelled 'booking'"),
        ("Management: anna@hekla.example", "labelled 'Management'"),
        ("press anna@hekla.example", "labelled 'press'"),
        ("PR: anna@hekla.example", "labelled 'PR'"),
        ("My agent: anna@hekla.example", "labelled 'agent'"),
        ("For anything else contact my team anna@hekla.example", "labelled 'contact my team'"),
        ("Designer. press@hekla.example", "a 'press@' address, an office's rather than a person's"),
        ("Designer in Reykjavík. Mail: anna@hekla.example", None),
        ("Media enquiries: press@agency.example\nMe: anna@hekla.example", None),
    ],
)
def test_a_bio_that_labels_an_address_as_someone_elses_says_so(bio: str, caution: str | None) -> None:
    assert bio_hints(bio, "anna")[-1].caution == caution


@pytest.mark.parametrize(
    ("bio", "addresses"),
    [
        ("name[at]domain.com", []),
        ("x@y.com/more", []),
        ("Mail: anna@gmail.com.", ["anna@gmail.com"]),
        ("(anna@gmail.com), or DM", ["anna@gmail.com"]),
        ("Mail: anna@gmail.co…", []),
        ("Mail: anna@gmail.com…", []),
        ("Berlin.anna@gmx.de", []),
        ("Reykjavík.anna@simnet.is", []),
        ("Anna.Jons@gmail.com", ["Anna.Jons@gmail.com"]),
        ("\u0430nna@gmail.com", []),
        ("anna@gm\u0430il.com", []),
        ("anna\uff20gmail.com", []),
        ("anna@gmail.com🌸", []),
        ("a..b@gmail.com", []),
        ("a@b.c", []),
        (
            "one@a.is two@b.is one@A.is three@c.is four@d.is",
            ["one@a.is", "two@b.is", "three@c.is", "four@d.is"],
        ),
    ],
)
def test_addresses_are_taken_only_when_sure(bio: str, addresses: list[str]) -> None:
    assert [address for address, _ in bio_emails(bio)] == addresses


def test_at_most_three_hints_and_a_bio_without_username_still_says_where() -> None:
    hints = bio_hints("one@a.is two@b.is three@c.is four@d.is", None)
    assert [h.value for h in hints] == ["one@a.is", "two@b.is", "three@c.is"]
    assert {h.source for h in hints} == {"X bio"}
    assert bio_hints(None, "anna") == () and bio_hints(42, "anna") == ()
