"""A lead as a Microsoft Teams Adaptive Card for an incoming webhook; admin notices as cards.

Called by ``connectors.teams.sink``. Laid out from the chat-neutral card (``socialleads.card.chat``),
with the same facts as the Slack card: the status a person set among the facts, the latest notes as a
FactSet (author and time, then the text), markdown-escaped like every other lead text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from socialleads.card.chat import ANSWER_MAX, QUOTE_MAX, ChatCard, chat_card, clip
from socialleads.card.sections import one_line
from socialleads.models import AdminNotice, Lead
from socialleads.safe_text import terminal_text

#: A Teams webhook message may be 28 KB at most, the card included (HTTP 413 beyond):
#: https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
TEAMS_MAX_BYTES = 27 * 1024
#: Buttons on a Teams card: a host shows at most its ``maxActions`` (host config) in a row, so few are
#: sent; the original and the CRM record come first.
TEAMS_MAX_ACTIONS = 6
_TEAMS_MD = re.compile(r"([\\*_\[\]~`<>])")


def _md(text: str) -> str:
    """Text shown as written in a Teams TextBlock or Fact: control characters replaced
    (``safe_text.terminal_text``), and what the Adaptive Card markdown subset reads (``*``, ``_``,
    ``[text](url)``: https://learn.microsoft.com/adaptive-cards/authoring-cards/text-features)
    backslash-escaped, so a name like ``[click](https://evil.example)`` is no link."""
    return _TEAMS_MD.sub(r"\\\1", terminal_text(text))


def _teams_body(chat: ChatCard, scale: float) -> list[dict[str, Any]]:
    """The card body with every lead text clipped to ``scale`` of the usual lengths."""
    limit = max(int(ANSWER_MAX * scale), 40)

    def text(value: str) -> str:
        return _md(clip(one_line(value), limit))

    title = {"type": "TextBlock", "text": text(chat.title), "size": "Large", "weight": "Bolder", "wrap": True}
    facts = []
    for row in chat.facts:
        value = text(row.text)
        if row.href and not any(ch in row.href for ch in "() \n") and len(row.href) <= limit:
            value = f"[{value}]({row.href})"
        facts.append({"title": row.label, "value": value})
    body: list[dict[str, Any]] = [title, {"type": "FactSet", "facts": facts}]
    for section in chat.sections:
        body.append({"type": "TextBlock", "text": text(section.title), "weight": "Bolder", "wrap": True})
        for row in section.rows:
            if row.kind == "quote":  # a TextRun is never read as markdown: the comment shows as written
                text_run = clip(terminal_text(row.text), int(QUOTE_MAX * scale))
                run = {"type": "TextRun", "text": text_run, "italic": True}
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
    chat = chat_card(lead, crm_url)
    links = chat.links[:TEAMS_MAX_ACTIONS]
    actions = [{"type": "Action.OpenUrl", "title": clip(label, 100), "url": url} for label, url in links]
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
            "text": _md(f"{notice.severity.upper()}: {one_line(notice.subject)}"),
            "weight": "Bolder",
            "wrap": True,
        },
        {
            "type": "RichTextBlock",
            "inlines": [{"type": "TextRun", "text": clip(terminal_text(notice.body.strip()), 10000)}],
        },
    ]
    if notice.source:
        body.insert(1, {"type": "FactSet", "facts": [{"title": "Source", "value": _md(notice.source)}]})
    return _teams_message(body, [])
