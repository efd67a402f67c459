"""Lead quality: a 0-100 score and a grade, every point explained to sales.

A lead starts from ``QualityWeights.base`` and gains or loses points on four kinds of evidence:
contact accuracy (``contact_checks``), the incentive that drew it (the campaign's lead magnet),
awareness (did the person know a seller would answer: consent, form, organic or paid, public
message), and intent (the classifier's score for comments and posts; by construction for forms and
imports). Each change is one ``Reason`` whose ``points`` are the change; the reasons always sum to
the score, including a ``limit`` reason when the score is capped or clamped to 0-100.

Reason signals: ``base``, ``email``, ``phone``, ``email and phone``, ``name``, ``reach``,
``incentive``, ``consent``, ``awareness``, ``traffic``, ``intent``, ``answers``, ``limit``.
No DNS or network: there is no deliverability (MX) check.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

from socialleads.models import (
    LEAD_BY_CONSTRUCTION,
    Consent,
    EventKind,
    Grade,
    IntentVerdict,
    LeadDraft,
    LeadMagnet,
    QualityScore,
    Reason,
)
from socialleads.qualify.contact_checks import contact_reasons, quote, reason


def _w(default: int, description: str) -> int:
    return Field(default=default, ge=-100, le=100, description=description)


class QualityWeights(BaseModel):
    """Points for each quality signal (positive adds, negative removes), and the grade bands."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base: int = _w(10, "every lead starts with these points")
    # contact accuracy
    email_valid: int = _w(15, "a valid email that is not disposable or a placeholder")
    email_invalid: int = _w(-10, "an email was given but failed validation")
    email_bad_domain: int = _w(
        -10, "a valid email whose domain is a typo (gmial.com, .con) or has no real TLD"
    )
    email_disposable: int = _w(-20, "an email at a disposable-mailbox domain (mailinator.com)")
    phone_valid: int = _w(10, "a valid phone number for its region that is not a placeholder")
    phone_invalid: int = _w(-8, "a phone was given but is not a valid number")
    email_and_phone: int = _w(3, "bonus when both a usable email and a usable phone are given")
    placeholder_value: int = _w(-25, "an email or phone that is a placeholder (test@test.com, asdf, 1111111)")
    name_plausible: int = _w(5, "a name made of letters that looks like a person's")
    name_implausible: int = _w(-10, "a name that is a placeholder, a single letter, an email or a number")
    handle_only: int = _w(8, "no email or phone, but a platform account to reply to")
    unreachable: int = _w(-20, "no email, no phone and no platform account")
    best_grade_without_email_or_phone: Grade = Field(
        default="B", description="the best grade a lead with no usable email or phone can get (A: no cap)"
    )
    # incentive: the campaign's lead magnet
    magnet_demo_request: int = _w(20, "lead magnet demo_request")
    magnet_quote: int = _w(20, "lead magnet quote")
    magnet_consultation: int = _w(18, "lead magnet consultation")
    magnet_free_trial: int = _w(10, "lead magnet free_trial")
    magnet_webinar: int = _w(8, "lead magnet webinar")
    magnet_download: int = _w(4, "lead magnet download")
    magnet_newsletter: int = _w(2, "lead magnet newsletter")
    magnet_contest: int = _w(-10, "lead magnet contest (giveaways, prize draws)")
    magnet_none: int = _w(0, "the campaign offers nothing in exchange (lead magnet none)")
    no_lead_magnet: int = _w(0, "the lead is in no campaign, so no lead magnet is configured")
    # awareness
    consent_contact_granted: int = _w(10, "agreed to be contacted (a contact consent or disclaimer checked)")
    consent_contact_refused: int = _w(-15, "declined to be contacted, and agreed to no contact at all")
    consent_other_granted: int = _w(2, "agreed to something else (marketing, newsletter)")
    consent_other_refused: int = _w(0, "declined something else (marketing, newsletter)")
    consent_missing: int = _w(0, "a lead form or imported row with no consent recorded")
    aware_lead_form: int = _w(5, "filled in the business's lead form, so knows a seller will follow up")
    aware_public_message: int = _w(3, "commented on or mentioned the business in public")
    unaware_post: int = _w(-5, "a post found by search that does not address the business")
    organic: int = _w(3, "reached the form without an ad (context is_organic true)")
    paid: int = _w(0, "reached the form through a paid ad (context is_organic false)")
    # intent
    intent_max: int = _w(40, "comments, posts, mentions: points at intent score 1.0 (scaled by the score)")
    intent_missing: int = _w(0, "comments, posts, mentions whose intent was not assessed")
    intent_by_construction: int = _w(12, "lead forms and imported rows: leads by construction")
    sales_question_answered: int = _w(5, "answered at least one custom question of the form")
    # grade bands
    grade_a: int = Field(default=80, ge=1, le=100, description="lowest score graded A")
    grade_b: int = Field(default=60, ge=1, le=100, description="lowest score graded B")
    grade_c: int = Field(default=40, ge=1, le=100, description="lowest score graded C; below is D")

    @model_validator(mode="after")
    def _bands_in_order(self) -> QualityWeights:
        if not self.grade_a > self.grade_b > self.grade_c:
            raise ValueError("grade bands must satisfy grade_a > grade_b > grade_c")
        return self

    def magnet_points(self, magnet: LeadMagnet) -> int:
        """The points for a campaign's lead magnet."""
        return {
            LeadMagnet.DEMO_REQUEST: self.magnet_demo_request,
            LeadMagnet.QUOTE: self.magnet_quote,
            LeadMagnet.CONSULTATION: self.magnet_consultation,
            LeadMagnet.FREE_TRIAL: self.magnet_free_trial,
            LeadMagnet.WEBINAR: self.magnet_webinar,
            LeadMagnet.DOWNLOAD: self.magnet_download,
            LeadMagnet.NEWSLETTER: self.magnet_newsletter,
            LeadMagnet.CONTEST: self.magnet_contest,
            LeadMagnet.NONE: self.magnet_none,
        }[magnet]

    def grade(self, score: int) -> Grade:
        """The grade of ``score`` by the bands."""
        if score >= self.grade_a:
            return "A"
        if score >= self.grade_b:
            return "B"
        return "C" if score >= self.grade_c else "D"

    def ceiling(self, grade: Grade) -> int:
        """The highest score that still grades ``grade`` (100 for A)."""
        return {"A": 100, "B": self.grade_a - 1, "C": self.grade_b - 1, "D": self.grade_c - 1}[grade]


