"""How a socialleads ``Lead`` reads in Pipedrive: the note, the external id, answers, comparisons."""

from __future__ import annotations

import html

from socialleads.card import render_text
from socialleads.models import Lead

#: How ``Contact.display_name`` reads without a name; a lead titled so is retitled once a name is known.
NAMELESS = "(no name given)"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def same_email(a: str, b: str) -> bool:
    """Emails compare without case."""
    return a.casefold() == b.casefold()


def same_phone(a: str, b: str) -> bool:
    """Phones compare on their digits, whatever the formatting (``+354 690 1234``)."""
    return _digits(a) == _digits(b)


def question_key(text: str) -> str:
    """Questions compare without case or extra spacing."""
    return " ".join(text.split()).casefold()


def latest_answers(lead: Lead) -> dict[str, str]:
    """Every answer across touches by normalised question, the newest touch winning."""
    touches = sorted(lead.touches, key=lambda t: (t.received_at, t.id))
    return {question_key(q): a for t in touches for q, a in t.answers.items() if a}


def split_external_id(external_id: str | None) -> tuple[str | None, int | None]:
    """``"<lead uuid>:<person id>"`` as (lead id, person id); a bare lead id gives no person."""
    if not external_id:
        return None, None
    lead_id, _, person = external_id.partition(":")
    return lead_id or None, int(person) if person.isdigit() else None


def note_html(lead: Lead, key: str) -> str:
    """The lead card as a note: Pipedrive notes are HTML, so the text is escaped and lines broken."""
    lines = [html.escape(line) for line in render_text(lead).rstrip("\n").splitlines()]
    return "<br>".join(lines) + f"<br><br><small>socialleads delivery key: {html.escape(key)}</small>"
