"""Split one file's bytes into rows (CSV or JSON Lines), keeping every unreadable row with its reason.

Called by ``CsvSource.fetch`` for each new file. Nothing here raises for bad content: a row that
cannot be read becomes a ``BadRow`` with its physical line number and verbatim text, and reading goes
on with the next row, so one stray quote or byte never costs the rest of a trade-show list.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: Delimiters tried when the config does not name one, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")
JSON_SUFFIXES = (".jsonl", ".ndjson")

# Bytes that are not valid in the configured encoding decode (with surrogateescape) to U+DC80-U+DCFF.
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


def read_rows(name: str, data: bytes, encoding: str, delimiter: str | None) -> Iterator[Row | BadRow]:
    """Yield the rows of file ``name`` in order; blank lines are skipped. Never raises for content."""
    try:
        text = data.decode(encoding, errors="surrogateescape")
    except UnicodeDecodeError as exc:  # only codecs that are not ASCII-compatible (utf-16) get here
        yield BadRow(
            1, "", f"the file is not {encoding} text ({exc.reason}); set encoding: to the file's encoding"
        )
        return
    # newline="" splits on \n, \r\n and \r only, unlike str.splitlines, so line numbers match an editor's.
    lines = io.StringIO(text, newline="").readlines()
    if name.lower().endswith(JSON_SUFFIXES):
        yield from _json_rows(lines, encoding)
    else:
        yield from _csv_rows(lines, encoding, delimiter)


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter found most often in the header line outside quotes; ``,`` if none is."""
    unquoted = _QUOTED.sub("", header_line)
    best = max(DELIMITERS, key=unquoted.count)  # max keeps the first of equals: "," wins ties
    return best if unquoted.count(best) else ","


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


def _csv_rows(lines: list[str], encoding: str, delimiter: str | None) -> Iterator[Row | BadRow]:
    if not any(line.strip() for line in lines):
        return  # an empty file has no rows; the caller still remembers it
    reader = csv.reader(iter(lines), delimiter=delimiter or sniff_delimiter(lines[0]))
    try:
        header = next(reader)
    except csv.Error as exc:
        yield BadRow(1, _kept("".join(lines[: reader.line_num])), f"the header row is not valid CSV: {exc}")
        return
    header_text = "".join(lines[: reader.line_num])
    if _SURROGATE.search(header_text):
        yield BadRow(1, _kept(header_text), _encoding_problem(encoding))
        return
    if not any(cell.strip() for cell in header):
        yield BadRow(
            1, _kept(header_text), "the first line must be the header row naming the columns, but it is empty"
        )
        return
    keys = _unique(header)
    start = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
            problem = None
        except StopIteration:
            return
        except csv.Error as exc:  # the reader resumes at the next line after an error
            fields, problem = [], f"not valid CSV: {exc}"
        line, raw = start, "".join(lines[start - 1 : reader.line_num])
        start = reader.line_num + 1
        if _SURROGATE.search(raw):
            yield BadRow(line, _kept(raw), _encoding_problem(encoding))
        elif problem:
            yield BadRow(line, _kept(raw), problem)
        elif not any(cell.strip() for cell in fields):
            continue  # blank, or only delimiters (spreadsheets pad exports with ",,,," lines)
        elif len(fields) != len(keys):
            yield BadRow(line, _kept(raw), f"expected {len(keys)} fields, found {len(fields)}")
        else:
            yield Row(line, dict(zip(keys, fields, strict=True)))


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
