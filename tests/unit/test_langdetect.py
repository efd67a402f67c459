"""Language detection on short comments, restricted to the languages that have rules."""

from __future__ import annotations

import pytest

from socialleads.qualify.langdetect import detect, normalize_code
from socialleads.qualify.rules import LANGUAGES

# Short comments written for these tests, one or two per language.
SHORT = [
    ("en", "Do you have this in a bigger size?"),
    ("en", "what time do you open on sunday"),
    ("es", "¿Tienen esta chaqueta en talla grande?"),
    ("de", "Habt ihr die Jacke auch in Größe L?"),
    ("fr", "Vous avez cette veste en taille L ?"),
    ("is", "Eigið þið þennan jakka í stærð L?"),
    ("da", "Har I jakken i en større størrelse?"),
    ("pt", "Vocês têm essa jaqueta no tamanho G?"),
    ("sv", "Har ni jackan i en större storlek?"),
    ("no", "Har dere denne jakken i større størrelse?"),
    ("nl", "Hebben jullie deze jas ook in een grotere maat?"),
    ("it", "Avete questa giacca in una taglia più grande?"),
    ("fi", "Onko teillä tätä takkia isommassa koossa?"),
    ("pl", "Czy macie tę kurtkę w większym rozmiarze?"),
]


@pytest.mark.parametrize(("lang", "text"), SHORT)
def test_a_short_comment_is_detected_in_its_language(lang: str, text: str) -> None:
    detection = detect(text)
    assert detection.language == lang
    assert detection.candidates[0] == lang


def test_icelandic_typed_without_its_letters_keeps_icelandic_among_the_candidates() -> None:
    # Without ð, þ and accents the detector is unsure; the runner-up's rules are then tried too.
    assert "is" in detect("hvenaer opnid thid a sunnudaginn").candidates


def test_tags_and_links_do_not_decide_the_language() -> None:
    assert detect("@Jón Jónsson https://example.com/x Hvað kostar þessi?").language == "is"


@pytest.mark.parametrize("text", ["", "   ", "😍😍🔥", "@someone", "12345 !!!"])
def test_nothing_to_read_has_no_language(text: str) -> None:
    detection = detect(text)
    assert (detection.language, detection.candidates) == (None, ())


def test_an_unsure_detection_offers_the_runner_up_too() -> None:
    detection = detect("ok")
    assert detection.confidence < 0.7
    assert len(detection.candidates) == 2


def test_detection_only_names_languages_that_have_rules() -> None:
    for text in ["Dit is een zin in het Nederlands", "To jest zdanie po polsku", "Ez egy magyar mondat"]:
        assert detect(text).language in LANGUAGES


@pytest.mark.parametrize(
    ("code", "expected"),
    [("IS", "is"), ("is-IS", "is"), ("pt_BR", "pt"), ("isl", "is"), ("nb", "no"), ("", None), (None, None)],
)
def test_language_codes_are_normalised(code: str | None, expected: str | None) -> None:
    assert normalize_code(code) == expected
