"""How a lead looks to people: the one renderer every sink reuses (console, email, chat, webhook).

Sinks call ``headline`` for a subject or title, ``render_text`` / ``render_html`` for a body,
``lead_payload`` for a machine-readable JSON document and ``render_notice_text`` for admin notices.
Chat sinks call ``render_slack_blocks`` (Slack Block Kit) and ``render_teams_card`` (a Teams Adaptive
Card), with their ``render_slack_*`` / ``render_teams_notice`` companions. The card is built once as
sections of rows and then written as text, HTML or a chat card, so every form carries the same facts.
A section without data is left out; nothing is ever printed as "None".
"""

from __future__ import annotations

import html
import itertools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from socialleads.models import AdminNotice, Contact, EventKind, Lead, Touch

RowKind = Literal["field", "item", "quote", "link"]


@dataclass(frozen=True)
class _Row:
    kind: RowKind
    text: str
    label: str = ""
    href: str = ""
    """A link target for the chat cards (``mailto:``, ``tel:``); the text and HTML forms ignore it."""


@dataclass(frozen=True)
class _Section:
    title: str
    rows: tuple[_Row, ...] = ()
    key: str = ""
    """Which section this is (``contact``, ``touch``, ...), so the chat cards can lay each one out."""


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
        ("Name", c.display_name(), ""),
        ("Email", c.email, f"mailto:{c.email}"),
        ("Phone", c.phone, f"tel:{c.phone}"),
        ("Company", c.company, ""),
        ("Job title", c.job_title, ""),
        ("Location", ", ".join(p for p in (c.city, c.country) if p) or None, ""),
        ("Campaign", lead.campaign, ""),
    ]
    rows = tuple(_Row("field", value, label, href) for label, value, href in fields if value)
    return _Section("Contact", rows, "contact")


def _flags_section(lead: Lead) -> _Section | None:
    """Contact values that failed validation, from the contact and from the latest touch, once each."""
    touch = lead.latest_touch
    flags = dict.fromkeys((*lead.contact.flags, *(touch.flags if touch else ())))
    if not flags:
        return None
    rows = tuple(_Row("item", f"{f.field} '{f.raw}' was not used: {f.problem}") for f in flags)
    return _Section("Contact details that could not be used", rows, "flags")


def _quality_section(lead: Lead) -> _Section | None:
    q = lead.quality
    if q is None:
        return None
    rows = tuple(_Row("item", f"{r.signal}: {r.detail}{_points(r.points)}") for r in q.reasons)
    return _Section(f"Quality: grade {q.grade}, score {q.score}/100", rows, "quality")


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
    return _Section(f"Intent: score {verdict.score:.2f}", tuple(rows), "intent")


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
    return _Section(title, tuple(rows), "touch")


def _earlier_section(lead: Lead, latest: Touch) -> _Section | None:
    earlier = [t for t in lead.touches if t is not latest]
    if not earlier:
        return None
    first = min(t.occurred_at for t in earlier)
    platforms = ", ".join(dict.fromkeys(t.platform for t in sorted(earlier, key=lambda t: t.occurred_at)))
    return _Section(
        f"Earlier touches: {len(earlier)}, first seen {_when(first)[:10]} ({platforms})", key="earlier"
    )


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


# --- Chat cards: Slack Block Kit and Teams Adaptive Cards -------------------------------------------
#
# Both are laid out from the same sections as ``render_text``: the contact as fields, the latest touch
# (what they said, their answers), the reasons as bullets, the touch time as a footnote, and the web
# links as buttons. Free text from a platform is clipped to what a chat message can carry; the full
# text is in ``render_text`` and ``lead_payload``.

#: Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks): blocks per message, header
#: text, section text, section fields and their text, context elements, buttons per actions block,
#: button text and URL. Slack answers ``invalid_blocks`` beyond any of them.
SLACK_MAX_BLOCKS = 50
SLACK_HEADER_MAX = 150
SLACK_TEXT_MAX = 3000
SLACK_MAX_FIELDS = 10
SLACK_FIELD_MAX = 2000
SLACK_MAX_BUTTONS = 25
SLACK_BUTTON_TEXT_MAX = 75
SLACK_URL_MAX = 3000
#: Longest message text Slack accepts (``msg_too_long`` beyond, https://docs.slack.dev/reference/methods/chat.postMessage).
SLACK_MESSAGE_MAX = 40000
#: A Teams webhook message may be 28 KB at most, the card included (HTTP 413 beyond):
#: https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
TEAMS_MAX_BYTES = 27 * 1024
#: Buttons on a Teams card: a host shows at most its ``maxActions`` (host config) in a row, so few are
#: sent; the original and the CRM record come first.
TEAMS_MAX_ACTIONS = 6
#: How much of a comment, and of one form answer, a chat card shows.
QUOTE_MAX = 2500
ANSWER_MAX = 500
#: The text of a Slack card's body sections, at most: Slack refuses messages whose blocks are long
#: overall (``msg_blocks_too_long``) at an undocumented size, reported near 13,000 characters
#: (https://github.com/slackapi/bolt-js/issues/2509).
SLACK_BODY_MAX = 10000

