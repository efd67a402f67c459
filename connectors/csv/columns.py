"""Which file column holds which lead field, and how cell values read as text and as consent.

Pure functions, used by ``CsvSource.fetch`` (ids, dates) and ``CsvSource.parse`` (the draft). The
mapping is recomputed from a row's own keys so that ``parse`` works on a stored payload without the
file, and it never depends on key order (a JSONB column may reorder keys).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from socialleads.models import CONTACT_FIELDS

#: Every field a column can be mapped to with ``columns:``.
FIELDS: tuple[str, ...] = (*CONTACT_FIELDS, "consent", "id", "occurred_at", "message")

#: Header spellings recognised without a mapping; within a field, earlier aliases win.
ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "mail"),
    "phone": ("phone", "phone number", "mobile", "tel", "telephone", "cell"),
    "full_name": ("name", "full name", "contact"),
    "first_name": ("first name", "firstname", "given name"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "company": ("company", "company name", "organisation", "organization", "org"),
    "job_title": ("title", "job title", "position", "role"),
    "city": ("city",),
    "country": ("country",),
    "zip_code": ("zip", "zip code", "postal code", "postcode"),
    "consent": ("consent", "opt in", "optin", "gdpr consent", "marketing consent"),
    # Not in the brief's list, but an "id" column is the usual way a list names its records and the
    # other two are the field names themselves, which a user will naturally write.
    "id": ("id",),
    "occurred_at": ("occurred at",),
    "message": ("message",),
}

TRUTHY = frozenset({"yes", "y", "true", "1", "x", "✓", "✔", "ja", "já", "sí", "si", "oui", "sim"})
FALSY = frozenset({"no", "n", "false", "0", "nei", "nej", "nein", "non", "não"})

_IGNORED = re.compile(r"[\s_\-]+")


def header_key(header: str) -> str:
    """A header as compared with aliases: case-insensitive, spaces, ``_`` and ``-`` removed."""
    return _IGNORED.sub("", header).casefold()


def resolve_columns(headers: tuple[str, ...], explicit: Mapping[str, str]) -> dict[str, str]:
    """Map each field found to its header (``{"email": "E-mail"}``); explicit mappings win.

    An explicitly mapped field is never filled from an alias: if the named column is missing, the
    field stays empty (a silent fallback could pick the wrong column). Never raises.
    """
    return dict(_resolve(tuple(sorted(set(headers))), tuple(sorted(explicit.items()))))


@lru_cache(maxsize=256)  # a CSV file has one header; a JSONL file usually a handful of key sets
def _resolve(headers: tuple[str, ...], explicit: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    result: dict[str, str] = {}
    for field, wanted in explicit:
        # The exact header first; then the forgiving comparison, so "email address" finds "Email Address".
        found = (
            wanted
            if wanted in headers
            else next((h for h in headers if header_key(h) == header_key(wanted)), None)
        )
        if found is not None:
            result[field] = found
    taken = set(result.values())
    explicit_fields = {field for field, _ in explicit}
    by_key: dict[str, str] = {}
    for header in headers:  # sorted, so among "Email" and "email" the same one always wins
        by_key.setdefault(header_key(header), header)
    for field, aliases in ALIASES.items():
        if field in explicit_fields:
            continue
        for alias in aliases:
            match = by_key.get(header_key(alias))
            if match is not None and match not in taken:
                result[field] = match
                taken.add(match)
                break
    return tuple(result.items())


def as_text(value: Any) -> str:
    """A cell value as text: CSV cells are already text; JSONL values may be numbers, booleans, null."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def consent_value(text: str) -> bool | None:
    """True or False for a recognised yes/no word (several languages), None for anything else."""
    word = text.strip().casefold()
    if word in TRUTHY:
        return True
    if word in FALSY:
        return False
    return None


def parse_when(text: str) -> datetime | None:
    """An ISO 8601 date or datetime in UTC (naive means UTC), or None when ``text`` is not one."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
