"""The card laid out for a chat message, whatever the chat service: facts, body sections, a footnote
and link buttons. The Slack and Teams connectors write it in their own card formats.

Both are laid out from the same sections as ``render_text``: the contact as fields (with the status a
person set, and its reason), the latest touch (what they said, their answers), the latest notes
(who, when, what), the reasons as bullets, the touch time as a footnote, and the web links as
buttons. Free text from a platform is clipped to what a chat message can carry; the full text is in
``render_text`` and ``lead_payload``.
"""

from __future__ import annotations

from dataclasses import dataclass

from socialleads.card.sections import Row, Section, headline, lead_sections, status_text, utc_iso
from socialleads.models import EventKind, Lead
from socialleads.safe_text import terminal_text

#: How much of a comment, and of one form answer, a chat card shows.
QUOTE_MAX = 2500
ANSWER_MAX = 500
#: A link longer than this is not made a button (Slack refuses URLs over 3,000 characters:
#: https://docs.slack.dev/reference/block-kit/block-elements/button-element).
LINK_MAX = 3000
#: Contact facts on a card, at most (a Slack section holds at most 10 fields).
MAX_FACTS = 10

OPEN_LABELS = {
    EventKind.LEAD_FORM: "Open the form",
    EventKind.COMMENT: "Open the comment",
    EventKind.POST: "Open the post",
    EventKind.MENTION: "Open the post",
}
#: Contact facts in the order a salesperson reads them; Platform, Grade and Status come from the touch,
#: the quality and the status a person set (with its reason).
FACT_ORDER = (
    "Name",
    "Email",
    "Phone",
    "Platform",
    "Campaign",
    "Grade",
    "Status",
    "Company",
    "Job title",
    "Location",
)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def is_web_url(url: str | None) -> bool:
    """Only http(s) URLs become buttons; a "javascript:" URL from a payload stays inert text."""
    return bool(url) and str(url).lower().startswith(("https://", "http://")) and len(str(url)) <= LINK_MAX


@dataclass(frozen=True)
class ChatCard:
    """The card laid out for chat: facts, body sections, a footnote and link buttons."""

    title: str
    facts: tuple[Row, ...]
    sections: tuple[Section, ...]
    footnote: str
    links: tuple[tuple[str, str], ...]


def chat_card(lead: Lead, crm_url: str | None) -> ChatCard:
    """The chat layout of ``lead``, with an "Open in the CRM" button for ``crm_url``; never raises."""
    found = {s.key: s for s in lead_sections(lead)}
    touch = lead.latest_touch
    facts = {r.label: r for r in found["contact"].rows} if "contact" in found else {}
    if touch is not None:
        facts["Platform"] = Row("field", touch.platform, "Platform")
    if lead.quality is not None:
        facts["Grade"] = Row("field", f"{lead.quality.grade} ({lead.quality.score}/100)", "Grade")
    status = status_text(lead)
    if status is not None:
        facts["Status"] = Row("field", status, "Status")
    ordered = [facts.pop(label) for label in FACT_ORDER if label in facts] + list(facts.values())
    sections: list[Section] = [found[k] for k in ("test", "identifiers", "hints") if k in found]
    links: list[tuple[str, str]] = []
    footnote: list[str] = []
    if touch is not None:
        kind = touch.kind.value.replace("_", " ")
        rows = tuple(r for r in found["touch"].rows if not (r.kind == "link" and is_web_url(r.text)))
        for row in found["touch"].rows:
            if row.kind == "link" and is_web_url(row.text):
                original = row.label == "Link"  # the touch's own URL; the others are profiles
                links.append(
                    (OPEN_LABELS.get(touch.kind, "Open the original") if original else row.label, row.text)
                )
        sections.append(
            Section(f"What they sent: {touch.platform} {kind} from {touch.source}", rows, "touch")
        )
        footnote.append(f"Touch at {utc_iso(touch.occurred_at)}, received via {touch.received_via.value}")
    sections += [found[k] for k in ("notes", "flags", "intent", "quality") if k in found]
    if "earlier" in found:
        footnote.append(found["earlier"].title)
    if crm_url and is_web_url(crm_url):  # right after the original, before any profile links
        first = 1 if touch is not None and links and links[0][1] == touch.url else 0
        links.insert(first, ("Open in the CRM", crm_url))
    # Rows, section titles and the headline are display text already (``sections``); the footnote too.
    return ChatCard(
        headline(lead),
        tuple(ordered[:MAX_FACTS]),
        tuple(sections),
        terminal_text(" · ".join(footnote)),
        tuple(links),
    )
