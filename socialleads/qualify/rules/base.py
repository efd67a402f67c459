"""What every language's rules share: folding with an offset map, the rule and hit types, universal rules.

Rules are matched on a *folded* copy of the text (lower-cased, accents and special letters spelled in
ASCII: ``hvað`` → ``hvad``, ``für`` → ``fur``, ``þú`` → ``thu``) because people type without accents
on their phones; patterns are written in that folded form. A per-character offset map turns a match in
the folded text back into the exact span of the original text, so a reason always quotes what the
person wrote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Letters whose folding is not "drop the accent" (NFKD leaves them whole).
_SPECIAL = {"ð": "d", "þ": "th", "æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "\u0131": "i"}
_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"}
_FOLD_CACHE: dict[str, str] = {}


def fold_char(char: str) -> str:
    """One character lower-cased and spelled without accents ('' for a bare combining mark)."""
    cached = _FOLD_CACHE.get(char)
    if cached is not None:
        return cached
    lower = char.lower()
    out: list[str] = []
    for c in lower:
        if c in _SPECIAL:
            out.append(_SPECIAL[c])
        elif c in _APOSTROPHES:
            out.append("'")
        elif c.isascii():
            out.append(c)
        else:
            # Keep non-letters (emoji, CJK) as they are; strip the marks of accented letters.
            decomposed = unicodedata.normalize("NFKD", c)
            base = "".join(d for d in decomposed if not unicodedata.combining(d))
            out.append(base if base.isascii() and base else ("" if not base else c))
    folded = "".join(out)
    if len(_FOLD_CACHE) < 20_000:  # bounded: arbitrary input must not grow memory without end
        _FOLD_CACHE[char] = folded
    return folded


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and, for each of its characters, the index of the original character it came from."""

    text: str
    origin: tuple[int, ...] | None  # None: folding kept every offset (plain ASCII input)
    length: int  # the original text's length

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of the folded span ``[start, end)``."""
        if self.origin is None:
            return start, end
        if start >= len(self.origin):
            return self.length, self.length
        first = self.origin[start]
        # Up to the next folded character's origin: that keeps combining marks the fold dropped, and
        # a match ending inside a multi-letter fold (the 't' of 'þ' → 'th') still covers the letter.
        after = self.origin[end] if end < len(self.origin) else self.length
        return first, max(self.origin[max(start, end - 1)] + 1, after)


def fold(text: str) -> Folded:
    """Lower-case and strip accents, keeping the map back to the original offsets."""
    if text.isascii():
        return Folded(text.lower(), None, len(text))
    parts: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        folded = fold_char(char)
        parts.append(folded)
        origin.extend([i] * len(folded))
    return Folded("".join(parts), tuple(origin), len(text))


@dataclass(frozen=True, slots=True)
class Rule:
    """A named signal: a pattern over folded text and the evidence (log-odds points) a match gives.

    The quoted span is the whole match, or the group named ``ev`` when the pattern has one.
    """

    signal: str
    label: str  # what it means for a salesperson: 'asks the price'
    weight: float  # > 0: buying intent; < 0: evidence against
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule that matched: where in the original text, and what it quotes."""

    rule: Rule
    span: tuple[int, int]
    quote: str


#: The signal catalogue: what each signal tells sales, and its default weight (log-odds points).
SIGNALS: dict[str, tuple[str, float]] = {
    "price": ("asks the price", 2.0),
    "logistics": ("asks how to get it (delivery, where to buy, stock, link)", 2.0),
    "availability": ("asks about availability, sizes, colours or specs", 1.5),
    "booking": ("asks for a quote, demo, trial or appointment", 1.8),
    "contact": ("asks to be contacted", 2.0),
    "purchase": ("says they want it", 1.6),
    "recommend": ("asks for a recommendation", 1.6),
    "offer": ("asks whether you offer it", 1.2),
    # A deadline, a move, a date: when a need has a date it is a purchase being planned, not a dream.
    # Weak alone ("moving next month!"), it tells sales how soon when it comes with another signal.
    "timeline": ("says when they need it (a deadline, a move, a date)", 1.0),
    "giveaway": ("giveaway entry", -3.0),
    "complaint": ("complaint or support request about a past purchase", -2.2),
    "review": ("talks about a past purchase or visit", -1.6),
    "wishful": ("wishful thinking", -2.0),
    "tag_only": ("only tags friends", -2.5),
    "tag": ("talks to a friend", -0.6),
    "spam": ("spam or self-promotion", -3.0),
    "job": ("looking for a job", -3.0),
}


