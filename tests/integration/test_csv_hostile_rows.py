"""The ``csv`` source on files with rows the fuzz target (``fuzz/csv_reader.py``) once broke it with.

Each such row made ``fetch`` raise, so the file was never marked read and every later poll failed on
it again: one poison file stopped the source. Now a row that cannot be read is dead-lettered once with
its reason, a row that is valid but holds what no database stores is repaired and says so in its
event's notes, and the rest of the file is read. The real command line in-process (typer's runner),
real files, and a real database: SQLite and PostgreSQL (``tests/support/db.py``).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from connectors.csv.reader import MAX_JSON_DEPTH
from socialleads.cli import app
from socialleads.store.db import make_engine
from socialleads.store.tables import dead_letters, raw_events, source_state, touches
from tests.support.configs import write_config

#: A file's modification time: a fixed day, long settled by any clock.
WRITTEN = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)

# One JSON object per line (line numbers in the comments).
FAIR_JSONL = b"\n".join(
    [
        b'{"email": "anna@example.is", "name": "Anna Berg"}',  # 1
        # 2: half of an emoji (\ud83d without its \ude00), in a value and in a key.
        b'{"email": "bo@example.se", "note": "Pumps \\ud83d", "x\\udc00": "y"}',
        b"[" * 100_000,  # 3: deeper than the parser's recursion limit
        b'{"email": "cy@example.com", "budget": 1e999}',  # 4: a number beyond a float's range
        # 5: parses, but nests one level deeper than a row may.
        b'{"email": "di@example.com", "deep": ' + b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH + b"}",
        b'{"email": "ed@example.com", "score": NaN}',  # 6: not JSON
        b'{"email": "fay@example.com", "name": "Fay \\ud83d\\ude00"}',  # 7: an emoji, escaped in full
        b"",
    ]
)


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **env})
    return result.exit_code, result.output


def drop(folder: Path, name: str | bytes, data: bytes) -> None:
    """A file as a person leaves it in the inbox; ``name`` as bytes for a name that is not UTF-8."""
    path = folder / (os.fsdecode(name) if isinstance(name, bytes) else name)
    path.write_bytes(data)
    stamp = int(WRITTEN.timestamp() * 1_000_000_000)
    os.utime(path, ns=(stamp, stamp))


def environment(tmp_path: Path, database_url: str, sources: dict[str, Any]) -> dict[str, str]:
    config = write_config(
        tmp_path / "config",
        sources=sources,
        sinks={"out": {"type": "console", "config": {"stream": "stderr"}}},
        default_route=["out"],
    )
    return {"SOCIALLEADS_CONFIG_DIR": str(config), "SOCIALLEADS_DATABASE_URL": database_url}


def stored(database_url: str, source: str) -> dict[str, Any]:
    """What the store holds for ``source``: touches by email, dead letters, raw payloads, the cursor."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            leads = {
                contact["email"]: {"contact": contact, "answers": answers}
                for contact, answers in conn.execute(
                    select(touches.c.contact, touches.c.answers).where(touches.c.source == source)
                )
            }
            letters = [
                (reason, json.loads(payload))
                for reason, payload in conn.execute(
                    select(dead_letters.c.reason, dead_letters.c.payload)
                    .join(raw_events, raw_events.c.id == dead_letters.c.raw_event_id)
                    .where(dead_letters.c.kind == "event", raw_events.c.source == source)
                    .order_by(dead_letters.c.id)
                )
            ]
            payloads = [
                payload
                for (payload,) in conn.execute(
                    select(raw_events.c.payload)
                    .where(raw_events.c.source == source)
                    .order_by(raw_events.c.id)
                )
            ]
            state = conn.execute(
                select(source_state.c.cursor, source_state.c.health).where(source_state.c.source == source)
            ).one()
    finally:
        engine.dispose()
    return {
        "leads": leads,
        "dead": letters,
        "payloads": payloads,
        "cursor": state.cursor,
        "health": state.health,
    }


