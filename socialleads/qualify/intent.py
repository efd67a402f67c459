"""Buying intent of a comment or post: language → rules → text model → one calibrated score, with reasons.

The cascade:

1. Nothing to read (empty, whitespace, only emoji or punctuation) → score 0 at once.
2. The language: the caller's ``lang`` when given, else detected (py3langid, restricted to the
   languages with rules); when detection is unsure, the rules of the two best candidates are tried.
3. The rules of those languages (and the universal ones) give named evidence with the exact span that
   triggered it: positive (asks the price, delivery, availability, a quote, to be contacted, …) and
   negative (giveaway entry, complaint about a past purchase, wishful thinking, spam, job seeking, …).
4. The text model (TF-IDF word and character n-grams + logistic regression) gives a probability.
5. A small logistic combination, fitted on out-of-fold model scores and the rule evidence, turns
   ``model logit``, ``positive evidence`` and ``negative evidence`` into the score. Each reason's
   ``points`` is its share of that final logit, so sales can see what moved the score.

Rules give evidence; they never decide alone: a strong negative pulls the score down, a strong positive
lifts it, and the model decides the middle.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from socialleads.models import IntentVerdict, Reason
from socialleads.qualify import rules as rulebook
from socialleads.qualify.langdetect import detect, normalize_code
from socialleads.qualify.model import ARTIFACT_DIR, MAX_CHARS, TextModel, sigmoid
from socialleads.qualify.rules.base import SIGNALS, Hit, Rule

__all__ = ["DEFAULT_THRESHOLD", "Evidence", "IntentClassifier", "gather"]

DEFAULT_THRESHOLD = 0.7
#: Evidence is summed over distinct signals, then capped: five ways of asking the price are one price ask.
POSITIVE_CAP = 4.0
NEGATIVE_CAP = 5.0

_READABLE = re.compile(r"[^\W_]")
_TAG_ONLY = Rule("tag_only", SIGNALS["tag_only"][0], SIGNALS["tag_only"][1], re.compile(r"(?!)"))


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the rules found: the strongest hit of each signal, and the summed evidence each way."""

    language: str | None
    hits: tuple[Hit, ...]
    positive: float
    negative: float  # a magnitude: 0 or more


def gather(text: str, lang: str | None = None) -> Evidence:
    """Run the rules for ``lang`` (or the detected language) over ``text``."""
    text = text[:MAX_CHARS]
    explicit = normalize_code(lang)
    language: str | None
    langs: tuple[str, ...]
    if explicit is not None:
        language, langs = explicit, (explicit,)
    else:
        detection = detect(text)
        language, langs = detection.language, detection.candidates
    hits = rulebook.evaluate(text, langs)
    only_tags = rulebook.tag_only(text)
    # "Only tags" means tags *without buying words*: "@anna price?" asks the price.
    if only_tags is not None and not any(h.rule.weight > 0 for h in hits):
        hits = [h for h in hits if h.rule.signal != "tag"]
        hits.append(Hit(_TAG_ONLY, only_tags, text[only_tags[0] : only_tags[1]]))
    strongest: dict[str, Hit] = {}
    for hit in hits:
        kept = strongest.get(hit.rule.signal)
        if kept is None or abs(hit.rule.weight) > abs(kept.rule.weight):
            strongest[hit.rule.signal] = hit
    chosen = tuple(sorted(strongest.values(), key=lambda h: h.span))
    positive = min(POSITIVE_CAP, sum(h.rule.weight for h in chosen if h.rule.weight > 0))
    negative = min(NEGATIVE_CAP, -sum(h.rule.weight for h in chosen if h.rule.weight < 0))
    return Evidence(language, chosen, positive, negative)


def combine(combiner: dict[str, float], model_logit: float, evidence: Evidence) -> float:
    """The cascade's logit: intercept + a·model logit + b·positive evidence - c·negative evidence."""
    return (
        combiner["intercept"]
        + combiner["model"] * model_logit
        + combiner["positive"] * evidence.positive
        - combiner["negative"] * evidence.negative
    )


def blank_mentions(text: str, handles: Iterable[str]) -> str:
    """``text`` with every ``@handle`` of ``handles`` (any case) replaced by as many spaces."""
    wanted = {h.lower().lstrip("@") for h in handles if h}
    if not wanted or "@" not in text:
        return text
    return _MENTION.sub(lambda m: " " * len(m.group(0)) if m.group(1).lower() in wanted else m.group(0), text)


