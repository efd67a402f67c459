"""The ``csv`` source under hostile files: never an exception but a dead-lettered row, and rows read back.

The same checks as the fuzz target ``fuzz/csv_reader.py`` (docs/fuzzing.md), driven by hypothesis:
arbitrary bytes as a CSV or JSON Lines file, and well-formed CSV written by Python's ``csv`` module
(any separator the source sniffs, any encoding it detects by a byte-order mark or as UTF-8) that must
come back row for row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.csv_reader import check, check_file

SEEDS = sorted((Path(__file__).resolve().parents[2] / "fuzz" / "corpus" / "csv_reader").iterdir())
QUICK = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
HEADER = ["email", "name", "note", "phone"]
#: Cell text: anything but line breaks (a note over lines may split, as documented in records.py) and
#: NUL (no text file holds one; a file full of them is read as UTF-16).
cells = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00"), max_size=12)


@pytest.mark.parametrize("seed", SEEDS, ids=[path.name for path in SEEDS])
def test_every_seed_of_the_fuzz_corpus_passes_the_check(seed: Path) -> None:
    check(seed.read_bytes())


@QUICK
@given(st.binary(max_size=3000))
def test_any_bytes_as_a_csv_file_are_rows_or_dead_letters(data: bytes) -> None:
    check_file("leads.csv", data)


@QUICK
@given(st.binary(max_size=3000))
def test_any_bytes_as_a_json_lines_file_are_rows_or_dead_letters(data: bytes) -> None:
    check_file("leads.jsonl", data)


@QUICK
@given(
    st.integers(2, len(HEADER)),
    st.lists(st.lists(cells, min_size=len(HEADER), max_size=len(HEADER)), max_size=8),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_well_formed_csv_comes_back_row_for_row(
    width: int, rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    header, table = HEADER[:width], [row[:width] for row in rows]
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows([header, *table])
    events = check_file("leads.csv", text.getvalue().encode(encoding))
    # A row whose cells are all blank is skipped (spreadsheets pad exports with ",,,," lines).
    expected = [dict(zip(header, row, strict=True)) for row in table if any(cell.strip() for cell in row)]
    assert [event.payload.get("row") for event in events] == expected


#: Files the source once failed on (found by the fuzz target): each line is a row or a dead letter.
HOSTILE = {
    "jsonl-lone-surrogate": ("leads.jsonl", b'{"email": "a@example.com", "note": "\\ud800"}\n'),
    "jsonl-deep-nesting": ("leads.jsonl", b'{"email": "a@example.com"}\n' + b"[" * 100_000 + b"\n"),
    "jsonl-number-beyond-float": ("leads.jsonl", b'{"email": "a@example.com", "budget": 1e999}\n'),
}


@pytest.mark.parametrize(("name", "content"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_files_are_rows_or_dead_letters(name: str, content: bytes) -> None:
    check_file(name, content)
