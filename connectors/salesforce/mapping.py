"""How a socialleads ``Lead`` becomes the fields of a Salesforce Lead record, its status included.

Standard fields and their lengths are from the Lead object reference
(https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm).
``LastName`` and ``Company`` are required on create: an unknown value is written as an explicit
placeholder, never left out (the API would answer ``REQUIRED_FIELD_MISSING``). Text longer than a field
holds is cut with an ellipsis rather than rejected (``STRING_TOO_LONG`` would dead-letter the lead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from socialleads.card import render_text
from socialleads.models import Contact, Lead, LeadStatus

#: Maximum lengths of the standard fields the sink writes.
MAX_LENGTH = {
    "FirstName": 40,
    "LastName": 80,
    "Company": 255,
    "Email": 80,
    "Phone": 40,
    "Title": 128,
    "LeadSource": 255,
    "Description": 32000,
}
#: A Text custom field holds at most 255 characters; the full answer is in Description anyway.
CUSTOM_TEXT_LENGTH = 255
#: Our lead status → Lead ``Status``, from the default Lead Status picklist (its values are LeadStatus
#: records: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_leadstatus.htm).
#: The picklist is restricted: a value the org does not have is refused
#: (``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``), so an org with its own values maps them in the sink's
#: ``lead_statuses``. The default picklist has no "qualified": it stays "Working - Contacted". ``won``
#: sets the converted status but does not convert the Lead (conversion, which makes an Account, a
#: Contact and an Opportunity, is a person's step).
DEFAULT_LEAD_STATUSES: dict[LeadStatus, str] = {
    LeadStatus.NEW: "Open - Not Contacted",
    LeadStatus.CONTACTED: "Working - Contacted",
    LeadStatus.QUALIFIED: "Working - Contacted",
    LeadStatus.WON: "Closed - Converted",
    LeadStatus.LOST: "Closed - Not Converted",
}


def fit(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, ending in an ellipsis when it was cut."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def question_key(question: str) -> str:
    """How questions are compared with the configured ones: case and spacing do not matter."""
    return " ".join(question.split()).casefold()


def latest_answers(lead: Lead) -> dict[str, str]:
    """Every answer the person gave across touches, the newest touch winning for a repeated question."""
    merged: dict[str, str] = {}
    for touch in sorted(lead.touches, key=lambda t: (t.received_at, t.id)):
        for question, answer in touch.answers.items():
            if answer:
                merged[question_key(question)] = answer
    return merged


def names(contact: Contact, unknown_last_name: str) -> tuple[str | None, str]:
    """(FirstName, LastName): the parts when known; otherwise the whole display name as LastName.

    Names are not split on spaces (that guesses wrong for many cultures): without a last name, the
    full name goes in LastName and FirstName stays empty; with no name at all, the placeholder.
    """
    if contact.last_name:
        return contact.first_name, contact.last_name
    if contact.full_name or contact.first_name:
        return None, contact.display_name()
    return None, unknown_last_name


def lead_fields(
    lead: Lead,
    *,
    lead_source: str | None,
    unknown_company: str,
    unknown_last_name: str,
    answer_fields: Mapping[str, str],
    placeholders: bool = True,
    lead_statuses: Mapping[LeadStatus, str] = DEFAULT_LEAD_STATUSES,
) -> dict[str, Any]:
    """The Lead's field values; fields without a value are left out (never nulled).

    With ``placeholders`` False (updating a record that exists), an unknown LastName or Company is
    left out too, so a value a salesperson typed in is not overwritten by "(not given)". ``Status``
    is the status a person set (``lead_statuses``); a lead at the ``new`` it started with leaves it
    out, so the org's default applies to a new Lead and a Lead being worked keeps its status.
    """
    contact = lead.contact
    first, last = names(contact, unknown_last_name)
    fields: dict[str, Any] = {
        "FirstName": first,
        "LastName": last if placeholders or last != unknown_last_name else None,
        "Company": contact.company or (unknown_company if placeholders else None),
        "Email": contact.email,
        "Phone": contact.phone,
        "Title": contact.job_title,
        "LeadSource": lead_source,
        "Description": render_text(lead).strip(),
    }
    out = {name: fit(str(value), MAX_LENGTH[name]) for name, value in fields.items() if value}
    if lead.status_changed_at is not None:
        out["Status"] = lead_statuses.get(lead.status, DEFAULT_LEAD_STATUSES[lead.status])
    answers = latest_answers(lead)
    for question, field in answer_fields.items():
        answer = answers.get(question_key(question))
        if answer:
            out[field] = fit(answer, CUSTOM_TEXT_LENGTH)
    return out


__all__ = [
    "DEFAULT_LEAD_STATUSES",
    "MAX_LENGTH",
    "fit",
    "latest_answers",
    "lead_fields",
    "names",
    "question_key",
]
