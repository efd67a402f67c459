"""The intent classifier: clear leads and non-leads in each language, reasons with real spans, any input."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialleads.models import EventKind, LeadDraft
from socialleads.qualify.intent import IntentClassifier, blank_mentions
from socialleads.qualify.qualifier import LeadQualifier

ROOT = Path(__file__).resolve().parents[2]

# Sentences written for these tests (never rows of the training data).
LEADS = [
    ("en", "Hi! How much is the oak dining table, and do you deliver to Bristol?"),
    ("es", "¿Cuánto cuesta el sofá gris? ¿Hacen envíos a Bilbao?"),
    ("de", "Was kostet die Lampe? Liefert ihr auch nach Wien?"),
    ("fr", "Bonjour, c'est combien pour la table ? Vous livrez à Nantes ?"),
    ("is", "Hvað kostar borðið? Sendið þið út á land?"),
    ("da", "Hvad koster bordet? Leverer I til Aalborg?"),
    ("pt", "Quanto custa a mesa? Vocês entregam em Campinas?"),
    ("sv", "Vad kostar bordet? Levererar ni till Umeå?"),
]
NON_LEADS = [
    ("en", "Ordered three weeks ago and still no reply from customer service. Never again."),
    ("es", "Llevo un mes esperando el reembolso y nadie me responde. Pésimo."),
    ("de", "Seit Wochen keine Antwort auf meine Reklamation, nie wieder."),
    ("fr", "Toujours aucune réponse du SAV pour mon remboursement, honteux."),
    ("is", "Ég er ekki enn búin að fá endurgreitt og enginn svarar."),
    ("da", "Jeg venter stadig på pengene tilbage, og ingen svarer."),
    ("pt", "Meu pedido não chegou até hoje e ninguém responde. Péssimo."),
    ("sv", "Väntar fortfarande på återbetalning, kundtjänst svarar inte."),
]


@pytest.fixture(scope="module")
def classifier() -> IntentClassifier:
    return IntentClassifier.load()


def test_the_committed_artifact_loads_once_per_process() -> None:
    assert IntentClassifier.load() is IntentClassifier.load()


def test_a_missing_artifact_raises_file_not_found_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"scripts/train_intent\.py"):
        IntentClassifier.load(tmp_path)


@pytest.mark.parametrize(("lang", "text"), LEADS)
def test_a_clear_lead_scores_above_the_threshold(classifier: IntentClassifier, lang: str, text: str) -> None:
    verdict = classifier.verdict(text)
    assert verdict.is_lead and verdict.score > 0.7
    assert verdict.language == lang


@pytest.mark.parametrize(("lang", "text"), NON_LEADS)
def test_a_clear_non_lead_scores_below_the_threshold(
    classifier: IntentClassifier, lang: str, text: str
) -> None:
    verdict = classifier.verdict(text, lang)
    assert not verdict.is_lead and verdict.score < 0.7


@pytest.mark.parametrize(
    "text",
    [
        "Giveaway entry! @maria @jon",
        "wish I could afford this 😭 one day",
        "Follow me for free followers, link in bio",
        "Are you hiring? Looking for a job, CV attached",
        "@sara.l @tomas_b",
    ],
)
def test_entries_wishes_spam_and_tags_are_not_leads(classifier: IntentClassifier, text: str) -> None:
    assert classifier.score(text)[0] < 0.3


@pytest.mark.parametrize("lang_text", LEADS + NON_LEADS)
def test_every_reason_span_quotes_the_text(classifier: IntentClassifier, lang_text: tuple[str, str]) -> None:
    text = lang_text[1]
    _, reasons, _ = classifier.score(text)
    spans = [r for r in reasons if r.span is not None]
    assert spans
    for reason in spans:
        start, end = reason.span or (0, 0)
        assert 0 <= start < end <= len(text)
        assert f'"{text[start:end]}"' in reason.detail


def test_the_model_gives_its_own_reason_with_its_probability(classifier: IntentClassifier) -> None:
    _, reasons, _ = classifier.score("How much for the blue bike?")
    [model] = [r for r in reasons if r.signal == "model"]
    assert "likely a lead" in model.detail and model.span is None


def test_a_price_question_reads_well_for_sales(classifier: IntentClassifier) -> None:
    _, reasons, _ = classifier.score("hvað kostar þessi?")
    assert any(r.detail == 'asks the price: "hvað kostar"' and r.points and r.points > 0 for r in reasons)


def test_the_explicit_language_wins_over_detection(classifier: IntentClassifier) -> None:
    text = "Har I den i sort?"
    assert classifier.verdict(text, lang="sv").language == "sv"
    assert classifier.verdict(text, lang="da-DK").language == "da"
    danish = {r.signal for r in classifier.score(text, "da")[1]}
    assert "offer" in danish  # "Har I …?" is the Danish way to ask a business


@pytest.mark.parametrize("text", ["", "   \n\t", "😍🔥🔥", "!!! ???", "👍🏽"])
def test_nothing_to_read_scores_zero_with_a_reason(classifier: IntentClassifier, text: str) -> None:
    score, reasons, _ = classifier.score(text)
    assert score == 0.0
    assert [r.signal for r in reasons] == ["empty"]


def test_a_very_long_comment_is_scored(classifier: IntentClassifier) -> None:
    score, _, _ = classifier.score("How much is shipping to Iceland? " + "blah " * 5000)
    assert 0.0 <= score <= 1.0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_string_gets_a_score_in_0_1_without_raising(text: str) -> None:
    verdict = IntentClassifier.load().verdict(text)
    assert 0.0 <= verdict.score <= 1.0
    for reason in verdict.reasons:
        if reason.span is not None:
            assert 0 <= reason.span[0] <= reason.span[1] <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80), st.sampled_from(["en", "is", "zz", "", "IS-is", "pt_BR"]))
def test_any_language_code_is_accepted(text: str, lang: str) -> None:
    assert 0.0 <= IntentClassifier.load().score(text, lang)[0] <= 1.0


def _synthetic_csv(path: Path) -> None:
    """A small labelled file in the training format, from templates (no real comments)."""
    leads = ["how much is the {}?", "do you deliver the {} to Leeds?", "is the {} still available?"]
    others = ["love the {} 😍", "my {} broke, still waiting for a refund", "@friend look at this {}"]
    things = ["sofa", "lamp", "desk", "bike", "coat", "table"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "lang", "platform", "business", "text", "label"])
        n = 0
        for b, business in enumerate(["shop_a", "shop_b", "shop_c", "shop_d"]):
            for i, thing in enumerate(things):
                for template, label in [(leads[(i + b) % 3], 1), (others[(i + b) % 3], 0)]:
                    n += 1
                    writer.writerow([f"s-{n}", "en", "facebook", business, template.format(thing), label])


def test_the_training_script_rebuilds_an_identical_artifact(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="training needs the train extra (scikit-learn)")
    data = tmp_path / "synthetic.csv"
    _synthetic_csv(data)
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "train_intent.py"),
                str(data),
                "--out",
                str(out),
                "--folds",
                "2",
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert sorted(outputs[0]) == ["intent_model.json", "intent_model.npz"]
    assert outputs[0] == outputs[1]
    rebuilt = IntentClassifier.load(tmp_path / "a")
    assert rebuilt.score("how much is the chair?")[0] > rebuilt.score("love the chair 😍")[0]


def test_mentioning_the_business_is_talking_to_the_seller_not_tagging_a_friend(
    classifier: IntentClassifier,
) -> None:
    text = "@TheStore moving in 2 weeks and I need a sideboard asap"
    tagged = classifier.verdict(text)
    addressed = classifier.verdict(text, business=["thestore"])
    assert any(r.signal == "tag" for r in tagged.reasons)
    assert not any(r.signal == "tag" for r in addressed.reasons)
    assert addressed.score > tagged.score and addressed.is_lead
    # A friend tagged next to the business still counts as a tag; spans point into the original text.
    friend = classifier.verdict("@thestore @anna look, I need a sideboard asap", business=["thestore"])
    [tag] = [r for r in friend.reasons if r.signal == "tag"]
    assert tag.span == (10, 15)


def test_blank_mentions_keeps_offsets_and_other_handles() -> None:
    assert blank_mentions("@shop. hi @shop_2 @Shop", ["SHOP"]) == "     . hi @shop_2 " + " " * 5
    assert blank_mentions("mail me at a@shop.is", ["shop"]) == "mail me at a@shop.is"


@pytest.mark.parametrize("label", ["und", "zxx", "qme", "art", "", "de-"])
def test_a_platform_no_language_label_is_left_to_detection(label: str) -> None:
    """X labels posts it cannot place ``und``, ``qme`` ...: those are not languages to read a text in."""
    draft = LeadDraft(
        native_id="1",
        kind=EventKind.COMMENT,
        platform="x",
        occurred_at=datetime(2026, 11, 27, tzinfo=UTC),
        message="Was kostet das graue Ecksofa und liefert ihr auch nach München?",
        context={"lang": label},
    )
    verdict = LeadQualifier().qualify(draft, None).intent
    assert verdict is not None and verdict.language == "de"