_MENTION = re.compile(r"(?<![\w@])@(\w+(?:\.\w+)*)")  # X: [A-Za-z0-9_]; Instagram also allows dots


class IntentClassifier:
    """Scores buying intent in comments and posts, every score with its reasons.

    ``IntentClassifier.load()`` reads the committed artifact (once per process); ``score`` and
    ``verdict`` accept any string and never raise.
    """

    def __init__(self, model: TextModel) -> None:
        self.model = model
        self.combiner = model.combiner

    @classmethod
    def load(cls, directory: Path | None = None) -> IntentClassifier:
        """The classifier of the committed artifact (cached); FileNotFoundError with the fix if missing."""
        return _load(str(directory or ARTIFACT_DIR))

    def score(
        self, text: str, lang: str | None = None, business: Iterable[str] = ()
    ) -> tuple[float, tuple[Reason, ...], str | None]:
        """``(score in [0, 1], reasons, language)`` for one text; ``lang`` (ISO 639-1) beats detection.

        ``business``: the handles of the business the text is addressed to (an X post to @thestore).
        Mentioning them is talking to the seller, not tagging a friend, so they are blanked out
        (with spaces, so every reason's span still points into the original text).
        """
        text = blank_mentions(text, business)
        if not _READABLE.search(text[:MAX_CHARS]):
            reason = Reason(
                signal="empty", detail="nothing to judge: no words (empty, or only emoji)", points=0.0
            )
            return 0.0, (reason,), normalize_code(lang)
        evidence = gather(text, lang)
        modelled = self.model.score(text)
        logit = combine(self.combiner, modelled.logit, evidence)
        score = sigmoid(logit)
        if not math.isfinite(score):  # cannot happen with finite weights; a score must stay in [0, 1]
            score = 0.0
        return (
            score,
            self._reasons(evidence, modelled.probability, modelled.logit, modelled.top_words),
            (evidence.language),
        )

    def verdict(
        self,
        text: str,
        lang: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        business: Iterable[str] = (),
    ) -> IntentVerdict:
        """The verdict for sales: score, whether it clears ``threshold``, reasons, and the language."""
        score, reasons, language = self.score(text, lang, business)
        return IntentVerdict(score=score, is_lead=score >= threshold, reasons=reasons, language=language)

    def _reasons(
        self, evidence: Evidence, probability: float, logit: float, words: tuple[str, ...]
    ) -> tuple[Reason, ...]:
        """Rule reasons (strongest first) and the model's own, each with its points in the final logit.

        When evidence one way was capped, that side's points are scaled down so that they still add up to
        what actually went into the score.
        """
        raw_positive = sum(h.rule.weight for h in evidence.hits if h.rule.weight > 0)
        raw_negative = -sum(h.rule.weight for h in evidence.hits if h.rule.weight < 0)
        positive_scale = self.combiner["positive"] * (
            evidence.positive / raw_positive if raw_positive else 1.0
        )
        negative_scale = self.combiner["negative"] * (
            evidence.negative / raw_negative if raw_negative else 1.0
        )
        out: list[Reason] = []
        for hit in sorted(evidence.hits, key=lambda h: -abs(h.rule.weight)):
            scale = positive_scale if hit.rule.weight > 0 else negative_scale
            out.append(
                Reason(
                    signal=hit.rule.signal,
                    detail=f'{hit.rule.label}: "{_shorten(hit.quote)}"',
                    span=hit.span,
                    points=round(scale * hit.rule.weight, 2),
                )
            )
        said = f"; weighing most: {', '.join(repr(w) for w in words)}" if words else ""
        out.append(
            Reason(
                signal="model",
                detail=f"text model: {probability:.0%} likely a lead{said}",
                points=round(self.combiner["model"] * logit, 2),
            )
        )
        return tuple(out)


def _shorten(quote: str, limit: int = 80) -> str:
    return quote if len(quote) <= limit else quote[: limit - 1] + "…"


@cache
def _load(directory: str) -> IntentClassifier:
    return IntentClassifier(TextModel.load(Path(directory)))
