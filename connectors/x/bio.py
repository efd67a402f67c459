"""Email addresses in an X bio, as contact hints: found about a person, never given by them.

A bio's address is often not the author's: "Media enquiries: press@agency.example" reaches a press
office, "Bookings: mgmt@..." an agent. Each address becomes a ``ContactHint`` that says where it was
found and, when the bio labels it as someone else's, why to be careful; never the lead's ``Contact``.

Bios are free text written for people, so the extraction is strict and leaves out what it is unsure of:
``anna[at]gmail.com``, an address running on into a path (``x@y.com/links``), cut by an ellipsis
(``x@y.co…``), glued to the word before it (``Berlin.anna@gmx.de``), or spelled with look-alike
letters (a Cyrillic ``\u0430``, a full-width ``\uff20``): only ASCII addresses standing as words are taken.
"""

from __future__ import annotations

import re
from typing import Any

from socialleads.models import ContactHint

#: At most this many hints from one bio.
MOST = 3
#: An address standing as a word: after a space, an opening bracket or a colon (never after a letter, a
#: dot or a look-alike), and followed only by sentence punctuation before a space or the end.
_ADDRESS = re.compile(
    r"(?<![^\s(\[<:;,|'\"])"
    r"([A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24})"
    r"(?=[.,;:!?)\]>'\"]*(?:\s|$))"
)
#: What a bio puts before someone else's address ("Media enquiries to", "Business inquiries:").
_LABEL = re.compile(
    r"\b(media (?:enquiries|inquiries)|press(?: (?:enquiries|inquiries|contact))?|"
    r"business (?:enquiries|inquiries)|bookings?|management|mgmt|agent|agency|contact my team|"
    r"collabs?|partnerships?)\b",
    re.IGNORECASE,
)
_PR = re.compile(r"\bPR\b")
#: Local parts of addresses that belong to an office, not a person.
_OFFICE_MAILBOXES = frozenset(
    {"press", "pr", "media", "booking", "bookings", "management", "mgmt", "agent", "agency", "team"}
)
#: Where a bio's phrase ends: a new line, a separator, or the end of a sentence.
_BREAK = re.compile(r"[\n|•·]|[.!?](?=\s)")
_CAPITALISED = re.compile(r"[A-Z][a-z]+")


def bio_emails(text: Any) -> list[tuple[str, int]]:
    """The addresses written in ``text`` as whole words, each with where it starts; unsure ones left out."""
    if not isinstance(text, str):
        return []
    found: list[tuple[str, int]] = []
    for match in _ADDRESS.finditer(text):
        address = match.group(1)
        local = address.split("@", 1)[0]
        if ".." in address or local.endswith(".") or _glued(local):
            continue
        if address.lower() not in {seen.lower() for seen, _ in found}:
            found.append((address, match.start(1)))
    return found


def _glued(local: str) -> bool:
    """``Berlin.anna``: a capitalised word run into a lower-case name by a dot, a sentence without its space.
    (``Anna.Jons`` and ``anna.jons`` are how people write their own names.)"""
    first, dot, rest = local.partition(".")
    return bool(dot) and _CAPITALISED.fullmatch(first) is not None and rest == rest.lower()


def label_before(text: str, start: int) -> str | None:
    """The label a bio puts in front of the address at ``start`` ("Media enquiries"), or None."""
    phrase = _BREAK.split(text[:start])[-1]
    found = _LABEL.search(phrase) or _PR.search(phrase)
    return found.group(0) if found else None


def caution_of(text: str, address: str, start: int) -> str | None:
    """Why the address may not be the author's, in words for sales; None when nothing says so."""
    label = label_before(text, start)
    if label is not None:
        return f"labelled '{label}'"
    mailbox = address.split("@", 1)[0].split("+", 1)[0].lower()
    if mailbox in _OFFICE_MAILBOXES:
        return f"a '{mailbox}@' address, an office's rather than a person's"
    return None


def bio_hints(description: Any, username: str | None) -> tuple[ContactHint, ...]:
    """One email hint per address in the author's bio (at most ``MOST``), with where it was found."""
    if not isinstance(description, str):
        return ()
    source = f"X bio of @{username}" if username else "X bio"
    return tuple(
        ContactHint(field="email", value=address, source=source, caution=caution_of(description, address, at))
        for address, at in bio_emails(description)[:MOST]
    )
