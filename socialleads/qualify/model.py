"""The trained text model: featurizer, artifact format, and scoring in plain Python (numpy only to load).

The model is TF-IDF over word 1-2-grams and character 2-5-grams (within words, so Icelandic and
German endings are features of their own) followed by logistic regression. ``scripts/train_intent.py``
fits it with scikit-learn using *this module's* ``word_grams`` and ``char_grams``, then exports the
vocabularies (JSON) and the idf and coefficient arrays (``.npz``, no pickle): inference here needs only
numpy and the standard library, and the training script checks that this module reproduces
scikit-learn's probabilities.

The artifact is two files side by side: ``intent_model.json`` (format, vocabularies, the cascade's
combination weights, training summary) and ``intent_model.npz`` (arrays).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from socialleads.qualify.rules.base import fold

FORMAT = "socialleads-intent/1"
ARTIFACT_DIR = Path(__file__).parent / "artifacts"
ARTIFACT_STEM = "intent_model"
#: Longer texts are cut here: a comment's intent is in its first lines, and scoring stays bounded.
MAX_CHARS = 3000

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(?<![\w@])@[\w.]+")
_DIGIT = re.compile(r"\d")
_REPEAT = re.compile(r"(.)\1{2,}")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+|\?")


def normalize(text: str) -> str:
    """Folded text with links, tags and digits generalised ('12kg' → '00kg'), runs of a letter capped at 2."""
    text = text[:MAX_CHARS]
    text = _URL.sub(" xxurl ", text)
    text = _MENTION.sub(" xxtag ", text)
    text = fold(text).text
    text = _DIGIT.sub("0", text)
    text = _REPEAT.sub(r"\1\1", text)
    return _SPACE.sub(" ", text).strip()


def word_grams(normalized: str) -> list[str]:
    """Word unigrams and bigrams ('?' counts as a word: questions carry intent)."""
    words = _WORD.findall(normalized)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def char_grams(normalized: str) -> list[str]:
    """Character 2-5-grams inside each space-padded token (emoji included)."""
    grams: list[str] = []
    for token in normalized.split(" "):
        padded = f" {token} "
        size = len(padded)
        for n in range(2, 6):
            if n > size:
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


@dataclass(frozen=True, slots=True)
class Block:
    """One TF-IDF block: for each known n-gram, its idf and its logistic-regression coefficient."""

    weights: dict[str, tuple[float, float]]

    def contributions(self, grams: Iterable[str]) -> tuple[float, dict[str, float]]:
        """The block's share of the logit, and each known n-gram's share of it."""
        counts = Counter(g for g in grams if g in self.weights)
        if not counts:
            return 0.0, {}
        values = {g: (1.0 + math.log(c)) * self.weights[g][0] for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values()))
        shares = {g: v / norm * self.weights[g][1] for g, v in values.items()}
        return sum(shares.values()), shares


@dataclass(frozen=True, slots=True)
class ModelScore:
    """The model's probability, its logit, and the words that pushed it most (for the reason shown)."""

    probability: float
    logit: float
    top_words: tuple[str, ...]


class TextModel:
    """The exported TF-IDF + logistic-regression model and the cascade's combination weights."""

    def __init__(
        self, word: Block, char: Block, intercept: float, combiner: dict[str, float], meta: dict[str, Any]
    ):
        self.word = word
        self.char = char
        self.intercept = intercept
        self.combiner = combiner
        self.meta = meta

    def score(self, text: str) -> ModelScore:
        """Score one text (any string; an empty one gets the intercept alone)."""
        normalized = normalize(text)
        word_logit, word_shares = self.word.contributions(word_grams(normalized))
        char_logit, _ = self.char.contributions(char_grams(normalized))
        logit = self.intercept + word_logit + char_logit
        top = sorted((s, g) for g, s in word_shares.items() if s > 0.15 and g != "?")
        return ModelScore(sigmoid(logit), logit, tuple(g for _, g in reversed(top[-3:])))

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR) -> TextModel:
        """Read the artifact pair from ``directory``; FileNotFoundError says how to rebuild it."""
        meta_path = directory / f"{ARTIFACT_STEM}.json"
        array_path = directory / f"{ARTIFACT_STEM}.npz"
        for path in (meta_path, array_path):
            if not path.is_file():
                raise FileNotFoundError(
                    f"intent model artifact {path} is missing (fix: python scripts/train_intent.py "
                    f"DATA.csv [--feed FEED.csv] --out {directory})"
                )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(
                f"{meta_path}: format {meta.get('format')!r}, expected {FORMAT!r} (fix: retrain)"
            )
        with np.load(array_path, allow_pickle=False) as arrays:
            word = _block(meta["word_vocabulary"], arrays["word_idf"], arrays["word_coef"])
            char = _block(meta["char_vocabulary"], arrays["char_idf"], arrays["char_coef"])
            intercept = float(arrays["intercept"][0])
        return cls(word, char, intercept, {k: float(v) for k, v in meta["combiner"].items()}, meta)


def _block(vocabulary: list[str], idf: np.ndarray[Any, Any], coef: np.ndarray[Any, Any]) -> Block:
    if not len(vocabulary) == len(idf) == len(coef):
        raise ValueError("intent model artifact: vocabulary and arrays differ in length (fix: retrain)")
    return Block(dict(zip(vocabulary, zip(idf.tolist(), coef.tolist(), strict=True), strict=True)))


def sigmoid(x: float) -> float:
    """The logistic function, safe for any float."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
