"""Buying-intent rules per language: named signals with weights and the exact span that triggered them.

``rules_for(lang)`` gives a language's rules plus the universal ones (``base.UNIVERSAL``); an unknown
language gets the universal rules only. ``evaluate`` runs a rule set over a text.
"""

from __future__ import annotations

from functools import cache

from socialleads.qualify.rules import da, de, en, es, fi, fr, is_, it, nl, no, pl, pt, sv
from socialleads.qualify.rules.base import UNIVERSAL, Folded, Hit, Rule, fold, match, tag_only

__all__ = ["LANGUAGES", "Folded", "Hit", "Rule", "evaluate", "fold", "rules_for", "tag_only"]

_BY_LANGUAGE: dict[str, tuple[Rule, ...]] = {
    "en": en.RULES,
    "es": es.RULES,
    "de": de.RULES,
    "fr": fr.RULES,
    "is": is_.RULES,
    "da": da.RULES,
    "pt": pt.RULES,
    "sv": sv.RULES,
    # Beyond the labelled data's languages: smaller rule sets, so that comments in neighbouring
    # languages get evidence of their own instead of being read with the wrong language's rules.
    "no": no.RULES,
    "nl": nl.RULES,
    "it": it.RULES,
    "fi": fi.RULES,
    "pl": pl.RULES,
}

#: The languages that have their own rules (ISO 639-1).
LANGUAGES: tuple[str, ...] = tuple(_BY_LANGUAGE)


@cache
def rules_for(*langs: str) -> tuple[Rule, ...]:
    """The rules of ``langs`` (in order, without repeats) followed by the universal rules."""
    seen: list[Rule] = []
    for lang in dict.fromkeys(langs):
        seen.extend(_BY_LANGUAGE.get(lang, ()))
    return (*seen, *UNIVERSAL)


def evaluate(text: str, langs: tuple[str, ...]) -> list[Hit]:
    """The hits of ``langs``' rules on ``text``; a rule that matches in two languages counts once."""
    folded = fold(text)
    return match(rules_for(*langs), text, folded)
