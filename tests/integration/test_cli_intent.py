"""``socialleads intent score`` and ``intent explain``: JSON lines in and out, reasons on real spans."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from socialleads.cli import app

LINES = [
    {"id": 1, "text": "hvað kostar þessi sófi í gráu? sendið þið til Akureyrar?"},
    {"id": "b", "text": "congrats on the new store!! 🎉", "lang": "en"},
    {"id": 3, "text": "¿Cuánto cuesta la mesa de comedor? ¿Hacéis envíos a Sevilla?"},
]


def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_score_writes_one_verdict_per_input_line_in_order() -> None:
    code, out, _ = run("intent", "score", stdin="".join(json.dumps(line) + "\n" for line in LINES))
    assert code == 0
    verdicts = [json.loads(line) for line in out.splitlines()]
    assert [v["id"] for v in verdicts] == [1, "b", 3]
    assert [v["is_lead"] for v in verdicts] == [True, False, True]
    assert set(verdicts[0]) == {"id", "score", "is_lead", "lang", "reasons"}
    assert verdicts[0]["lang"] == "is" and verdicts[2]["lang"] == "es"


def test_every_reason_span_points_at_real_text_of_its_input() -> None:
    _, out, _ = run("intent", "score", stdin="".join(json.dumps(line) + "\n" for line in LINES))
    for line, verdict in zip(LINES, map(json.loads, out.splitlines()), strict=True):
        for reason in verdict["reasons"]:
            if reason["span"]:
                start, end = reason["span"]
                quoted = line["text"][start:end]
                assert quoted and quoted in line["text"]
                if reason["signal"] != "model":
                    assert quoted in reason["detail"]


def test_the_threshold_option_decides_is_lead() -> None:
    stdin = json.dumps(LINES[0]) + "\n"
    _, out, _ = run("intent", "score", "--threshold", "0.9999", stdin=stdin)
    strict = json.loads(out)
    _, out, _ = run("intent", "score", "--threshold", "0.05", stdin=stdin)
    lenient = json.loads(out)
    assert strict["score"] == lenient["score"]
    assert lenient["is_lead"] and (strict["is_lead"] == (strict["score"] >= 0.9999))


def test_a_bad_line_is_reported_with_its_number_and_the_rest_are_scored() -> None:
    code, out, err = run("intent", "score", stdin='{"id": 1, "text": "how much?"}\nnot json\n{"id": 2}\n')
    assert code == 1
    assert len(out.splitlines()) == 1
    assert "line 2:" in err and "line 3:" in err


def test_explain_prints_the_verdict_and_each_reason_for_a_person() -> None:
    code, out, _ = run("intent", "explain", "Do you deliver to Reykjavík? How much is shipping?")
    assert code == 0
    assert out.startswith("a lead: buying intent ")
    assert "•" in out and "deliver" in out
