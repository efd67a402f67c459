"""How a lead looks to people: the one renderer every sink reuses (console, email, chat, webhook).

Sinks call ``headline`` for a subject or title, ``render_text`` / ``render_html`` for a body,
``lead_payload`` for a machine-readable JSON document and ``render_notice_text`` for admin notices.
The card is built once as sections of rows and then written as text or HTML, so both forms always
carry the same facts. A section without data is left out; nothing is ever printed as "None".
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from socialleads.models import AdminNotice, Contact, Lead, Touch

RowKind = Literal["field", "item", "quote", "link"]


@dataclass(frozen=True)
class _Row:
    kind: RowKind
    text: str
    label: str = ""


@dataclass(frozen=True)
class _Section:
    title: str
    rows: tuple[_Row, ...] = ()


def _line(text: str) -> str:
    """One line of text: newlines and runs of spaces collapsed (subjects and titles must be one line)."""
    return " ".join(text.split())


def _when(moment: datetime) -> str:
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
    text = lead.contact.display_name()
    if extras:
        text += " — " + ", ".join(extras)
    count = len(lead.touches)
    if lead.delivered_revision is not None:
        suffix = f" (touch {count})" if count > 1 else f" (revision {lead.revision})"
        return _line(f"Lead update: {text}{suffix}")
    return _line(f"New lead: {text}" + (f" ({count} touches)" if count > 1 else ""))


def _contact_section(lead: Lead) -> _Section | None:
    c: Contact = lead.contact
    fields = [
        ("Name", c.display_name()),
        ("Email", c.email),
        ("Phone", c.phone),
        ("Company", c.company),
        ("Job title", c.job_title),
        ("Location", ", ".join(p for p in (c.city, c.country) if p) or None),
        ("Campaign", lead.campaign),
    ]
    rows = tuple(_Row("field", value, label) for label, value in fields if value)
    return _Section("Contact", rows)


def _flags_section(lead: Lead) -> _Section | None:
    """Contact values that failed validation, from the contact and from the latest touch, once each."""
    touch = lead.latest_touch
    flags = dict.fromkeys((*lead.contact.flags, *(touch.flags if touch else ())))
    if not flags:
        return None
    rows = tuple(_Row("item", f"{f.field} '{f.raw}' was not used: {f.problem}") for f in flags)
    return _Section("Contact details that could not be used", rows)


def _quality_section(lead: Lead) -> _Section | None:
    q = lead.quality
    if q is None:
        return None
    rows = tuple(_Row("item", f"{r.signal}: {r.detail}{_points(r.points)}") for r in q.reasons)
    return _Section(f"Quality: grade {q.grade}, score {q.score}/100", rows)


def _intent_section(lead: Lead) -> _Section | None:
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
                text += f' — "{_line(message[start:end])}"'
        rows.append(_Row("item", text))
    return _Section(f"Intent: score {verdict.score:.2f}", tuple(rows))


def _touch_section(lead: Lead, touch: Touch) -> _Section:
    kind = touch.kind.value.replace("_", " ")
    title = f"Latest touch: {touch.platform} {kind} from {touch.source}, {_when(touch.occurred_at)}"
    rows: list[_Row] = []
    if touch.message:
        rows.append(_Row("quote", touch.message.strip()))
    rows += [_Row("field", answer, question) for question, answer in touch.answers.items() if answer]
    for consent in touch.consents:
        text = "granted" if consent.granted else "not granted"
        if consent.text:
            text += f' ("{_line(consent.text)}")'
        rows.append(_Row("field", text, f"Consent {consent.kind}"))
    if touch.url:
        rows.append(_Row("link", touch.url, "Link"))
    for handle in lead.handles:
        if handle.profile_url:
            rows.append(_Row("link", handle.profile_url, f"{handle.platform} profile"))
        elif handle.username:
            rows.append(_Row("field", "@" + handle.username.lstrip("@"), f"{handle.platform} profile"))
    return _Section(title, tuple(rows))


def _earlier_section(lead: Lead, latest: Touch) -> _Section | None:
    earlier = [t for t in lead.touches if t is not latest]
    if not earlier:
        return None
    first = min(t.occurred_at for t in earlier)
    platforms = ", ".join(dict.fromkeys(t.platform for t in sorted(earlier, key=lambda t: t.occurred_at)))
    return _Section(f"Earlier touches: {len(earlier)}, first seen {_when(first)[:10]} ({platforms})")


def _sections(lead: Lead) -> list[_Section]:
    found = [_contact_section(lead), _flags_section(lead), _quality_section(lead), _intent_section(lead)]
    touch = lead.latest_touch
    if touch is not None:
        found += [_touch_section(lead, touch), _earlier_section(lead, touch)]
    return [s for s in found if s is not None]


def render_text(lead: Lead) -> str:
    """The lead as plain text (console, email text part, chat fallbacks); ends with a newline."""
    out = [headline(lead)]
    for section in _sections(lead):
        out += ["", _line(section.title)]
        for row in section.rows:
            if row.kind == "item":
                out.append(f"  - {_line(row.text)}")
            elif row.kind == "quote":
                out += [f"  > {part}".rstrip() for part in row.text.splitlines()]
            else:
                out.append(f"  {_line(row.label)}: {_line(row.text)}")
    return "\n".join(out) + "\n"


def _html_row(row: _Row) -> str:
    esc = html.escape
    if row.kind == "item":
        return f'<li style="margin:2px 0">{esc(row.text)}</li>'
    if row.kind == "quote":
        return (
            '<blockquote style="margin:6px 0;padding:4px 10px;border-left:3px solid #bbb;'
            f'color:#444;white-space:pre-wrap">{esc(row.text)}</blockquote>'
        )
    value = esc(row.text)
    # Only web links become anchors: a "javascript:" or "data:" URL from a payload stays inert text.
    if row.kind == "link" and row.text.lower().startswith(("https://", "http://")):
        value = f'<a href="{esc(row.text, quote=True)}" style="color:#1a5fb4">{value}</a>'
    return f'<p style="margin:2px 0"><strong>{esc(row.label)}:</strong> {value}</p>'


def render_html(lead: Lead) -> str:
    """The lead as a small self-contained HTML fragment: every value escaped, inline styles only."""
    parts = [
        '<div style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">',
        f'<h2 style="font-size:17px;margin:0 0 8px">{html.escape(headline(lead))}</h2>',
    ]
    for section in _sections(lead):
        parts.append(f'<h3 style="font-size:15px;margin:12px 0 4px">{html.escape(_line(section.title))}</h3>')
        items = [r for r in section.rows if r.kind == "item"]
        others = [r for r in section.rows if r.kind != "item"]
        parts += [_html_row(r) for r in others]
        if items:
            parts += ['<ul style="margin:2px 0;padding-left:20px">', *map(_html_row, items), "</ul>"]
    parts.append("</div>")
    return "\n".join(parts) + "\n"


def lead_payload(lead: Lead, key: str) -> dict[str, Any]:
    """The JSON-ready document webhooks and APIs send: the whole lead, its key and its revision."""
    return {
        "type": "lead",
        "idempotency_key": key,
        "revision": lead.revision,
        "lead": lead.model_dump(mode="json"),
    }


def render_notice_text(notice: AdminNotice) -> str:
    """An admin notice as plain text: severity and subject, the source when known, then the body."""
    out = [f"[{notice.severity.upper()}] {_line(notice.subject)}"]
    if notice.source:
        out.append(f"Source: {notice.source}")
    out += ["", notice.body.strip()]
    return "\n".join(out) + "\n"


__all__ = ["headline", "lead_payload", "render_html", "render_notice_text", "render_text"]
