"""``socialleads intent``: score texts for buying intent, in bulk (JSON lines) or one for a person."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from socialleads.cli.common import errors, say
from socialleads.models import IntentVerdict
from socialleads.qualify.intent import IntentClassifier
from socialleads.qualify.qualifier import DEFAULT_THRESHOLD
from socialleads.safe_text import json_text

intent_app = typer.Typer(no_args_is_help=True)
Threshold = Annotated[float, typer.Option(min=0.0, max=1.0, help="Score from which a text is a lead.")]


def verdict_json(item_id: Any, verdict: IntentVerdict) -> dict[str, Any]:
    """The JSON line ``intent score`` writes for one input."""
    return {
        "id": item_id,
        "score": round(verdict.score, 4),
        "is_lead": verdict.is_lead,
        "lang": verdict.language,
        "reasons": [
            {"signal": r.signal, "detail": r.detail, "span": list(r.span) if r.span else None}
            for r in verdict.reasons
        ],
    }


@intent_app.command("score")
def score(threshold: Threshold = DEFAULT_THRESHOLD) -> None:
    """Read JSON lines {"id", "text", "lang"?} on stdin; write one JSON line per input with its verdict.

    A line that is not a JSON object with a "text" string is reported on stderr (with its line number)
    and skipped; the exit code is then 1.
    """
    classifier = IntentClassifier.load()
    bad = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected an object with a "text" string')
            lang = item.get("lang")
            verdict = classifier.verdict(
                item["text"], lang=lang if isinstance(lang, str) else None, threshold=threshold
            )
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad += 1
            say(f"line {number}: {exc}", to=errors)
            continue
        # json_text: the reasons quote the text, whose C1 and bidi controls are written as escapes.
        sys.stdout.write(json_text(verdict_json(item.get("id"), verdict)) + "\n")
    sys.stdout.flush()
    if bad:
        raise typer.Exit(1)


@intent_app.command("explain")
def explain(
    text: Annotated[str, typer.Argument(help="The comment or post to judge.")],
    lang: Annotated[str | None, typer.Option(help="Its language (detected when omitted).")] = None,
    threshold: Threshold = DEFAULT_THRESHOLD,
) -> None:
    """Print the verdict on one text with its reasons, for a person."""
    verdict = IntentClassifier.load().verdict(text, lang=lang, threshold=threshold)
    label = "a lead" if verdict.is_lead else "not a lead"
    say(
        f"{label}: buying intent {verdict.score:.2f} (threshold {threshold:.2f}), "
        f"language {verdict.language or 'unknown'}"
    )
    for reason in verdict.reasons:
        say(f"  • {reason.signal}: {reason.detail}")  # a reason quotes the text
