"""Text from strangers made safe where it meets a screen or a file: the one home of these rules.

A lead's name, comment and answers come from anybody on the internet, and so do a page's name and
a server's error text. The store keeps them exactly as they came; they are made safe only where
they are shown or written, by these functions:

- ``terminal_text``: no control character reaches a terminal, a mail client or a chat card (an
  ``ESC`` starts a sequence that can retitle a terminal window, clear it or forge a hyperlink;
  a bidi override reorders what a reader sees, as in "Trojan Source", CVE-2021-42574,
  https://trojansource.codes/).
- ``spreadsheet_cell``: no CSV cell starts a formula (OWASP, "CSV Injection":
  https://owasp.org/www-community/attacks/CSV_Injection).
- ``rich_text``: a value for a rich table or ``console.print`` that is never read as rich markup
  (``[/]`` would crash the command, ``[link=…]`` would hide a link) nor as an ``:emoji:`` code.
- ``json_text``: JSON with the characters a terminal would act on written as ``\\uXXXX`` escapes,
  which is the same data to every JSON reader.

Chat formats have their own markup, escaped by their connectors on top of ``terminal_text``
(``connectors/slack/card.py``, ``connectors/teams/card.py``); HTML is escaped with ``html.escape``
(``socialleads/card/render.py``). docs/architecture.md ("Data from strangers is escaped for each
output") says which output uses which.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from rich.text import Text

T = TypeVar("T")

#: What a control character becomes on screen. The C0 controls become their Unicode "Control
#: Pictures" (U+2400-U+241F: ESC shows as ``␛``, BEL as ``␇``) and DEL becomes ``␡``, so what a
#: stranger sent stays visible without acting. C1 controls (U+0080-U+009F, which 8-bit terminals read
#: as ESC sequences: U+009B is a CSI), bidi embeddings, overrides and isolates (U+202A-U+202E,
#: U+2066-U+2069) and lone surrogates (which cannot be encoded, so would crash a write) become
#: U+FFFD ``�``. A carriage return, and the Unicode line and paragraph separators, become a newline:
#: a lone CR would move the cursor back and let the rest of the line overwrite what came before.
#: Tab and newline stay. The bidi *marks* (LRM U+200E, RLM U+200F, ALM U+061C) stay: they are
#: ordinary in Arabic and Hebrew names and reorder nothing beyond the characters beside them.
REPLACEMENT = "\ufffd"
_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\t\n\r"}
_TERMINAL_TABLE: dict[int, str] = {
    **_CONTROL_PICTURES,
    0x0D: "\n",
    0x7F: "\u2421",  # ␡
    **dict.fromkeys(range(0x80, 0xA0), REPLACEMENT),
    **dict.fromkeys(range(0x202A, 0x202F), REPLACEMENT),
    **dict.fromkeys(range(0x2066, 0x206A), REPLACEMENT),
    **dict.fromkeys(range(0xD800, 0xE000), REPLACEMENT),
    0x2028: "\n",
    0x2029: "\n",
}


def terminal_text(text: str) -> str:
    """``text`` as it may be shown on a terminal (or in a mail, a chat card, a spreadsheet cell):
    every control character replaced (see ``_TERMINAL_TABLE``), tab and newline kept; ``\\r\\n`` is
    one newline. Idempotent; never raises."""
    return text.replace("\r\n", "\n").translate(_TERMINAL_TABLE)


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection":
#: https://owasp.org/www-community/attacks/CSV_Injection): ``=``, ``+``, ``-``, ``@``, tab and CR;
#: NUL too (OWASP ASVS 5.0, V1.2.10). The full-width forms are quoted as well, defensively: they
#: cost nothing to quote and some programs fold them to the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: What a spreadsheet may skip before it reads a cell (some trim spaces on import, a leading newline
#: is a blank first line): a formula after these is still a formula.
_SKIPPED = " \t\r\n\x00"
#: A plain number (an E.164 phone, ``-3``): a spreadsheet reads it as a number, never runs anything.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_cell(value: T) -> T | str:
    """A CSV cell that a spreadsheet shows as text instead of running it as a formula.

    A text that starts with one of ``FORMULA_STARTS``, or with spaces or newlines and then one, gets
    a leading single quote, as OWASP recommends (some programs show the quote; it is the price of
    never running a stranger's formula). Numbers, None and plain numeric texts (an E.164 phone) are
    kept as they are. Lines after the first are not changed: a spreadsheet reads a quoted cell from
    its first character, and quoting every line that starts with "- " would mangle ordinary lists
    in messages. Control characters are ``terminal_text``'s job, not this one's.
    """
    if not isinstance(value, str):
        return value
    stripped = value.lstrip(_SKIPPED)
    if _PLAIN_NUMBER.fullmatch(stripped) and not value.startswith(("\t", "\r", "\x00")):
        return value
    if value.startswith(FORMULA_STARTS) or stripped.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rich_text(text: str, style: str = "") -> Text:
    """``text`` for a rich table cell or ``console.print``: shown literally (a ``Text`` is never read
    as markup or ``:emoji:`` codes, https://rich.readthedocs.io/en/stable/text.html), with
    ``terminal_text``'s replacements."""
    return Text(terminal_text(text), style=style)


#: Characters JSON allows raw in a string (RFC 8259 asks only C0, ``"`` and ``\\`` to be escaped) but
#: a terminal acts on when the JSON is printed: DEL, the C1 controls, the bidi controls, the line and
#: paragraph separators, and lone surrogates (which a UTF-8 writer refuses).
_JSON_ESCAPED = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON text with non-ASCII letters as themselves, and every character a terminal
    would act on written as a ``\\uXXXX`` escape (``json`` escapes C0 itself).

    JSON is data: the escapes are the same characters to any JSON reader, so nothing is lost,
    unlike ``terminal_text``. Outside strings JSON is ASCII, so only string contents change.
    """
    raw = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)
