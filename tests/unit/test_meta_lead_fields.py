"""Reading Lead Ads payloads into drafts, and the source's config and cursor, on payloads written here.

The payloads follow the documented shapes (``tests/fixtures/meta/lead_by_id.json``,
``lead_custom_disclaimer_responses.json``): ids as strings or numbers, ``values`` lists, ``is_checked``
as the string ``"1"`` or ``""``, times as ``2026-11-27T08:49:14+0000``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.meta.lead_ads import MetaLeadAdsConfig, MetaLeadsCursor
from connectors.meta.lead_fields import (
    consent_kind,
    draft_from_payload,
    form_summary,
    parse_created,
    report_group,
)
from socialleads.errors import SkippableRecordError
from socialleads.models import Consent, EventKind

CREATED = datetime(2026, 11, 27, 8, 49, 14, tzinfo=UTC)
CONTACT_TEXT = "Yes, Heimili may contact me about my request by phone or email."
OFFERS_TEXT = "Send me offers and news (you can unsubscribe at any time)."
FORM: dict[str, Any] = {
    "id": "880000000000101",
    "name": "Spring consultation",
    "status": "ARCHIVED",
    "locale": "is_IS",
    "questions": [
        {"key": "full_name", "label": "Full name", "type": "FULL_NAME", "id": "1"},
        {"key": "which_room_would_you_like_help_with", "label": "Which room?", "type": "CUSTOM", "id": "5"},
        {"key": "state", "label": "Region", "type": "STATE", "id": "6"},
    ],
    "legal_content": {
        "id": "8800000000001019",
        "custom_disclaimer": {
            "title": "Before you send",
            "checkboxes": [
                {"key": "optional_1", "text": CONTACT_TEXT, "is_required": False},
                {"key": "optional_2", "text": OFFERS_TEXT, "is_required": False},
            ],
        },
    },
}


def lead(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "9100000000000018",
        "created_time": "2026-11-27T08:49:14+0000",
        "form_id": "880000000000101",
        "platform": "fb",
        "is_organic": False,
        "ad_id": "238400000000011",
        "ad_name": "Spring sofas - carousel",
        "adset_id": "238400000000021",
        "adset_name": "Reykjavík 25-55",
        "campaign_id": "238400000000031",
        "campaign_name": "Spring 2027",
        "field_data": [
            {"name": "which_room_would_you_like_help_with", "values": ["kitchen", "office"]},
            {"name": "email", "values": ["anna@example.is"]},
            {"name": "full_name", "values": ["Anna Jónsdóttir"]},
            {"name": "phone_number", "values": ["+354 690 1234"]},
            {"name": "post_code", "values": ["101"]},
            {"name": "state", "values": ["Höfuðborgarsvæðið"]},
            {"name": "street_address", "values": ["Laugavegur 1"]},
            {"name": "how_did_you_hear", "values": ["a friend"]},
        ],
        "custom_disclaimer_responses": [
            {"checkbox_key": "optional_1", "is_checked": "1"},
            {"checkbox_key": "optional_2", "is_checked": ""},
        ],
    }
    data.update(overrides)
    return data


def payload(the_lead: dict[str, Any] | None = None, form: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "lead": lead() if the_lead is None else the_lead,
        "page_id": "104000000000001",
        "form": form_summary(FORM if form is None else form),
    }


# --- fields ------------------------------------------------------------------------------------------


def test_standard_fields_are_mapped_by_name_whatever_their_order() -> None:
    draft = draft_from_payload("9100000000000018", payload(), None)

    assert draft.contact.full_name == "Anna Jónsdóttir"
    assert draft.contact.email == "anna@example.is"
    assert draft.contact.phone == "+354 690 1234"
    assert draft.contact.zip_code == "101"
    assert (draft.native_id, draft.kind, draft.occurred_at) == (
        "9100000000000018",
        EventKind.LEAD_FORM,
        CREATED,
    )


def test_other_questions_are_answers_under_their_label_or_key() -> None:
    draft = draft_from_payload("9100000000000018", payload(), None)

    assert draft.answers == {
        "Which room?": "kitchen, office",
        "Region": "Höfuðborgarsvæðið",
        "street_address": "Laugavegur 1",
        "how_did_you_hear": "a friend",
    }


def test_several_keys_for_one_field_keep_the_first_and_the_rest_as_answers() -> None:
    fields = [
        {"name": "work_email", "values": ["anna@sofar.is"]},
        {"name": "email", "values": ["anna@example.is"]},
        {"name": "zip_code", "values": [101]},
    ]

    draft = draft_from_payload("1", payload(lead(field_data=fields)), None)

    assert draft.contact.email == "anna@example.is" and draft.contact.zip_code == "101"
    assert draft.answers == {"work_email": "anna@sofar.is"}


def test_empty_values_are_no_values() -> None:
    fields = [
        {"name": "email", "values": [""]},
        {"name": "full_name", "values": ["Bo"]},
        {"name": "x", "values": []},
    ]

    draft = draft_from_payload("1", payload(lead(field_data=fields)), None)

    assert draft.contact.email is None and draft.answers == {}


# --- consents ------------------------------------------------------------------------------------------


def test_disclaimer_responses_are_consents_with_the_words_people_saw() -> None:
    draft = draft_from_payload("1", payload(), None)

    assert draft.consents == (
        Consent(kind="contact", granted=True, text=CONTACT_TEXT, captured_at=CREATED),
        Consent(kind="disclaimer:optional_2", granted=False, text=OFFERS_TEXT, captured_at=CREATED),
    )


def test_a_checkbox_missing_from_the_form_keeps_its_key_without_words() -> None:
    responses = [{"checkbox_key": "optional_9", "is_checked": "1"}]

    draft = draft_from_payload("1", payload(lead(custom_disclaimer_responses=responses)), None)

    assert draft.consents == (
        Consent(kind="disclaimer:optional_9", granted=True, text=None, captured_at=CREATED),
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (CONTACT_TEXT, "contact"),
        ("You may call me about a quote.", "contact"),
        ("Heimili má hafa samband við mig.", "contact"),
        ("I'd like someone to get in touch.", "contact"),
        (OFFERS_TEXT, "disclaimer:k"),
        ("Email me offers and news.", "disclaimer:k"),
        ("Contact me with marketing messages.", "disclaimer:k"),
        ("I accept the terms.", "disclaimer:k"),
        (None, "disclaimer:k"),
    ],
)
def test_a_checkbox_is_a_contact_consent_when_it_asks_to_contact_and_is_not_marketing(
    text: str | None, kind: str
) -> None:
    assert consent_kind("k", text) == kind


# --- context -------------------------------------------------------------------------------------------


def test_a_paid_lead_carries_its_ad_set_and_campaign() -> None:
    draft = draft_from_payload("1", payload(), None)

    assert draft.platform == "facebook"
    assert draft.url == "https://business.facebook.com/latest/leads_center?asset_id=104000000000001"
    assert draft.context == {
        "page_id": "104000000000001",
        "form_id": "880000000000101",
        "form_name": "Spring consultation",
        "ad_id": "238400000000011",
        "ad_name": "Spring sofas - carousel",
        "adset_id": "238400000000021",
        "adset_name": "Reykjavík 25-55",
        "campaign_id": "238400000000031",
        "campaign_name": "Spring 2027",
        "is_organic": False,
        "platform": "fb",
        "lang": "is",
    }


def test_an_organic_instagram_lead_has_no_ad_and_numeric_ids_become_text() -> None:
    organic = {k: v for k, v in lead().items() if not k.startswith(("ad", "campaign", "is_organic"))}
    organic |= {"id": 9100000000000035, "form_id": 880000000000101, "platform": "ig"}
    form = FORM | {"id": 880000000000101, "locale": "en_GB"}

    draft = draft_from_payload("9100000000000035", payload(organic, form), None)

    assert draft.platform == "instagram"
    assert draft.context["is_organic"] is True and draft.context["ad_id"] is None
    assert draft.context["form_id"] == "880000000000101" and draft.context["lang"] == "en"


def test_without_meta_flag_a_lead_with_an_ad_is_paid() -> None:
    paid = {k: v for k, v in lead().items() if k != "is_organic"}

    assert draft_from_payload("1", payload(paid), None).context["is_organic"] is False


def test_report_group_names_the_form_or_its_id() -> None:
    assert report_group(payload()) == "Spring consultation (880000000000101)"
    assert report_group({"lead": {"form_id": 880000000000102}, "form": {}}) == "form 880000000000102"


# --- malformed payloads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ({"lead": None, "page_id": "1"}, "holds no lead"),
        (payload(lead(id=None)), "came without its id"),
        (payload(lead(field_data=None)), r"has no answers \(field_data\)"),
        (payload(lead(field_data=[])), "leads_retrieval"),
        (payload(lead(created_time="yesterday")), "no readable created_time"),
    ],
)
def test_a_malformed_payload_is_skipped_with_a_reason_a_person_can_act_on(
    broken: dict[str, Any], reason: str
) -> None:
    with pytest.raises(SkippableRecordError, match=reason):
        draft_from_payload("1", broken, None)


def test_an_unreadable_created_time_falls_back_to_the_events_time() -> None:
    when = CREATED - timedelta(hours=1)

    assert draft_from_payload("1", payload(lead(created_time=None)), when).occurred_at == when


def test_created_times_parse_with_their_offset() -> None:
    assert parse_created("2026-11-27T08:49:14+0000") == CREATED
    assert parse_created("2026-11-27T09:49:14+0100") == CREATED
    assert parse_created(1795769354) == datetime.fromtimestamp(1795769354, UTC)
    assert parse_created("soon") is None and parse_created(None) is None


# --- config and cursor ---------------------------------------------------------------------------------


def config(**overrides: Any) -> MetaLeadAdsConfig:
    data: dict[str, Any] = {"pages": [{"id": "104000000000001", "token": "EAAP-token"}]}
    return MetaLeadAdsConfig.model_validate(data | overrides)


def test_config_reads_yaml_numbers_as_ids_and_a_bare_version() -> None:
    made = config(
        graph_version="27.0", pages=[{"id": 104000000000001, "token": "t", "forms": [880000000000101]}]
    )

    assert made.graph_version == "v27.0"
    assert made.pages[0].id == "104000000000001" and made.pages[0].forms == ("880000000000101",)
    assert made.lookback == timedelta(minutes=10) and made.first_window == timedelta(days=1)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"graph_version": "latest"}, "is not a Graph API version"),
        ({"pages": []}, "at least 1"),
        ({"pages": [{"id": "1", "token": "a"}, {"id": 1, "token": "b"}]}, "listed twice"),
        ({"pages": [{"id": "1", "token": "a", "forms": []}]}, "name at least one form"),
        ({"pages": [{"id": "1", "token": "a", "forms": "some"}]}, "forms"),
        ({"page_size": 500}, "less than or equal to 100"),
        ({"lookback": "-5m"}, "lookback"),
    ],
)
def test_config_rejects_what_cannot_work(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        config(**overrides)


def test_the_cursor_keeps_each_forms_newest_lead_in_any_order() -> None:
    positions = [{"form": "a", "created": 30}, {"form": "b", "created": 5}, {"form": "a", "created": 10}]

    forward, backward = MetaLeadsCursor(), MetaLeadsCursor()
    for position in positions:
        forward = forward.advance(position)
    for position in reversed(positions):
        backward = backward.advance(position)

    assert forward == backward == MetaLeadsCursor(forms={"a": 30, "b": 5})
    assert MetaLeadsCursor.model_validate_json(forward.model_dump_json()) == forward


def test_the_cursor_refuses_a_position_it_did_not_make() -> None:
    with pytest.raises(ValueError, match="form, created"):
        MetaLeadsCursor().advance({"file": "x.csv"})