_OPEN_LABELS = {
    EventKind.LEAD_FORM: "Open the form",
    EventKind.COMMENT: "Open the comment",
    EventKind.POST: "Open the post",
    EventKind.MENTION: "Open the post",
}
#: Contact facts in the order a salesperson reads them; Platform and Grade come from the touch and quality.
_FACT_ORDER = ("Name", "Email", "Phone", "Platform", "Campaign", "Grade", "Company", "Job title", "Location")
_TEAMS_MD = re.compile(r"([\\*_\[\]~`<>])")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _web(url: str | None) -> bool:
    """Only http(s) URLs become buttons; a "javascript:" URL from a payload stays inert text."""
    return (
        bool(url) and str(url).lower().startswith(("https://", "http://")) and len(str(url)) <= SLACK_URL_MAX
    )


@dataclass(frozen=True)
class _Chat:
    """The card laid out for chat: facts, body sections, a footnote and link buttons."""

    title: str
    facts: tuple[_Row, ...]
    sections: tuple[_Section, ...]
    footnote: str
    links: tuple[tuple[str, str], ...]


def _chat(lead: Lead, crm_url: str | None) -> _Chat:
    found = {s.key: s for s in _sections(lead)}
    touch = lead.latest_touch
    facts = {r.label: r for r in found["contact"].rows} if "contact" in found else {}
    if touch is not None:
        facts["Platform"] = _Row("field", touch.platform, "Platform")
    if lead.quality is not None:
        facts["Grade"] = _Row("field", f"{lead.quality.grade} ({lead.quality.score}/100)", "Grade")
    ordered = [facts.pop(label) for label in _FACT_ORDER if label in facts] + list(facts.values())
    sections: list[_Section] = []
    links: list[tuple[str, str]] = []
    footnote: list[str] = []
    if touch is not None:
        kind = touch.kind.value.replace("_", " ")
        rows = tuple(r for r in found["touch"].rows if not (r.kind == "link" and _web(r.text)))
        for row in found["touch"].rows:
            if row.kind == "link" and _web(row.text):
                original = row.label == "Link"  # the touch's own URL; the others are profiles
                links.append(
                    (_OPEN_LABELS.get(touch.kind, "Open the original") if original else row.label, row.text)
                )
        sections.append(
            _Section(f"What they sent: {touch.platform} {kind} from {touch.source}", rows, "touch")
        )
        footnote.append(f"Touch at {_when(touch.occurred_at)}, received via {touch.received_via.value}")
    sections += [found[k] for k in ("flags", "intent", "quality") if k in found]
    if "earlier" in found:
        footnote.append(found["earlier"].title)
    if crm_url and _web(crm_url):  # right after the original, before any profile links
        first = 1 if touch is not None and links and links[0][1] == touch.url else 0
        links.insert(first, ("Open in the CRM", crm_url))
    return _Chat(
        headline(lead), tuple(ordered[:SLACK_MAX_FIELDS]), tuple(sections), " · ".join(footnote), tuple(links)
    )


