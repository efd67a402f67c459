"""Fast inserts for the ingest hot path: row ids allocated up front, rows sent in bulk by the driver.

SQLAlchemy Core costs several microseconds per row in parameter processing; at 100,000 events a
poll that is most of the time (bench/ingest.py). This module writes the same values SQLAlchemy
would (so reads through the tables in ``tables.py`` see no difference) with one precompiled
statement per table: timestamps as naive UTC, JSON as text.

Ids are allocated before inserting so touches can reference events and leads without RETURNING:
on SQLite from ``max(id)`` under the write lock that ``BEGIN IMMEDIATE`` holds (store.db), on
PostgreSQL from the table's sequence in one round trip.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import Connection, Table, text
from sqlalchemy.exc import IntegrityError

from socialleads.store.events import chunked


class BulkWriter:
    """Inserts for one transaction; not shared between transactions."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self._placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"

    def timestamp(self, value: datetime | None) -> Any:
        """A timezone-aware datetime as the column stores it (naive UTC; text on SQLite)."""
        if value is None:
            return None
        naive = value.astimezone(UTC).replace(tzinfo=None)
        # The exact text SQLAlchemy's SQLite DATETIME type stores ("2026-11-27 10:00:00.000000").
        return naive.isoformat(" ", "microseconds") if self.sqlite else naive

    @staticmethod
    def json(value: Any) -> str | None:
        """A JSON column value as text (what SQLAlchemy's JSON type would bind); None stays SQL NULL."""
        return None if value is None else json.dumps(value)

    def allocate_ids(self, table: Table, count: int) -> list[int]:
        """``count`` fresh primary keys for ``table``, in increasing order."""
        if count == 0:
            return []
        name = table.name
        if self.sqlite:
            start = int(self.conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {name}")).scalar_one()) + 1  # noqa: S608 - table names are ours
            return list(range(start, start + count))
        rows = self.conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": name, "n": count},
        )
        return [int(r[0]) for r in rows]

    def insert(self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (tuples in ``columns`` order, already converted).

        COPY on PostgreSQL, executemany on SQLite.
        """
        if not rows:
            return
        if not self.sqlite:
            self._copy(table, columns, rows)
            return
        marks = ", ".join([self._placeholder] * len(columns))
        statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - names are ours
        self.conn.exec_driver_sql(statement, rows)

    def insert_absent(
        self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], key: Sequence[str]
    ) -> set[int]:
        """Insert ``rows`` (as ``insert``) but those whose ``key`` another transaction stored meanwhile;
        returns the ids (``columns`` holds "id") of the rows inserted.

        Called with rows the caller looked for and did not find; a concurrent writer may have
        stored some since. On SQLite none can: the transaction holds the write lock from its start
        (``BEGIN IMMEDIATE``, store.db), so every row is inserted. On PostgreSQL the rows go by
        COPY inside a savepoint; only if that meets a unique key (a writer that committed them
        while this one waited) does it fall back to ``INSERT ... ON CONFLICT DO NOTHING``, which
        skips them instead of failing. Raises ``IntegrityError`` for any other constraint.
        """
        at = columns.index("id")
        ids = {int(row[at]) for row in rows}
        if self.sqlite or not rows:
            self.insert(table, columns, rows)
            return ids
        try:
            with self.conn.begin_nested():
                self._copy(table, columns, rows)
            return ids
        except IntegrityError:
            pass
        names = ", ".join(columns)
        inserted: set[int] = set()
        for part in chunked(rows, 500):  # 500 rows of ~15 values: far below PostgreSQL's 65,535 binds
            values = ", ".join(["(" + ", ".join([self._placeholder] * len(columns)) + ")"] * len(part))
            statement = (
                f"INSERT INTO {table.name} ({names}) VALUES {values} "  # noqa: S608 - names are ours
                f"ON CONFLICT ({', '.join(key)}) DO NOTHING RETURNING id"
            )
            result = self.conn.exec_driver_sql(statement, tuple(v for row in part for v in row))
            inserted.update(int(r[0]) for r in result)
        return inserted

    def _copy(self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        # COPY is PostgreSQL's bulk path: one stream instead of a statement per row
        # (https://www.psycopg.org/psycopg3/docs/basic/copy.html). Same connection, same transaction.
        driver = self.conn.connection.dbapi_connection
        assert isinstance(driver, psycopg.Connection)
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.IntegrityError as exc:
            # The driver's own error, past SQLAlchemy: raise it as SQLAlchemy would, so the callers'
            # handling of a unique-key race (store_step.store_with_retry) sees it.
            raise IntegrityError(statement, None, exc) from exc

    def update(self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Set ``columns`` on rows by id; each tuple holds the converted values, then the id."""
        if not rows:
            return
        sets = ", ".join(f"{c} = {self._placeholder}" for c in columns)
        statement = f"UPDATE {table.name} SET {sets} WHERE id = {self._placeholder}"  # noqa: S608 - names are ours
        self.conn.exec_driver_sql(statement, rows)
