"""How a lead becomes HubSpot records: contact properties (with the lead status a person set as
lifecycle stage and lead status), the lead-ad answers, the note and the deal.

Pure functions, no I/O. Only properties that exist in every portal (HubSpot's defaults), the
``socialleads_*`` custom properties listed in ``CUSTOM_PROPERTIES`` (an admin creates them once) and
the properties named in the config's ``answer_properties`` are ever sent: HubSpot refuses a write
naming an unknown property (400 ``PROPERTY_DOESNT_EXIST``). A value that is unknown is left out,
never sent as an empty string (that would erase what a salesperson typed into HubSpot).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from socialleads.card import render_text
from socialleads.models import Lead, LeadStatus, Touch

#: HubSpot caps string property values at 65,536 characters
#: (https://knowledge.hubspot.com/properties/property-field-types-in-hubspot).
MAX_VALUE = 65_536
#: Association type ids (HUBSPOT_DEFINED) for note → contact and deal → contact
#: (https://developers.hubspot.com/docs/api/crm/associations/v4#association-type-id-values).
NOTE_TO_CONTACT, DEAL_TO_CONTACT = 202, 3
#: The deal property holding the delivery key; it must be created with "unique values" (hasUniqueValue).
DEAL_KEY_PROPERTY = "socialleads_key"


class CustomProperty(NamedTuple):
    """A custom property the sink writes: what to create in HubSpot (Settings > Properties)."""

    object_type: str
    name: str
    label: str
    type: str
    field_type: str
    unique: bool = False


#: Every custom property the sink writes; ``check()`` reports those the portal lacks.
CUSTOM_PROPERTIES: tuple[CustomProperty, ...] = (
    CustomProperty("contacts", "socialleads_key", "socialleads key", "string", "text"),
    CustomProperty("contacts", "socialleads_source", "socialleads source", "string", "text"),
    CustomProperty("contacts", "socialleads_campaign", "socialleads campaign", "string", "text"),
    CustomProperty("contacts", "socialleads_intent", "socialleads intent score", "number", "number"),
    CustomProperty("contacts", "socialleads_grade", "socialleads grade", "enumeration", "select"),
    CustomProperty("contacts", "socialleads_score", "socialleads quality score", "number", "number"),
    CustomProperty("contacts", "socialleads_reasons", "socialleads reasons", "string", "textarea"),
    CustomProperty("deals", DEAL_KEY_PROPERTY, "socialleads key", "string", "text", unique=True),
)
#: A ``lifecyclestage`` write that would move a contact back (HubSpot's stages have an order: subscriber,
#: lead, ..., customer, evangelist, other) is ignored unless the stage is cleared first ("" in a request
#: of its own); the sink does that for a status a person set
#: (https://knowledge.hubspot.com/records/use-lifecycle-stages).
LIFECYCLE_PROPERTY, LEAD_STATUS_PROPERTY = "lifecyclestage", "hs_lead_status"
#: Our lead status → (contact ``lifecyclestage``, contact ``hs_lead_status``), from HubSpot's default
#: options of both properties (https://knowledge.hubspot.com/properties/hubspots-default-contact-properties).
#: A customer is no lead any more: ``won`` clears the lead status (""). A lost lead is ``other`` and
#: ``UNQUALIFIED``. A portal that removed one of these stages refuses it (400 ``INVALID_OPTION``).
STATUS_PROPERTIES: dict[LeadStatus, tuple[str, str]] = {
    LeadStatus.NEW: ("lead", "NEW"),
    LeadStatus.CONTACTED: ("lead", "CONNECTED"),
    LeadStatus.QUALIFIED: ("salesqualifiedlead", "IN_PROGRESS"),
    LeadStatus.WON: ("customer", ""),
    LeadStatus.LOST: ("other", "UNQUALIFIED"),
}
#: Properties the sink sets itself; an answer may not be mapped onto them.
OWN_PROPERTIES = frozenset(p.name for p in CUSTOM_PROPERTIES) | {
    "hubspot_owner_id",
    LIFECYCLE_PROPERTY,
    LEAD_STATUS_PROPERTY,
}
_CONTACT_FIELDS = {
    "email": "email",
    "first_name": "firstname",
    "last_name": "lastname",
    "phone": "phone",
    "company": "company",
    "job_title": "jobtitle",
    "city": "city",
    "country": "country",
    "zip_code": "zip",
}
_EXISTING_ID = re.compile(r"Existing ID:\s*(\d+)")


def _clip(value: str) -> str:
    return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"


def _question(text: str) -> str:
    return " ".join(text.split()).casefold()


def _touches(lead: Lead) -> list[Touch]:
    return sorted(lead.touches, key=lambda t: (t.received_at, t.id))


def split_answers(
    lead: Lead, answer_properties: Mapping[str, str]
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(property → answer, unmapped (question, answer) pairs) over every touch, oldest first.

    Questions match ignoring case and spacing; a newer touch's answer wins for a property. Unmapped
    pairs are listed once each, so the note keeps them all.
    """
    wanted = {_question(q): prop for q, prop in answer_properties.items()}
    mapped: dict[str, str] = {}
    unmapped: dict[tuple[str, str], None] = {}
    for touch in _touches(lead):
        for question, answer in touch.answers.items():
            if not answer.strip():
                continue
            prop = wanted.get(_question(question))
            if prop is None:
                unmapped[(question, answer)] = None
            else:
                mapped[prop] = _clip(answer.strip())
    return mapped, list(unmapped)


def reasons_text(lead: Lead) -> str:
    """The quality and intent reasons, one per line, as a salesperson reads them."""
    lines: list[str] = []
    for label, reasons in (
        ("quality", lead.quality.reasons if lead.quality else ()),
        ("intent", lead.intent.reasons if lead.intent else ()),
    ):
        for r in reasons:
            points = f" ({r.points:+g})" if r.points is not None else ""
            lines.append(f"{label}: {r.signal}: {r.detail}{points}")
    return _clip("\n".join(lines))


