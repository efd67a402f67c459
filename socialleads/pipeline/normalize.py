"""Contact validation: email syntax (no DNS), phones to E.164, names and fields trimmed.

An invalid value is never dropped: it leaves its field and is kept verbatim in ``Contact.flags``
with the problem, so sales see it and the export carries it. Results are cached per raw value
(``check_cache``): the same person arrives many times. Emails: see ``emails``.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from socialleads.models import Contact, FieldFlag, Handle, LeadDraft
from socialleads.pipeline.check_cache import CheckCache
from socialleads.pipeline.emails import normalize_email

_SPACES = re.compile(r"\s+")
_TEXT_FIELDS = ("company", "job_title", "city", "country", "zip_code")


def clean_text(value: str | None) -> str | None:
    """Trim and collapse whitespace, drop NUL characters; empty becomes None."""
    if value is None:
        return None
    cleaned = _SPACES.sub(" ", value.replace("\x00", "")).strip()
    return cleaned or None


def without_nul(value: Any) -> Any:
    """``value`` with NUL characters replaced by U+FFFD: PostgreSQL text and jsonb cannot hold them.

    Applied to everything derived from a payload; the raw event keeps the payload verbatim
    (see store.types.JsonVerbatim).
    """
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(v) for v in value]
    return value


def check_phone(key: tuple[str, str | None]) -> tuple[str | None, str | None]:
    """``(E.164, None)`` for a valid number, ``(None, problem)`` otherwise; ``key`` is ``(raw, region)``.

    A number without a country code needs ``region`` (the source's or the global ``phone_region``).
    """
    raw, region = key
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE and region is None:
            return None, "no country code, and no phone_region is configured to assume one"
        return None, f"not a phone number ({exc._msg})"
    if phonenumbers.is_valid_number(number):  # a valid number has a possible length: one check, not two
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None
    if not phonenumbers.is_possible_number(number):
        return None, "not a possible phone number (wrong length)"
    where = phonenumbers.region_code_for_number(number) or f"country code +{number.country_code}"
    return None, f"not a valid number for {where}"


PHONES: CheckCache[tuple[str, str | None], tuple[str | None, str | None]] = CheckCache(check_phone, 65536)


def normalize_phone(raw: str, region: str | None) -> tuple[str | None, str | None]:
    """``check_phone`` of ``(raw, region)``, cached."""
    return PHONES((raw, region))


def check_keys(contact: Contact, region: str | None) -> tuple[str | None, tuple[str, str | None] | None]:
    """The keys ``contact``'s email and phone are checked and cached under (``EMAILS``, ``PHONES``);
    None for a value not given."""
    email, phone = clean_text(contact.email), clean_text(contact.phone)
    return email, ((phone, region) if phone else None)


def normalize_contact(contact: Contact, region: str | None) -> Contact:
    """Validate and tidy every field of ``contact``; invalid values move to ``flags``."""
    given = contact.__dict__
    values: dict[str, Any] = {}
    flags = list(contact.flags)
    for name in _TEXT_FIELDS:
        cleaned = clean_text(given[name])
        if cleaned:
            values[name] = cleaned
    email_key, phone_key = check_keys(contact, region)
    if email_key:
        values["email"], problem = normalize_email(email_key)
        if problem:
            flags.append(FieldFlag(field="email", raw=without_nul(given["email"]), problem=problem))
    if phone_key:
        values["phone"], problem = normalize_phone(*phone_key)
        if problem:
            flags.append(FieldFlag(field="phone", raw=without_nul(given["phone"]), problem=problem))
    first, last = clean_text(given["first_name"]), clean_text(given["last_name"])
    full = clean_text(given["full_name"]) or (" ".join(p for p in (first, last) if p) or None)
    return Contact(full_name=full, first_name=first, last_name=last, flags=tuple(flags), **values)


def _has_nul(draft: LeadDraft) -> bool:
    texts = [draft.message or "", draft.url or "", *draft.answers.keys(), *draft.answers.values()]
    return any("\x00" in t for t in texts) or (
        bool(draft.context or draft.consents or draft.handle)
        and ("\x00" in repr((draft.context, draft.consents, draft.handle)))
    )


def normalize(draft: LeadDraft, region: str | None) -> LeadDraft:
    """The draft with its contact validated and NUL characters replaced; the rest as the connector gave it."""
    update: dict[str, Any] = {"contact": normalize_contact(draft.contact, region)}
    if _has_nul(draft):
        update.update(
            message=without_nul(draft.message),
            url=without_nul(draft.url),
            answers=without_nul(draft.answers),
            context=without_nul(draft.context),
            consents=tuple(
                c.model_copy(update={"text": without_nul(c.text), "kind": without_nul(c.kind)})
                for c in draft.consents
            ),
            handle=Handle.model_validate(without_nul(draft.handle.model_dump())) if draft.handle else None,
        )
    return draft.model_copy(update=update)
