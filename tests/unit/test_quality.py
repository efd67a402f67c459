"""Lead quality: score and grade from contact accuracy, incentive, awareness and intent, every point shown."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from socialleads.models import (
    Consent,
    Contact,
    EventKind,
    Handle,
    IntentVerdict,
    LeadDraft,
    LeadMagnet,
    QualityScore,
    Reason,
)
from socialleads.pipeline.normalize import normalize
from socialleads.qualify.quality import DEFAULT_WEIGHTS, QualityWeights, score_quality

CONTACT_ME = Consent(kind="optional_1", granted=True, text="Yes, Heimili may contact me by phone or email.")
INSTAGRAM = Handle(platform="instagram", user_id="17841", username="anna.j")


def draft(kind: EventKind = EventKind.LEAD_FORM, **fields: Any) -> LeadDraft:
    """A draft as the pipeline hands it to quality: normalized, Icelandic numbers without +354."""
    contact = Contact(**fields.pop("contact", {}))
    raw = LeadDraft(
        native_id="n1",
        kind=kind,
        platform="facebook",
        occurred_at=datetime(2025, 3, 14, tzinfo=UTC),
        contact=contact,
        **fields,
    )
    return normalize(raw, "IS")


def demo_request(**contact: str) -> LeadDraft:
    values = {"email": "anna@gmail.com", "phone": "690 1234", "full_name": "Anna Jónsdóttir"} | contact
    return draft(contact=values, consents=(CONTACT_ME,))


def comment(score: float) -> tuple[LeadDraft, IntentVerdict]:
    verdict = IntentVerdict(
        score=score,
        is_lead=True,
        reasons=(Reason(signal="price", detail="asks about the price", points=0.4),),
    )
    return draft(EventKind.COMMENT, handle=INSTAGRAM, message="how much is the corner sofa?"), verdict


def reason(quality: QualityScore, signal: str) -> Reason:
    [found] = [r for r in quality.reasons if r.signal == signal]
    return found


def test_a_contest_entry_with_a_placeholder_email_grades_d() -> None:
    entry = draft(contact={"email": "test@test.com"})
    assert score_quality(entry, None, LeadMagnet.CONTEST).grade == "D"


def test_a_contest_entry_with_asdf_for_an_email_grades_d() -> None:
    entry = draft(contact={"email": "asdf"})
    assert score_quality(entry, None, LeadMagnet.CONTEST).grade == "D"


def test_a_demo_request_with_valid_email_phone_and_consent_grades_a() -> None:
    assert score_quality(demo_request(), None, LeadMagnet.DEMO_REQUEST).grade == "A"


def test_a_demo_request_shows_a_reason_for_each_kind_of_evidence() -> None:
    quality = score_quality(demo_request(), None, LeadMagnet.DEMO_REQUEST)
    assert [r.signal for r in quality.reasons] == [
        "base",
        "email",
        "phone",
        "email and phone",
        "name",
        "incentive",
        "consent",
        "awareness",
        "intent",
    ]


def test_the_reasons_points_sum_to_the_score() -> None:
    quality = score_quality(demo_request(), None, LeadMagnet.DEMO_REQUEST)
    assert sum(r.points or 0 for r in quality.reasons) == quality.score


def test_a_comment_with_high_intent_and_only_a_handle_grades_b_or_c() -> None:
    lead, verdict = comment(0.95)
    assert score_quality(lead, verdict, None).grade in ("B", "C")


def test_a_handle_only_lead_is_capped_below_a_even_with_the_best_offer_and_intent() -> None:
    lead, verdict = comment(1.0)
    quality = score_quality(lead, verdict, LeadMagnet.DEMO_REQUEST)
    assert (quality.grade, reason(quality, "limit").detail) == (
        "B",
        "no usable email or phone: grade B at best",
    )


def test_the_cap_without_email_or_phone_is_configurable() -> None:
    lead, verdict = comment(1.0)
    weights = QualityWeights(best_grade_without_email_or_phone="A")
    assert score_quality(lead, verdict, LeadMagnet.DEMO_REQUEST, weights).grade == "A"


def test_comment_intent_points_scale_with_the_classifier_score() -> None:
    lead, verdict = comment(0.5)
    quality = score_quality(lead, verdict, None)
    assert (reason(quality, "intent").points, reason(quality, "intent").detail) == (
        20,
        "buying intent 0.50 (asks about the price)",
    )


def test_a_comment_without_a_verdict_gets_a_neutral_intent_reason() -> None:
    lead, _ = comment(0.9)
    assert reason(score_quality(lead, None, None), "intent").points == 0


def test_a_form_lead_is_a_lead_by_construction_whatever_the_verdict() -> None:
    verdict = IntentVerdict(score=0.0, is_lead=False)
    quality = score_quality(demo_request(), verdict, LeadMagnet.DEMO_REQUEST)
    assert reason(quality, "intent").points == DEFAULT_WEIGHTS.intent_by_construction


def test_an_answered_sales_question_adds_points_and_names_the_question() -> None:
    lead = draft(contact={"email": "anna@gmail.com"}, answers={"Which sofa?": "Hekla", "Budget": "300k"})
    found = reason(score_quality(lead, None, None), "answers")
    assert (found.points, found.detail) == (5, 'answered a sales question: "Which sofa?" and 1 more')


def test_an_unrecognised_consent_answer_is_no_sales_question() -> None:
    lead = draft(
        EventKind.IMPORT_ROW, contact={"email": "anna@gmail.com"}, answers={"consent (unrecognised)": "?"}
    )
    assert "answers" not in [r.signal for r in score_quality(lead, None, None).reasons]


def test_a_disposable_email_lowers_the_grade() -> None:
    valid = score_quality(demo_request(), None, LeadMagnet.DEMO_REQUEST)
    throwaway = score_quality(demo_request(email="anna@mailinator.com"), None, LeadMagnet.DEMO_REQUEST)
    assert (valid.grade, throwaway.grade) == ("A", "C")


def test_a_disposable_email_says_which_list_entry_it_matched() -> None:
    quality = score_quality(demo_request(email="anna@mailinator.com"), None, LeadMagnet.DEMO_REQUEST)
    found = reason(quality, "email")
    assert (found.detail, found.points) == (
        "the address is on a disposable-address list (mailinator.com)",
        -20,
    )


def test_a_placeholder_phone_removes_points() -> None:
    quality = score_quality(demo_request(phone="111 1111"), None, LeadMagnet.DEMO_REQUEST)
    assert reason(quality, "phone").points == DEFAULT_WEIGHTS.placeholder_value


def test_an_invalid_phone_removes_points() -> None:
    quality = score_quality(demo_request(phone="12"), None, LeadMagnet.DEMO_REQUEST)
    assert reason(quality, "phone").points == DEFAULT_WEIGHTS.phone_invalid


def test_an_implausible_name_removes_points_and_quotes_it() -> None:
    quality = score_quality(demo_request(full_name="Test Test"), None, LeadMagnet.DEMO_REQUEST)
    found = reason(quality, "name")
    assert (found.detail, found.points) == ('"Test Test" is a placeholder', -10)


def test_no_lead_magnet_is_a_neutral_reason() -> None:
    found = reason(score_quality(demo_request(), None, None), "incentive")
    assert (found.detail, found.points) == ("no lead magnet configured", 0)


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        (LeadMagnet.DEMO_REQUEST, LeadMagnet.FREE_TRIAL),
        (LeadMagnet.FREE_TRIAL, LeadMagnet.DOWNLOAD),
        (LeadMagnet.DOWNLOAD, LeadMagnet.CONTEST),
    ],
)
def test_lead_magnets_rank_from_sales_requests_to_giveaways(better: LeadMagnet, worse: LeadMagnet) -> None:
    assert DEFAULT_WEIGHTS.magnet_points(better) > DEFAULT_WEIGHTS.magnet_points(worse)


def test_raising_the_contest_weight_raises_the_grade_of_a_contest_entry() -> None:
    weights = QualityWeights.model_validate({"magnet_contest": 20})
    default = score_quality(demo_request(), None, LeadMagnet.CONTEST)
    raised = score_quality(demo_request(), None, LeadMagnet.CONTEST, weights)
    assert (default.grade, raised.grade) == ("B", "A")


def test_grade_bands_come_from_the_weights() -> None:
    quality = score_quality(demo_request(), None, LeadMagnet.DEMO_REQUEST, QualityWeights(grade_a=100))
    assert quality.grade == "B"


def test_declining_to_be_contacted_removes_points() -> None:
    refused = Consent(kind="contact", granted=False, text="You may contact me.")
    lead = draft(contact={"email": "anna@gmail.com"}, consents=(refused,))
    found = reason(score_quality(lead, None, None), "consent")
    assert (found.detail, found.points) == ('declined to be contacted: "You may contact me."', -15)


def test_a_marketing_consent_is_not_consent_to_be_contacted() -> None:
    offers = Consent(kind="marketing", granted=True, text="I agree to receive offers by email.")
    lead = draft(contact={"email": "anna@gmail.com"}, consents=(offers,))
    found = reason(score_quality(lead, None, None), "consent")
    assert (found.detail, found.points) == ('agreed to "I agree to receive offers by email."', 2)


def test_a_form_lead_with_no_consent_says_so() -> None:
    lead = draft(contact={"email": "anna@gmail.com"})
    assert reason(score_quality(lead, None, None), "consent").detail == "no consent recorded"


def test_an_organic_form_lead_gains_points() -> None:
    lead = draft(contact={"email": "anna@gmail.com"}, context={"is_organic": True, "platform": "fb"})
    assert reason(score_quality(lead, None, None), "traffic").points == DEFAULT_WEIGHTS.organic


def test_a_paid_form_lead_is_shown_as_such() -> None:
    lead = draft(contact={"email": "anna@gmail.com"}, context={"is_organic": False})
    assert reason(score_quality(lead, None, None), "traffic").detail == "came through a paid ad"


def test_a_post_that_does_not_address_the_business_loses_awareness_points() -> None:
    lead = draft(EventKind.POST, handle=INSTAGRAM, message="need a new sofa")
    verdict = IntentVerdict(score=0.8, is_lead=True)
    assert reason(score_quality(lead, verdict, None), "awareness").points == DEFAULT_WEIGHTS.unaware_post


def test_a_score_below_zero_is_clamped_with_a_reason() -> None:
    quality = score_quality(draft(contact={"email": "test@test.com"}), None, LeadMagnet.CONTEST)
    assert (quality.score, reason(quality, "limit").detail) == (0, "a score cannot go below 0")


def test_a_score_above_100_is_clamped_with_a_reason() -> None:
    quality = score_quality(demo_request(), None, LeadMagnet.DEMO_REQUEST, QualityWeights(base=50))
    assert (quality.score, reason(quality, "limit").detail) == (100, "a score cannot go above 100")


def test_unknown_weights_are_rejected() -> None:
    with pytest.raises(ValidationError):
        QualityWeights.model_validate({"magnet_giveaway": 5})


def test_grade_bands_out_of_order_are_rejected() -> None:
    with pytest.raises(ValidationError, match="grade_a > grade_b > grade_c"):
        QualityWeights(grade_b=85)


def test_scoring_is_fast_enough_for_bulk_imports() -> None:
    lead = demo_request()
    start = time.perf_counter()
    for _ in range(2000):
        score_quality(lead, None, LeadMagnet.DEMO_REQUEST)
    assert time.perf_counter() - start < 1.0  # typical is ~20 µs a lead; this only catches a blow-up


_INT_WEIGHTS = [name for name, f in QualityWeights.model_fields.items() if f.annotation in (int, "int")]
_POINT_WEIGHTS = [name for name in _INT_WEIGHTS if not name.startswith("grade_")]


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(EventKind),
    email=st.sampled_from([None, "anna@gmail.com", "test@test.com", "a@mailinator.com", "asdf", "a@b.c"]),
    phone=st.sampled_from([None, "690 1234", "111 1111", "12"]),
    name=st.sampled_from([None, "Anna Jónsdóttir", "x", "test test"]),
    handle=st.sampled_from([None, INSTAGRAM]),
    consents=st.lists(
        st.builds(Consent, kind=st.sampled_from(["contact", "marketing"]), granted=st.booleans())
    ),
    organic=st.sampled_from([None, True, False]),
    magnet=st.sampled_from([None, *LeadMagnet]),
    score=st.one_of(st.none(), st.floats(0, 1)),
    overrides=st.dictionaries(st.sampled_from(_POINT_WEIGHTS), st.integers(-100, 100), max_size=6),
)
def test_reasons_always_sum_to_a_score_in_range(
    kind: EventKind,
    email: str | None,
    phone: str | None,
    name: str | None,
    handle: Handle | None,
    consents: list[Consent],
    organic: bool | None,
    magnet: LeadMagnet | None,
    score: float | None,
    overrides: dict[str, int],
) -> None:
    lead = draft(
        kind,
        contact={"email": email, "phone": phone, "full_name": name},
        handle=handle,
        consents=tuple(consents),
        context={} if organic is None else {"is_organic": organic},
    )
    verdict = None if score is None else IntentVerdict(score=score, is_lead=True)
    quality = score_quality(lead, verdict, magnet, QualityWeights(**overrides))
    assert sum(r.points or 0 for r in quality.reasons) == quality.score
