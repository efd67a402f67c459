"""Strict, explained parsing of real exports: quotes that span lines or never close, encodings, separators.

Real files in a temporary folder, read through the real csv source with a fixed clock.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path
from typing import Any

import pytest

from connectors.csv.source import CsvSource
from socialleads.errors import SkippableRecordError
from socialleads.models import LeadDraft
from tests.unit.test_csv_source import WRITTEN, checkpoints, events, fetch, fold, source, write


def read(src: CsvSource) -> tuple[list[LeadDraft], dict[int, dict[str, Any]]]:
    """The drafts of one poll, and the dead letters' payloads by line."""
    drafts: list[LeadDraft] = []
    dead: dict[int, dict[str, Any]] = {}
    for event in events(fetch(src)):
        try:
            drafts.append(src.parse(event))
        except SkippableRecordError:
            dead[event.payload["line"]] = event.payload
    return drafts, dead


def reading_of(src: CsvSource, name: str) -> dict[str, Any]:
    """What the checkpoint of file ``name`` records about how it was read."""
    (mark,) = [c.position for c in checkpoints(fetch(src)) if c.position["file"] == name]
    read_as: dict[str, Any] = mark["read_as"]
    return read_as


# --- quotes -------------------------------------------------------------------------------------------

UNBALANCED = (
    "E-mail,Name\r\n"
    "anna@example.is,Anna Jónsdóttir\r\n"
    'bo@example.se,"Bo Berg\r\n'  # line 3: the quote is never closed
    "cecilia@example.es,Cecilia Ruiz\r\n"
    "dieter@example.de,Dieter Schmidt\r\n"
)


def test_an_unbalanced_quote_is_a_dead_letter_and_the_rows_after_it_are_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "fair.csv", UNBALANCED)
    with caplog.at_level(logging.INFO, logger="socialleads.connector"):
        drafts, dead = read(source(tmp_path))
    assert [(d.contact.full_name, d.contact.email) for d in drafts] == [
        ("Anna Jónsdóttir", "anna@example.is"),
        ("Cecilia Ruiz", "cecilia@example.es"),
        ("Dieter Schmidt", "dieter@example.de"),
    ]
    assert [d.context["line"] for d in drafts] == [2, 4, 5]
    assert list(dead) == [3]
    assert dead[3]["text"] == 'bo@example.se,"Bo Berg'  # verbatim, for the operator to fix and replay
    assert dead[3]["error"].startswith(
        "unbalanced quote: field 2 opens a quote that does not close on its line"
    )
    assert "3 rows, 1 malformed" in caplog.text


def test_a_quote_closing_later_is_unbalanced_when_it_would_swallow_a_row(tmp_path: Path) -> None:
    content = (
        "Email,Name,Note\n"
        'anna@example.is,Anna Jónsdóttir,"Met at booth 7\n'  # line 2: the quote closes on line 4 ...
        "bo@example.se,Bo Berg,Wants a quote\n"  # ... swallowing a whole row
        'follow up in May"\n'
        "cecilia@example.es,Cecilia Ruiz,Call after 5 pm\n"
    )
    write(tmp_path, "fair.csv", content)
    drafts, dead = read(source(tmp_path))
    assert [d.contact.full_name for d in drafts] == ["Bo Berg", "Cecilia Ruiz"]
    assert sorted(dead) == [2, 4]
    assert "would swallow line 3, which reads as a row of its own" in dead[2]["error"]
    assert dead[4] == {
        "file": "fair.csv",
        "line": 4,
        "text": 'follow up in May"',
        "error": "expected 3 fields, found 1",
    }


EXCEL_MULTI_LINE = (  # as Excel saves cells with line breaks: LF inside a quoted cell, CRLF between rows
    "Name,E-mail,Address,Notes\r\n"
    'Þórunn Bjarnadóttir,thorunn@example.is,"Laugavegur 12\n101 Reykjavík, Iceland","Wants a demo, soon"\r\n'
    'Jürgen Müller,jm@example.de,"Hauptstraße 5\n80331 München\nGermany",\r\n'
    "François Lefèvre,fl@example.fr,,Met at booth 7\r\n"
)


