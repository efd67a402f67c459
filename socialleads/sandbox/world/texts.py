"""The words of the simulated social-media world: comments, posts and captions, each with its ground truth.

The sandbox's Facebook page, Instagram account and X account need text that reads like people write
online, in English, Spanish, German, French and Icelandic, with and without buying intent. Every
utterance comes from a hand-written template labelled with its category, so its label is known:

* a **lead** (``intent=True``) shows the writer may want to buy or engage the store soon: asks the price,
  about delivery or where to buy, a buyer's product question, for a consultation, quote or appointment,
  to be contacted, states a concrete wish to own the thing, or asks for a recommendation of furniture;
* **not a lead**: praise, wishful thinking, tagged friends, giveaway entries, complaints and reviews of a
  past purchase, jokes, spam, politics, job seekers, competitors' promotion and chatter.

The words live in one data module per language (``texts_en`` ... ``texts_is``); this module picks and
fills templates. Everything is drawn from the ``random.Random`` passed in, so a seed replays a world.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

from socialleads.sandbox.world import texts_de, texts_en, texts_es, texts_fr, texts_is

LANGS: tuple[str, ...] = ("en", "es", "de", "fr", "is")
LEAD_CATEGORIES: tuple[str, ...] = (
    "price",
    "logistics",
    "availability",
    "consultation",
    "contact",
    "wish_to_own",
    "recommendation",
)
NON_LEAD_CATEGORIES: tuple[str, ...] = (
    "praise",
    "wishful",
    "tag_friend",
    "giveaway",
    "complaint",
    "review",
    "joke",
    "spam",
    "politics",
    "job_seeker",
    "competitor",
    "chatter",
)
MAX_POST_CHARS = 280

# How a mention is woven into a post: buyers mostly address the store first, others tag it along.
_LEAD_MENTIONS = ("{mention} {text}", "{mention} {text}", "{text} {mention}")
_OTHER_MENTIONS = ("{text} {mention}", "{text} cc {mention}", "{mention} {text}")


class _Language(Protocol):
    """What each ``texts_xx`` data module provides (modules satisfy this protocol structurally)."""

    PRODUCTS: tuple[dict[str, str], ...]
    COLOURS: tuple[str, ...]
    CITIES: tuple[dict[str, str], ...]
    PRICES: tuple[str, ...]
    WHEN: tuple[str, ...]
    RIVALS: tuple[str, ...]
    MALE_NAMES: tuple[str, ...]
    FEMALE_NAMES: tuple[str, ...]
    SURNAMES: tuple[tuple[str, str], ...]
    DOUBLE_SURNAME_RATE: float
    COMMENT_LEADS: tuple[tuple[str, str], ...]
    COMMENT_OTHER: tuple[tuple[str, str], ...]
    POST_LEADS: tuple[tuple[str, str], ...]
    POST_OTHER: tuple[tuple[str, str], ...]
    STORE_POSTS: tuple[str, ...]


_DATA: dict[str, _Language] = {"en": texts_en, "es": texts_es, "de": texts_de, "fr": texts_fr, "is": texts_is}

PRODUCT_WORDS: dict[str, tuple[str, ...]] = {
    lang: tuple(product["product"] for product in _DATA[lang].PRODUCTS) for lang in LANGS
}


@dataclass(frozen=True)
class Utterance:
    """One comment or post with its ground truth: is it a lead (``intent``), and why (``category``)."""

    text: str
    lang: str
    intent: bool
    category: str


def _language(lang: str) -> _Language:
    try:
        return _DATA[lang]
    except KeyError:
        raise ValueError(f"unsupported language {lang!r}; supported: {', '.join(LANGS)}") from None


def person_name(rng: random.Random, lang: str) -> tuple[str, str]:
    """A plausible ``(first, last)`` name for ``lang``.

    Icelanders get a patronymic matching their gender (-son / -dóttir); Spaniards often two surnames.
    """
    data = _language(lang)
    female = rng.random() < 0.5
    first = rng.choice(data.FEMALE_NAMES if female else data.MALE_NAMES)
    last = rng.choice(data.SURNAMES)[1 if female else 0]
    if rng.random() < data.DOUBLE_SURNAME_RATE:
        second = rng.choice(data.SURNAMES)[1 if female else 0]
        if second != last:
            last = f"{last} {second}"
    return first, last


def city(rng: random.Random, lang: str) -> str:
    """A city where speakers of ``lang`` live, e.g. Reykjavík, Akureyri, Madrid, Sevilla, Berlin, Lyon."""
    return rng.choice(_language(lang).CITIES)["city"]


def _slots(rng: random.Random, lang: str, data: _Language) -> dict[str, str]:
    """Fresh values for every slot a template of ``lang`` may use (always drawn in the same order)."""
    first, last = person_name(rng, lang)
    slots = {
        "colour": rng.choice(data.COLOURS),
        "price": rng.choice(data.PRICES),
        "when": rng.choice(data.WHEN),
        "rival": rng.choice(data.RIVALS),
        "n": str(rng.randint(2, 8)),
        "friend": first if rng.random() < 0.4 else f"{first} {last}",
    }
    slots.update(rng.choice(data.PRODUCTS))
    slots.update(rng.choice(data.CITIES))
    return slots


def _fill(rng: random.Random, lang: str, data: _Language, template: str) -> str:
    text = template.format_map(_slots(rng, lang, data))
    # People are sloppy with capitals; names filled in at the start (friends, shops) keep theirs.
    if rng.random() < 0.2 and not template.startswith("{") and text[:1].isupper():
        text = text[0].lower() + text[1:]
    return text


def comment(rng: random.Random, lang: str, intent: bool) -> Utterance:
    """A comment under the store's post, in ``lang``, with or without buying intent.

    The template is drawn from the language's labelled comment templates and filled with that
    language's products, colours, cities, prices and friends' names.
    """
    data = _language(lang)
    category, template = rng.choice(data.COMMENT_LEADS if intent else data.COMMENT_OTHER)
    return Utterance(_fill(rng, lang, data, template), lang, intent, category)


def _hashtag(tag: str) -> str:
    tag = tag.strip().replace(" ", "")
    return tag if tag.startswith("#") else f"#{tag}"


def _with_mention(rng: random.Random, text: str, mention: str, intent: bool) -> str:
    pattern = rng.choice(_LEAD_MENTIONS if intent else _OTHER_MENTIONS)
    woven = pattern.format(mention=mention, text=text)
    overflow = len(woven) - MAX_POST_CHARS
    if overflow > 0:  # an unusually long handle: shorten the words, never the mention
        text = text[: max(len(text) - overflow - 1, 0)].rstrip() + "…"
        woven = pattern.format(mention=mention, text=text)
    return woven


def post_text(
    rng: random.Random,
    lang: str,
    intent: bool,
    mention: str | None = None,
    hashtags: tuple[str, ...] = (),
) -> Utterance:
    """A short public post (X style, at most 280 characters) with or without buying intent.

    With ``mention`` (e.g. ``"@thestore"``) the post addresses or tags it; the ``hashtags`` (with or
    without their ``#``) are appended in order, as many as fit within 280 characters.
    """
    data = _language(lang)
    category, template = rng.choice(data.POST_LEADS if intent else data.POST_OTHER)
    text = _fill(rng, lang, data, template)
    if mention:
        text = _with_mention(rng, text, mention, intent)
    for raw in hashtags:
        tag = _hashtag(raw)
        if tag != "#" and len(text) + 1 + len(tag) <= MAX_POST_CHARS:
            text = f"{text} {tag}"
    return Utterance(text[:MAX_POST_CHARS], lang, intent, category)


def store_post(rng: random.Random, lang: str) -> str:
    """A caption the store itself posts on its page (new arrivals, offers, opening hours...): never a lead."""
    data = _language(lang)
    return _fill(rng, lang, data, rng.choice(data.STORE_POSTS))
