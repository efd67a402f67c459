"""A database outage in the middle of a batch repeats no delivery, and the bot recovers at once.

The bot's dispatch loop (``scheduler.DispatchWaker``) drains 20 deliveries to a webhook sink on
loopback, one every 0.1 s. Meanwhile the database goes away for 2.5 s: on SQLite another connection
holds the write lock longer than the bot waits for it; on PostgreSQL the bot's connections are
terminated (``pg_terminate_backend``) again and again while a lock keeps its commit waiting. The
outcomes the bot could not commit are kept and committed when the database is back.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, make_url, select, text

import scheduler
from socialleads.store.tables import deliveries
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.bots import ScriptedBot, webhook_sink_bot

LEADS = 20
OUTAGE_S = 2.5
RECOVERY_S = 3.0
"""Everything is delivered and recorded this soon after the database is back."""


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as rx:
        rx.default = ScriptedResponse(200, b"{}", {"Content-Type": "application/json"}, delay=0.1)
        yield rx


def _short_sqlite_wait(engine: Engine) -> None:
    """Let the bot's SQLite connections wait 0.2 s for a lock instead of 30 s: a lock held longer is
    then an outage, as a database that does not answer is."""

    @event.listens_for(engine, "connect")
    def _wait_less(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout = 200")

    engine.dispose()


@contextmanager
def sqlite_outage(database_url: str) -> Iterator[None]:
    """Another connection holds the write lock."""
    holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def postgres_outage(schema_url: str, application: str) -> Iterator[None]:
    """The bot's connections are cut as they come, while a lock keeps its writes waiting to be cut."""
    admin = create_engine(schema_url)
    stop = threading.Event()

    def cut() -> None:
        with admin.connect() as conn:
            while not stop.is_set():
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :a"
                    ),
                    {"a": application},
                )
                conn.commit()
                stop.wait(0.05)

    locker = admin.connect()
    locker.execute(text("LOCK TABLE deliveries IN EXCLUSIVE MODE"))
    cutter = threading.Thread(target=cut)
    time.sleep(0.5)  # the bot's next commit now waits on the lock: it is cut mid-statement
    cutter.start()
    try:
        yield
    finally:
        stop.set()
        cutter.join(10)
        locker.rollback()
        locker.close()
        admin.dispose()


def run_dispatch_loop(sb: ScriptedBot) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    waker = scheduler.DispatchWaker(sb.bot, stop)
    thread = threading.Thread(target=waker.run, name="dispatch")
    thread.start()
    return stop, thread


def test_outcomes_survive_a_database_outage_mid_batch_and_nothing_is_sent_twice(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    postgres = database_url.startswith("postgresql")
    application = f"sl-outage-{uuid.uuid4().hex[:8]}"
    bot_url = database_url
    if postgres:  # the bot's connections carry a name, so the outage cuts them and no other
        bot_url = (
            make_url(database_url)
            .update_query_dict({"application_name": application})
            .render_as_string(hide_password=False)
        )
    sb = webhook_sink_bot(tmp_path, bot_url, receiver.url, LEADS, timedelta(seconds=0.2))
    if not postgres:
        _short_sqlite_wait(sb.bot.engine)

    stop, thread = run_dispatch_loop(sb)
    try:
        receiver.wait_for(3, timeout=10)
        with postgres_outage(database_url, application) if postgres else sqlite_outage(database_url):
            time.sleep(OUTAGE_S)
        back = time.monotonic()
        while True:
            with sb.bot.engine.connect() as conn:
                statuses = list(conn.execute(select(deliveries.c.status)).scalars())
            if set(statuses) == {"delivered"}:
                break
            assert time.monotonic() - back < RECOVERY_S, f"not recovered: {sorted(statuses)}"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(20)
        sb.bot.close()
    keys = [r.header("Idempotency-Key") for r in receiver.requests]
    assert len(keys) == LEADS and len(set(keys)) == LEADS, "each lead was POSTed exactly once"
