"""Two writers saving the first state of the same source at once: the second must not fail.

A poll's first ``save_state`` of a new source and a health check's (``Runner.check``) can run at the
same time (the scheduler starts both jobs at once). On PostgreSQL an UPDATE-then-INSERT let both find
no row and both INSERT, and the second failed on source_state's primary key. ``save_health``, for the
check, must also keep the cursor the poll stored. The test holds the first writer's transaction open until the
second one is seen waiting on it (pg_stat_activity; on SQLite the second waits for the write lock
at BEGIN, see socialleads/store/db.py), then lets the first commit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from socialleads.models import HealthState
from socialleads.store.state import SourceState, load_state, save_health, save_state

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
#: How long the second writer may take to reach its wait on the first; far above what it needs.
WAIT_LIMIT_S = 20.0


def _poll_state() -> SourceState:
    """What a poll saves: a cursor and OK health."""
    return SourceState(
        source="acme_leads",
        connector="acme",
        cursor={"since": "2025-03-14T09:00:00Z"},
        cursor_version=1,
        health=HealthState.OK.value,
        health_summary="last poll ok: 3 new events",
        health_changed_at=NOW,
        last_poll_at=NOW,
        last_success_at=NOW,
    )


def _check_state() -> SourceState:
    """What a health check saves for the same source: no cursor, a warning."""
    return SourceState(
        source="acme_leads",
        connector="acme",
        health=HealthState.DEGRADED.value,
        health_summary="the token expires in 5 days",
        health_changed_at=NOW,
        consecutive_failures=2,
        failed_config="f" * 64,
    )


class SecondWriter(threading.Thread):
    """Saves ``state`` in a transaction of its own and keeps what went wrong, for the test to raise."""

    def __init__(self, engine: Engine, state: SourceState, save: Callable[..., None]) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.state = state
        self.save = save
        self.backend_pid: int | None = None
        self.started_transaction = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    self.backend_pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
                self.started_transaction.set()
                self.save(conn, self.state)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread, which raises it
            self.error = exc
        finally:
            self.started_transaction.set()


def _wait_until_blocked(engine: Engine, writer: SecondWriter) -> None:
    """Return once ``writer`` waits on the first writer's lock (PostgreSQL) or has had time to (SQLite)."""
    if engine.dialect.name != "postgresql":
        # The writer's BEGIN IMMEDIATE waits for the write lock (so it never reports a transaction
        # started before the first one ends): the order is fixed once it has had time to get there.
        time.sleep(0.3)
        return
    writer.started_transaction.wait(WAIT_LIMIT_S)
    deadline = time.monotonic() + WAIT_LIMIT_S
    with engine.connect() as observer:
        while time.monotonic() < deadline:
            assert writer.error is None, writer.error
            wait = observer.execute(
                text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": writer.backend_pid},
            ).scalar_one_or_none()
            if wait == "Lock":
                return
            time.sleep(0.02)
    raise AssertionError(f"the second writer never waited on the first within {WAIT_LIMIT_S}s")


def _save_while_a_poll_saves_first(engine: Engine, save: Callable[..., None]) -> SourceState:
    """The poll's first save, held open until ``save`` of the check's state waits on it; what is stored."""
    writer = SecondWriter(engine, _check_state(), save)
    with engine.begin() as conn:
        save_state(conn, _poll_state())
        writer.start()
        _wait_until_blocked(engine, writer)
    writer.join(WAIT_LIMIT_S)
    assert not writer.is_alive()
    if writer.error is not None:
        raise writer.error
    with engine.connect() as conn:
        return load_state(conn, "acme_leads", "acme")


def test_two_first_saves_of_one_source_at_once_both_succeed_and_the_last_wins(engine: Engine) -> None:
    assert _save_while_a_poll_saves_first(engine, save_state) == _check_state()


def test_a_health_check_saving_beside_a_polls_first_save_keeps_the_polls_cursor(engine: Engine) -> None:
    check = _check_state()
    expected = replace(
        _poll_state(),
        health=check.health,
        health_summary=check.health_summary,
        health_changed_at=check.health_changed_at,
        failed_config=check.failed_config,
    )
    assert _save_while_a_poll_saves_first(engine, save_health) == expected


def test_a_health_check_on_a_source_never_polled_stores_its_state_whole(engine: Engine) -> None:
    with engine.begin() as conn:
        save_health(conn, _check_state())
    with engine.connect() as conn:
        assert load_state(conn, "acme_leads", "acme") == _check_state()


def test_a_saved_state_is_stored_whole_and_a_second_save_replaces_every_field(engine: Engine) -> None:
    with engine.begin() as conn:
        save_state(conn, _poll_state())
    with engine.connect() as conn:
        assert load_state(conn, "acme_leads", "acme") == _poll_state()
    with engine.begin() as conn:
        save_state(conn, _check_state())
    with engine.connect() as conn:
        assert load_state(conn, "acme_leads", "acme") == _check_state()
        assert conn.execute(text("SELECT count(*) FROM source_state")).scalar_one() == 1
