"""Split one file's bytes into rows (CSV or JSON Lines), keeping every unreadable row with its reason.

Called by ``CsvSource.fetch`` for each new file. Nothing here raises for bad content: a row that
cannot be read becomes a ``BadRow`` with its physical line number and verbatim text, and reading goes
on with the next row, so one stray quote or byte never costs the rest of a trade-show list. The
encoding (``encoding.detect_encoding``) and the separator (``sniff_delimiter``) are decided per file
unless the config names them, and what was assumed is returned as a ``Reading``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from connectors.csv.encoding import detect_encoding
from connectors.csv.reading import Reading
from connectors.csv.records import read_records, record_at

#: Delimiters tried when the config does not name one, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")
JSON_SUFFIXES = (".jsonl", ".ndjson")
_SNIFFED_ROWS = 20  # rows after the header that the separator must split like the header

# Bytes that are not valid in the file's encoding decode (with surrogateescape) to U+DC80-U+DCFF.
_SURROGATE = re.compile(r"[\udc80-\udcff]")
_QUOTED = re.compile(r'"[^"]*"')


@dataclass(frozen=True)
class Row:
    """A readable row: ``values`` maps each header (or JSON key) to the cell, verbatim."""

    line: int
    values: dict[str, Any]


@dataclass(frozen=True)
class BadRow:
    """A row that could not be read; ``text`` is JSON-safe (undecodable bytes as ``\\xNN``)."""

    line: int
    text: str
    error: str


def read_file(
    name: str, data: bytes, encoding: str | None, delimiter: str | None
) -> tuple[Reading, Iterator[Row | BadRow]]:
    """How file ``name`` is read (a configured encoding or delimiter wins), and its rows in order.

    Blank lines are skipped. Never raises for content.
    """
    codec, codec_by = (encoding, "configured") if encoding else detect_encoding(data)
    try:
        text = data.decode(codec, errors="surrogateescape")
    except UnicodeDecodeError as exc:  # only codecs that are not ASCII-compatible (utf-16) get here
        problem = f"the file is not {codec} text ({exc.reason}); set encoding: to the file's encoding"
        return Reading(encoding=codec, encoding_by=codec_by), iter([BadRow(1, "", problem)])
    # A byte-order mark is never content, even when the configured codec keeps it (utf-8, utf-16-le).
    text = text.removeprefix("\ufeff")
    # newline="" splits on \n, \r\n and \r only, unlike str.splitlines, so line numbers match an editor's.
    lines = io.StringIO(text, newline="").readlines()
    if name.lower().endswith(JSON_SUFFIXES):
        return Reading(encoding=codec, encoding_by=codec_by), _json_rows(lines, codec)
    separator, separator_by = (delimiter, "configured") if delimiter else sniff_delimiter(lines)
    reading = Reading(encoding=codec, encoding_by=codec_by, delimiter=separator, delimiter_by=separator_by)
    return reading, _csv_rows(lines, codec, separator)


def sniff_delimiter(lines: list[str]) -> tuple[str, str]:
    """The separator of a CSV file (one of ``DELIMITERS``) and how it was decided.

    The candidates are those found in the header line outside quotes; the winner splits the most of
    the next rows into as many fields as the header, then is the most frequent in the header, then
    comes first in ``DELIMITERS``. ``,`` when the header has none (a one-column file).
    """
    header = _QUOTED.sub("", lines[0]) if lines else ""
    found = [d for d in DELIMITERS if header.count(d)]
    if not found:
        return ",", "none in the header: one column"
    sample = [_QUOTED.sub("", line) for line in lines[1 : _SNIFFED_ROWS + 1] if line.strip()]

    def fit(d: str) -> tuple[int, int, int]:
        alike = sum(1 for line in sample if line.count(d) == header.count(d))
        return alike, header.count(d), -DELIMITERS.index(d)

    return max(found, key=fit), "sniffed"


def _encoding_problem(encoding: str) -> str:
    return (
        f"the line is not valid {encoding} text; set encoding: to the file's encoding "
        "(often cp1252 or latin-1 for spreadsheet exports)"
    )


def _kept(text: str) -> str:
    """``text`` without its line break, each undecodable byte written as ``\\xNN`` (backslashreplace)."""
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith(("\n", "\r")):
        text = text[:-1]
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def _csv_rows(lines: list[str], encoding: str, delimiter: str) -> Iterator[Row | BadRow]:
    if not any(line.strip() for line in lines):
        return  # an empty file has no rows; the caller still remembers it
    head = record_at(lines, 0, delimiter, None)
    header_text = "".join(lines[: head.next])
    if head.fields is None:
        yield BadRow(1, _kept(header_text), f"the header row is not valid CSV: {head.problem}")
        return
    if _SURROGATE.search(header_text):
        yield BadRow(1, _kept(header_text), _encoding_problem(encoding))
        return
    if not any(cell.strip() for cell in head.fields):
        yield BadRow(
            1, _kept(header_text), "the first line must be the header row naming the columns, but it is empty"
        )
        return
    keys = _unique(head.fields)
    for record in read_records(lines, head.next, delimiter, len(keys)):
        line, raw = record.first + 1, "".join(lines[record.first : record.next])
        if _SURROGATE.search(raw):
            yield BadRow(line, _kept(raw), _encoding_problem(encoding))
        elif record.fields is None:
            yield BadRow(line, _kept(raw), record.problem or "not valid CSV")
        elif not any(cell.strip() for cell in record.fields):
            continue  # blank, or only delimiters (spreadsheets pad exports with ",,,," lines)
        elif len(record.fields) != len(keys):
            yield BadRow(line, _kept(raw), f"expected {len(keys)} fields, found {len(record.fields)}")
        else:
            yield Row(line, dict(zip(keys, record.fields, strict=True)))


def _unique(header: list[str]) -> list[str]:
    """Header names usable as dict keys: a blank one becomes ``column N``, a repeat gets `` (2)``."""
    keys: list[str] = []
    for index, cell in enumerate(header, start=1):
        key = cell if cell.strip() else f"column {index}"
        candidate, n = key, 2
        while candidate in keys:
            candidate, n = f"{key} ({n})", n + 1
        keys.append(candidate)
    return keys


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _json_rows(lines: list[str], encoding: str) -> Iterator[Row | BadRow]:
    for line, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        if _SURROGATE.search(raw):
            yield BadRow(line, _kept(raw), _encoding_problem(encoding))
            continue
        try:
            # NaN and Infinity are rejected: the payload must stay valid JSON when it is stored.
            value = json.loads(raw, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            yield BadRow(line, _kept(raw), f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        except ValueError as exc:
            yield BadRow(line, _kept(raw), f"not valid JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield BadRow(line, _kept(raw), f"expected a JSON object, found {type(value).__name__}")
            continue
        yield Row(line, value)
