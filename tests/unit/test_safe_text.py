"""The output-safety rules in ``socialleads.safe_text``: what reaches a terminal, a spreadsheet, rich or
a JSON reader, for hand-picked attacks and, with hypothesis, for any string."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from socialleads.safe_text import FORMULA_STARTS, json_text, rich_text, spreadsheet_cell, terminal_text

#: What a terminal may be handed: no C0 but tab and newline, no DEL, no C1, no bidi control, no surrogate.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\u2028\u2029]")
#: Any text, with the dangerous characters drawn often (plain ``st.text`` finds them rarely).
HOSTILE_CHARS = st.sampled_from(
    [*"\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\x9d\u2028\u202a\u202e\u2066\u2069\u200f\ud800 =+-@'[]/\uff1d", "é"]
)
ANY_TEXT = st.text(st.one_of(HOSTILE_CHARS, st.characters()), max_size=40)
OSC_TITLE = "\x1b]0;pwned\x07"
CSI_CLEAR = "\x1b[2J"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (f"Anna{OSC_TITLE}", "Anna␛]0;pwned␇"),  # the window title stays; the sequence is visible
        (f"{CSI_CLEAR}Anna", "␛[2JAnna"),
        ("Anna\x9b2J", "Anna\ufffd2J"),  # an 8-bit CSI
        ("Anna \u202eevil.exe", "Anna \ufffdevil.exe"),  # a right-to-left override
        ("\u2066x\u2069", "\ufffdx\ufffd"),  # isolates
        ("paid\rFREE", "paid\nFREE"),  # a lone CR would overwrite the start of the line
        ("a\r\nb\tc\nd", "a\nb\tc\nd"),
        ("x\x7f\x00", "x␡␀"),
        ("lone \ud800", "lone \ufffd"),
        ("עברית\u200f Anna", "עברית\u200f Anna"),  # a bidi mark is ordinary in Hebrew: kept
        ("Jónsdóttir — ✨", "Jónsdóttir — ✨"),
    ],
)
def test_terminal_text_shows_control_characters_without_acting_on_them(raw: str, shown: str) -> None:
    assert terminal_text(raw) == shown


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT)
def test_terminal_text_leaves_no_control_character_but_tab_and_newline(text: str) -> None:
    out = terminal_text(text)
    assert UNSAFE.search(out) is None
    assert all(unicodedata.category(ch) != "Cc" or ch in "\t\n" for ch in out)
    out.encode("utf-8")  # never a lone surrogate that a UTF-8 writer would refuse
    assert terminal_text(out) == out  # idempotent: cleaning twice changes nothing


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40))
def test_terminal_text_keeps_text_without_controls_as_it_is(text: str) -> None:
    if not re.search("[\u202a-\u202e\u2066-\u2069\u2028\u2029]", text):
        assert terminal_text(text) == text


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("https://evil.example/x","Click")', '\'=HYPERLINK("https://evil.example/x","Click")'),
        ("  =1+1", "'  =1+1"),  # a program that trims spaces on import would run it
        ("\n@SUM(1+1)", "'\n@SUM(1+1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\x00=1", "'\x00=1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("\uff1d1+1", "'\uff1d1+1"),  # a full-width equals sign
        ("I want:\n- a sofa\n- a lamp", "I want:\n- a sofa\n- a lamp"),  # only the first character counts
        ("+3546112345", "+3546112345"),  # a plain number runs nothing
        ("-5", "-5"),
        (" -5.5", " -5.5"),
        ("a=b", "a=b"),
        ("", ""),
        (3, 3),
        (None, None),
    ],
)
def test_spreadsheet_cell_quotes_what_a_spreadsheet_would_run(value: object, cell: object) -> None:
    assert spreadsheet_cell(value) == cell


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT)
def test_spreadsheet_cell_never_starts_a_formula(text: str) -> None:
    out = spreadsheet_cell(text)
    assert isinstance(out, str)
    assert out in (text, "'" + text)  # the text itself, at most a quote in front
    lead = out.lstrip(" \t\r\n\x00")
    if out.startswith(FORMULA_STARTS) or lead.startswith(FORMULA_STARTS):
        assert re.fullmatch(r"[+-]?\d+(\.\d+)?", lead), out  # only a plain number may


@pytest.mark.parametrize(
    "name", ["a[/]b", "[link=https://evil.example]x[/link]", "[bold red]boss[/]", ":warning: urgent", "[/"]
)
def test_rich_text_is_printed_literally(name: str) -> None:
    console = Console(record=True, width=200, color_system="truecolor", force_terminal=True)
    console.print(rich_text(name))
    assert console.export_text().rstrip("\n") == name  # no markup read, no emoji code replaced
    assert "\x1b]8;" not in console.export_text(styles=True)  # no OSC 8 hyperlink


def test_rich_text_shows_escape_sequences_instead_of_sending_them() -> None:
    console = Console(record=True, width=200, force_terminal=True, color_system=None)
    console.print(rich_text(f"Anna{OSC_TITLE}{CSI_CLEAR}\u202e"))
    out = console.export_text()
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "Anna␛]0;pwned␇␛[2J" in out


def test_json_text_escapes_what_a_terminal_acts_on_and_reads_back_the_same() -> None:
    value = {"name": f"Anna{OSC_TITLE}\x9b31m\u202eevil\u2028\ud800", "city": "Reykjavík"}
    text = json_text(value, indent=2)
    assert UNSAFE.search(text.replace("\n", "")) is None
    assert "\\u009b" in text and "\\u202e" in text and "\\u2028" in text and "\\ud800" in text
    assert "Reykjavík" in text  # letters stay letters
    assert json.loads(text) == value  # the same data: JSON is data


@settings(max_examples=300, deadline=None)
@given(st.recursive(ANY_TEXT, lambda inner: st.dictionaries(ANY_TEXT, inner, max_size=3), max_leaves=6))
def test_json_text_is_the_same_data_with_nothing_unsafe(value: object) -> None:
    text = json_text(value)
    assert UNSAFE.search(text) is None
    assert json.loads(text) == value