def contact_properties(
    lead: Lead, key: str, answer_properties: Mapping[str, str], owners: Mapping[str, str]
) -> dict[str, str]:
    """The contact's property values; the lead's own contact details win over a mapped answer."""
    contact = lead.contact
    props, _ = split_answers(lead, answer_properties)
    for field, prop in _CONTACT_FIELDS.items():
        value = getattr(contact, field)
        if value:
            props[prop] = _clip(str(value).strip())
    if contact.full_name and not (contact.first_name or contact.last_name):
        first, _, rest = contact.full_name.strip().partition(" ")
        props["firstname"] = _clip(first)
        if rest.strip():
            props["lastname"] = _clip(rest.strip())
    props["socialleads_key"] = key
    touch = lead.latest_touch
    if touch is not None:
        props["socialleads_source"] = f"{touch.source} ({touch.platform})"
    if lead.campaign:
        props["socialleads_campaign"] = _clip(lead.campaign)
    if lead.intent is not None:
        props["socialleads_intent"] = f"{lead.intent.score:.2f}"
    if lead.quality is not None:
        props["socialleads_grade"] = lead.quality.grade
        props["socialleads_score"] = str(lead.quality.score)
    reasons = reasons_text(lead)
    if reasons:
        props["socialleads_reasons"] = reasons
    if lead.owner and lead.owner in owners:
        props["hubspot_owner_id"] = owners[lead.owner]
    return props


def status_properties(lead: Lead) -> dict[str, str]:
    """``lifecyclestage`` and ``hs_lead_status`` for the status a person set; nothing while the lead
    has the ``new`` it started with (``status_changed_at`` None), so a contact HubSpot already knows
    (a customer writing again) keeps the stage and lead status it has."""
    if lead.status_changed_at is None:
        return {}
    stage, lead_status = STATUS_PROPERTIES[lead.status]
    return {LIFECYCLE_PROPERTY: stage, LEAD_STATUS_PROPERTY: lead_status}


def note_html(lead: Lead, unmapped: list[tuple[str, str]]) -> str:
    """The note body: the lead card (``render_text``) as HTML, then the unmapped answers of earlier touches.

    The card shows the latest touch's answers; answers given in earlier touches that no property
    holds are listed after it, so none is lost. ``hs_note_body`` is rich text, so lines become ``<br>``.
    """
    text = render_text(lead)
    latest = lead.latest_touch
    shown = set(latest.answers.items()) if latest else set()
    earlier = [(q, a) for q, a in unmapped if (q, a) not in shown]
    if earlier:
        text += "\nAnswers from earlier touches\n" + "".join(f"  {q}: {a}\n" for q, a in earlier)
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    body = "".join(f"<p>{'<br>'.join(html.escape(line) for line in p.splitlines())}</p>" for p in paragraphs)
    return _clip(body)


def note_timestamp(lead: Lead, now: datetime) -> str:
    """``hs_timestamp`` (required on notes): when the latest touch arrived, or when a person set the
    status after it (the note of a status change sits at that change on the timeline); ISO 8601 in UTC."""
    touch = lead.latest_touch
    moments = [m for m in (touch.received_at if touch else None, lead.status_changed_at) if m is not None]
    moment = max((m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments), default=now)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def deal_properties(lead: Lead, key: str, pipeline: str, stage: str, owner_id: str | None) -> dict[str, str]:
    """The deal for a lead: name, pipeline, stage, the key that makes it unique, and the owner."""
    name = lead.display_name(marked=False) + (f" — {lead.campaign}" if lead.campaign else "")
    props = {"dealname": _clip(name), "pipeline": pipeline, "dealstage": stage, DEAL_KEY_PROPERTY: key}
    if owner_id:
        props["hubspot_owner_id"] = owner_id
    return props


def existing_id(message: str) -> str | None:
    """The record id in a 409 ``CONFLICT`` message ("Contact already exists. Existing ID: 123")."""
    found = _EXISTING_ID.search(message)
    return found.group(1) if found else None


def refused_properties(body: Mapping[str, Any]) -> list[str]:
    """``name (ERROR)`` for each property a 400 ``VALIDATION_ERROR`` body refuses.

    HubSpot puts the per-property results as JSON inside ``message`` ("Property values were not
    valid: [...]") and, in newer responses, in ``errors[].context.propertyName``.
    """
    found: dict[str, None] = {}
    for error in body.get("errors") or []:
        if isinstance(error, Mapping):
            names = (error.get("context") or {}).get("propertyName") or []
            for name in names:
                found[f"{name} ({error.get('code') or 'invalid'})"] = None
    message = str(body.get("message") or "")
    start = message.find("[")
    if not found and start >= 0:
        try:
            results = json.loads(message[start:])
        except ValueError:
            results = []
        for item in results if isinstance(results, list) else []:
            if isinstance(item, Mapping) and item.get("name"):
                found[f"{item['name']} ({item.get('error') or 'invalid'})"] = None
    return list(found)


__all__ = [
    "CUSTOM_PROPERTIES",
    "DEAL_KEY_PROPERTY",
    "DEAL_TO_CONTACT",
    "LEAD_STATUS_PROPERTY",
    "LIFECYCLE_PROPERTY",
    "NOTE_TO_CONTACT",
    "OWN_PROPERTIES",
    "STATUS_PROPERTIES",
    "CustomProperty",
    "contact_properties",
    "deal_properties",
    "existing_id",
    "note_html",
    "note_timestamp",
    "reasons_text",
    "refused_properties",
    "split_answers",
    "status_properties",
]
