"""Real Meta payloads read into drafts (issue #17): lead answers placed by question type, key and shape,
Lead Ads Testing Tool leads, what feed webhooks carry (edits, photos, the post), profile names, and the
two webhook entry shapes. Payloads follow ``tests/fixtures/meta*``; the paths through the SDK and the
webhook endpoint are in ``tests/integration/test_meta_real_payloads.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.meta import comment_fields as cf
from connectors.meta.lead_contact import dummy_data_reason, place_contact, plain_name
from connectors.meta.lead_fields import draft_from_payload, form_summary
from connectors.meta.webhook import changes_of
from socialleads.models import EDITED, EventKind, RawEvent, ReceivedVia

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WHEN = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def sample(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def question(key: str, kind: str, label: str = "") -> dict[str, str]:
    return {"key": key, "type": kind, "label": label or key, "id": "1"}


def lead_payload(fields: list[tuple[str, str]], questions: list[dict[str, str]] | None) -> dict[str, Any]:
    lead = {
        "id": "9100000000000018",
        "created_time": "2026-11-27T08:49:14+0000",
        "form_id": "880000000000203",
        "field_data": [{"name": name, "values": [value]} for name, value in fields],
    }
    form = {"id": "880000000000203", "questions": questions} if questions is not None else {}
    return {"lead": lead, "page_id": "104000000000002", "form": form_summary(form)}


# --- point 4: types, then keys, then shapes --------------------------------------------------------


def test_a_custom_question_asking_the_name_and_an_email_by_its_shape_reach_the_contact() -> None:
    questions = [
        question("nafn", "CUSTOM", "Nafn"),
        question("hvar_naum_vid_i_thig", "CUSTOM", "Hvar náum við í þig? (netfang)"),
        question("simanumer", "CUSTOM", "Símanúmer"),
        question("hvenaer", "CUSTOM", "Hvenær hentar afhending?"),
    ]
    fields = [
        ("nafn", "Anna Jónsdóttir"),
        ("hvar_naum_vid_i_thig", "anna@example.is"),
        ("simanumer", "690 1234"),
        ("hvenaer", "Um helgi"),
    ]

    draft = draft_from_payload("1", lead_payload(fields, questions), None)

    assert (draft.contact.full_name, draft.contact.email, draft.contact.phone) == (
        "Anna Jónsdóttir",
        "anna@example.is",
        "690 1234",
    )
    assert draft.answers == {"Hvenær hentar afhending?": "Um helgi"}
    assert draft.test_lead is None


def test_question_types_place_answers_whatever_their_keys() -> None:
    questions = [question("q1", "FULL_NAME"), question("q2", "EMAIL"), question("q3", "PHONE")]
    questions += [question("q4", "COMPANY_NAME"), question("q5", "ZIP"), question("q6", "JOB_TITLE")]
    fields = [("q1", "Bo Berg"), ("q2", "bo@example.is"), ("q3", "+354 611 2345"), ("q4", "Berg ehf.")]
    fields += [("q5", "101"), ("q6", "Buyer")]

    contact = draft_from_payload("1", lead_payload(fields, questions), None).contact

    assert (contact.full_name, contact.email, contact.phone) == ("Bo Berg", "bo@example.is", "+354 611 2345")
    assert (contact.company, contact.zip_code, contact.job_title) == ("Berg ehf.", "101", "Buyer")


@pytest.mark.parametrize("with_form", [True, False])
def test_upper_case_keys_reach_the_contact_with_or_without_the_forms_definition(with_form: bool) -> None:
    questions = [question("FULL_NAME", "FULL_NAME"), question("EMAIL", "EMAIL"), question("PHONE", "PHONE")]
    fields = [("FULL_NAME", "Bo Berg"), ("EMAIL", "bo@example.is"), ("PHONE", "611 2345")]

    draft = draft_from_payload("1", lead_payload(fields, questions if with_form else None), None)

    assert (draft.contact.full_name, draft.contact.email, draft.contact.phone) == (
        "Bo Berg",
        "bo@example.is",
        "611 2345",
    )
    assert draft.answers == {}


def test_a_type_wins_over_a_key_and_a_key_over_a_shape() -> None:
    questions = [
        question("contact_me_at", "EMAIL", "Where do we answer?"),
        question("email", "CUSTOM", "Email"),
        question("second_address", "CUSTOM", "Anything else?"),
    ]
    values = {"second_address": "c@example.is", "email": "b@example.is", "contact_me_at": "a@example.is"}

    contact, used = place_contact(values, questions)

    assert contact == {"email": "a@example.is"} and used == {"contact_me_at"}
    assert place_contact({"second_address": "c@example.is", "email": "b@example.is"}, questions)[0] == {
        "email": "b@example.is"
    }


def test_an_email_answer_to_a_standard_question_of_another_kind_is_no_email() -> None:
    questions = [question("city", "CITY"), question("note", "CUSTOM", "Anything else?")]

    contact, _ = place_contact({"city": "a@example.is", "note": "not an address"}, questions)

    assert contact == {"city": "a@example.is"}


def test_keys_and_labels_are_compared_without_case_or_accents() -> None:
    assert [plain_name(t) for t in ("Full Name", "E-mail", "Sími", "Prénom", "  PHONE ")] == [
        "full_name",
        "e_mail",
        "simi",
        "prenom",
        "phone",
    ]
    contact, _ = place_contact({"E-Mail": "a@example.is", "Prénom": "Anna", "Sími": "690 1234"}, [])
    assert contact == {"email": "a@example.is", "first_name": "Anna", "phone": "690 1234"}


# --- point 8: Lead Ads Testing Tool leads ----------------------------------------------------------


def test_a_testing_tool_lead_names_its_dummy_fields() -> None:
    lead = sample("meta/lead_testing_tool.json")

    draft = draft_from_payload(lead["id"], {"lead": lead, "page_id": "1", "form": form_summary({})}, None)

    assert (
        draft.test_lead == "Lead Ads Testing Tool dummy data (FULL_NAME, EMAIL, PHONE, GENDER, COMPANY_NAME)"
    )
    assert draft.contact.email == "test@fb.com"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (
            {"full_name": "<test lead: dummy data for full_name>", "email": "test@meta.com"},
            "full_name, email",
        ),
        ({"email": "TEST@fb.com ", "full_name": "Anna"}, "email"),
        ({"colaboradores": "<test lead: dummy data for Quantos colaboradores>"}, "colaboradores"),
        ({f"q{n}": "test lead: dummy data" for n in range(8)}, "q0, q1, q2, q3, q4, q5, …"),
    ],
)
def test_testing_tool_values_are_recognised(values: dict[str, str], reason: str) -> None:
    assert dummy_data_reason(values) == f"Lead Ads Testing Tool dummy data ({reason})"


def test_a_real_lead_is_no_test_lead() -> None:
    assert dummy_data_reason({"email": "test@test.is", "full_name": "Tessa Lead"}) is None


# --- point 7: feed webhooks: the post, the photo, edits ---------------------------------------------


def feed_value(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = sample("meta_webhooks/page_feed_comment_webhook.derived.json")["entry"][0]
    return {**value["changes"][0]["value"], **changes}


def comment_event(value: dict[str, Any], edited: dict[str, Any] | None = None) -> RawEvent:
    comment = cf.comment_from_feed_value(value)
    post = cf.webhook_post(value, None)
    payload = {**cf.facebook_payload("44444444", comment, post), "webhook": value}
    if edited:
        payload["edited"] = edited
    return RawEvent(
        native_id=comment["id"] if not edited else f"{comment['id']}@edited@1",
        kind=EventKind.COMMENT,
        occurred_at=WHEN,
        payload=payload,
        received_via=ReceivedVia.WEBHOOK,
    )


def test_a_feed_change_keeps_its_posts_link_and_its_photo() -> None:
    value = feed_value()

    draft = cf.draft(comment_event(value))

    assert draft.context["post_permalink"] == value["post"]["permalink_url"]
    assert draft.context["photo"] == value["photo"]
    assert draft.url is not None and "reply_comment_id=555555555" in draft.url


def test_the_last_polls_post_is_completed_by_the_changes_post() -> None:
    value = feed_value()
    polled = {"id": "44444444_444444444", "permalink_url": None, "message": "Spring sofas"}

    assert cf.webhook_post(value, polled) == {
        "id": "44444444_444444444",
        "permalink_url": value["post"]["permalink_url"],
        "message": "Spring sofas",
    }


def test_an_edit_revises_the_comment_it_edits() -> None:
    value = sample("meta_webhooks/page_feed_comment_edited_webhook.derived.json")["entry"][0]["changes"][0]
    edited = {"of": "444444444_555555555", "at": "2018-11-30T20:17:22+00:00", "verb": "edited"}

    draft = cf.draft(comment_event(value["value"], edited))

    assert draft.revises == ("444444444_555555555",)
    assert draft.context[EDITED] == {
        "versions": ["444444444_555555555"],
        "edited_at": edited["at"],
        "verb": "edited",
    }
    assert draft.message == "Example comment content, edited."
    assert cf.edit_id("1_2", value["value"], draft.message) == "1_2@edited@1543609042"
    assert cf.edit_id("1_2", {}, "a").startswith("1_2@edited@") != cf.edit_id("1_2", {}, "b")


# --- point 9: names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "contact_name"),
    [
        ("Anna Jónsdóttir", "Anna Jónsdóttir"),
        ("Jean-Luc O'Neil", "Jean-Luc O'Neil"),
        ("Anna 🌸 Jónsdóttir", None),
        ("✨Sigga✨", None),
        ("Sófar & Co.", None),
        ("J", None),
    ],
)
def test_a_facebook_profile_name_is_the_contacts_name_only_when_it_reads_as_one(
    name: str, contact_name: str | None
) -> None:
    draft = cf.draft(comment_event(feed_value(**{"from": {"id": "1067280970047461", "name": name}})))

    assert draft.handle is not None and draft.handle.display_name == name
    assert draft.contact.full_name == contact_name


# --- point 5: the two entry shapes -----------------------------------------------------------------


def test_both_entry_shapes_give_their_changes_and_other_shapes_a_reason() -> None:
    login = sample("meta_webhooks/instagram_comments_webhook.instagram_login.json")["entry"][0]
    facebook = sample("meta_webhooks/instagram_comments_webhook.derived.json")["entry"][0]

    assert changes_of(login) == ([("comments", login["value"])], [])
    assert changes_of(facebook) == ([("comments", facebook["changes"][0]["value"])], [])
    assert changes_of({"id": "1", "field": "comments", "value": [{"id": "a"}, {"id": "b"}]})[0] == [
        ("comments", {"id": "a"}),
        ("comments", {"id": "b"}),
    ]
    assert changes_of({"id": "1", "time": 2}) == (
        [],
        [
            (
                "an entry with neither changes nor a field and value: its shape is unknown",
                {"id": "1", "time": 2},
            )
        ],
    )
    assert changes_of("x")[1] == [("an entry that is not a JSON object", {"entry": "x"})]
    assert changes_of({"changes": [{"field": "feed", "value": "?"}]})[1] == [
        ("a change without a field name and a value object", {"field": "feed", "value": "?"})
    ]
