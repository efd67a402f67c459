"""A Lead Ads lead as stored (the lead JSON and its form's definition) read into a ``LeadDraft``.

Pure functions, used by ``MetaLeadAdsSource.fetch``/``fetch_lead`` (form summaries, times) and by
``MetaLeadAdsSource.parse`` (the draft). ``field_data`` is mapped by question key (``name``), never
by position, and every value is a list (https://developers.facebook.com/docs/marketing-api/guides/
lead-ads/retrieving/). Ids may arrive as numbers: they are always turned into text. Which answers are
contact details (by the form's question types, then keys, then shapes), and whether the lead is the
Lead Ads Testing Tool's, is ``lead_contact``'s to say.

Consent rule: each ``custom_disclaimer_responses`` item becomes a ``Consent`` with the checkbox's own
words from the form's ``legal_content``. Its kind is ``contact`` when those words ask permission to
contact the person (contact, call, phone, reach, get in touch, follow up, or kontakt, samband,
llamar, contacter...) and say nothing of marketing (offers, news, newsletter, marketing, promotions,
unsubscribe...); every other checkbox keeps ``disclaimer:<checkbox key>``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from connectors.meta.lead_contact import dummy_data_reason, place_contact, question_of
from socialleads.errors import SkippableRecordError
from socialleads.models import Consent, Contact, EventKind, LeadDraft

#: Fields asked of every lead (without ``fields=`` Graph returns only id, created_time, field_data).
LEAD_FIELDS = (
    "id,created_time,field_data,custom_disclaimer_responses,ad_id,ad_name,adset_id,adset_name,"
    "campaign_id,campaign_name,form_id,is_organic,platform"
)
#: Fields asked of every form: what parse needs to label answers and word consents.
FORM_FIELDS = "id,name,status,locale,questions,legal_content"
LEADS_CENTER = "https://business.facebook.com/latest/leads_center?asset_id={page_id}"

AD_KEYS = ("ad_id", "ad_name", "adset_id", "adset_name", "campaign_id", "campaign_name")

_CONTACT_WORDS = re.compile(
    r"contact|kontakt|\bcall|phone|\breach\b|get in touch|follow[- ]?up|samband|hringt|llam|appeler|anruf",
    re.IGNORECASE,
)
_MARKETING_WORDS = re.compile(
    r"offer|news|marketing|promotion|unsubscribe|tilbo[ðd]|fréttabréf|angebot|oferta|promo|werbung",
    re.IGNORECASE,
)


def text_of(value: Any) -> str:
    """An id or a value as text: numbers become digits, None becomes ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def dict_of(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (payloads are read defensively)."""
    return value if isinstance(value, dict) else {}


def list_of(value: Any) -> list[Any]:
    """``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def parse_created(value: Any) -> datetime | None:
    """Graph's ``2026-11-27T08:49:14+0000`` (or unix seconds) as an aware UTC datetime; None if neither."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        return None
    for parse in (lambda t: datetime.strptime(t, "%Y-%m-%dT%H:%M:%S%z"), datetime.fromisoformat):
        try:
            when = parse(value.strip())
        except ValueError:
            continue
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return None


def form_summary(form: dict[str, Any]) -> dict[str, Any]:
    """What an event keeps of a form: id, name, locale, questions, and each checkbox's key and words."""
    boxes = list_of(dict_of(dict_of(form.get("legal_content")).get("custom_disclaimer")).get("checkboxes"))
    questions = list_of(form.get("questions"))
    return {
        "id": text_of(form.get("id")),
        "name": form.get("name"),
        "locale": form.get("locale"),
        "questions": [q for q in questions if isinstance(q, dict)],
        "disclaimers": [
            {"key": text_of(b.get("key")), "text": b.get("text")} for b in boxes if isinstance(b, dict)
        ],
    }


def report_group(payload: dict[str, Any]) -> str:
    """``"<form name> (<form id>)"`` for a stored lead payload; ``form <id>`` when the name is unknown."""
    form, lead = dict_of(payload.get("form")), dict_of(payload.get("lead"))
    form_id = text_of(form.get("id")) or text_of(lead.get("form_id")) or "unknown"
    name = form.get("name")
    return f"{name} ({form_id})" if name else f"form {form_id}"


def consent_kind(key: str, text: str | None) -> str:
    """``contact`` for a checkbox asking to contact the person (no marketing); else ``disclaimer:<key>``."""
    if text and _CONTACT_WORDS.search(text) and not _MARKETING_WORDS.search(text):
        return "contact"
    return f"disclaimer:{key}"


def _joined(values: Any) -> str:
    items = values if isinstance(values, list) else [values]
    return ", ".join(t for t in (text_of(v).strip() for v in items) if t)


def draft_from_payload(native_id: str, payload: dict[str, Any], fallback: datetime | None) -> LeadDraft:
    """The draft of one stored lead payload; called by ``MetaLeadAdsSource.parse``.

    ``fallback`` is when the lead is taken to be made if its ``created_time`` cannot be read.
    Raises ``SkippableRecordError`` naming what is missing and where to look the lead up.
    """
    page_id = text_of(payload.get("page_id"))
    lead, occurred_at = _usable_lead(native_id, payload, page_id, fallback)
    form = dict_of(payload.get("form"))
    values = _values_by_key(lead["field_data"])
    contact, answers = _contact_and_answers(values, form)
    return LeadDraft(
        native_id=native_id,
        kind=EventKind.LEAD_FORM,
        platform="instagram" if text_of(lead.get("platform")).lower() == "ig" else "facebook",
        occurred_at=occurred_at,
        contact=Contact(**contact),
        url=LEADS_CENTER.format(page_id=page_id),
        answers=answers,
        consents=_consents(lead, form, occurred_at),
        context=_context(lead, form, page_id),
        test_lead=dummy_data_reason(values),
    )


def _usable_lead(
    native_id: str, payload: dict[str, Any], page_id: str, fallback: datetime | None
) -> tuple[dict[str, Any], datetime]:
    """The payload's lead, which has an id and answers, and when it was made.

    Raises ``SkippableRecordError`` naming what is missing and where to look the lead up.
    """
    lead = payload.get("lead")
    where = f"open the page's Leads Center ({LEADS_CENTER.format(page_id=page_id)})"
    if not isinstance(lead, dict):
        raise SkippableRecordError(f"event {native_id} holds no lead; it was not made by meta_lead_ads")
    lead_id = text_of(lead.get("id"))
    if not lead_id:
        raise SkippableRecordError(f"a lead of page {page_id} came without its id; {where} to find it")
    field_data = lead.get("field_data")
    if not isinstance(field_data, list) or not field_data:
        raise SkippableRecordError(
            f"lead {lead_id} has no answers (field_data); the token may lack leads_retrieval, "
            f"or the lead was deleted: {where}"
        )
    occurred_at = parse_created(lead.get("created_time")) or fallback
    if occurred_at is None:
        raise SkippableRecordError(f"lead {lead_id} has no readable created_time; {where}")
    return lead, occurred_at


def _values_by_key(field_data: list[Any]) -> dict[str, str]:
    """Each answered question's key (``name``) and its values joined as text, in the lead's order."""
    values: dict[str, str] = {}
    for item in field_data:
        if isinstance(item, dict) and text_of(item.get("name")):
            values[text_of(item.get("name"))] = _joined(item.get("values"))
    return values


def _contact_and_answers(
    values: dict[str, str], form: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """The ``Contact`` fields ``lead_contact.place_contact`` finds, and every other non-empty answer under
    its question's label (the key when the form has no label for it; the key appended when labels repeat)."""
    questions = [q for q in list_of(form.get("questions")) if isinstance(q, dict) and q.get("key")]
    contact, used = place_contact(values, questions)
    answers: dict[str, str] = {}
    for key, value in values.items():
        if key in used or not value:
            continue
        label = text_of((question_of(key, questions) or {}).get("label")) or key
        answers[label if label not in answers else f"{label} ({key})"] = value
    return contact, answers


def _consents(lead: dict[str, Any], form: dict[str, Any], captured_at: datetime) -> tuple[Consent, ...]:
    """A ``Consent`` per checkbox response, in the checkbox's own words (see the module docstring)."""
    texts = {
        text_of(d.get("key")): text_of(d.get("text")) or None
        for d in list_of(form.get("disclaimers"))
        if isinstance(d, dict)
    }
    return tuple(
        Consent(
            kind=consent_kind(key, texts.get(key)),
            granted=text_of(r.get("is_checked")).strip().lower() in ("1", "true"),
            text=texts.get(key),
            captured_at=captured_at,
        )
        for r in list_of(lead.get("custom_disclaimer_responses"))
        if isinstance(r, dict) and (key := text_of(r.get("checkbox_key")))
    )


def _context(lead: dict[str, Any], form: dict[str, Any], page_id: str) -> dict[str, Any]:
    """What a salesperson wants beside the answers: page, form, ad, organic or paid, language."""
    ad = {k: text_of(lead.get(k)) or None for k in AD_KEYS}
    organic = lead.get("is_organic")
    locale = text_of(form.get("locale"))
    return {
        "page_id": page_id,
        "form_id": text_of(form.get("id")) or text_of(lead.get("form_id")),
        "form_name": form.get("name"),
        **ad,
        # Meta's own flag when present: without ads_management a paid lead comes without its ad_id.
        "is_organic": organic if isinstance(organic, bool) else ad["ad_id"] is None,
        "platform": text_of(lead.get("platform")) or None,
        "lang": locale.split("_")[0].lower() if locale else None,
    }
