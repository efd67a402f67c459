"""How a lead maps onto HubSpot values (no HTTP), and the HubSpot sink's config checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.hubspot.config import HubSpotConfig
from connectors.hubspot.mapping import (
    CUSTOM_PROPERTIES,
    MAX_VALUE,
    contact_properties,
    deal_properties,
    existing_id,
    note_html,
    note_timestamp,
    refused_properties,
    split_answers,
)
from socialleads.models import Contact, IntentVerdict, Lead, Reason
from socialleads.sandbox.crm.hubspot.schema import SOCIALLEADS_PROPERTIES, default_properties

LeadMaker = Callable[..., Lead]
KEY = "sl1-k"


def two_touches(make_lead: LeadMaker, make_touch: Callable[..., Any]) -> Lead:
    old = make_touch(answers={"Budget": "100k", "Colour": "red"})
    new = make_touch(
        id=2, native_id="n2", received_at=datetime(2025, 4, 1, tzinfo=UTC), answers={"budget ": "200k"}
    )
    return make_lead(touches=(old, new), revision=2)


def test_answers_map_ignoring_case_and_spaces_newest_wins(make_lead: LeadMaker, make_touch: Any) -> None:
    mapped, unmapped = split_answers(two_touches(make_lead, make_touch), {"BUDGET": "budget_range"})
    assert mapped == {"budget_range": "200k"}
    assert unmapped == [("Colour", "red")]


def test_contact_values_skip_what_is_unknown(make_lead: LeadMaker) -> None:
    lead = make_lead(contact=Contact(full_name="Jón Páll Sigmarsson", phone="+3546909999", email=""))
    props = contact_properties(lead, KEY, {}, {})
    assert "email" not in props
    assert (props["firstname"], props["lastname"], props["phone"]) == (
        "Jón",
        "Páll Sigmarsson",
        "+3546909999",
    )
    assert "company" not in props


def test_contact_details_win_over_a_mapped_answer(make_lead: LeadMaker) -> None:
    props = contact_properties(make_lead(), KEY, {"Budget": "company"}, {})
    assert props["company"] == "Sófar ehf."


def test_lead_signals_become_socialleads_properties(make_lead: LeadMaker) -> None:
    intent = IntentVerdict(
        score=0.834, is_lead=True, reasons=(Reason(signal="ask", detail="asks for a price"),)
    )
    props = contact_properties(make_lead(intent=intent, owner="bob"), KEY, {}, {"bob": "77"})
    assert props["socialleads_intent"] == "0.83"
    assert props["socialleads_key"] == KEY
    assert props["hubspot_owner_id"] == "77"
    assert props["socialleads_reasons"].splitlines()[-1] == "intent: ask: asks for a price"


def test_long_values_are_cut_to_hubspots_limit(make_lead: LeadMaker) -> None:
    props = contact_properties(make_lead(campaign="x" * (MAX_VALUE + 10)), KEY, {}, {})
    assert len(props["socialleads_campaign"]) == MAX_VALUE


def test_note_keeps_earlier_unmapped_answers_and_escapes(make_lead: LeadMaker, make_touch: Any) -> None:
    lead = two_touches(make_lead, make_touch)
    lead = lead.model_copy(update={"campaign": "<b>sofas</b>"})
    _, unmapped = split_answers(lead, {})
    body = note_html(lead, unmapped)
    assert "Answers from earlier touches" in body
    assert "Colour: red" in body and "Budget: 100k" in body
    assert "&lt;b&gt;sofas&lt;/b&gt;" in body and "<b>" not in body


def test_note_timestamp_is_the_latest_touch(make_lead: LeadMaker) -> None:
    assert note_timestamp(make_lead(), datetime(2030, 1, 1, tzinfo=UTC)) == "2025-03-14T09:30:00.000Z"


def test_deal_is_named_after_the_person_and_campaign(make_lead: LeadMaker) -> None:
    props = deal_properties(make_lead(), KEY, "default", "qualifiedtobuy", None)
    assert props == {
        "dealname": "Anna Jónsdóttir — spring-sofas",
        "pipeline": "default",
        "dealstage": "qualifiedtobuy",
        "socialleads_key": KEY,
    }


def test_existing_id_is_read_from_a_conflict() -> None:
    assert existing_id("Contact already exists. Existing ID: 37765128953") == "37765128953"
    assert existing_id("Contact already exists.") is None


def test_refused_properties_from_errors_or_from_the_message() -> None:
    inner = [{"isValid": False, "error": "INVALID_OPTION", "name": "socialleads_grade"}]
    from_message = {"message": "Property values were not valid: " + json.dumps(inner)}
    from_errors = {"errors": [{"code": "PROPERTY_DOESNT_EXIST", "context": {"propertyName": ["budget"]}}]}
    assert refused_properties(from_message) == ["socialleads_grade (INVALID_OPTION)"]
    assert refused_properties(from_errors) == ["budget (PROPERTY_DOESNT_EXIST)"]
    assert refused_properties({"message": "Property values were not valid: [oops"}) == []


def test_emulator_seeds_exactly_the_properties_the_sink_needs() -> None:
    needed = {(p.object_type, p.name) for p in CUSTOM_PROPERTIES}
    seeded = {(t, name) for t, names in SOCIALLEADS_PROPERTIES.items() for name in names}
    assert needed == seeded
    deal_key = default_properties()["deals"]["socialleads_key"]
    assert deal_key["hasUniqueValue"] is True


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"answer_properties": {"Budget": "Budget Range"}}, "internal name"),
        ({"answer_properties": {"Budget": "socialleads_grade"}}, "written by the sink"),
        ({"owners": {"bob": "bob@example.com"}}, "must be a number"),
        ({"base_url": "ftp://api.hubapi.com"}, "http"),
        ({"deal_for_grades": ["E"]}, "deal_for_grades"),
        ({"portal_id": 0}, "portal_id"),
    ],
)
def test_config_refuses(change: dict[str, Any], problem: str) -> None:
    data = {"access_token": "pat-secret-value", "portal_id": 1, **change}
    with pytest.raises(ValidationError, match=problem) as caught:
        HubSpotConfig.model_validate(data)
    assert "pat-secret-value" not in str(caught.value)
