"""Rebuild the intent model artifact from labelled comments (deterministic: same data → same bytes).

    python scripts/train_intent.py DATA.csv [--feed FEED.csv ...] [--out DIR] [--c 10]

DATA.csv (and each --feed file) has the columns ``id, lang, platform, business, text, label``.
Everything given is trained on. The text model is TF-IDF (word 1-2-grams, character 2-5-grams, the
featurizer of ``socialleads.qualify.model``) + logistic regression fitted with scikit-learn; the cascade's
combination is a logistic regression on *out-of-fold* model logits (folds grouped by ``business``, so
no business is scored by a model that saw it) and the rule evidence. The artifact is exported as JSON +
``.npz`` so that inference needs no scikit-learn; the script checks that the exported model reproduces
scikit-learn's probabilities before writing it.

Needs the ``train`` extra (scikit-learn, scipy). Functions here are reused by ``bench/intent.py``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from socialleads.qualify.intent import NEGATIVE_CAP, POSITIVE_CAP, Evidence, gather
from socialleads.qualify.model import (
    ARTIFACT_DIR,
    ARTIFACT_STEM,
    FORMAT,
    Block,
    TextModel,
    char_grams,
    normalize,
    word_grams,
)
from socialleads.qualify.rules import Hit

#: Regularisation of the text model (inverse strength); grouped CV showed little difference in 1-30.
DEFAULT_C = 10.0
#: The combination has 3 inputs; mild regularisation keeps it from chasing the few training rows.
COMBINER_C = 1.0
#: How often a rule hit is hidden when fitting the combination, in how many copies of the rows (see
#: ``combiner_features``). 0.5 is on the pessimistic side: on comments written after the rules, the
#: positive rules missed about a third of the leads.
RULE_DROP = 0.5
DROP_COPIES = 4
#: The share of leads the combination is calibrated for. Development data has ~35% leads, real brand
#: feeds 2-7%; 10% keeps the default threshold (0.7) precise on feeds without losing the clear leads.
LEAD_PRIOR = 0.1
MIN_DF = 2  # an n-gram seen in one comment only is noise, and would bloat the artifact
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)  # fixed, so the .npz bytes do not depend on when it was written


@dataclass(frozen=True)
class Row:
    """One labelled comment."""

    id: str
    lang: str
    business: str
    text: str
    label: int


def read_rows(path: Path) -> list[Row]:
    """The rows of one labelled CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Row(r["id"], r["lang"], r["business"], r["text"], int(r["label"])) for r in csv.DictReader(handle)
        ]


def _word_analyzer(text: str) -> list[str]:
    return word_grams(normalize(text))


def _char_analyzer(text: str) -> list[str]:
    return char_grams(normalize(text))


@dataclass
class Fitted:
    """A fitted text model before export: the vectorizers and the classifier."""

    word: TfidfVectorizer
    char: TfidfVectorizer
    classifier: LogisticRegression

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return sparse.hstack([self.word.transform(texts), self.char.transform(texts)]).tocsr()

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.classifier.decision_function(self.matrix(texts)), dtype=float)


def fit_text_model(texts: Sequence[str], labels: Sequence[int], c: float = DEFAULT_C) -> Fitted:
    """TF-IDF word and char blocks (each L2-normalised) + balanced logistic regression."""
    word = TfidfVectorizer(analyzer=_word_analyzer, sublinear_tf=True, min_df=MIN_DF, dtype=np.float64)
    char = TfidfVectorizer(analyzer=_char_analyzer, sublinear_tf=True, min_df=MIN_DF, dtype=np.float64)
    matrix = sparse.hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, solver="lbfgs")
    classifier.fit(matrix, np.asarray(labels))
    return Fitted(word, char, classifier)