def test_a_json_lines_file_of_hostile_rows_is_read_whole_once_and_never_fails_a_poll(
    tmp_path: Path, database_url: str
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "fair.jsonl", FAIR_JSONL)
    # A Linux file name is bytes; this one is Latin-1 "café", not valid UTF-8.
    drop(inbox, b"caf\xe9.jsonl", b'{"email": "gus@example.com"}\n')
    env = environment(tmp_path, database_url, {"fair": {"type": "csv", "config": {"folder": str(inbox)}}})

    code, out = invoke(env, "poll", "fair", "--once")
    assert code == 0, out
    assert "fair: ok; 8 events seen, 8 new, 5 new leads, 0 merged, 0 ignored, 3 dead-lettered" in out, out

    held = stored(database_url, "fair")
    leads = held["leads"]
    assert sorted(leads) == [
        "anna@example.is",
        "bo@example.se",
        "cy@example.com",
        "fay@example.com",
        "gus@example.com",
    ]
    # A lone surrogate is half a character: it becomes U+FFFD, and the event's notes name the escape.
    assert leads["bo@example.se"]["answers"] == {"note": "Pumps \ufffd", "x\ufffd": "y"}
    assert leads["fay@example.com"]["contact"]["full_name"] == "Fay \U0001f600"
    # A number no float holds keeps its text.
    assert leads["cy@example.com"]["answers"] == {"budget": "1e999"}
    notes = {p["line"]: p["notes"] for p in held["payloads"] if "notes" in p}
    assert notes == {
        2: [
            "the value of 'note': the JSON escape \\ud83d (half of a character) became U+FFFD",
            "a key: the JSON escape \\udc00 (half of a character) became U+FFFD",
        ],
        4: ["the number 1e999 is beyond the range of a float; kept as the text '1e999'"],
    }

    dead = {payload["line"]: (reason, payload) for reason, payload in held["dead"]}
    assert sorted(dead) == [3, 5, 6]
    assert len(held["dead"]) == 3
    for line in (3, 5):
        reason, payload = dead[line]
        assert f"fair.jsonl line {line}: nested too deeply" in reason
        assert payload["text"] == FAIR_JSONL.split(b"\n")[line - 1].decode()  # verbatim
    assert "fair.jsonl line 6: not valid JSON: NaN is not a JSON value" in dead[6][0]

    # Both files are marked read, the odd name with its byte written out.
    assert sorted(held["cursor"]["files"]) == ["caf\\xe9.jsonl", "fair.jsonl"]
    assert held["health"] == "ok"

    code, out = invoke(env, "poll", "fair", "--once")
    assert code == 0, out
    assert "fair: ok; 0 events seen, 0 new, 0 new leads, 0 merged, 0 ignored, 0 dead-lettered" in out, out
    assert len(stored(database_url, "fair")["dead"]) == 3


def test_a_csv_line_its_configured_codec_decodes_to_a_lone_surrogate_is_a_dead_letter(
    tmp_path: Path, database_url: str
) -> None:
    """UTF-7 (RFC 2152) is a codec ``encoding:`` accepts that decodes ``+2AA-`` to a lone U+D800."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(
        inbox, "expo.csv", b"email,note\r\nanna@example.is,hi\r\nbo@example.se,+2AA-\r\ncy@example.com,ok\r\n"
    )
    config = {"folder": str(inbox), "encoding": "utf-7"}
    env = environment(tmp_path, database_url, {"expo": {"type": "csv", "config": config}})

    code, out = invoke(env, "poll", "expo", "--once")
    assert code == 0, out
    assert "expo: ok; 3 events seen, 3 new, 2 new leads, 0 merged, 0 ignored, 1 dead-lettered" in out, out
    held = stored(database_url, "expo")
    assert sorted(held["leads"]) == ["anna@example.is", "cy@example.com"]
    [(reason, payload)] = held["dead"]
    assert "expo.csv line 3: the line is not valid utf-7 text; set encoding:" in reason
    assert payload["text"] == "bo@example.se,\\ud800"
    assert list(held["cursor"]["files"]) == ["expo.csv"]

    code, out = invoke(env, "poll", "expo", "--once")
    assert code == 0, out
    assert "expo: ok; 0 events seen" in out, out
    assert len(stored(database_url, "expo")["dead"]) == 1
