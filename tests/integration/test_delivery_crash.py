"""A bot killed mid-dispatch re-sends only what was in flight, and that within seconds of its restart.

A real bot process (``socialleads run``) drains an outbox of 400 deliveries to a webhook sink: a
receiver on loopback that records every POST with its idempotency key. The test SIGKILLs the bot
three times in the middle of a batch, restarting it at once each time, then lets it finish. After
each kill it reads what the store recorded as delivered: a POST the receiver got whose outcome was
not committed was in flight at the kill, and only those may be sent again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from socialleads.store.db import make_engine
from socialleads.store.tables import deliveries
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.bots import Clock, scripted_bot
from tests.support.configs import write_config

LEADS = 400
CONCURRENCY = 4
RECORD_BATCH = 10
KILLS = 3
POSTS_BEFORE_KILL = 100
"""New POSTs each run makes before it is killed: well inside its first batch of 200."""
MOST_IN_FLIGHT = 50
"""Delivered and not committed at a kill: a group of RECORD_BATCH, what came while it was being
committed, and the four on the wire; never all of the run's POSTs (as when outcomes were committed
once per batch of 200)."""
REPEAT_WITHIN_S = 15.0
"""A repeat comes this soon after the start of the run that sends it (a process takes 1-8 s to start
on a busy machine), and within two seconds of that run's first POST: it is sent first, not when a
lease runs out (300 s before claims named their holder)."""


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as rx:
        # A CRM that takes 10 ms per lead: four deliveries side by side, a few hundred a second.
        rx.default = ScriptedResponse(200, b'{"id": "crm"}', {"Content-Type": "application/json"}, delay=0.01)
        yield rx


def _sinks(url: str) -> dict[str, object]:
    return {"crm": {"type": "webhook", "concurrency": CONCURRENCY, "config": {"url": f"{url}/hooks/leads"}}}


def _fill_outbox(tmp_path: Path, database_url: str, url: str) -> None:
    """LEADS leads stored with a pending delivery each, by a bot that does not dispatch."""
    sb = scripted_bot(
        tmp_path / "intake",
        database_url,
        sinks=_sinks(url),
        default_route=["crm"],
        clock=Clock(datetime.now(UTC)),  # the bot process below runs on the real clock
    )
    sb.set_events(
        [{"seq": n, "name": f"Person {n}", "email": f"p{n}@example.com"} for n in range(1, LEADS + 1)]
    )
    assert sb.bot.runner.poll("src").status == "ok"
    sb.bot.close()


def _start(tmp_path: Path, database_url: str, url: str) -> subprocess.Popen[bytes]:
    config = write_config(tmp_path / "config", sinks=_sinks(url), default_route=["crm"])
    env = {
        **os.environ,
        "SOCIALLEADS_DATABASE_URL": database_url,
        "SOCIALLEADS_CONFIG_DIR": str(config),
        "SOCIALLEADS_DATA_DIR": str(tmp_path / "data"),
        "SOCIALLEADS_WEB__ENABLED": "false",
        "SOCIALLEADS_DISPATCH__RECORD_BATCH": str(RECORD_BATCH),
        "PYTHONUNBUFFERED": "1",
    }
    with (tmp_path / "bot.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "socialleads", "run"], cwd=tmp_path, env=env, stdout=log, stderr=log
        )


def _posted_keys(receiver: LoopbackReceiver) -> list[tuple[str, float]]:
    return [
        (r.header("Idempotency-Key") or "", r.received_at)
        for r in receiver.requests
        if r.path == "/hooks/leads"
    ]


def _delivered(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            query = select(deliveries.c.idempotency_key).where(deliveries.c.status == "delivered")
            return set(conn.execute(query).scalars())
    finally:
        engine.dispose()


def _pending(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(deliveries).where(deliveries.c.status != "delivered")
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def _wait(condition: Callable[[], bool], timeout: float, tmp_path: Path, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            log = (tmp_path / "bot.log").read_text(errors="replace")
            raise AssertionError(f"{what} within {timeout:.0f}s; bot log:\n{log[-3000:]}")
        time.sleep(0.01)


def test_a_bot_killed_mid_batch_resends_only_what_was_in_flight_within_seconds(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    _fill_outbox(tmp_path, database_url, receiver.url)
    starts: list[float] = []
    in_flight: list[set[str]] = []
    delivered_before: set[str] = set()
    process: subprocess.Popen[bytes] | None = None
    try:
        for _ in range(KILLS):
            posted_before = len(_posted_keys(receiver))
            starts.append(time.perf_counter())
            process = _start(tmp_path, database_url, receiver.url)
            _wait(
                lambda wanted=posted_before + POSTS_BEFORE_KILL: len(_posted_keys(receiver)) >= wanted,
                30,
                tmp_path,
                "the bot did not deliver",
            )
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            delivered = _delivered(database_url)
            # What the sink got and the store did not record: in flight when the bot died.
            in_flight.append({key for key, _ in _posted_keys(receiver)} - delivered)
            assert len(delivered) > len(delivered_before), "the run recorded no progress before its kill"
            delivered_before = delivered

        starts.append(time.perf_counter())
        process = _start(tmp_path, database_url, receiver.url)
        _wait(lambda: _pending(database_url) == 0, 60, tmp_path, "the outbox was not drained")
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    posts = _posted_keys(receiver)
    counts = Counter(key for key, _ in posts)
    assert len(counts) == LEADS, "every lead reached the sink"
    repeated = {key: n - 1 for key, n in counts.items() if n > 1}
    sizes = [len(keys) for keys in in_flight]
    assert all(size <= MOST_IN_FLIGHT for size in sizes), sizes
    assert set(repeated) <= set().union(*in_flight), "only deliveries in flight at a kill were repeated"
    assert sum(repeated.values()) <= sum(sizes), (repeated, sizes)
    seen: set[str] = set()
    for key, at in posts:
        if key in seen:  # a repeat: measured from the start of the run that sent it, and its first POST
            run_start = max(s for s in starts if s <= at)
            first_post = min(t for _, t in posts if t >= run_start)
            assert at - run_start <= REPEAT_WITHIN_S, f"repeat {at - run_start:.1f}s after its run started"
            assert at - first_post <= 2.0, f"repeat {at - first_post:.1f}s after its run's first POST"
        seen.add(key)
