"""A lead laid out once, as titled sections of rows, for every renderer to write in its own form.

``lead_sections`` is called by the renderers (``socialleads.card.render`` for text and HTML,
``socialleads.card.chat`` for the chat cards); ``headline`` by sinks for subjects and titles. A section
without data is left out; nothing is ever shown as "None".

Every text here is display text: a ``Row``, a ``Section`` title, ``one_line`` and so ``headline`` carry
no control character (``safe_text.terminal_text``: an ESC in a name shows as ``␛``, a bidi override as
``�``), so no renderer can hand a terminal, a mail client or a chat an escape sequence or a reordering.
The lead itself keeps the text as it came (``lead_payload`` sends it so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from socialleads.models import Contact, ContactHint, Lead, LeadStatus, Touch
from socialleads.safe_text import terminal_text

RowKind = Literal["field", "item", "quote", "link"]
#: How many of a lead's notes a card shows, newest first (``leads show`` and the API show them all).
NOTES_SHOWN = 3


@dataclass(frozen=True)
class Row:
    """One line of a section: a labelled field, a bullet item, a quoted text or a link."""

    kind: RowKind
    text: str
    label: str = ""
    href: str = ""
    """A link target for the chat cards (``mailto:``, ``tel:``); the text and HTML forms ignore it."""

    def __post_init__(self) -> None:
        # Display text by construction, whoever builds the row (frozen: set through object).
        for name in ("text", "label", "href"):
            object.__setattr__(self, name, terminal_text(getattr(self, name)))


@dataclass(frozen=True)
class Section:
    """A titled group of rows (the contact, the latest touch, the reasons ...)."""

    title: str
    rows: tuple[Row, ...] = ()
    key: str = ""
    """Which section this is (``contact``, ``touch``, ...), so the chat cards can lay each one out."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", terminal_text(self.title))


def one_line(text: str) -> str:
    """One line of display text: control characters replaced (``safe_text.terminal_text``), newlines
    and runs of spaces collapsed (subjects and titles must be one line)."""
    return " ".join(terminal_text(text).split())


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC; a naive datetime is taken to be UTC already."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _points(points: float | None) -> str:
    return f" ({points:+g})" if points is not None else ""


def headline(lead: Lead) -> str:
    """A one-line title for the lead, e.g. ``New lead: Anna Jónsdóttir — spring-sofas, grade B``.

    A lead the sink has received before (``delivered_revision`` set) reads ``Lead update: … (touch 3)``;
    a first delivery of a person already seen several times reads ``New lead: … (3 touches)``.
    Called by sinks for subjects and titles; never raises.
    """
    extras = [lead.campaign] if lead.campaign else []
    if lead.quality:
        extras.append(f"grade {lead.quality.grade}")
    text = lead.display_name()
    if extras:
        text += " — " + ", ".join(extras)
    count = len(lead.touches)
    if lead.is_test:
        return one_line(f"Test lead: {text}")
    if lead.delivered_revision is not None:
        suffix = f" (touch {count})" if count > 1 else f" (revision {lead.revision})"
        return one_line(f"Lead update: {text}{suffix}")
    return one_line(f"New lead: {text}" + (f" ({count} touches)" if count > 1 else ""))


def _contact_section(lead: Lead) -> Section | None:
    c: Contact = lead.contact
    fields = [
        ("Name", lead.display_name(), ""),
        ("Email", c.email, f"mailto:{c.email}"),
        ("Phone", c.phone, f"tel:{c.phone}"),
        ("Company", c.company, ""),
        ("Job title", c.job_title, ""),
        ("Location", ", ".join(p for p in (c.city, c.country) if p) or None, ""),
        ("Campaign", lead.campaign, ""),
    ]
    rows = tuple(Row("field", value, label, href) for label, value, href in fields if value)
    return Section("Contact", rows, "contact")


def status_text(lead: Lead) -> str | None:
    """The status a person set, with its reason (``lost: went with a competitor``); None while ``new``."""
    if lead.status is LeadStatus.NEW:
        return None
    reason = one_line(lead.status_reason or "")
    return f"{lead.status.value}: {reason}" if reason else lead.status.value


def _status_section(lead: Lead) -> Section | None:
    """Where sales stands with the lead, once a person moved it on from ``new``."""
    if lead.status is LeadStatus.NEW:
        return None
    rows = []
    if lead.status_reason and lead.status_reason.strip():
        rows.append(Row("field", lead.status_reason.strip(), "Reason"))
    if lead.status_changed_at is not None:
        rows.append(Row("field", utc_iso(lead.status_changed_at), "Since"))
    return Section(f"Status: {lead.status.value}", tuple(rows), "status")


def note_label(author: str, created_at: datetime) -> str:
    """Who wrote a note and when, as its label: ``ana@example.com, 2026-03-02T10:00:00Z``."""
    return f"{one_line(author)}, {utc_iso(created_at)}"


def _notes_section(lead: Lead) -> Section | None:
    """The latest notes people wrote, newest first: who, when, and what (as a field each)."""
    if not lead.notes:
        return None
    latest = sorted(lead.notes, key=lambda n: n.created_at, reverse=True)[:NOTES_SHOWN]
    rows = tuple(
        Row("field", n.body.strip(), note_label(n.author, n.created_at)) for n in latest if n.body.strip()
    )
    count = len(lead.notes)
    title = f"Notes: the latest {len(latest)} of {count}" if count > len(latest) else "Notes"
    return Section(title, rows, "notes")


