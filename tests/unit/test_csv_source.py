"""The csv source on real files in a temporary folder, with a fixed clock."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.csv.source import CsvConfig, CsvCursor, CsvSource
from socialleads.contracts import ConnectorContext
from socialleads.errors import ConfigurationError, SkippableRecordError
from socialleads.models import Checkpoint, EventKind, LeadDraft, RawEvent

WRITTEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LATER = WRITTEN + timedelta(hours=1)


def write(folder: Path, name: str, content: str | bytes, when: datetime = WRITTEN) -> Path:
    """Write a file and give it a known modification time."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    stamp = int(when.timestamp() * 1_000_000_000)
    os.utime(path, ns=(stamp, stamp))
    return path


def source(folder: Path, now: datetime = LATER, **options: Any) -> CsvSource:
    context = ConnectorContext(instance="fair", clock=lambda: now)
    return CsvSource(CsvConfig(folder=folder, **options), context)


def fetch(src: CsvSource, since: CsvCursor | None = None) -> list[RawEvent | Checkpoint]:
    return list(src.fetch(since))


def events(items: Iterable[RawEvent | Checkpoint]) -> list[RawEvent]:
    return [item for item in items if isinstance(item, RawEvent)]


def checkpoints(items: Iterable[RawEvent | Checkpoint]) -> list[Checkpoint]:
    return [item for item in items if isinstance(item, Checkpoint)]


def fold(items: Iterable[RawEvent | Checkpoint], cursor: CsvCursor | None = None) -> CsvCursor:
    """What the runner does with a poll's positions."""
    cursor = cursor or CsvCursor()
    for item in items:
        if item.position is not None:
            cursor = cursor.advance(item.position)
    return cursor


def drafts(src: CsvSource) -> list[LeadDraft]:
    return [src.parse(event) for event in events(fetch(src))]


FAIR = (
    "Name,E-mail,Mobile,Company Name,Job Title,Postcode,Opt-in,Interested in\r\n"
    "Anna Jónsdóttir,anna@example.is,+354 555 1234,Hekla ehf,CTO,101,yes,Pumps\r\n"
    "Bo Berg,bo@example.se,,Berg AB,,,nej,\r\n"
)


def test_aliases_fill_the_contact_and_unmapped_columns_become_answers(tmp_path: Path) -> None:
    write(tmp_path, "fair.csv", FAIR)
    anna, bo = drafts(source(tmp_path, consent_text="May we contact you?"))
    assert anna.contact.full_name == "Anna Jónsdóttir"
    assert anna.contact.email == "anna@example.is"
    assert anna.contact.phone == "+354 555 1234"
    assert anna.contact.company == "Hekla ehf"
    assert (anna.contact.job_title, anna.contact.zip_code) == ("CTO", "101")
    assert anna.answers == {"Interested in": "Pumps"}
    assert anna.consents[0].granted is True
    assert anna.consents[0].text == "May we contact you?"
    assert anna.consents[0].captured_at == anna.occurred_at
    assert (anna.kind, anna.platform, anna.url) == (EventKind.IMPORT_ROW, "csv", None)
    assert anna.context == {"file": "fair.csv", "line": 2}
    assert bo.contact.phone is None and bo.contact.job_title is None
    assert bo.answers == {}
    assert bo.consents[0].granted is False


def test_an_unrecognised_consent_is_not_granted_and_kept_as_an_answer(tmp_path: Path) -> None:
    write(tmp_path, "fair.csv", "email,consent\na@example.com,maybe later\n")
    (draft,) = drafts(source(tmp_path))
    assert draft.consents[0].granted is False
    assert draft.answers == {"consent (unrecognised)": "maybe later"}


def test_explicit_columns_win_over_aliases(tmp_path: Path) -> None:
    write(tmp_path, "fair.csv", "Email,Work mail,Name,Notes\nold@example.com,work@example.com,Ann,call her\n")
    columns = {"email": "Work mail", "message": "Notes"}
    (draft,) = drafts(source(tmp_path, columns=columns))
    assert draft.contact.email == "work@example.com"
    assert draft.message == "call her"
    assert draft.answers == {"Email": "old@example.com"}


