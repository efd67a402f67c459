"""The lead card: what a person sees of a lead in every sink."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from socialleads.card import headline, lead_payload, render_html, render_notice_text, render_text
from socialleads.models import (
    AdminNotice,
    Contact,
    EventKind,
    FieldFlag,
    Handle,
    IntentVerdict,
    Lead,
    Reason,
    Touch,
)

LeadMaker = Callable[..., Lead]
TouchMaker = Callable[..., Touch]

COMMENT = "Hi! How much is the Hekla corner sofa? Do you deliver to Akureyri?"


@pytest.fixture
def form_lead(make_lead: LeadMaker) -> Lead:
    return make_lead()


@pytest.fixture
def flagged_lead(make_lead: LeadMaker) -> Lead:
    contact = Contact(
        full_name="Bob Smith",
        phone="+3546901234",
        city="Akureyri",
        flags=(FieldFlag(field="email", raw="bob@@x", problem="it has two @ signs"),),
    )
    return make_lead(contact=contact)


@pytest.fixture
def comment_lead(make_lead: LeadMaker, make_touch: TouchMaker) -> Lead:
    question = "How much is the Hekla corner sofa?"
    start = COMMENT.index(question)
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
        reasons=(
            Reason(signal="price_question", detail="asks for a price", span=(start, start + len(question))),
            Reason(signal="delivery_question", detail="asks about delivery", span=(39, 200)),
        ),
    )
    return make_lead(
        contact=Contact(first_name="Sigga"),
        campaign=None,
        quality=None,
        intent=intent,
        touches=(touch,),
        handles=(Handle(platform="instagram", username="sigga.sofa"),),
    )


@pytest.fixture
def three_touch_lead(make_lead: LeadMaker, make_touch: TouchMaker) -> Lead:
    now = make_touch().received_at
    touches = (
        make_touch(
            id=1,
            platform="instagram",
            kind=EventKind.COMMENT,
            answers={},
            consents=(),
            message="nice",
            occurred_at=now - timedelta(days=9),
            received_at=now - timedelta(days=9),
        ),
        make_touch(
            id=2,
            platform="x",
            kind=EventKind.MENTION,
            answers={},
            consents=(),
            message="@shop hi",
            occurred_at=now - timedelta(days=3),
            received_at=now - timedelta(days=3),
        ),
        make_touch(id=3),
    )
    return make_lead(touches=touches, revision=3, delivered_revision=1)


def test_headline_of_a_new_lead_names_person_campaign_and_grade(form_lead: Lead) -> None:
    assert headline(form_lead) == "New lead: Anna Jónsdóttir — spring-sofas, grade B"


def test_headline_of_an_update_counts_touches(three_touch_lead: Lead) -> None:
    assert headline(three_touch_lead) == "Lead update: Anna Jónsdóttir — spring-sofas, grade B (touch 3)"


def test_headline_without_campaign_or_grade_is_just_the_name(comment_lead: Lead) -> None:
    assert headline(comment_lead) == "New lead: Sigga"


def test_form_card_shows_contact_quality_and_latest_touch(form_lead: Lead) -> None:
    text = render_text(form_lead)
    for expected in (
        "Name: Anna Jónsdóttir",
        "Email: anna@example.is",
        "Phone: +3546901234",
        "Company: Sófar ehf.",
        "Job title: Purchasing manager",
        "Location: Reykjavík, IS",
        "Campaign: spring-sofas",
        "Quality: grade B, score 72/100",
        "- email: a valid work email (+20)",
        "- budget: budget given in the form (+15)",
        "Latest touch: facebook lead form from fb-spring, 2025-03-14T09:25:00Z",
        "Link: https://www.facebook.com/ads/lead/1001",
        "facebook profile: https://www.facebook.com/anna.jons",
    ):
        assert expected in text, expected


def test_form_card_lists_answers_as_question_and_answer(form_lead: Lead) -> None:
    text = render_text(form_lead)
    assert "Which sofa are you interested in?: Corner sofa Hekla" in text
    assert "Budget: 300-400k ISK" in text


def test_form_card_shows_consents_granted_or_not_with_their_text(form_lead: Lead) -> None:
    text = render_text(form_lead)
    assert 'Consent marketing: granted ("I agree to receive offers by email.")' in text
    assert 'Consent phone_calls: not granted ("You may call me.")' in text


def test_contact_flags_are_shown_plainly(flagged_lead: Lead) -> None:
    assert "email 'bob@@x' was not used: it has two @ signs" in render_text(flagged_lead)


def test_missing_values_are_omitted_never_none(
    flagged_lead: Lead, comment_lead: Lead, three_touch_lead: Lead
) -> None:
    for lead in (flagged_lead, comment_lead, three_touch_lead):
        text, markup = render_text(lead), render_html(lead)
        assert "None" not in text and "None" not in markup
    text = render_text(comment_lead)
    for absent in ("Email:", "Company:", "Campaign:", "Quality:", "Earlier touches"):
        assert absent not in text


def test_comment_card_quotes_the_message_and_the_intent_spans(comment_lead: Lead) -> None:
    text = render_text(comment_lead)
    assert f"> {COMMENT}" in text
    assert "Intent: score 0.87" in text
    assert '- price_question: asks for a price — "How much is the Hekla corner sofa?"' in text


def test_intent_span_outside_the_message_is_not_quoted(comment_lead: Lead) -> None:
    assert "- delivery_question: asks about delivery\n" in render_text(comment_lead)


def test_handle_without_profile_url_shows_the_username(comment_lead: Lead) -> None:
    assert "instagram profile: @sigga.sofa" in render_text(comment_lead)


def test_earlier_touches_are_summarised_in_one_line(three_touch_lead: Lead) -> None:
    text = render_text(three_touch_lead)
    assert "Earlier touches: 2, first seen 2025-03-05 (instagram, x)" in text
    assert "Latest touch: facebook lead form" in text


def test_html_escapes_values(make_lead: LeadMaker) -> None:
    lead = make_lead(contact=Contact(full_name="<script>alert(1)</script>", company="A & B"))
    markup = render_html(lead)
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "A &amp; B" in markup


def test_html_links_only_web_urls(make_lead: LeadMaker, make_touch: TouchMaker) -> None:
    markup = render_html(make_lead(touches=(make_touch(url="javascript:alert(1)"),)))
    assert 'href="javascript' not in markup
    assert '<a href="https://www.facebook.com/anna.jons"' in markup


def test_html_has_no_external_assets(form_lead: Lead) -> None:
    markup = render_html(form_lead)
    assert "<link" not in markup and "<img" not in markup and "<script" not in markup


def test_payload_is_json_ready_and_carries_key_and_revision(three_touch_lead: Lead) -> None:
    payload = lead_payload(three_touch_lead, "sl1-abc")
    decoded = json.loads(json.dumps(payload, ensure_ascii=False))
    assert decoded["type"] == "lead"
    assert decoded["idempotency_key"] == "sl1-abc"
    assert decoded["revision"] == 3
    assert decoded["lead"]["contact"]["full_name"] == "Anna Jónsdóttir"
    assert len(decoded["lead"]["touches"]) == 3


def test_notice_text_shows_severity_subject_source_and_body() -> None:
    text = render_notice_text(
        AdminNotice(subject="Source failing", body="Token expired.", severity="error", source="fb-spring")
    )
    assert text == "[ERROR] Source failing\nSource: fb-spring\n\nToken expired.\n"


def test_notice_without_source_has_no_source_line() -> None:
    notice = AdminNotice(subject="Back to normal", body="ok", severity="info")
    assert "Source" not in render_notice_text(notice)
