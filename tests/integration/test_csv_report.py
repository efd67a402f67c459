"""``sources report`` on a csv source says how each file was read: encoding, separator, and how decided.

The real command line in-process (typer's runner) against a real database and real files.
"""

from __future__ import annotations

import codecs
import os
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from socialleads.cli import app
from tests.support.configs import write_config
from tests.unit.test_csv_parsing import EUROPEAN_EXCEL, UNBALANCED, UNICODE_TEXT


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **env})
    return result.exit_code, result.output


def drop(folder: Path, name: str, data: bytes, day: int) -> None:
    """A file as a person leaves it in the inbox, written on a fixed day (long settled by any clock)."""
    path = folder / name
    path.write_bytes(data)
    stamp = int(datetime(2024, 5, day, 9, 0, tzinfo=UTC).timestamp() * 1_000_000_000)
    os.utime(path, ns=(stamp, stamp))


def test_the_report_says_how_each_file_was_read(tmp_path: Path, database_url: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "scanner.txt", codecs.BOM_UTF16_LE + UNICODE_TEXT.encode("utf-16-le"), day=1)
    drop(inbox, "messe.csv", EUROPEAN_EXCEL.encode("cp1252"), day=2)
    drop(inbox, "fair.csv", UNBALANCED.encode(), day=3)
    config = write_config(
        tmp_path / "config",
        sources={"expo": {"type": "csv", "config": {"folder": str(inbox), "patterns": ["*.csv", "*.txt"]}}},
        sinks={"out": {"type": "console", "config": {"stream": "stderr"}}},
        default_route=["out"],
    )
    env = {"SOCIALLEADS_CONFIG_DIR": str(config), "SOCIALLEADS_DATABASE_URL": database_url}
    code, out = invoke(env, "poll", "expo", "--once")
    assert code == 0, out
    # Þórunn and Jürgen are in two of the lists, so they merge.
    assert "10 events seen, 10 new, 7 new leads, 2 merged, 0 ignored, 1 dead-lettered" in out, out

    code, out = invoke(env, "sources", "report", "expo")
    assert code == 0, out
    lines = out.splitlines()
    start = lines.index(
        "Files read, newest first, and what was assumed (encoding: and delimiter: in the config win)"
    )
    assert lines[start + 1 : start + 4] == [
        "  fair.csv: encoding utf-8 (valid UTF-8), separator comma (sniffed)",
        "  messe.csv: encoding cp1252 (not UTF-8; charset-normalizer's guess), separator semicolon (sniffed)",
        "  scanner.txt: encoding utf-16 (little-endian byte-order mark), separator tab (sniffed)",
    ]