def slack_escape(text: str) -> str:
    """Text made safe for Slack mrkdwn: ``&``, ``<`` and ``>`` escaped, so no link or mention forms.

    https://docs.slack.dev/messaging/formatting-message-text#escaping
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(href: str, text: str) -> str:
    link = f"<{href}|{slack_escape(text)}>"
    if any(ch in href for ch in "<>| \n") or len(link) > ANSWER_MAX:
        return _esc(text, ANSWER_MAX)
    return link


def _slack_pieces(raw: str, limit: int) -> list[str]:
    """``raw`` escaped and cut into pieces of at most ``limit`` characters, never inside an entity."""
    pieces, current = [], ""
    for ch in raw:
        escaped = slack_escape(ch)
        if len(current) + len(escaped) > limit:
            pieces.append(current)
            current = ""
        current += escaped
    return [*pieces, current]


def _esc(raw: str, limit: int) -> str:
    """``raw`` escaped and shortened to ``limit`` characters (with "…") without cutting an entity."""
    escaped = slack_escape(raw)
    return escaped if len(escaped) <= limit else _slack_pieces(raw, limit - 1)[0] + "…"


def _slack_lines(section: _Section) -> list[str]:
    lines = [f"*{_esc(_line(section.title), ANSWER_MAX)}*"]
    for row in section.rows:
        if row.kind == "quote":
            for part in _clip(row.text, QUOTE_MAX).splitlines() or [""]:
                lines += [f"> {piece}" for piece in _slack_pieces(part, SLACK_TEXT_MAX - 2)]
        elif row.kind == "item":
            lines.append("• " + _esc(_line(row.text), ANSWER_MAX))
        else:
            lines.append(f"*{_esc(_line(row.label), ANSWER_MAX)}:* {_esc(_line(row.text), ANSWER_MAX)}")
    return lines


def _slack_sections(section: _Section) -> list[dict[str, Any]]:
    """One section block per 3000 characters of text."""
    chunks: list[str] = []
    for line in _slack_lines(section):
        if chunks and len(chunks[-1]) + 1 + len(line) <= SLACK_TEXT_MAX:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c, "verbatim": True}} for c in chunks]


def render_slack_blocks(lead: Lead, crm_url: str | None = None) -> list[dict[str, Any]]:
    """The lead as Slack Block Kit blocks for ``chat.postMessage`` / ``chat.update``, within Slack's limits.

    A header with the headline; the contact as section fields (email as a ``mailto:`` link, phone as
    ``tel:``, platform, campaign, grade); what they sent (the comment quoted, the form answers); the
    reasons as bullets; a context line with the touch time; buttons for the original post or form and
    ``crm_url``. Every text from a lead is mrkdwn-escaped and marked ``verbatim``, so a comment cannot
    mention ``@channel`` or smuggle a link. Never raises.
    """
    chat = _chat(lead, crm_url)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(chat.title, SLACK_HEADER_MAX)}}
    ]
    fields = []
    for row in chat.facts:
        value = _slack_link(row.href, row.text) if row.href else _esc(row.text, ANSWER_MAX)
        # Within SLACK_FIELD_MAX by construction: a label is a word, a value at most ANSWER_MAX escaped.
        fields.append({"type": "mrkdwn", "text": f"*{slack_escape(row.label)}*\n{value}", "verbatim": True})
    if fields:
        blocks.append({"type": "section", "fields": fields})
    body = [block for section in chat.sections for block in _slack_sections(section)]
    room = SLACK_MAX_BLOCKS - len(blocks) - 3  # the context, actions and "too long" blocks
    sizes = list(itertools.accumulate(len(block["text"]["text"]) for block in body))
    keep = min(room, next((i for i, size in enumerate(sizes) if size > SLACK_BODY_MAX), len(body)))
    blocks += body[: max(keep, 1)]
    if keep < len(body):
        note = "_The rest of this lead is too long for one Slack message; see the CRM._"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": note}})
    if chat.footnote:
        text = _esc(chat.footnote, SLACK_TEXT_MAX)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}]})
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": _clip(label, SLACK_BUTTON_TEXT_MAX)},
            "url": url,
            "action_id": f"socialleads-link-{index}",
        }
        for index, (label, url) in enumerate(chat.links[:SLACK_MAX_BUTTONS])
    ]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return blocks


def render_slack_text(lead: Lead) -> str:
    """The message ``text`` sent with the blocks, shown by notifications and screen readers: the headline."""
    return slack_escape(headline(lead))


def render_slack_reply(lead: Lead) -> str:
    """A thread reply announcing the lead's latest touch (mrkdwn): the headline and what they sent."""
    out = [f"*{slack_escape(headline(lead))}*"]
    touch = lead.latest_touch
    if touch is not None:
        out.append(slack_escape(f"{touch.platform} {touch.kind.value.replace('_', ' ')} from {touch.source}"))
        if touch.message:
            quoted = _clip(touch.message.strip(), ANSWER_MAX).splitlines()
            out += [f"> {slack_escape(part)}" for part in quoted]
    return "\n".join(out)


def render_slack_notice(notice: AdminNotice) -> str:
    """An admin notice as a plain Slack message text (``render_notice_text``, escaped)."""
    return _clip(slack_escape(render_notice_text(notice)), SLACK_MESSAGE_MAX)


def _md(text: str) -> str:
    """Text shown as written in a Teams TextBlock or Fact (both read ``*``, ``_``, ``[](..)`` as markdown)."""
    return _TEAMS_MD.sub(r"\\\1", text)


