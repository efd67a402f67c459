"""The sandbox's words: multilingual comments and posts with and without buying intent, and their labels."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from string import Formatter

import pytest

from socialleads.sandbox.world import texts
from socialleads.sandbox.world.texts import (
    LANGS,
    LEAD_CATEGORIES,
    NON_LEAD_CATEGORIES,
    PRODUCT_WORDS,
    Utterance,
    city,
    comment,
    person_name,
    post_text,
    store_post,
)

UNFILLED = re.compile(r"\{[a-z_]*\}")


def _draws(lang: str, count: int, seed: int = 1) -> list[Utterance]:
    rng = random.Random(seed)
    out: list[Utterance] = []
    for i in range(count):
        out.append(comment(rng, lang, intent=i % 2 == 0))
        out.append(post_text(rng, lang, intent=i % 2 == 1, mention="@thestore", hashtags=("sofa",)))
    return out


def _sequence(seed: int) -> list[object]:
    rng = random.Random(seed)
    seq: list[object] = []
    for lang in LANGS:
        seq += [comment(rng, lang, True), comment(rng, lang, False), post_text(rng, lang, True, "@s", ("a",))]
        seq += [store_post(rng, lang), person_name(rng, lang), city(rng, lang)]
    return seq


def test_same_seed_gives_the_same_sequence() -> None:
    assert _sequence(42) == _sequence(42)
    assert _sequence(42) != _sequence(43)


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_yields_both_intents_with_matching_labels(lang: str) -> None:
    rng = random.Random(5)
    for intent in (True, False):
        for make in (comment, post_text):
            for _ in range(200):
                said = make(rng, lang, intent)
                assert said.lang == lang
                assert said.intent is intent
                assert said.category in (LEAD_CATEGORIES if intent else NON_LEAD_CATEGORIES)


@pytest.mark.parametrize("lang", LANGS)
def test_every_category_appears_in_comments(lang: str) -> None:
    rng = random.Random(9)
    seen = {comment(rng, lang, intent).category for intent in (True, False) for _ in range(1500)}
    assert seen == set(LEAD_CATEGORIES) | set(NON_LEAD_CATEGORIES)


@pytest.mark.parametrize("lang", LANGS)
def test_no_slot_is_ever_left_unfilled(lang: str) -> None:
    rng = random.Random(11)
    said = [u.text for u in _draws(lang, 2000)] + [store_post(rng, lang) for _ in range(500)]
    assert not [text for text in said if UNFILLED.search(text) or "{" in text or "}" in text]


@pytest.mark.parametrize("lang", LANGS)
def test_every_template_fills_with_every_product(lang: str) -> None:
    data = texts._DATA[lang]
    pairs = data.COMMENT_LEADS + data.COMMENT_OTHER + data.POST_LEADS + data.POST_OTHER
    templates = [template for _, template in pairs] + list(data.STORE_POSTS)
    common = {"colour": "c", "price": "p", "when": "w", "rival": "r", "n": "3", "friend": "f"}
    for product in data.PRODUCTS:
        for place in data.CITIES:
            for template in templates:
                template.format_map({**common, **product, **place})  # raises KeyError on an unknown slot
    fields = {name for template in templates for _, name, _, _ in Formatter().parse(template) if name}
    assert fields <= set(common) | set(data.PRODUCTS[0]) | set(data.CITIES[0])


@pytest.mark.parametrize("lang", LANGS)
def test_there_are_enough_distinct_templates(lang: str) -> None:
    data = texts._DATA[lang]
    counts = [len({t for _, t in group}) for group in (data.COMMENT_LEADS, data.COMMENT_OTHER)]
    counts += [len({t for _, t in group}) for group in (data.POST_LEADS, data.POST_OTHER)]
    assert counts[0] >= 25 and counts[1] >= 35 and counts[2] >= 15 and counts[3] >= 20


@pytest.mark.parametrize("lang", LANGS)
def test_post_with_mention_contains_the_mention(lang: str) -> None:
    rng = random.Random(13)
    for i in range(300):
        assert "@husgogn_is" in post_text(rng, lang, i % 2 == 0, mention="@husgogn_is").text


@pytest.mark.parametrize("lang", LANGS)
def test_posts_fit_in_280_characters_even_with_many_hashtags(lang: str) -> None:
    rng = random.Random(17)
    tags = tuple(f"verylonghashtag{i}" for i in range(30))
    for i in range(300):
        said = post_text(rng, lang, i % 2 == 0, mention="@" + "x" * 60, hashtags=tags)
        assert len(said.text) <= 280
        assert "@" + "x" * 60 in said.text


def test_hashtags_are_appended_with_their_hash() -> None:
    said = post_text(random.Random(1), "en", True, hashtags=("sofa", "#design"))
    assert said.text.endswith(" #sofa #design")


@pytest.mark.parametrize(
    "call",
    [
        lambda rng: comment(rng, "xx", True),
        lambda rng: post_text(rng, "xx", False),
        lambda rng: store_post(rng, "xx"),
        lambda rng: person_name(rng, "xx"),
        lambda rng: city(rng, "xx"),
    ],
)
def test_unknown_language_raises_listing_the_supported_ones(call: Callable[[random.Random], object]) -> None:
    with pytest.raises(ValueError, match="xx") as raised:
        call(random.Random(0))
    assert all(lang in str(raised.value) for lang in LANGS)


def test_icelandic_names_are_patronymics() -> None:
    rng = random.Random(19)
    lasts = [person_name(rng, "is")[1] for _ in range(300)]
    assert all(last.endswith(("son", "dóttir")) for last in lasts)
    assert any(last.endswith("son") for last in lasts) and any(last.endswith("dóttir") for last in lasts)


def test_spanish_names_sometimes_carry_two_surnames() -> None:
    rng = random.Random(23)
    assert any(" " in person_name(rng, "es")[1] for _ in range(100))


@pytest.mark.parametrize("lang", ["is", "de", "es", "fr"])
def test_texts_use_the_languages_own_characters(lang: str) -> None:
    said = " ".join(u.text for u in _draws(lang, 300))
    letters = {ch for ch in said if ch.isalpha() and not ch.isascii()}
    wanted = {"is": set("þðæöáéíóúý"), "de": set("äöüß"), "es": set("ñáéíóú¿¡"), "fr": set("éèêàçô")}[lang]
    assert letters & wanted
    if lang == "is":
        assert {"þ", "ð"} <= letters


def test_product_words_are_listed_per_language() -> None:
    assert set(PRODUCT_WORDS) == set(LANGS)
    assert "sófi" in PRODUCT_WORDS["is"] and "sofa" in PRODUCT_WORDS["en"]
    assert all(len(words) >= 10 for words in PRODUCT_WORDS.values())


@pytest.mark.parametrize("lang", LANGS)
def test_cities_belong_to_the_language(lang: str) -> None:
    rng = random.Random(29)
    expected = {"is": "Reykjavík", "en": "London", "es": "Sevilla", "de": "Berlin", "fr": "Lyon"}[lang]
    assert expected in {city(rng, lang) for _ in range(500)}