def test_a_quoted_field_with_line_breaks_is_one_row(tmp_path: Path) -> None:
    write(tmp_path, "excel.csv", EXCEL_MULTI_LINE)
    drafts, dead = read(source(tmp_path))
    assert dead == {}
    thorunn, jurgen, francois = drafts
    assert thorunn.answers == {
        "Address": "Laugavegur 12\n101 Reykjavík, Iceland",
        "Notes": "Wants a demo, soon",
    }
    assert jurgen.answers == {"Address": "Hauptstraße 5\n80331 München\nGermany"}
    assert (jurgen.contact.email, francois.contact.email) == ("jm@example.de", "fl@example.fr")
    assert [d.context["line"] for d in drafts] == [2, 4, 7]  # the physical line each row starts on


def test_text_after_a_closing_quote_is_a_stray_quote(tmp_path: Path) -> None:
    write(tmp_path, "fair.csv", 'Email,Name\n"anna@example.is"x,Anna\nbo@example.se,"Bo ""the boss"" Berg"\n')
    drafts, dead = read(source(tmp_path))
    assert dead[2]["error"] == "stray quote: text follows the closing quote of field 1"
    assert [d.contact.full_name for d in drafts] == ['Bo "the boss" Berg']


# --- encodings and separators -----------------------------------------------------------------------

UNICODE_TEXT = (  # Excel's "Unicode text": UTF-16 LE with a byte-order mark, tab-separated, CRLF
    "Name\tE-mail\tCompany\tCity\r\n"
    "Þórunn Bjarnadóttir\tthorunn@example.is\tHekla ehf.\tReykjavík\r\n"
    "Łukasz Wiśniewski\tlukasz@example.pl\tWisła Sp. z o.o.\tKraków\r\n"
    'Jürgen Müller\tjm@example.de\t"Müller, Söhne & Co"\tMünchen\r\n'
)


def test_an_excel_unicode_text_export_is_read(tmp_path: Path) -> None:
    write(tmp_path, "scanner.txt", codecs.BOM_UTF16_LE + UNICODE_TEXT.encode("utf-16-le"))
    src = source(tmp_path, patterns=["*.txt"])
    drafts, dead = read(src)
    assert dead == {}
    assert [(d.contact.full_name, d.contact.email, d.contact.company, d.contact.city) for d in drafts] == [
        ("Þórunn Bjarnadóttir", "thorunn@example.is", "Hekla ehf.", "Reykjavík"),
        ("Łukasz Wiśniewski", "lukasz@example.pl", "Wisła Sp. z o.o.", "Kraków"),
        ("Jürgen Müller", "jm@example.de", "Müller, Söhne & Co", "München"),
    ]
    assert reading_of(src, "scanner.txt") == {
        "encoding": "utf-16",
        "encoding_by": "little-endian byte-order mark",
        "delimiter": "\t",
        "delimiter_by": "sniffed",
    }


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (UNICODE_TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + UNICODE_TEXT.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF8 + UNICODE_TEXT.encode("utf-8"), "utf-8-sig"),
    ],
    ids=["utf-16-le without a mark", "utf-16-be with a mark", "utf-8 with a mark"],
)
def test_other_unicode_encodings_are_detected(tmp_path: Path, data: bytes, encoding: str) -> None:
    write(tmp_path, "scanner.csv", data)
    src = source(tmp_path)
    drafts, dead = read(src)
    assert dead == {}
    assert [d.contact.full_name for d in drafts] == [
        "Þórunn Bjarnadóttir",
        "Łukasz Wiśniewski",
        "Jürgen Müller",
    ]
    assert reading_of(src, "scanner.csv")["encoding"] == encoding


EUROPEAN_EXCEL = (  # Excel's "CSV" on a German or Icelandic Windows: Windows-1252, semicolons
    "Vorname;Nachname;E-Mail;Firma;Ort\r\n"
    "Jürgen;Müller;jm@example.de;Müller & Söhne GmbH;München\r\n"
    "Þórunn;Bjarnadóttir;thorunn@example.is;Hekla ehf.;Reykjavík\r\n"
    "François;Lefèvre;fl@example.fr;Café „Chez Nous“;Besançon\r\n"
)