def grouped_folds(groups: Sequence[str], folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Deterministic folds with no group (business) on both sides."""
    n = min(folds, len(set(groups)))
    index = np.arange(len(groups))
    return list(GroupKFold(n_splits=n).split(index, groups=np.asarray(groups)))


def oof_logits(rows: Sequence[Row], c: float, folds: int) -> np.ndarray:
    """Each row's model logit from a model trained without its business."""
    out = np.zeros(len(rows))
    texts = [r.text for r in rows]
    labels = [r.label for r in rows]
    for train, test in grouped_folds([r.business for r in rows], folds):
        fitted = fit_text_model([texts[i] for i in train], [labels[i] for i in train], c)
        out[test] = fitted.logits([texts[i] for i in test])
    return out


def _tally(hits: Sequence[Hit]) -> tuple[float, float]:
    positive = min(POSITIVE_CAP, sum(h.rule.weight for h in hits if h.rule.weight > 0))
    negative = min(NEGATIVE_CAP, -sum(h.rule.weight for h in hits if h.rule.weight < 0))
    return positive, negative


def combiner_features(
    logits: np.ndarray, evidence: Sequence[Evidence], drop: float = 0.0, copies: int = 0
) -> np.ndarray:
    """The combination's inputs (model logit, positive evidence, negative evidence), one row per comment.

    With ``copies`` > 0, each comment is repeated that many times with each rule hit dropped with
    probability ``drop``: the rules were written by people who had read these comments, so here they
    fire more reliably than on comments nobody has read. Without this, the combination learns that a
    comment no rule recognises is never a lead, and the model could not rescue new phrasings or
    languages without rules.
    """
    rows = [(logit, e.positive, e.negative) for logit, e in zip(logits.tolist(), evidence, strict=True)]
    rng = np.random.default_rng(0)  # fixed: the artifact must be reproducible
    for _ in range(copies):
        for logit, e in zip(logits.tolist(), evidence, strict=True):
            kept = [h for h in e.hits if rng.random() >= drop]
            rows.append((logit, *_tally(kept)))
    return np.asarray(rows, dtype=float)


def fit_combiner(logits: np.ndarray, evidence: Sequence[Evidence], labels: Sequence[int]) -> dict[str, float]:
    """Logistic combination of the out-of-fold model logit and the rule evidence (see ``combiner_features``).

    Rows are weighted so that the fitted score is calibrated for ``LEAD_PRIOR`` leads, not the training
    files' share.
    """
    features = combiner_features(logits, evidence, RULE_DROP, DROP_COPIES)
    y = np.tile(np.asarray(labels), DROP_COPIES + 1)
    observed = float(y.mean())
    weights = np.where(y == 1, LEAD_PRIOR / observed, (1 - LEAD_PRIOR) / (1 - observed))
    model = LogisticRegression(C=COMBINER_C, max_iter=1000, solver="lbfgs")
    model.fit(features, y, sample_weight=weights)
    a, pos, neg = (float(x) for x in model.coef_[0])
    return {"intercept": float(model.intercept_[0]), "model": a, "positive": pos, "negative": -neg}


def evidence_for(rows: Sequence[Row]) -> list[Evidence]:
    """Rule evidence as the classifier sees it in use: language detected, not taken from the label file."""
    return [gather(r.text) for r in rows]


def build(rows: Sequence[Row], c: float = DEFAULT_C, folds: int = 5) -> tuple[Fitted, dict[str, float]]:
    """Fit the combination on out-of-fold logits, then the text model on every row."""
    combiner = fit_combiner(oof_logits(rows, c, folds), evidence_for(rows), [r.label for r in rows])
    fitted = fit_text_model([r.text for r in rows], [r.label for r in rows], c)
    return fitted, combiner


def export(
    fitted: Fitted, combiner: dict[str, float], meta: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The artifact's JSON document and arrays (float32: ample for scores, half the size)."""
    coef = fitted.classifier.coef_[0]
    n_word = len(fitted.word.vocabulary_)
    word_vocab = sorted(fitted.word.vocabulary_, key=fitted.word.vocabulary_.__getitem__)
    char_vocab = sorted(fitted.char.vocabulary_, key=fitted.char.vocabulary_.__getitem__)
    document = {
        "format": FORMAT,
        "featurizer": {"word_ngrams": [1, 2], "char_ngrams": [2, 5], "sublinear_tf": True, "norm": "l2"},
        "combiner": combiner,
        "caps": {"positive": POSITIVE_CAP, "negative": NEGATIVE_CAP},
        "training": meta,
        "word_vocabulary": word_vocab,
        "char_vocabulary": char_vocab,
    }
    arrays = {
        "word_idf": fitted.word.idf_.astype(np.float32),
        "word_coef": coef[:n_word].astype(np.float32),
        "char_idf": fitted.char.idf_.astype(np.float32),
        "char_coef": coef[n_word:].astype(np.float32),
        "intercept": np.asarray([fitted.classifier.intercept_[0]], dtype=np.float32),
    }
    return document, arrays


def as_text_model(document: dict[str, Any], arrays: dict[str, Any]) -> TextModel:
    """The exported model as inference will see it (no file round trip; used by the bench)."""

    def block(kind: str) -> Block:
        pairs = zip(arrays[f"{kind}_idf"].tolist(), arrays[f"{kind}_coef"].tolist(), strict=True)
        return Block(dict(zip(document[f"{kind}_vocabulary"], pairs, strict=True)))

    return TextModel(
        block("word"), block("char"), float(arrays["intercept"][0]), document["combiner"], document
    )


def check_export(fitted: Fitted, model: TextModel, texts: Sequence[str]) -> float:
    """Largest difference between scikit-learn's and the exported model's probabilities."""
    expected = fitted.classifier.predict_proba(fitted.matrix(texts))[:, 1]
    got = np.asarray([model.score(t).probability for t in texts])
    return float(np.max(np.abs(expected - got))) if len(texts) else 0.0


def write_artifact(document: dict[str, Any], arrays: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write ``intent_model.json`` and ``intent_model.npz`` byte-for-byte reproducibly."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, npz_path = out / f"{ARTIFACT_STEM}.json", out / f"{ARTIFACT_STEM}.npz"
    json_path.write_text(json.dumps(document, ensure_ascii=False, sort_keys=True, indent=0) + "\n", "utf-8")
    with zipfile.ZipFile(npz_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())
    return json_path, npz_path


def summary(rows: Sequence[Row], paths: Sequence[Path], c: float) -> dict[str, Any]:
    """What the artifact was trained on (content hashes, not paths: paths differ between machines)."""
    return {
        "rows": len(rows),
        "leads": sum(r.label for r in rows),
        "languages": dict(sorted(Counter(r.lang for r in rows).items())),
        "data_sha256": [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths],
        "c": c,
        "min_df": MIN_DF,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Train on the given files and write the artifact."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, help="labelled comments CSV")
    parser.add_argument("--feed", type=Path, action="append", default=[], help="more labelled CSVs (feeds)")
    parser.add_argument(
        "--out", type=Path, default=ARTIFACT_DIR, help=f"artifact folder (default {ARTIFACT_DIR})"
    )
    parser.add_argument("--c", type=float, default=DEFAULT_C, help="text model's inverse regularisation")
    parser.add_argument("--folds", type=int, default=5, help="grouped folds for the out-of-fold logits")
    args = parser.parse_args(argv)
    paths = [args.data, *args.feed]
    rows = [row for path in paths for row in read_rows(path)]
    if len({r.label for r in rows}) < 2 or len({r.business for r in rows}) < 2:
        parser.error("need both labels and at least two businesses to train")
    fitted, combiner = build(rows, args.c, args.folds)
    document, arrays = export(fitted, combiner, summary(rows, paths, args.c))
    drift = check_export(fitted, as_text_model(document, arrays), [r.text for r in rows])
    if drift > 1e-3:
        print(f"exported model differs from scikit-learn by {drift:.2e}: not written", file=sys.stderr)
        return 1
    json_path, npz_path = write_artifact(document, arrays, args.out)
    size = json_path.stat().st_size + npz_path.stat().st_size
    print(f"trained on {len(rows)} rows ({document['training']['leads']} leads); combiner {combiner}")
    print(f"wrote {json_path} and {npz_path} ({size / 1e6:.2f} MB; export drift {drift:.1e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
