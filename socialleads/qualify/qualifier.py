"""The qualifier the pipeline uses: buying intent for comments and posts, quality for every lead.

Lead forms and imported rows are leads by construction; a comment, post or mention is a lead when
the intent classifier's score reaches the campaign's threshold. Every lead gets a quality score
and grade, with the reasons, which routing rules can match on.
"""

from __future__ import annotations

import re

from socialleads.configuration.models import Campaign
from socialleads.models import BUSINESS_HANDLES, LEAD_BY_CONSTRUCTION, LeadDraft, Qualification
from socialleads.qualify.intent import IntentClassifier
from socialleads.qualify.quality import QualityWeights, score_quality

DEFAULT_THRESHOLD = Campaign().intent_threshold

#: A language hint the text models can use: an ISO 639-1 code, maybe with a region (``pt-BR``).
#: Anything else (``und``, ``zxx``, ``qme``: platforms' "no language" labels) leaves it to detection.
_LANGUAGE_CODE = re.compile(r"[a-z]{2}(?:-[A-Za-z]{2,4})?")


class LeadQualifier:
    """Implements the ``Qualifier`` hook; the classifier's artifact is loaded on first use."""

    def __init__(
        self, weights: QualityWeights | None = None, classifier: IntentClassifier | None = None
    ) -> None:
        self.weights = weights or QualityWeights()
        self._classifier = classifier

    @property
    def classifier(self) -> IntentClassifier:
        """The intent classifier (loaded once, from the committed artifact)."""
        if self._classifier is None:
            self._classifier = IntentClassifier.load()
        return self._classifier

    def warm_up(self) -> None:
        """Load the classifier and read one text with it, so that the first comment after a start does
        not pay for loading the model and the language identifier (about a second here). Called once
        by the scheduler when the bot starts."""
        self.classifier.verdict("How much is it?", lang=None, threshold=DEFAULT_THRESHOLD)

    def qualify(self, draft: LeadDraft, campaign: Campaign | None) -> Qualification:
        """Decide whether ``draft`` is a lead, and how good; never raises for any text."""
        magnet = campaign.lead_magnet if campaign else None
        if draft.kind in LEAD_BY_CONSTRUCTION:
            return Qualification(is_lead=True, quality=score_quality(draft, None, magnet, self.weights))
        threshold = campaign.intent_threshold if campaign else DEFAULT_THRESHOLD
        lang = draft.context.get("lang")
        business = draft.context.get(BUSINESS_HANDLES) or ()
        verdict = self.classifier.verdict(
            draft.message or "",
            lang=lang if isinstance(lang, str) and _LANGUAGE_CODE.fullmatch(lang) else None,
            threshold=threshold,
            business=[h for h in business if isinstance(h, str)],
        )
        if not verdict.is_lead:
            evidence = "; ".join(r.detail for r in verdict.reasons[:3]) or "no buying signal"
            return Qualification(
                is_lead=False,
                intent=verdict,
                why_not=f"buying intent {verdict.score:.2f} is below the threshold {threshold:.2f} "
                f"({evidence})",
            )
        return Qualification(
            is_lead=True, intent=verdict, quality=score_quality(draft, verdict, magnet, self.weights)
        )
