"""The chat cards: Slack Block Kit blocks and the Teams Adaptive Card, within the platforms' limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from connectors.slack.card import (
    render_slack_blocks,
    render_slack_notice,
    render_slack_reply,
    render_slack_text,
)
from connectors.teams.card import render_teams_card, render_teams_notice
from socialleads.card import headline
from socialleads.models import (
    AdminNotice,
    Contact,
    EventKind,
    FieldFlag,
    Handle,
    IntentVerdict,
    Lead,
    QualityScore,
    Reason,
    Touch,
)
from socialleads.sandbox.chat.slack.blocks import block_problems
from socialleads.sandbox.chat.teams import message_problems

LeadMaker = Callable[..., Lead]
TouchMaker = Callable[..., Touch]
CRM = "https://crm.example.com/leads/7"
COMMENT = "How much is the Hekla corner sofa? Do you deliver to Akureyri?"


@pytest.fixture
def comment_lead(make_lead: LeadMaker, make_touch: TouchMaker) -> Lead:
    touch = make_touch(
        kind=EventKind.COMMENT,
        platform="instagram",
        source="ig-shop",
        answers={},
        consents=(),
        message=COMMENT,
        url="https://www.instagram.com/p/abc/c/1",
    )
    intent = IntentVerdict(
        score=0.87,
        is_lead=True,
        reasons=(Reason(signal="price_question", detail="asks for a price", span=(0, 34)),),
    )
    return make_lead(touches=(touch,), intent=intent)


@pytest.fixture
def huge_lead(make_lead: LeadMaker, make_touch: TouchMaker) -> Lead:
    """Everything far beyond the limits, written in characters that grow when escaped."""
    nasty = "&<>*_[x](y) " * 40
    touch = make_touch(
        kind=EventKind.COMMENT,
        message="\n".join([nasty * 10] * 30),
        answers={f"Question {i} {nasty}": nasty * 5 for i in range(60)},
        url="https://www.instagram.com/p/" + "a" * 200,
    )
    reasons = tuple(Reason(signal=f"s{i}", detail=nasty * 3, points=1) for i in range(80))
    return make_lead(
        contact=Contact(full_name="N" * 400 + nasty, email="anna@example.is", company=nasty * 10),
        campaign=nasty,
        touches=(touch,),
        intent=IntentVerdict(score=0.9, is_lead=True, reasons=reasons),
        quality=QualityScore(score=90, grade="A", reasons=reasons),
        handles=tuple(Handle(platform="x", profile_url=f"https://x.com/u{i}") for i in range(40)),
    )


@pytest.fixture
def bare_lead(make_lead: LeadMaker) -> Lead:
    """A lead with almost nothing known: no touch, no quality, no email."""
    return make_lead(contact=Contact(), handles=(), campaign=None, touches=(), quality=None, intent=None)


def slack_texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def teams_card(message: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = message["attachments"][0]["content"]
    return content


def test_slack_card_has_the_headline_and_the_contact_fields(make_lead: LeadMaker) -> None:
    lead = make_lead()
    blocks = render_slack_blocks(lead, CRM)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": headline(lead)}}
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields[:6] == [
        "*Name*\nAnna Jónsdóttir",
        "*Email*\n<mailto:anna@example.is|anna@example.is>",
        "*Phone*\n<tel:+3546901234|+3546901234>",
        "*Platform*\nfacebook",
        "*Campaign*\nspring-sofas",
        "*Grade*\nB (72/100)",
    ]


def test_slack_card_quotes_answers_lists_reasons_and_dates_the_touch(make_lead: LeadMaker) -> None:
    text = slack_texts(render_slack_blocks(make_lead()))
    assert "*Which sofa are you interested in?:* Corner sofa Hekla" in text
    assert "• email: a valid work email (+20)" in text
    assert "Touch at 2025-03-14T09:25:00Z, received via webhook" in text


def test_slack_card_quotes_the_comment_and_the_intent_reasons(comment_lead: Lead) -> None:
    text = slack_texts(render_slack_blocks(comment_lead))
    assert f"> {COMMENT}" in text
    assert '• price_question: asks for a price — \\"How much is the Hekla corner sofa?\\"' in text


def test_slack_buttons_open_the_original_and_the_crm_record(comment_lead: Lead) -> None:
    actions = render_slack_blocks(comment_lead, CRM)[-1]
    assert actions["type"] == "actions"
    links = {b["text"]["text"]: b["url"] for b in actions["elements"]}
    assert links["Open the comment"] == "https://www.instagram.com/p/abc/c/1"
    assert links["Open in the CRM"] == CRM


def test_slack_card_without_crm_url_has_no_crm_button(make_lead: LeadMaker) -> None:
    assert "Open in the CRM" not in slack_texts(render_slack_blocks(make_lead()))


def test_slack_card_escapes_what_a_person_wrote(make_lead: LeadMaker, make_touch: TouchMaker) -> None:
    touch = make_touch(message="<!channel> win & <https://evil.example|click here>", answers={"a<b": "c>d"})
    lead = make_lead(contact=Contact(full_name="Tom & <@U123>"), touches=(touch,))
    blocks = render_slack_blocks(lead)
    text = slack_texts(blocks[1:])  # the header is plain_text, which Slack never parses
    assert "<!channel>" not in text and "<https://evil" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt; win &amp; &lt;https://evil.example|click here&gt;" in text
    assert "*a&lt;b:* c&gt;d" in text
    assert blocks[1]["fields"][0]["text"] == "*Name*\nTom &amp; &lt;@U123&gt;"
    assert all(f.get("verbatim") is True for f in blocks[1]["fields"])  # no @here / #channel parsing


def test_slack_card_stays_within_block_kit_limits(huge_lead: Lead) -> None:
    blocks = render_slack_blocks(huge_lead, CRM)
    assert block_problems(blocks) == []
    assert len(blocks) <= 50
    assert len(blocks[0]["text"]["text"]) <= 150
    assert len(blocks[1]["fields"]) <= 10
    assert all(len(f["text"]) <= 2000 for f in blocks[1]["fields"])
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section" and "text" in b)
    assert blocks[-1]["type"] == "actions" and len(blocks[-1]["elements"]) <= 25
    body = sum(len(b["text"]["text"]) for b in blocks if b["type"] == "section" and "text" in b)
    assert body <= 13000  # Slack's undocumented msg_blocks_too_long


def test_slack_card_never_shows_none(bare_lead: Lead) -> None:
    blocks = render_slack_blocks(bare_lead)
    assert "None" not in slack_texts(blocks) and "null" not in slack_texts(blocks)
    assert block_problems(blocks) == []


def test_a_javascript_link_is_no_button(make_lead: LeadMaker, make_touch: TouchMaker) -> None:
    lead = make_lead(touches=(make_touch(url="javascript:alert(1)"),), handles=())
    blocks = render_slack_blocks(lead, "javascript:alert(2)")
    assert all(b["type"] != "actions" for b in blocks)
    assert "javascript:alert(1)" in slack_texts(blocks)  # shown as text, never as a link


def test_slack_text_reply_and_notice_are_escaped(comment_lead: Lead) -> None:
    lead = comment_lead.model_copy(update={"contact": Contact(full_name="A <b>")})
    assert render_slack_text(lead) == "New lead: A &lt;b&gt; — spring-sofas, grade B"
    reply = render_slack_reply(lead)
    assert "instagram comment from ig-shop" in reply and f"> {COMMENT}" in reply
    notice = AdminNotice(subject="Source <x> failing", body="HTTP 500 & more", source="fb")
    assert (
        render_slack_notice(notice)
        == "[WARNING] Source &lt;x&gt; failing\nSource: fb\n\nHTTP 500 &amp; more\n"
    )


def test_teams_card_is_a_valid_adaptive_card_message(make_lead: LeadMaker) -> None:
    message = render_teams_card(make_lead(), CRM)
    assert message_problems(message) == []
    attachment = message["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert (attachment["content"]["type"], attachment["content"]["version"]) == ("AdaptiveCard", "1.4")


def test_teams_card_has_headline_facts_and_buttons(make_lead: LeadMaker) -> None:
    lead = make_lead()
    card = teams_card(render_teams_card(lead, CRM))
    assert card["body"][0]["text"] == headline(lead)
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["Email"] == "[anna@example.is](mailto:anna@example.is)"
    assert facts["Phone"] == "[+3546901234](tel:+3546901234)"
    assert (facts["Platform"], facts["Campaign"], facts["Grade"]) == (
        "facebook",
        "spring-sofas",
        "B (72/100)",
    )
    buttons = {a["title"]: a["url"] for a in card["actions"]}
    assert buttons["Open the form"] == "https://www.facebook.com/ads/lead/1001"
    assert buttons["Open in the CRM"] == CRM
    text = json.dumps(card, ensure_ascii=False)
    assert "Corner sofa Hekla" in text and "- email: a valid work email (+20)" in text


def test_teams_card_shows_a_comment_as_plain_text_and_escapes_markdown(
    comment_lead: Lead, make_touch: TouchMaker
) -> None:
    touch = make_touch(message="[Claim your prize](https://evil.example) **now**", kind=EventKind.COMMENT)
    lead = comment_lead.model_copy(update={"touches": (touch,), "contact": Contact(full_name="*Bo* [x](y)")})
    card = teams_card(render_teams_card(lead))
    [rich] = [e for e in card["body"] if e["type"] == "RichTextBlock"]
    assert (
        rich["inlines"][0]["text"] == "[Claim your prize](https://evil.example) **now**"
    )  # a TextRun: no markdown
    assert card["body"][1]["facts"][0]["value"] == r"\*Bo\* \[x\](y)"


def test_teams_card_fits_in_28_kb_and_validates(huge_lead: Lead) -> None:
    message = render_teams_card(huge_lead, CRM)
    assert len(json.dumps(message, ensure_ascii=False).encode()) <= 28 * 1024
    assert message_problems(message) == []


def test_teams_card_never_shows_none(bare_lead: Lead) -> None:
    message = render_teams_card(bare_lead)
    assert "None" not in json.dumps(message)
    assert message_problems(message) == []


def test_teams_notice_is_a_valid_card() -> None:
    notice = AdminNotice(
        subject="Source fb needs re-auth", body="Token expired.", severity="error", source="fb"
    )
    message = render_teams_notice(notice)
    assert message_problems(message) == []
    assert "ERROR: Source fb needs re-auth" in json.dumps(message)


def test_contact_flags_appear_on_both_cards(make_lead: LeadMaker) -> None:
    flag = FieldFlag(field="email", raw="bob@@x", problem="it has two @ signs")
    lead = make_lead(contact=Contact(full_name="Bob", flags=(flag,)))
    expected = "email 'bob@@x' was not used: it has two @ signs"
    assert expected in slack_texts(render_slack_blocks(lead))
    assert expected in json.dumps(render_teams_card(lead), ensure_ascii=False)