def rules(signal: str, *patterns: str, weight: float | None = None, label: str | None = None) -> list[Rule]:
    """Compile ``patterns`` (folded, lower-case regex) as rules of ``signal``.

    ``weight`` and ``label`` override the catalogue's for rules that are weaker or say something more
    precise ('asks opening hours' is logistics, but reads better than the category).
    """
    default_label, default_weight = SIGNALS[signal]
    return [
        Rule(signal, label or default_label, default_weight if weight is None else weight, re.compile(p))
        for p in patterns
    ]


def noun_ask(nouns: str, please: str, links: str) -> tuple[str, str]:
    """Patterns for a bare noun used as a question ("price?", "precio y tallas porfa", "Preis bitte").

    The noun must open the comment (or a sentence, or follow a tag), optionally followed by a short
    phrase that starts with one of ``links`` ("price for 2 nights?", "precio del alisado?"), and be
    asked ('?' or a please-word); or be followed at once by a please-word. "Prices went up again?!"
    is no price ask.
    """
    start = (
        rf"(^|[.!?¿¡]\s+|@\S+\s+)[^\w@]*(?P<ev>({nouns})\b(\s+({links})\b[^.!?]{{0,30}})?\s*"
        rf"(\?|\b({please})\b))"
    )
    return start, rf"\b({nouns})\s+({please})\b"


#: Rules that hold in any language: platform shorthand, spam shapes, tags.
UNIVERSAL: tuple[Rule, ...] = (
    *rules("contact", r"\b(dm|pm|inbox|mp|md|pb|pv)\s*(pls|please|plz|porfa|pfv|svp|takk|bitte|tak)\b"),
    *rules(
        "logistics", r"(?<![\w@])link\s*(pls|please|plz|porfa|pfv|svp|bitte|\?)", label="asks for the link"
    ),
    *rules(
        "spam",
        r"\blink (in|en|na|i|dans|im) (my |mi |la |der |ma )?bio\b",
        r"\b(bitcoin|btc|crypto|forex|onlyfans)\b",
        r"https?://\S+|\bwww\.\S+",
        weight=-2.0,
    ),
    *rules("tag", r"(?<![\w@])@[\w.]{2,}"),
)

_MENTION = re.compile(r"(?<![\w@])@[\w.]+(\s+[A-ZÁÉÍÓÚÝÞÆÖØÅÄÜ][a-záéíóúýþæöøåäüðß]+)?")
_WORD = re.compile(r"[^\W\d_]{2,}")


def tag_only(text: str) -> tuple[int, int] | None:
    """The span of the tags when a comment is only tags (and emoji or a word or two), else None."""
    mentions = list(_MENTION.finditer(text))
    if not mentions:
        return None
    rest = _MENTION.sub(" ", text)
    if len(_WORD.findall(rest)) > 2:
        return None
    return mentions[0].start(), mentions[-1].end()


def match(rule_set: tuple[Rule, ...], text: str, folded: Folded) -> list[Hit]:
    """Every rule of ``rule_set`` that matches, once each (its first match), in text order."""
    hits: list[Hit] = []
    for rule in rule_set:
        found = rule.pattern.search(folded.text)
        if found is None or found.end() == found.start():
            continue
        # A pattern may mark its evidence with a group named "ev" (context before it is not quoted).
        start, end = folded.span(*(found.span("ev") if "ev" in rule.pattern.groupindex else found.span()))
        quote = text[start:end].strip()
        if not quote:
            continue
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        hits.append(Hit(rule, (start + lead, start + lead + len(quote)), quote))
    hits.sort(key=lambda h: h.span)
    return hits