DEFAULT_WEIGHTS = QualityWeights()

_MAGNETS = {
    LeadMagnet.DEMO_REQUEST: "a demo request: people who ask to see the product mean to buy",
    LeadMagnet.QUOTE: "a quote: people who ask for a price mean to buy",
    LeadMagnet.CONSULTATION: "a consultation: people who book one have a need to discuss",
    LeadMagnet.FREE_TRIAL: "a free trial: interested, but not yet committed",
    LeadMagnet.WEBINAR: "a webinar: interested in the topic, not yet in buying",
    LeadMagnet.DOWNLOAD: "a free download: many come for the content only",
    LeadMagnet.NEWSLETTER: "a newsletter: a reader, not yet a buyer",
    LeadMagnet.CONTEST: "a contest or giveaway: many take part for the prize, not the product",
    LeadMagnet.NONE: "nothing in exchange",
}
_CONTACT_KINDS = frozenset(
    {"contact", "contact_me", "contact_request", "phone_calls", "calls", "callback", "sales"}
)
_OTHER_KINDS = frozenset({"marketing", "newsletter", "offers", "promotions", "terms", "privacy"})
_CONTACT_TEXT = re.compile(
    r"contact|kontakt|call\b|phone|reach|get in touch|follow[- ]?up|llam|samband", re.I
)


def _incentive(magnet: LeadMagnet | None, w: QualityWeights) -> Reason:
    if magnet is None:
        return reason(signal="incentive", detail="no lead magnet configured", points=w.no_lead_magnet)
    detail = f"the campaign offers {_MAGNETS[magnet]}"
    return reason(signal="incentive", detail=detail, points=w.magnet_points(magnet))


def _is_contact_consent(consent: Consent) -> bool:
    kind = consent.kind.strip().lower()
    if kind in _CONTACT_KINDS:
        return True
    return kind not in _OTHER_KINDS and bool(consent.text and _CONTACT_TEXT.search(consent.text))


def _said(consent: Consent) -> str:
    return quote(consent.text) if consent.text else f"({consent.kind})"


