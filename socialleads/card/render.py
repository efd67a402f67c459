"""The lead as plain text, as an HTML fragment and as a JSON document; admin notices as text.

Called by sinks (console, email, webhook, the CRMs' notes) and the ``leads show`` command. The text
forms carry no control character but newlines (``safe_text.terminal_text``; the sections are display
text already, the whole is passed through once more); the JSON document is the lead as stored.
"""

from __future__ import annotations

import html
from typing import Any

from socialleads.card.sections import Row, headline, lead_sections, one_line
from socialleads.models import AdminNotice, Lead
from socialleads.safe_text import terminal_text


def render_text(lead: Lead) -> str:
    """The lead as plain text (console, email text part, chat fallbacks); ends with a newline."""
    out = [headline(lead)]
    for section in lead_sections(lead):
        out += ["", one_line(section.title)]
        for row in section.rows:
            if row.kind == "item":
                out.append(f"  - {one_line(row.text)}")
            elif row.kind == "quote":
                out += [f"  > {part}".rstrip() for part in row.text.splitlines()]
            else:
                out.append(f"  {one_line(row.label)}: {one_line(row.text)}")
    return terminal_text("\n".join(out) + "\n")


def _html_row(row: Row) -> str:
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
    for section in lead_sections(lead):
        parts.append(
            f'<h3 style="font-size:15px;margin:12px 0 4px">{html.escape(one_line(section.title))}</h3>'
        )
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
    """An admin notice as plain text: severity and subject, the source when known, then the body; no
    control character but newlines (a notice quotes what a platform or a server answered)."""
    out = [f"[{notice.severity.upper()}] {one_line(notice.subject)}"]
    if notice.source:
        out.append(f"Source: {one_line(notice.source)}")
    out += ["", notice.body.strip()]
    return terminal_text("\n".join(out) + "\n")