def _teams_body(chat: _Chat, scale: float) -> list[dict[str, Any]]:
    """The card body with every lead text clipped to ``scale`` of the usual lengths."""
    clip = max(int(ANSWER_MAX * scale), 40)

    def text(value: str) -> str:
        return _md(_clip(_line(value), clip))

    title = {"type": "TextBlock", "text": text(chat.title), "size": "Large", "weight": "Bolder", "wrap": True}
    facts = []
    for row in chat.facts:
        value = text(row.text)
        if row.href and not any(ch in row.href for ch in "() \n") and len(row.href) <= clip:
            value = f"[{value}]({row.href})"
        facts.append({"title": row.label, "value": value})
    body: list[dict[str, Any]] = [title, {"type": "FactSet", "facts": facts}]
    for section in chat.sections:
        body.append({"type": "TextBlock", "text": text(section.title), "weight": "Bolder", "wrap": True})
        for row in section.rows:
            if row.kind == "quote":  # a TextRun is never read as markdown: the comment shows as written
                run = {"type": "TextRun", "text": _clip(row.text, int(QUOTE_MAX * scale)), "italic": True}
                body.append({"type": "RichTextBlock", "inlines": [run]})
        pairs = [
            {"title": text(r.label), "value": text(r.text)}
            for r in section.rows
            if r.kind in ("field", "link")
        ]
        if pairs:
            body.append({"type": "FactSet", "facts": pairs})
        items = [f"- {text(r.text)}" for r in section.rows if r.kind == "item"]
        if items:
            body.append({"type": "TextBlock", "text": "\r".join(items), "wrap": True})
    if chat.footnote:
        body.append(
            {"type": "TextBlock", "text": _md(chat.footnote), "isSubtle": True, "size": "Small", "wrap": True}
        )
    return body


def _teams_message(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    content: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        content["actions"] = actions
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": content,
    }
    return {"type": "message", "attachments": [attachment]}


def render_teams_card(lead: Lead, crm_url: str | None = None) -> dict[str, Any]:
    """The webhook message for Microsoft Teams: ``{"type": "message", "attachments": [<Adaptive Card 1.4>]}``.

    The same facts as ``render_slack_blocks``: a TextBlock headline, a FactSet of the contact (email
    and phone as links), what they sent (the comment in a RichTextBlock, which Teams never reads as
    markdown; answers as facts), the reasons as a list, the touch time, and ``Action.OpenUrl`` buttons
    for the original and ``crm_url``. Lead text in TextBlocks and facts is markdown-escaped. Long texts
    are shortened until the message fits Teams' 28 KB
    (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format).
    """
    chat = _chat(lead, crm_url)
    links = chat.links[:TEAMS_MAX_ACTIONS]
    actions = [{"type": "Action.OpenUrl", "title": _clip(label, 100), "url": url} for label, url in links]
    for scale in (1.0, 0.5, 0.2, 0.1):
        body = _teams_body(chat, scale)
        if _size(_teams_message(body, actions)) <= TEAMS_MAX_BYTES:
            return _teams_message(body, actions)
    note = {
        "type": "TextBlock",
        "text": "The rest of this lead is too long for Teams; see the CRM.",
        "wrap": True,
    }
    while len(body) > 2 and _size(_teams_message([*body, note], actions)) > TEAMS_MAX_BYTES:
        body.pop()  # whole elements from the end, the headline and contact facts stay
    return _teams_message([*body, note], actions)


def _size(message: dict[str, Any]) -> int:
    return len(json.dumps(message, ensure_ascii=False).encode())


def render_teams_notice(notice: AdminNotice) -> dict[str, Any]:
    """An admin notice as a Teams webhook message: the subject and source as facts, the body as plain text."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": _md(f"{notice.severity.upper()}: {_line(notice.subject)}"),
            "weight": "Bolder",
            "wrap": True,
        },
        {
            "type": "RichTextBlock",
            "inlines": [{"type": "TextRun", "text": _clip(notice.body.strip(), 10000)}],
        },
    ]
    if notice.source:
        body.insert(1, {"type": "FactSet", "facts": [{"title": "Source", "value": _md(notice.source)}]})
    return _teams_message(body, [])


__all__ = [
    "headline",
    "lead_payload",
    "render_html",
    "render_notice_text",
    "render_slack_blocks",
    "render_slack_notice",
    "render_slack_reply",
    "render_slack_text",
    "render_teams_card",
    "render_teams_notice",
    "render_text",
    "slack_escape",
]