def _consents(draft: LeadDraft, w: QualityWeights) -> list[Reason]:
    consents = draft.consents
    if not consents:
        if draft.kind not in LEAD_BY_CONSTRUCTION:
            return []  # a public message never carries one: saying so on every comment is noise
        return [reason(signal="consent", detail="no consent recorded", points=w.consent_missing)]
    contact = [c for c in consents if _is_contact_consent(c)]
    other = [c for c in consents if not _is_contact_consent(c)]
    granted = [c for c in contact if c.granted]
    refused = [c for c in contact if not c.granted]
    reasons = []
    if granted:
        detail = f"agreed to be contacted: {_said(granted[0])}"
        reasons.append(reason(signal="consent", detail=detail, points=w.consent_contact_granted))
        if refused:
            detail = f"but declined {_said(refused[0])}: respect it when following up"
            reasons.append(reason(signal="consent", detail=detail, points=0))
    elif refused:
        detail = f"declined to be contacted: {_said(refused[0])}"
        reasons.append(reason(signal="consent", detail=detail, points=w.consent_contact_refused))
    if yes := [c for c in other if c.granted]:
        reasons.append(
            reason(signal="consent", detail=f"agreed to {_said(yes[0])}", points=w.consent_other_granted)
        )
    if no := [c for c in other if not c.granted]:
        reasons.append(
            reason(signal="consent", detail=f"declined {_said(no[0])}", points=w.consent_other_refused)
        )
    return reasons


def _awareness(draft: LeadDraft, w: QualityWeights) -> list[Reason]:
    reasons = _consents(draft, w)
    if draft.kind == EventKind.LEAD_FORM:
        detail = "filled in the business's lead form, so knows a seller will follow up"
        reasons.append(reason(signal="awareness", detail=detail, points=w.aware_lead_form))
    elif draft.kind in (EventKind.COMMENT, EventKind.MENTION):
        detail = f"wrote to the business in public (a {draft.kind.value})"
        reasons.append(reason(signal="awareness", detail=detail, points=w.aware_public_message))
    elif draft.kind == EventKind.POST:
        detail = "a post found by search that does not address the business: expects no seller"
        reasons.append(reason(signal="awareness", detail=detail, points=w.unaware_post))
    organic = draft.context.get("is_organic")
    if organic is True:
        detail = "came without an ad (organic): sought the business out"
        reasons.append(reason(signal="traffic", detail=detail, points=w.organic))
    elif organic is False:
        reasons.append(reason(signal="traffic", detail="came through a paid ad", points=w.paid))
    return reasons


def _intent(draft: LeadDraft, intent: IntentVerdict | None, w: QualityWeights) -> list[Reason]:
    reasons = []
    if draft.kind in LEAD_BY_CONSTRUCTION:
        what = "filled in a lead form" if draft.kind == EventKind.LEAD_FORM else "an imported lead"
        detail = f"{what}: a lead by construction"
        reasons.append(reason(signal="intent", detail=detail, points=w.intent_by_construction))
    elif intent is None:
        reasons.append(reason(signal="intent", detail="not assessed", points=w.intent_missing))
    else:
        detail = f"buying intent {intent.score:.2f}"
        if intent.reasons:
            detail += f" ({max(intent.reasons, key=lambda r: r.points or 0).detail})"
        reasons.append(reason(signal="intent", detail=detail, points=round(intent.score * w.intent_max)))
    asked = [q for q, a in draft.answers.items() if a.strip() and "consent" not in q.lower()]
    if asked:
        more = f" and {len(asked) - 1} more" if len(asked) > 1 else ""
        detail = f"answered a sales question: {quote(asked[0])}{more}"
        reasons.append(reason(signal="answers", detail=detail, points=w.sales_question_answered))
    return reasons


def score_quality(
    draft: LeadDraft,
    intent: IntentVerdict | None,
    lead_magnet: LeadMagnet | None,
    weights: QualityWeights | None = None,
) -> QualityScore:
    """Score a normalized draft 0-100 and grade it; the reasons' points sum to the score.

    ``intent`` counts for comments, posts and mentions only; ``lead_magnet`` is the campaign's
    (None when the draft is in no campaign). ``weights`` default to ``DEFAULT_WEIGHTS``.
    """
    w = weights or DEFAULT_WEIGHTS
    reasons = [reason(signal="base", detail="every lead starts here", points=w.base)]
    contact, reachable = contact_reasons(draft, w)
    reasons += contact
    reasons.append(_incentive(lead_magnet, w))
    reasons += _awareness(draft, w)
    reasons += _intent(draft, intent, w)
    total = sum(int(r.points or 0) for r in reasons)
    ceiling = w.ceiling(w.best_grade_without_email_or_phone)
    if not reachable and total > ceiling:
        best = w.best_grade_without_email_or_phone
        detail = f"no usable email or phone: grade {best} at best"
        reasons.append(reason(signal="limit", detail=detail, points=ceiling - total))
        total = ceiling
    if total < 0:
        reasons.append(reason(signal="limit", detail="a score cannot go below 0", points=-total))
        total = 0
    elif total > 100:
        reasons.append(reason(signal="limit", detail="a score cannot go above 100", points=100 - total))
        total = 100
    return QualityScore(score=total, grade=w.grade(total), reasons=tuple(reasons))
