"""The one engine factory and the migration entry point.

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions, so concurrent writers (a poll and
a webhook) queue on the write lock instead of failing half-way; PostgreSQL is used as it is.

A SQLite database holds every lead's contact details, so it is the bot's user's alone: the file is
created 0600 before SQLite opens it (SQLite gives the ``-wal``, ``-shm`` and ``-journal`` files it
creates the database file's permissions: ``findCreateFileMode`` in
https://sqlite.org/src/file?name=src/os_unix.c), a folder made for it 0700, and an existing database
of ours that others may read is tightened, with a warning (so once: it is private afterwards).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url

from socialleads import jsontext

MIGRATIONS = Path(__file__).parent / "migrations"
#: The execution option of a connection that only reads (see ``reading``).
READ_ONLY = "socialleads_read_only"
#: Seconds a new PostgreSQL connection may take before it fails, when the URL sets no
#: ``connect_timeout`` of its own: without one, a server that drops packets hangs the caller for minutes.
CONNECT_TIMEOUT_S = 10
#: What a SQLite database, its folder and its side files may be: the bot's user's alone.
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
#: SQLite's side files of a database ``x.db``: ``x.db-wal``, ``x.db-shm`` and ``x.db-journal``.
SIDE_FILES = ("-wal", "-shm", "-journal")
log = logging.getLogger("socialleads.store")


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling defers it).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        pragmas = (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "cache_size=-65536",
        )
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock up front (BulkWriter allocates ids from max(id) under it);
        # a reader does not need it in WAL mode, and must not queue behind a writer for it.
        reads_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN DEFERRED" if reads_only else "BEGIN IMMEDIATE")


def _prepare_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # psycopg prepares a statement after 5 runs, and PostgreSQL may then keep one generic plan
        # chosen while a table was small (a sequential scan) for the rest of a bulk import, where
        # the lookups by key get slower at every chunk. Plan each execution with its values.
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_conn.commit()


def reading(engine: Engine) -> Connection:
    """A connection for reads only: on SQLite its transactions do not take the write lock.

    Writing through it may fail with "database is locked" (a deferred transaction upgrading while
    another writer holds the lock), so use it only for what never writes.
    """
    return engine.connect().execution_options(**{READ_ONLY: True})


def checkpoint_wal(engine: Engine) -> None:
    """Copy the SQLite write-ahead log back into the database file, without waiting for anyone.

    SQLite otherwise checkpoints inside whichever commit pushes the log past 1,000 pages; that commit
    then waits for the file to be synced (40 ms seen here), and so does the lead behind it. The
    scheduler runs this every few seconds instead, so a commit rarely finds the log that long.
    PASSIVE copies what no reader still needs and returns (https://sqlite.org/pragma.html#pragma_wal_checkpoint).
    No-op on PostgreSQL.
    """
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        cursor.close()
    finally:
        raw.close()


def private_sqlite_file(path: Path) -> None:
    """Create the SQLite database ``path`` (and the folder it is in, 0700) readable by the bot's user
    alone, or make an existing one of ours so (with its side files), warning that it was not."""
    if not path.parent.exists():
        path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    # O_EXCL: when the file is there already, leave it to the check below (its contents stay as they are)
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        return
    except FileExistsError:
        pass
    for file in (path, *(path.with_name(path.name + side) for side in SIDE_FILES)):
        _tighten(file)


def _tighten(file: Path) -> None:
    """Take group and others' access away from ``file`` when it is ours and they have some."""
    try:
        info = file.stat()
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode) or not info.st_mode & 0o077:
        return
    owner = getattr(os, "geteuid", lambda: info.st_uid)()  # Windows has no owners of this kind
    if info.st_uid != owner:
        log.warning("%s may be read by other users and is not ours to change: chmod 600 it", file)
        return
    file.chmod(stat.S_IMODE(info.st_mode) & ~0o077)
    log.warning(
        "%s could be read by other users (mode %o); it is now %o, the bot's user's alone",
        file,
        stat.S_IMODE(info.st_mode),
        stat.S_IMODE(info.st_mode) & ~0o077,
    )


def make_engine(url: str) -> Engine:
    """Build the engine for ``url``; creates a SQLite file (and its folder) private to the bot's user
    (``private_sqlite_file``). Call ``migrate`` before use.

    A PostgreSQL connection gives up after ``CONNECT_TIMEOUT_S`` unless the URL says otherwise
    (``?connect_timeout=30``).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            private_sqlite_file(Path(database))
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, json_deserializer=jsontext.loads
        )
        _prepare_sqlite(engine)
        return engine
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_S}
    engine = create_engine(
        url, pool_pre_ping=True, json_deserializer=jsontext.loads, connect_args=connect_args
    )
    _prepare_postgresql(engine)
    return engine


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine``; the migrations ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest). Safe to call at every start."""
    command.upgrade(alembic_config(engine), revision)
