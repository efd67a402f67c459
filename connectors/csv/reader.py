"""Split one file's bytes into rows (CSV or JSON Lines), keeping every unreadable row with its reason.

Called by ``CsvSource.fetch`` for each new file. Nothing here raises for bad content: a row that
cannot be read becomes a ``BadRow`` with its physical line number and verbatim text, and reading goes
on with the next row, so one stray quote or byte never costs the rest of a trade-show list. The
encoding (``encoding.detect_encoding``) and the separator (``sniff_delimiter``) are decided per file
unless the config names them, and what was assumed is returned as a ``Reading``.

Every ``Row`` can be stored as it is: its text encodes as UTF-8 and its JSON has no NaN or Infinity
(PostgreSQL refuses both, https://www.postgresql.org/docs/current/datatype-json.html). A JSON Lines
row that is valid JSON but holds what no database stores is repaired, never dropped, and says how in
``Row.notes`` (``_json_rows``); one that is not valid JSON, or nests too deeply, is a ``BadRow``.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from connectors.csv.encoding import detect_encoding
from connectors.csv.reading import Reading
from connectors.csv.records import read_records, record_at
from socialleads.jsontext import nests_deeper_than, refuse_constant

#: Delimiters tried when the config does not name one, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")
JSON_SUFFIXES = (".jsonl", ".ndjson")
_SNIFFED_ROWS = 20  # rows after the header that the separator must split like the header

#: Arrays and objects in a JSON Lines row nest at most this deep. A lead is a flat object whose values
#: are at most a list of small objects; a deeper row is a dead letter, which also keeps the parser (and
#: every later ``json.dumps``) far from Python's recursion limit.
MAX_JSON_DEPTH = 32

# Surrogates (U+D800-U+DFFF) are not characters: UTF-8 cannot encode them, so no database stores them.
# Bytes that are not valid in the file's encoding decode (with surrogateescape) to U+DC80-U+DCFF; a
# configured codec such as utf-7 or unicode_escape decodes some byte sequences to any of them. Either
# way the line is not valid text in that encoding. (A JSON ``\ud800`` escape is ASCII text: see
# ``_json_rows``.)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_QUOTED = re.compile(r'"[^"]*"')


@dataclass(frozen=True)
class Row:
    """A readable row: ``values`` maps each header (or JSON key) to the cell, verbatim but for ``notes``."""

    line: int
    values: dict[str, Any]
    notes: tuple[str, ...] = ()
    """How a JSON Lines row was changed so that it can be stored (``_json_rows``); empty for most rows."""


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
    """``text`` without its line break, each undecodable byte written as ``\\xNN`` (backslashreplace)
    and any other surrogate (from a configured codec such as utf-7) as ``\\uXXXX``."""
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith(("\n", "\r")):
        text = text[:-1]
    return _SURROGATE.sub(_escaped_surrogate, text)


def _escaped_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


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


def _json_rows(lines: list[str], encoding: str) -> Iterator[Row | BadRow]:
    """The rows of a JSON Lines file: one JSON object per line.

    What JSON allows but no database stores is repaired, each repair said in the row's ``notes``,
    rather than dead-lettered: the row is a lead like any other, and nothing in it is lost.

    - A number beyond a float's range (``1e999``; JSON sets no limit, RFC 8259 section 6) would parse
      as Infinity, which PostgreSQL's json type refuses: it is kept as its text, ``"1e999"``, which is
      what a lead's answer shows anyway. The literals ``NaN`` and ``Infinity`` are not JSON at all:
      such a line is a dead letter, like any other invalid JSON.
    - A ``\\ud800`` escape that is not half of a pair decodes to a lone surrogate, which no database
      stores as text. It stood for half a character (typically an emoji cut in two by a truncating
      exporter), so there is no text to keep: it becomes U+FFFD, as a UTF-8 decoder does with a broken
      sequence, and the note names the escape, so that the line can still be told exactly.
    """
    for line, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        if _SURROGATE.search(raw):
            yield BadRow(line, _kept(raw), _encoding_problem(encoding))
            continue
        notes: list[str] = []
        try:
            value = json.loads(raw, parse_constant=refuse_constant, parse_float=partial(_float, notes=notes))
        except json.JSONDecodeError as exc:
            yield BadRow(line, _kept(raw), f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        except RecursionError:  # the parser recurses per level: thousands of "[" exhaust the stack
            yield BadRow(line, _kept(raw), _too_deep())
            continue
        except ValueError as exc:  # NaN, Infinity; an integer of more than 4300 digits
            yield BadRow(line, _kept(raw), f"not valid JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield BadRow(line, _kept(raw), f"expected a JSON object, found {type(value).__name__}")
            continue
        if nests_deeper_than(value, MAX_JSON_DEPTH):
            yield BadRow(line, _kept(raw), _too_deep())
            continue
        values = _storable_object(value, None, notes)
        yield Row(line, values, tuple(notes))


def _too_deep() -> str:
    return f"nested too deeply: a row's arrays and objects may nest at most {MAX_JSON_DEPTH} levels"


def _float(text: str, notes: list[str]) -> float | str:
    """A JSON number with a fraction or exponent: a float, or its text when beyond a float's range."""
    value = float(text)
    if math.isfinite(value):
        return value
    notes.append(f"the number {text} is beyond the range of a float; kept as the text {text!r}")
    return text


def _storable_object(value: dict[str, Any], within: str | None, notes: list[str]) -> dict[str, Any]:
    """``value`` with lone surrogates in keys and strings replaced (``_json_rows``); a key that then
    equals another gets `` (2)``, so no value is lost. ``within`` is the row's key it sits under."""
    result: dict[str, Any] = {}
    for key, item in value.items():
        name = _storable_text(key, f"the key under {within!r}" if within else "a key", notes)
        candidate, n = name, 2
        while candidate in result:
            candidate, n = f"{name} ({n})", n + 1
        if candidate != name:
            notes.append(f"the key {name!r} came twice once repaired; the second is {candidate!r}")
        result[candidate] = _storable(item, within or candidate, notes)
    return result


def _storable(value: Any, within: str, notes: list[str]) -> Any:
    # Recursion is bounded: the row nests at most MAX_JSON_DEPTH levels (checked first).
    if isinstance(value, str):
        return _storable_text(value, f"the value of {within!r}", notes)
    if isinstance(value, list):
        return [_storable(item, within, notes) for item in value]
    if isinstance(value, dict):
        return _storable_object(value, within, notes)
    return value


def _storable_text(text: str, where: str, notes: list[str]) -> str:
    """``text`` with each lone surrogate as U+FFFD, and a note naming the escapes replaced in ``where``."""
    # JSON decoding joins an escaped pair (\ud83d\ude00) into one character, and the line itself holds
    # no surrogate (checked first), so any surrogate left in a decoded string is a lone one.
    found = _SURROGATE.findall(text)
    if not found:
        return text
    escapes = ", ".join(f"\\u{ord(char):04x}" for char in found)
    notes.append(f"{where}: the JSON escape {escapes} (half of a character) became U+FFFD")
    return _SURROGATE.sub("\ufffd", text)
