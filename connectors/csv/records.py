"""Split CSV lines into records, telling a quoted field that spans lines from an unbalanced quote.

Called by ``reader`` with a file's physical lines (line breaks kept). Fields are read as Excel writes
and reads them (RFC 4180, https://www.rfc-editor.org/rfc/rfc4180): a field that begins with ``"`` is
quoted, ends at the next lone ``"`` and holds ``""`` for a quote, the delimiter and line breaks as text;
after its closing quote comes the delimiter or the end of the line. A ``"`` anywhere else in a field is
an ordinary character (Excel reads ``12" pipe`` and ``Anna "Nan" Berg`` that way).

Excel writes a cell with line breaks in it (an address, a note) as one quoted field over several lines,
so a quote that does not close on its own line may be legitimate, or may be a typo such as
``a2@x.is,"Bad`` that would swallow every row after it. The quote is read as opening a multi-line field
only when all of these hold:

1. it closes within ``MAX_FIELD_LINES`` lines;
2. the record it then ends is well formed: after the closing quote comes the delimiter or the end of
   the line, and the record has exactly the header's number of fields;
3. no line the field swallows whole (those between the line it opens on and the line it closes on)
   reads on its own as a well-formed row of the header's width: a line with a row's pattern of
   delimiters is a row, not part of a note. Checked when the header has two columns or more (with one
   column every line would read as a row).

Otherwise the quote is unbalanced: the line it opens on is a dead letter with the reason, and the next
line is read as a new row, so one typo costs one row. The price of rule 3 is that a note whose inner
line happens to have exactly the header's number of fields (possible in a two- or three-column file)
is split into dead letters too; nothing is lost, each line is kept verbatim.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

#: A quoted field may span at most this many lines (rule 1).
MAX_FIELD_LINES = 50


@dataclass(frozen=True)
class Record:
    """Lines ``first`` up to (not including) ``next`` (0-based) as one record: its fields, or a problem."""

    first: int
    next: int
    fields: list[str] | None
    problem: str | None = None


@dataclass(frozen=True)
class _Parsed:
    fields: list[str]
    end: int
    """Where the record ends in the text: its line break, or the end of the text."""
    spans: list[tuple[int, int]]
    """Opening and closing quote positions of each quoted field holding a line break."""


@dataclass(frozen=True)
class _Failed:
    field: int
    """The field (1-based) with the problem."""
    at: int
    unclosed: bool
    """True: the quote is never closed; False: text follows the closing quote."""


def read_records(lines: list[str], start: int, delimiter: str, width: int | None) -> Iterator[Record]:
    """Yield the records of ``lines[start:]``; ``width`` is the header's field count (None: the header).

    Blank lines come back as records too (the caller skips them). Never raises.
    """
    index = start
    while index < len(lines):
        record = record_at(lines, index, delimiter, width)
        yield record
        index = record.next


def record_at(lines: list[str], index: int, delimiter: str, width: int | None) -> Record:
    """The record that starts at ``lines[index]``, by the rules in the module docstring."""
    line = lines[index]
    if '"' not in line:  # the common case, and fast
        return Record(index, index + 1, line.rstrip("\r\n").split(delimiter))
    single = _tokenize(line, delimiter)
    if isinstance(single, _Parsed):
        return Record(index, index + 1, single.fields)
    if not single.unclosed:
        return Record(
            index, index + 1, None, f"stray quote: text follows the closing quote of field {single.field}"
        )
    window = lines[index : index + MAX_FIELD_LINES]
    offsets = [0]
    for part in window[:-1]:
        offsets.append(offsets[-1] + len(part))

    def line_of(position: int) -> int:  # 0-based, within the window
        return bisect_right(offsets, position) - 1

    parsed = _tokenize("".join(window), delimiter)
    why = _why_not_multi_line(parsed, window, line_of, index, delimiter, width)
    if why is None and isinstance(parsed, _Parsed):
        return Record(index, index + line_of(parsed.end) + 1, parsed.fields)
    problem = f"unbalanced quote: field {single.field} opens a quote that does not close on its line, {why}"
    return Record(index, index + 1, None, problem)


def _why_not_multi_line(
    parsed: _Parsed | _Failed,
    window: list[str],
    line_of: Callable[[int], int],
    index: int,
    delimiter: str,
    width: int | None,
) -> str | None:
    """Why the window does not read as one record with a multi-line field (rules 1-3); None if it does."""
    if isinstance(parsed, _Failed):
        if parsed.unclosed:
            return (
                f"and no closing quote follows within {MAX_FIELD_LINES} lines"
                if len(window) == MAX_FIELD_LINES
                else "and no closing quote follows before the end of the file"
            )
        where = index + line_of(parsed.at) + 1
        return f"and read as a multi-line field, text follows its closing quote on line {where}"
    last = index + line_of(parsed.end) + 1
    if width is None:
        return None
    if len(parsed.fields) != width:
        return (
            f"and read as a field spanning lines {index + 1}-{last} the row would have "
            f"{len(parsed.fields)} fields, not {width}"
        )
    if width < 2:
        return None
    for opening, closing in parsed.spans:
        for inner in range(line_of(opening) + 1, line_of(closing)):
            alone = _tokenize(window[inner], delimiter)
            if (
                isinstance(alone, _Parsed)
                and len(alone.fields) == width
                and any(f.strip() for f in alone.fields)
            ):
                return (
                    f"and read as a field spanning lines {index + 1}-{last} it would swallow line "
                    f"{index + inner + 1}, which reads as a row of its own"
                )
    return None


@lru_cache(maxsize=8)
def _unquoted(delimiter: str) -> re.Pattern[str]:
    return re.compile(f"[^{re.escape(delimiter)}\r\n]*")


def _tokenize(text: str, delimiter: str) -> _Parsed | _Failed:
    """The first record of ``text``: up to the first line break outside quotes, or the end."""
    fields: list[str] = []
    spans: list[tuple[int, int]] = []
    unquoted = _unquoted(delimiter)
    pos, size = 0, len(text)
    while True:
        if pos < size and text[pos] == '"':
            close = pos + 1
            while True:
                close = text.find('"', close)
                if close < 0:
                    return _Failed(len(fields) + 1, pos, unclosed=True)
                if not text.startswith('""', close):
                    break
                close += 2  # an escaped quote inside the field
            value = text[pos + 1 : close]
            if "\n" in value or "\r" in value:
                spans.append((pos, close))
            fields.append(value.replace('""', '"'))
            pos = close + 1
            if pos < size and text[pos] not in (delimiter, "\r", "\n"):
                return _Failed(len(fields), pos, unclosed=False)
        else:
            match = unquoted.match(text, pos)
            assert match is not None  # the pattern matches the empty string
            fields.append(match.group())
            pos = match.end()
        if pos < size and text[pos] == delimiter:
            pos += 1
            continue
        return _Parsed(fields, pos, spans)
