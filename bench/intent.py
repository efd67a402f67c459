"""Intent benchmark: grouped cross-validation of the baseline, the rules, the model and the cascade.

    python bench/intent.py DATA.csv [--threshold 0.7] [--folds 5] [--feed FEED.csv] [--train-on-feed]

Folds are grouped by ``business`` (no business on both sides) and deterministic. In each fold, every
system is trained on the training folds only and scored on the held-out businesses:

- baseline: plain scikit-learn TF-IDF (word 1-2 + char_wb 2-5) + logistic regression, at 0.5;
- rules: the rule evidence alone (lead when positive evidence beats negative by a point), at 0.5;
- model: the cascade's text model alone (its own featurizer), at 0.5;
- cascade: the default cascade (text model and combination refitted on the training folds, the
  combination on inner out-of-fold logits), at ``--threshold``; language detected, never taken from
  the file.

With ``--feed`` the feed's businesses are split into folds the same way and scored by the same fold's
systems; with ``--train-on-feed`` the training folds of the feed are trained on too (as the committed
artifact is). Throughput is the committed artifact's cascade on one core, after warm-up, with language
detection. Prints tables, then one JSON line. Not a test: it asserts nothing.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, as measured
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score  # noqa: E402
from sklearn.pipeline import make_pipeline, make_union  # noqa: E402

from socialleads.qualify.intent import IntentClassifier  # noqa: E402
from socialleads.qualify.model import sigmoid  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "train_intent", Path(__file__).parents[1] / "scripts/train_intent.py"
)
assert _spec and _spec.loader
train = importlib.util.module_from_spec(_spec)
sys.modules["train_intent"] = train
_spec.loader.exec_module(train)

SYSTEMS = ("baseline", "rules", "model", "cascade")


def baseline(texts: Sequence[str], labels: Sequence[int]) -> Any:
    """The reference: scikit-learn's own TF-IDF analyzers and a balanced logistic regression."""
    union = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    pipeline = make_pipeline(union, LogisticRegression(C=10.0, class_weight="balanced", max_iter=5000))
    return pipeline.fit(list(texts), list(labels))


def split(rows: Sequence[Any], folds: int) -> list[np.ndarray]:
    """Held-out row indices of each grouped fold."""
    return [test for _, test in train.grouped_folds([r.business for r in rows], folds)]


def run_folds(dev: list[Any], feed: list[Any], folds: int, train_on_feed: bool) -> dict[str, np.ndarray]:
    """Out-of-fold scores of every system, for the dev rows then the feed rows."""
    dev_tests = split(dev, folds)
    feed_tests = split(feed, len(dev_tests)) if feed else []
    everything = dev + feed
    scores = {s: np.zeros(len(everything)) for s in SYSTEMS}
    for k, dev_test in enumerate(dev_tests):
        held = set(dev_test.tolist())
        feed_held = {len(dev) + i for i in (feed_tests[k].tolist() if k < len(feed_tests) else [])}
        pool = [i for i in range(len(dev)) if i not in held]
        if train_on_feed:
            pool += [i for i in range(len(dev), len(everything)) if i not in feed_held]
        rows = [everything[i] for i in pool]
        test = sorted(held | feed_held)
        texts, labels = [r.text for r in rows], [r.label for r in rows]
        test_texts = [everything[i].text for i in test]
        scores["baseline"][test] = baseline(texts, labels).predict_proba(test_texts)[:, 1]
        model = train.fit_text_model(texts, labels)
        scores["model"][test] = model.classifier.predict_proba(model.matrix(test_texts))[:, 1]
        fitted, combiner = train.build(rows)
        document, arrays = train.export(fitted, combiner, {})
        cascade = IntentClassifier(train.as_text_model(document, arrays))
        for i, text in zip(test, test_texts, strict=True):
            scores["cascade"][i] = cascade.score(text)[0]
            evidence = train.gather(text)
            # Net evidence of more than one point (about one clear positive signal) makes a lead.
            scores["rules"][i] = sigmoid(evidence.positive - evidence.negative - 1.0)
        print(
            f"  fold {k + 1}/{len(dev_tests)}: {len(rows)} training rows, {len(test)} held out",
            file=sys.stderr,
        )
    return scores


def metrics(y: np.ndarray, score: np.ndarray, threshold: float) -> dict[str, float]:
    """F1, precision, recall at ``threshold``, and average precision (threshold-free)."""
    pred = (score >= threshold).astype(int)
    ap = average_precision_score(y, score) if 0 < y.sum() < len(y) else float("nan")
    return {
        "f1": float(f1_score(y, pred, zero_division=0)),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "ap": float(ap),
        "n": len(y),
        "leads": int(y.sum()),
    }


def table(
    title: str, rows: list[Any], scores: dict[str, np.ndarray], offset: int, cascade_at: float
) -> dict[str, Any]:
    """Per-language and overall metrics of every system on ``rows``; printed as a table."""
    y = np.asarray([r.label for r in rows])
    langs = np.asarray([r.lang for r in rows])
    groups = [*sorted(set(langs.tolist())), "all"]
    out: dict[str, Any] = {}
    print(f"\n{title}: F1 / precision / recall / AP (baseline, rules, model at 0.5; cascade at {cascade_at})")
    print(f"{'lang':>5} {'n':>4} {'leads':>5} | " + " | ".join(f"{s:^23}" for s in SYSTEMS))
    for g in groups:
        mask = np.ones(len(rows), bool) if g == "all" else langs == g
        out[g] = {}
        cells = []
        for s in SYSTEMS:
            m = metrics(
                y[mask], scores[s][offset : offset + len(rows)][mask], cascade_at if s == "cascade" else 0.5
            )
            out[g][s] = m
            cells.append(f"{m['f1']:.2f} {m['precision']:.2f} {m['recall']:.2f} {m['ap']:.2f}".center(23))
        print(f"{g:>5} {int(mask.sum()):>4} {int(y[mask].sum()):>5} | " + " | ".join(cells))
    return out


def throughput(texts: Sequence[str], seconds: float = 3.0) -> float:
    """Comments per second of the committed cascade, one thread, detection included, after warm-up."""
    classifier = IntentClassifier.load()
    for text in texts[:300]:
        classifier.score(text)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            classifier.score(text)
        done += len(texts)
    return done / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path)
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--feed", type=Path)
    parser.add_argument("--train-on-feed", action="store_true", help="train on the feed's training folds too")
    args = parser.parse_args(argv)
    dev = train.read_rows(args.data)
    feed = train.read_rows(args.feed) if args.feed else []
    scores = run_folds(dev, feed, args.folds, args.train_on_feed)
    report: dict[str, Any] = {
        "threshold": args.threshold,
        "folds": args.folds,
        "train_on_feed": args.train_on_feed,
    }
    report["dev"] = table(f"{args.data.name} (grouped {args.folds}-fold CV)", dev, scores, 0, args.threshold)
    if feed:
        report["feed"] = table(
            f"{args.feed.name} (held-out businesses)", feed, scores, len(dev), args.threshold
        )
    rate = throughput([r.text for r in dev + feed])
    report["throughput_per_s"] = round(rate, 1)
    cascade, base = report["dev"]["all"]["cascade"]["f1"], report["dev"]["all"]["baseline"]["f1"]
    print(
        f"\ncascade F1 {cascade:.3f} vs baseline {base:.3f} ({cascade - base:+.3f}); {rate:,.0f} comments/s"
    )
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