def test_a_windows_1252_semicolon_export_is_read_and_how_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "messe.csv", EUROPEAN_EXCEL.encode("cp1252"))
    src = source(tmp_path, columns={"first_name": "Vorname", "last_name": "Nachname", "company": "Firma"})
    with caplog.at_level(logging.INFO, logger="socialleads.connector"):
        drafts, dead = read(src)
    assert dead == {}
    assert [(d.contact.first_name, d.contact.last_name, d.contact.company) for d in drafts] == [
        ("Jürgen", "Müller", "Müller & Söhne GmbH"),
        ("Þórunn", "Bjarnadóttir", "Hekla ehf."),
        ("François", "Lefèvre", "Café „Chez Nous“"),
    ]
    assert drafts[1].answers == {"Ort": "Reykjavík"}
    expected = "encoding cp1252 (not UTF-8; charset-normalizer's guess), separator semicolon (sniffed)"
    assert [r.getMessage() for r in caplog.records if "messe.csv" in r.getMessage()] == [
        f"csv fair: read messe.csv ({expected}): 3 rows, 0 malformed"
    ]


def test_a_latin_1_file_is_read(tmp_path: Path) -> None:
    write(tmp_path, "legacy.csv", "name,email\nZoë Brontë,zoe@example.co.uk\n".encode("latin-1"))
    (draft,), _ = read(source(tmp_path))
    assert draft.contact.full_name == "Zoë Brontë"


def test_a_configured_encoding_and_delimiter_win_over_detection(tmp_path: Path) -> None:
    write(tmp_path, "fair.csv", "Name;Email\nJürgen Müller;jm@example.de\n")  # UTF-8
    src = source(tmp_path, encoding="cp1252", delimiter=";")
    (draft,), _ = read(src)
    assert draft.contact.full_name == "JÃ¼rgen MÃ¼ller"  # what was asked for, mojibake included
    assert reading_of(src, "fair.csv") == {
        "encoding": "cp1252",
        "encoding_by": "configured",
        "delimiter": ";",
        "delimiter_by": "configured",
    }


def test_the_separator_is_the_one_that_splits_the_rows_like_the_header(tmp_path: Path) -> None:
    # The header alone has more commas than semicolons; the rows show the file is semicolon-separated.
    content = (
        "Name, first;Name, last, family;Email\n"
        "Þórunn;Bjarnadóttir;thorunn@example.is\n"
        "Bo;Berg;bo@example.se\n"
    )
    write(tmp_path, "fair.csv", content)
    src = source(tmp_path)
    drafts, dead = read(src)
    assert dead == {}
    assert [d.contact.email for d in drafts] == ["thorunn@example.is", "bo@example.se"]
    assert reading_of(src, "fair.csv")["delimiter"] == ";"


def test_a_copy_of_a_file_read_before_records_how_the_original_was_read(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", EUROPEAN_EXCEL.encode("cp1252"))
    write(tmp_path, "b.csv", EUROPEAN_EXCEL.encode("cp1252"))
    src = source(tmp_path)
    assert reading_of(src, "b.csv") == reading_of(src, "a.csv")


def test_the_report_lists_the_newest_files_with_their_names_escaped(tmp_path: Path) -> None:
    for day in range(1, 23):
        write(tmp_path, f"day-{day:02}.csv", f"email\nvisitor{day}@example.is\n", WRITTEN.replace(day=day))
    write(tmp_path, "\x1b[2Jmesse.csv", EUROPEAN_EXCEL.encode("cp1252"), WRITTEN.replace(day=25))
    src = source(tmp_path, now=WRITTEN.replace(month=6))
    lines = src.report_lines(fold(fetch(src)))
    assert lines[1] == (
        "  '\\x1b[2Jmesse.csv': encoding cp1252 (not UTF-8; charset-normalizer's guess), "
        "separator semicolon (sniffed)"
    )
    assert (
        lines[2]
        == "  day-22.csv: encoding utf-8 (valid UTF-8), separator comma (none in the header: one column)"
    )
    assert lines[-1] == "  … and 3 earlier files"
    assert len(lines) == 1 + 20 + 1
    assert source(tmp_path).report_lines(None) == ["No file read yet."]
