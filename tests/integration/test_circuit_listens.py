"""A sink whose circuit is open is probed often enough to hear it, and is tried again at the moment
its Retry-After names: not before, and not at the dispatcher's next round.

The bot's dispatch loop (``scheduler.DispatchWaker``, set to look for due deliveries only every 10 s
here, so only the sink's own timing can bring it back sooner) delivers through the real webhook
sink to a receiver on loopback that answers 500s, then a 429 with ``Retry-After: 2``, then 200s.
Real clock, default circuit policy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import scheduler
from socialleads.store.tables import deliveries
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.bots import webhook_sink_bot

OK = ScriptedResponse(200, b'{"id": "crm-1"}', {"Content-Type": "application/json"})
LEADS = 6


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as rx:
        yield rx


def test_an_open_circuit_hears_a_retry_after_and_delivers_the_moment_it_ends(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    sb = webhook_sink_bot(tmp_path, database_url, receiver.url, LEADS, timedelta(seconds=10))
    receiver.default = ScriptedResponse(500, b"upstream unavailable")
    stop = threading.Event()
    waker = scheduler.DispatchWaker(sb.bot, stop)
    loop = threading.Thread(target=waker.run, name="dispatch")
    loop.start()
    try:
        # Five failures open the circuit; its first probe comes 2 s later and fails too.
        first_probe = receiver.wait_for(6, timeout=8)[5]
        receiver.default = OK
        receiver.script(ScriptedResponse(429, b"slow down", {"Retry-After": "2"}))
        # The next probe, 4 s after the first, meets the 429 (with a 30 s cooldown it came 30 s later).
        throttled = receiver.wait_for(7, timeout=8)[6]
        assert throttled.received_at - first_probe.received_at <= 5.0
        after = receiver.wait_for(8, timeout=5)[7]
        waited = after.received_at - throttled.received_at
        assert 2.0 <= waited <= 3.0, f"first delivery {waited:.2f}s after the 429 with Retry-After: 2"
        receiver.wait_for(7 + LEADS, timeout=10)
    finally:
        stop.set()
        waker.release()
        loop.join(20)
    keys = [r.header("Idempotency-Key") for r in receiver.requests[7:]]
    assert len(keys) == len(set(keys)) == LEADS, "after the pause, each lead once"
    with sb.bot.engine.connect() as conn:
        assert set(conn.execute(select(deliveries.c.status)).scalars()) == {"delivered"}
    sb.bot.close()