def test_an_unknown_field_in_columns_is_rejected_with_the_allowed_names(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"unknown field mail;.*email.*zip_code"):
        CsvConfig(folder=tmp_path, columns={"mail": "E-mail"})


def test_an_unknown_config_key_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="recursive"):
        CsvConfig.model_validate({"folder": str(tmp_path), "recursive": True})


def test_a_semicolon_delimited_file_is_sniffed(tmp_path: Path) -> None:
    content = "Vorname;Nachname;E-Mail;Firma\nJürgen;Klein;jk@example.de;Klein, Groß & Co\n"
    write(tmp_path, "export.csv", content)
    (draft,) = drafts(source(tmp_path, columns={"first_name": "Vorname", "last_name": "Nachname"}))
    assert (draft.contact.first_name, draft.contact.last_name) == ("Jürgen", "Klein")
    assert draft.contact.email == "jk@example.de"
    assert draft.answers == {"Firma": "Klein, Groß & Co"}


def test_a_jsonl_file_is_read_with_non_text_values_as_text(tmp_path: Path) -> None:
    lines = [{"email": "a@example.com", "phone": 3545551234, "consent": True, "visits": 3}, {"name": "Bo"}]
    write(tmp_path, "scans.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    a, bo = drafts(source(tmp_path))
    assert (a.contact.email, a.contact.phone) == ("a@example.com", "3545551234")
    assert a.consents[0].granted is True
    assert a.answers == {"visits": "3"}
    assert bo.contact.full_name == "Bo"


def test_bad_jsonl_lines_become_malformed_events(tmp_path: Path) -> None:
    write(tmp_path, "scans.ndjson", '{"email": "a@example.com"}\n{"email": \n[1, 2]\n{"x": NaN}\n')
    items = events(fetch(source(tmp_path)))
    assert [e.payload["line"] for e in items] == [1, 2, 3, 4]
    assert [e.payload.get("error", "")[:24] for e in items[1:]] == [
        "not valid JSON: Expectin",
        "expected a JSON object, ",
        "not valid JSON: NaN is n",
    ]


MIXED = (
    "name,email,phone\n"
    "Ann,ann@example.com,1\n"
    "Bob,bob@example.com\n"  # line 3: a field missing
    "Cat,cat@example.com,3\n"
    '"Dan\nDaniels",dan@example.com,4\n'  # lines 5-6: one row with a line break in a quoted name
    "Eve,eve@example.com,5,extra,more\n"  # line 7: two fields too many
    "\n"
    "Fay,fay@example.com,6\n"
    "Gus,gus@example.com,7\n"
    ",,\n"  # spreadsheet padding: skipped like a blank line
)


def test_malformed_rows_are_kept_and_only_they_fail_to_parse(tmp_path: Path) -> None:
    write(tmp_path, "mixed.csv", MIXED)
    src = source(tmp_path)
    items = events(fetch(src))
    assert len(items) == 7
    parsed, failures = [], []
    for event in items:
        try:
            parsed.append(src.parse(event))
        except SkippableRecordError as exc:
            failures.append(str(exc))
    assert failures == [
        "mixed.csv line 3: expected 3 fields, found 2",
        "mixed.csv line 7: expected 3 fields, found 5",
    ]
    assert [d.context["line"] for d in parsed] == [2, 4, 5, 9, 10]
    assert parsed[2].contact.full_name == "Dan\nDaniels"
    bad = [e for e in items if "error" in e.payload]
    assert bad[1].payload["text"] == "Eve,eve@example.com,5,extra,more"
    assert all(e.native_id.startswith("bad:") for e in bad)


def test_a_line_in_another_encoding_is_malformed_and_names_the_encoding_setting(tmp_path: Path) -> None:
    # A UTF-8 list with one line pasted in from a Windows-1252 file: read as UTF-8, that line dead-lettered.
    data = "name,email\nÁsta Þórsdóttir,asta@example.is\n".encode() + "Zoë,zoe@example.com\n".encode("cp1252")
    write(tmp_path, "legacy.csv", data + "Sæmundur,saemi@example.is\n".encode())
    src = source(tmp_path)
    items = events(fetch(src))
    assert [e.payload["line"] for e in items] == [2, 3, 4]
    bad = items[1].payload
    assert "encoding:" in bad["error"]
    assert bad["text"] == "Zo\\xeb,zoe@example.com"
    json.dumps([e.payload for e in items])  # storable as JSON, undecodable bytes included
    assert [src.parse(e).contact.full_name for e in (items[0], items[2])] == ["Ásta Þórsdóttir", "Sæmundur"]


def test_the_configured_encoding_reads_that_file(tmp_path: Path) -> None:
    write(tmp_path, "legacy.csv", "name,email\nZoë,zoe@example.com\n".encode("cp1252"))
    (draft,) = drafts(source(tmp_path, encoding="cp1252"))
    assert draft.contact.full_name == "Zoë"


def test_a_file_read_once_yields_nothing_on_the_next_poll(tmp_path: Path) -> None:
    write(tmp_path, "fair.csv", FAIR)
    first = fetch(source(tmp_path))
    cursor = CsvCursor.model_validate_json(fold(first).model_dump_json())  # as stored by the runner
    assert fetch(source(tmp_path), cursor) == []


def test_the_same_content_under_a_new_name_yields_only_a_checkpoint(tmp_path: Path) -> None:
    write(tmp_path, "fair.csv", FAIR)
    cursor = fold(fetch(source(tmp_path)))
    write(tmp_path, "fair (copy).csv", FAIR)
    second = fetch(source(tmp_path), cursor)
    assert [type(i) for i in second] == [Checkpoint]
    assert fetch(source(tmp_path), fold(second, cursor)) == []


def test_a_copy_in_the_same_poll_is_read_once(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", FAIR)
    write(tmp_path, "b.csv", FAIR)
    items = fetch(source(tmp_path))
    assert len(events(items)) == 2
    assert [c.position["file"] for c in checkpoints(items)] == ["a.csv", "b.csv"]


def test_a_new_file_yields_its_rows(tmp_path: Path) -> None:
    write(tmp_path, "fair.csv", FAIR)
    cursor = fold(fetch(source(tmp_path)))
    write(tmp_path, "day2.csv", "email\nnew@example.com\n")
    items = fetch(source(tmp_path), cursor)
    assert [e.payload["row"] for e in events(items)] == [{"email": "new@example.com"}]
    assert checkpoints(items)[0].position["file"] == "day2.csv"


def test_advance_is_order_independent(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", FAIR)
    write(tmp_path, "b.csv", "email\nx@example.com\n")
    positions = [i for i in fetch(source(tmp_path)) if i.position is not None]
    assert fold(positions) == fold(reversed(positions))
    assert sorted(fold(positions).files) == ["a.csv", "b.csv"]


def test_a_file_still_being_copied_waits_until_it_settles(tmp_path: Path) -> None:
    write(tmp_path, "fair.csv", FAIR, when=LATER - timedelta(seconds=1))
    assert fetch(source(tmp_path, settle="5s")) == []
    assert len(events(fetch(source(tmp_path, now=LATER + timedelta(seconds=4), settle="5s")))) == 2


def test_native_ids_are_stable_and_identical_rows_share_one(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", "email,name\nx@example.com,X\nx@example.com,X\ny@example.com,Y\n")
    write(tmp_path, "b.csv", "email,name\nx@example.com,X\n\n")
    first = [e.native_id for e in events(fetch(source(tmp_path)))]
    second = [e.native_id for e in events(fetch(source(tmp_path)))]
    assert first == second
    assert first[0] == first[1] == first[3] != first[2]
    assert first[0].startswith("row:") and len(first[0]) == len("row:") + 32


def test_an_id_column_names_the_record(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", "ID,email\n  A-17 ,x@example.com\n,y@example.com\n")
    ids = [e.native_id for e in events(fetch(source(tmp_path)))]
    assert ids[0] == "id:A-17"
    assert ids[1].startswith("row:")


def test_an_empty_file_yields_only_a_checkpoint(tmp_path: Path) -> None:
    write(tmp_path, "empty.csv", "")
    items = fetch(source(tmp_path))
    assert [type(i) for i in items] == [Checkpoint]
    assert fold(items).files["empty.csv"].size == 0


def test_a_file_without_a_header_row_is_one_malformed_event(tmp_path: Path) -> None:
    write(tmp_path, "headless.csv", "\nAnn,ann@example.com\n")
    (event,) = events(fetch(source(tmp_path)))
    assert event.payload["line"] == 1
    assert "header" in event.payload["error"]


def test_a_row_without_contact_details_is_skipped_with_the_fix(tmp_path: Path) -> None:
    write(tmp_path, "badge.csv", "Badge,Booth\n1234,B7\n")
    src = source(tmp_path)
    (event,) = events(fetch(src))
    with pytest.raises(SkippableRecordError, match=r"badge\.csv line 2: .*columns:"):
        src.parse(event)


def test_a_valid_occurred_at_column_is_used(tmp_path: Path) -> None:
    content = "email,Scanned\na@example.com,2024-04-30T09:15:00+02:00\nb@example.com,2024-04-29\n"
    write(tmp_path, "a.csv", content)
    a, b = drafts(source(tmp_path, columns={"occurred_at": "Scanned"}))
    assert a.occurred_at == datetime(2024, 4, 30, 7, 15, tzinfo=UTC)
    assert b.occurred_at == datetime(2024, 4, 29, tzinfo=UTC)


def test_the_file_time_is_used_when_occurred_at_is_missing_or_invalid(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", "email,occurred_at\na@example.com,30/04/2024\nb@example.com,\n")
    items = events(fetch(source(tmp_path)))
    assert [e.occurred_at for e in items] == [WRITTEN, WRITTEN]
    assert all(e.occurred_at is not None and e.occurred_at.tzinfo is not None for e in items)


def test_hidden_files_sub_folders_and_other_patterns_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, ".partial.csv", FAIR)
    write(tmp_path, "notes.txt", FAIR)
    write(tmp_path, "done/old.csv", FAIR)
    write(tmp_path, "LOUD.CSV", "email\nx@example.com\n")
    assert [c.position["file"] for c in checkpoints(fetch(source(tmp_path)))] == ["LOUD.CSV"]


def test_a_missing_folder_is_created_when_allowed(tmp_path: Path) -> None:
    inbox = tmp_path / "data" / "inbox"
    assert fetch(source(inbox)) == []
    assert inbox.is_dir()


def test_a_missing_folder_is_a_configuration_error_when_creation_is_off(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    with pytest.raises(ConfigurationError, match=r"inbox does not exist.*create_folder: true"):
        fetch(source(inbox, create_folder=False))
    assert not inbox.exists()


def test_check_counts_the_files_and_rejects_a_file_as_folder(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", FAIR)
    write(tmp_path, "b.jsonl", "")
    assert source(tmp_path).check().summary == f"watching {tmp_path}: 2 files waiting"
    not_a_folder = write(tmp_path, "c.txt", "")
    with pytest.raises(ConfigurationError, match="is not a folder"):
        source(not_a_folder).check()


@pytest.mark.parametrize("codec", ["rot13", "base64", "hex"])
def test_a_codec_that_is_not_a_text_encoding_is_refused_at_load(tmp_path: Path, codec: str) -> None:
    """``codecs.lookup`` knows rot13 and base64, but decoding a file's bytes with them fails at every
    poll: the config names the problem instead."""
    with pytest.raises(ValidationError, match="is not a text encoding"):
        CsvConfig(folder=tmp_path, encoding=codec)
    assert CsvConfig(folder=tmp_path, encoding="utf-16").encoding == "utf-16"
