"""Issue #19: what the bot writes to disk about leads is its user's alone, whatever the umask.

The bot runs as a real subprocess with the common umask 022, which makes files 0644 (anyone on the
host may read them) unless the bot says otherwise.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from socialleads.store.db import make_engine, migrate
from tests.support.configs import write_config

REPO = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def common_umask() -> Iterator[None]:
    """Umask 022 for this process and the bots it starts, as on most hosts."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def test_a_bot_run_creates_its_database_folder_and_inbox_private(tmp_path: Path, common_umask: None) -> None:
    inbox, data = tmp_path / "inbox", tmp_path / "data" / "db"
    config = write_config(
        tmp_path / "config",
        sources={"fair": {"type": "csv", "config": {"folder": str(inbox), "settle": "0s"}}},
        sinks={"console": {"type": "console"}},
        default_route=["console"],
    )
    env = {
        **os.environ,
        "SOCIALLEADS_CONFIG_DIR": str(config),
        "SOCIALLEADS_DATABASE_URL": f"sqlite:///{data / 'socialleads.db'}",
    }
    for _ in range(2):  # the first poll makes the inbox; the second reads a file dropped in it
        done = subprocess.run(
            [sys.executable, "-m", "socialleads", "poll", "fair", "--once"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        if not (inbox / "fair.csv").exists():
            (inbox / "fair.csv").write_text("Name,Email\nAnna,anna@example.com\n")
    assert "1 new lead" in done.stdout
    assert mode(inbox) == 0o700
    assert mode(data) == 0o700
    files = sorted(p.name for p in data.iterdir())
    assert "socialleads.db" in files
    assert {p.name: mode(p) for p in data.iterdir()} == dict.fromkeys(files, 0o600)


def test_a_new_database_and_its_side_files_are_private(tmp_path: Path, common_umask: None) -> None:
    path = tmp_path / "data" / "leads.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM leads"))
        sides = [path.with_name(path.name + side) for side in ("-wal", "-shm")]
        assert all(side.exists() for side in sides)  # WAL mode: written while the engine is open
        assert [mode(p) for p in (path, *sides)] == [0o600, 0o600, 0o600]
    assert mode(path.parent) == 0o700
    engine.dispose()


def test_an_existing_readable_database_of_ours_is_tightened_once(
    tmp_path: Path, common_umask: None, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "leads.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    sides = [path.with_name(path.name + side) for side in ("-wal", "-shm")]
    for file in (path, *sides):  # as an older version left them
        file.touch()
        file.chmod(0o644)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="socialleads.store"):
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM leads")).scalar() == 0
            assert [mode(p) for p in (path, *sides)] == [0o600, 0o600, 0o600]
        engine.dispose()  # the last connection's close removes the side files
        tightened = [r.getMessage() for r in caplog.records if r.name == "socialleads.store"]
        assert len(tightened) == 3 and all("could be read by other users (mode 644)" in m for m in tightened)
        caplog.clear()
        make_engine(f"sqlite:///{path}").dispose()
        assert [r for r in caplog.records if r.name == "socialleads.store"] == []
