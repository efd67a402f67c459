"""SQLite under the bot's threads: readers never wait for the write lock; checkpoints run apart."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import Engine, text

from socialleads.store.db import checkpoint_wal, make_engine, reading


def _engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    return engine


def test_a_reader_reads_while_a_writer_holds_the_write_lock(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        with engine.begin() as writer:  # BEGIN IMMEDIATE: holds the write lock until the block ends
            writer.execute(text("INSERT INTO t VALUES (2)"))
            seen: list[list[int]] = []

            def read() -> None:
                with reading(engine) as conn:
                    seen.append([row[0] for row in conn.execute(text("SELECT x FROM t ORDER BY x"))])

            reader = threading.Thread(target=read)
            reader.start()
            reader.join(5)  # with BEGIN IMMEDIATE it would wait for the writer (busy_timeout is 30 s)
            assert not reader.is_alive(), "the reader queued behind the writer"
            assert seen == [[1]], "the reader sees the last committed state"
    finally:
        engine.dispose()


def test_a_writer_is_not_kept_waiting_by_an_open_reader(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        with reading(engine) as reader:
            assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
            done = threading.Event()

            def write() -> None:
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t VALUES (3)"))
                done.set()

            writer = threading.Thread(target=write)
            writer.start()
            assert done.wait(5), "the writer waited for a reader"
            writer.join()
    finally:
        engine.dispose()


def _rows_in_the_database_file_alone(tmp_path: Path) -> int:
    """Rows of ``t`` in a copy of the database file without its log: what a checkpoint has copied."""
    copy = tmp_path / "copy.db"
    copy.write_bytes((tmp_path / "lock.db").read_bytes())
    conn = sqlite3.connect(copy)
    try:
        if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 't'").fetchone()[0]:
            return 0
        return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])
    finally:
        conn.close()


def test_checkpoint_copies_the_log_into_the_database_file(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t SELECT x FROM t"))
            conn.execute(text("INSERT INTO t SELECT x FROM t"))
        assert (tmp_path / "lock.db-wal").stat().st_size > 0
        before = _rows_in_the_database_file_alone(tmp_path)
        checkpoint_wal(engine)
        assert before < 4
        assert _rows_in_the_database_file_alone(tmp_path) == 4
    finally:
        engine.dispose()