def hint_text(hint: ContactHint) -> str:
    """A found contact value in words: ``press@agency.example, found in the X bio of @anna (labelled …)``."""
    text = f"{hint.value}, found in the {hint.source}" if hint.source else hint.value
    return text + (f" ({hint.caution})" if hint.caution else "")


def _hints_section(lead: Lead) -> Section | None:
    """Contact data found in profiles rather than given: shown as hints, never used to merge people."""
    hints = lead.hints
    if not hints:
        return None
    rows = tuple(Row("field", hint_text(h), h.field.capitalize()) for h in hints)
    return Section("Found, not given by the person (check before use)", rows, "hints")


def _identifiers_section(lead: Lead) -> Section | None:
    """A shared number, a placeholder, a team's mailbox: kept for sales, never used to match people."""
    if not lead.identifier_notes:
        return None
    rows = tuple(Row("item", note) for note in lead.identifier_notes)
    return Section("Contact details that are not this person's alone", rows, "identifiers")


def _test_section(lead: Lead) -> Section | None:
    """A platform's test lead says so first, with why the bot believes it is one."""
    if not lead.is_test:
        return None
    reasons = dict.fromkeys(t.test_lead for t in lead.touches if t.test_lead)
    return Section("Test lead", tuple(Row("item", str(r)) for r in reasons), "test")


def _flags_section(lead: Lead) -> Section | None:
    """Contact values that failed validation, from the contact and from the latest touch, once each."""
    touch = lead.latest_touch
    flags = dict.fromkeys((*lead.contact.flags, *(touch.flags if touch else ())))
    if not flags:
        return None
    rows = tuple(Row("item", f"{f.field} '{f.raw}' was not used: {f.problem}") for f in flags)
    return Section("Contact details that could not be used", rows, "flags")


def _quality_section(lead: Lead) -> Section | None:
    q = lead.quality
    if q is None:
        return None
    rows = tuple(Row("item", f"{r.signal}: {r.detail}{_points(r.points)}") for r in q.reasons)
    return Section(f"Quality: grade {q.grade}, score {q.score}/100", rows, "quality")


def _intent_section(lead: Lead) -> Section | None:
    """Intent reasons; a reason's ``span`` indexes the latest touch's message, quoted when in range."""
    verdict = lead.intent
    if verdict is None:
        return None
    touch = lead.latest_touch
    message = touch.message if touch and touch.message else ""
    rows = []
    for r in verdict.reasons:
        text = f"{r.signal}: {r.detail}{_points(r.points)}"
        if r.span is not None:
            start, end = r.span
            if 0 <= start < end <= len(message):
                text += f' — "{one_line(message[start:end])}"'
        rows.append(Row("item", text))
    return Section(f"Intent: score {verdict.score:.2f}", tuple(rows), "intent")


def _touch_section(lead: Lead, touch: Touch) -> Section:
    kind = touch.kind.value.replace("_", " ")
    title = f"Latest touch: {touch.platform} {kind} from {touch.source}, {utc_iso(touch.occurred_at)}"
    rows: list[Row] = []
    if touch.message:
        rows.append(Row("quote", touch.message.strip()))
    if touch.edited:
        rows.append(Row("field", "edited after it was first seen", "Edited"))
    rows += [Row("field", answer, question) for question, answer in touch.answers.items() if answer]
    for consent in touch.consents:
        text = "granted" if consent.granted else "not granted"
        if consent.text:
            text += f' ("{one_line(consent.text)}")'
        rows.append(Row("field", text, f"Consent {consent.kind}"))
    if touch.url:
        rows.append(Row("link", touch.url, "Link"))
    for handle in lead.handles:
        if handle.profile_url:
            rows.append(Row("link", handle.profile_url, f"{handle.platform} profile"))
        elif handle.username:
            rows.append(Row("field", "@" + handle.username.lstrip("@"), f"{handle.platform} profile"))
    return Section(title, tuple(rows), "touch")


def _earlier_section(lead: Lead, latest: Touch) -> Section | None:
    earlier = [t for t in lead.touches if t is not latest]
    if not earlier:
        return None
    first = min(t.occurred_at for t in earlier)
    platforms = ", ".join(dict.fromkeys(t.platform for t in sorted(earlier, key=lambda t: t.occurred_at)))
    return Section(
        f"Earlier touches: {len(earlier)}, first seen {utc_iso(first)[:10]} ({platforms})", key="earlier"
    )


def lead_sections(lead: Lead) -> list[Section]:
    """The lead's sections in reading order: test lead, contact, shared identifiers, found contact data,
    status, notes,
    flags, quality, intent, latest touch, earlier ones."""
    found = [
        _test_section(lead),
        _contact_section(lead),
        _identifiers_section(lead),
        _hints_section(lead),
        _status_section(lead),
        _notes_section(lead),
        _flags_section(lead),
        _quality_section(lead),
        _intent_section(lead),
    ]
    touch = lead.latest_touch
    if touch is not None:
        found += [_touch_section(lead, touch), _earlier_section(lead, touch)]
    return [s for s in found if s is not None]
