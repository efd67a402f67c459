"""A lead as a Slack Block Kit message, within Slack's limits; admin notices as Slack text.

Called by ``connectors.slack.sink``. Laid out from the chat-neutral card (``socialleads.card.chat``):
the contact as section fields (email as a ``mailto:`` link, phone as ``tel:``, the status a person
set), what they sent, the latest notes (author and time as the label), the reasons as bullets, the
touch time as a context line, and the web links as buttons. Notes and status reasons are written by
people, names and comments by strangers: all are mrkdwn-escaped alike.
"""

from __future__ import annotations

import itertools
from typing import Any

from socialleads.card import headline, render_notice_text
from socialleads.card.chat import ANSWER_MAX, QUOTE_MAX, chat_card, clip
from socialleads.card.sections import Section, one_line
from socialleads.models import AdminNotice, Lead
from socialleads.safe_text import terminal_text

#: Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks): blocks per message, header
#: text, section text, section field text, buttons per actions block, button text. Slack answers
#: ``invalid_blocks`` beyond any of them. (At most 10 fields a section: ``card.chat.MAX_FACTS``.)
SLACK_MAX_BLOCKS = 50
SLACK_HEADER_MAX = 150
SLACK_TEXT_MAX = 3000
SLACK_FIELD_MAX = 2000
SLACK_MAX_BUTTONS = 25
SLACK_BUTTON_TEXT_MAX = 75
#: Longest message text Slack accepts (``msg_too_long`` beyond, https://docs.slack.dev/reference/methods/chat.postMessage).
SLACK_MESSAGE_MAX = 40000
#: The text of a Slack card's body sections, at most: Slack refuses messages whose blocks are long
#: overall (``msg_blocks_too_long``) at an undocumented size, reported near 13,000 characters
#: (https://github.com/slackapi/bolt-js/issues/2509).
SLACK_BODY_MAX = 10000


def slack_escape(text: str) -> str:
    """Text made safe for Slack mrkdwn: control characters replaced (``safe_text.terminal_text``: no
    ESC, C1 or bidi override reaches a reader), then ``&``, ``<`` and ``>`` escaped, so no link or
    mention forms (https://docs.slack.dev/messaging/formatting-message-text#escaping). ``*``, ``_``
    and ``~`` cannot be escaped in mrkdwn; they only style, and ``verbatim`` keeps mentions off.
    """
    return _entities(terminal_text(text))


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(href: str, text: str) -> str:
    link = f"<{href}|{slack_escape(text)}>"
    if any(ch in href for ch in "<>| \n") or len(link) > ANSWER_MAX:
        return _esc(text, ANSWER_MAX)
    return link


def _slack_pieces(raw: str, limit: int) -> list[str]:
    """``raw`` escaped and cut into pieces of at most ``limit`` characters, never inside an entity."""
    pieces, current = [], ""
    for ch in terminal_text(raw):
        escaped = _entities(ch)
        if len(current) + len(escaped) > limit:
            pieces.append(current)
            current = ""
        current += escaped
    return [*pieces, current]


def _esc(raw: str, limit: int) -> str:
    """``raw`` escaped and shortened to ``limit`` characters (with "…") without cutting an entity."""
    escaped = slack_escape(raw)
    return escaped if len(escaped) <= limit else _slack_pieces(raw, limit - 1)[0] + "…"


def _slack_lines(section: Section) -> list[str]:
    lines = [f"*{_esc(one_line(section.title), ANSWER_MAX)}*"]
    for row in section.rows:
        if row.kind == "quote":
            for part in clip(row.text, QUOTE_MAX).splitlines() or [""]:
                lines += [f"> {piece}" for piece in _slack_pieces(part, SLACK_TEXT_MAX - 2)]
        elif row.kind == "item":
            lines.append("• " + _esc(one_line(row.text), ANSWER_MAX))
        else:
            lines.append(f"*{_esc(one_line(row.label), ANSWER_MAX)}:* {_esc(one_line(row.text), ANSWER_MAX)}")
    return lines


def _slack_sections(section: Section) -> list[dict[str, Any]]:
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
    chat = chat_card(lead, crm_url)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(chat.title, SLACK_HEADER_MAX)}}
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
            "text": {"type": "plain_text", "text": clip(label, SLACK_BUTTON_TEXT_MAX)},
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
            quoted = clip(touch.message.strip(), ANSWER_MAX).splitlines()
            out += [f"> {slack_escape(part)}" for part in quoted]
    return "\n".join(out)


def render_slack_notice(notice: AdminNotice) -> str:
    """An admin notice as a plain Slack message text (``render_notice_text``, escaped)."""
    return clip(slack_escape(render_notice_text(notice)), SLACK_MESSAGE_MAX)
