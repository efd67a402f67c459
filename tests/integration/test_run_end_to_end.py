"""``socialleads run`` as a real process on the example configuration, with a real SMTP server.

The committed example files are used as they are, except that the source polls every second
instead of every 30 seconds, so the test does not wait.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import RunningSmtp

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Workspace:
    """A folder laid out like an installation: config/, data/inbox, and the database."""

    root: Path
    smtp: RunningSmtp

    @property
    def inbox(self) -> Path:
        return self.root / "data" / "inbox"

    @property
    def database(self) -> Path:
        return self.root / "data" / "socialleads.db"

    def start(self) -> subprocess.Popen[str]:
        env = {
            **os.environ,
            "SOCIALLEADS_WEB__PORT": "0",
            "SMTP_HOST": self.smtp.host,
            "SMTP_PORT": str(self.smtp.port),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("SOCIALLEADS_DATABASE_URL", None)
        env.pop("SOCIALLEADS_CONFIG_DIR", None)
        log = (self.root / "bot.log").open("a")
        return subprocess.Popen(
            [sys.executable, "-m", "socialleads", "run"],
            cwd=self.root,
            env=env,
            stdout=(self.root / "console.txt").open("a"),
            stderr=log,
            text=True,
        )

    def count(self, sql: str) -> int:
        if not self.database.exists():
            return 0
        with sqlite3.connect(self.database, timeout=30) as conn:
            try:
                return int(conn.execute(sql).fetchone()[0])
            except sqlite3.OperationalError:  # tables not created yet
                return 0

    def wait_until(self, condition: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                log = (self.root / "bot.log").read_text()
                raise AssertionError(f"timed out; bot log:\n{log[-3000:]}")
            time.sleep(0.05)


@pytest.fixture
def workspace(tmp_path: Path, smtp_server: RunningSmtp) -> Iterator[Workspace]:
    config = tmp_path / "config"
    config.mkdir()
    for name in ("sources", "sinks", "campaigns"):
        shutil.copy(REPO / "config" / f"{name}.example.yaml", config)
    sources = config / "sources.example.yaml"
    sources.write_text(sources.read_text().replace("every: 30s", "every: 1s"))
    yield Workspace(tmp_path, smtp_server)


def write_leads(path: Path, rows: int, people: int, bad_every: int = 0) -> None:
    """A lead list of ``rows`` rows about ``people`` people; every ``bad_every``-th line is malformed."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Email", "Phone", "Interest", "Consent"])
        for n in range(rows):
            person = n % people
            if bad_every and n % bad_every == bad_every - 1:
                handle.write("only,three,fields\n")
                continue
            writer.writerow(
                [
                    f"Visitor {person}",
                    f"visitor{person}@example.com",
                    f"+354 6{person % 100:02d} {person // 100 % 10000:04d}",
                    f"sofa, visit {n}",
                    "yes",
                ]
            )


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


def test_a_dropped_csv_becomes_leads_delivered_once_to_console_and_email(workspace: Workspace) -> None:
    bot = workspace.start()
    try:
        workspace.inbox.mkdir(parents=True, exist_ok=True)
        write_leads(workspace.inbox / "fair.csv", rows=12, people=10, bad_every=6)
        workspace.wait_until(
            lambda: workspace.count("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 2 * 9
        )
        assert workspace.count("SELECT count(*) FROM leads") == 9  # 10 good rows, one person twice
        assert workspace.count("SELECT count(*) FROM dead_letters WHERE kind = 'event'") == 2
        assert len(workspace.smtp.envelopes) == 9

        # The same file again, under another name: nothing new, nothing sent again.
        shutil.copy(workspace.inbox / "fair.csv", workspace.inbox / "fair-again.csv")
        time.sleep(4)  # the file settles (2s) and two more polls pass
        assert workspace.count("SELECT count(*) FROM leads") == 9
        assert workspace.count("SELECT count(*) FROM deliveries") == 18
        assert len(workspace.smtp.envelopes) == 9
    finally:
        assert stop(bot) == 0
    console = (workspace.root / "console.txt").read_text()
    assert console.count("visitor3@example.com") == 1
    assert "stopped cleanly" in (workspace.root / "bot.log").read_text()


def test_sigkill_mid_import_then_a_restart_leaves_the_same_leads_and_deliveries(workspace: Workspace) -> None:
    rows, people = 20_000, 15_000
    workspace.inbox.mkdir(parents=True)
    staging = workspace.root / "big.csv"
    write_leads(staging, rows=rows, people=people)
    bot = workspace.start()
    try:
        workspace.wait_until(lambda: workspace.count("SELECT count(*) FROM poll_runs") > 0)
        staging.replace(workspace.inbox / "big.csv")
        workspace.wait_until(lambda: workspace.count("SELECT count(*) FROM raw_events") > 0, timeout=60)
    finally:
        bot.kill()  # SIGKILL: no chance to finish the poll or commit anything more
        bot.wait()
    stored_at_kill = workspace.count("SELECT count(*) FROM raw_events")
    assert 0 < stored_at_kill < rows, "the kill should land mid-import"

    bot = workspace.start()
    try:
        # The cursor names the file only once the whole poll is stored.
        workspace.wait_until(
            lambda: workspace.count("SELECT count(*) FROM source_state WHERE cursor LIKE '%big.csv%'") == 1,
            timeout=120,
        )
    finally:
        assert stop(bot) == 0
    assert workspace.count("SELECT count(*) FROM leads") == people
    assert workspace.count("SELECT count(*) FROM touches") == rows
    assert workspace.count("SELECT count(*) FROM deliveries") == 2 * people
    assert workspace.count("SELECT count(DISTINCT idempotency_key) FROM deliveries") == 2 * people
