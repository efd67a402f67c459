"""Claims that are short, renewed while held, and taken back at once from a process that is gone.

Real webhook sinks POST to a receiver on loopback; the bots run on the real clock (leases are
measured against it), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from socialleads.settings import DispatchSettings
from socialleads.store import outbox
from socialleads.store.lease_holders import this_process
from socialleads.store.tables import deliveries
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.bots import ScriptedBot, WallClock, scripted_bot


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as rx:
        yield rx


def lease_bot(tmp_path: Path, database_url: str, url: str, **dispatch: Any) -> ScriptedBot:
    sinks = {"crm": {"type": "webhook", "concurrency": 1, "config": {"url": f"{url}/hooks/leads"}}}
    return scripted_bot(
        tmp_path,
        database_url,
        sinks=sinks,
        default_route=["crm"],
        clock=WallClock(),
        dispatch=DispatchSettings(**dispatch),
    )


def store_people(sb: ScriptedBot, count: int) -> None:
    sb.set_events(
        [{"seq": n, "name": f"Person {n}", "email": f"p{n}@example.com"} for n in range(1, count + 1)]
    )
    assert sb.bot.runner.poll("src").status == "ok"


def posted_keys(receiver: LoopbackReceiver) -> list[str | None]:
    return [r.header("Idempotency-Key") for r in receiver.requests]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(10)
    return child.pid


def test_claims_of_a_bot_that_is_gone_are_taken_back_at_start_and_others_wait(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    sb = lease_bot(tmp_path, database_url, receiver.url)
    store_people(sb, 3)
    host = socket.gethostname()
    holders = [
        f"{host}/{_dead_pid()}//0badcafe",  # killed on this host: gone
        this_process(),  # this very process (another dispatcher in it): alive
        f"not-{host}/1//0badcafe",  # another host: cannot tell, its lease must run out
    ]
    with sb.bot.engine.begin() as conn:
        claimed = outbox.claim_due(conn, ["crm"], sb.clock(), timedelta(minutes=5), 10)
        assert len(claimed) == 3
        for item, holder in zip(claimed, holders, strict=True):
            conn.execute(update(deliveries).where(deliveries.c.id == item.id).values(lease_holder=holder))

    report = sb.bot.dispatcher.dispatch_due()

    assert report.delivered == 1
    assert posted_keys(receiver) == [claimed[0].key]
    with sb.bot.engine.connect() as conn:
        left = conn.execute(select(deliveries.c.lease_holder).where(deliveries.c.status == "pending"))
        assert sorted(left.scalars()) == sorted(holders[1:])
    sb.bot.close()


def test_a_long_batch_keeps_its_claims_while_it_delivers(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    # Leases of 0.6 s; each delivery takes 0.3 s, so the batch of six lasts three leases.
    sb = lease_bot(tmp_path, database_url, receiver.url, lease=timedelta(seconds=0.6))
    receiver.default = ScriptedResponse(200, b"{}", {"Content-Type": "application/json"}, delay=0.3)
    store_people(sb, 6)
    dispatching = threading.Thread(target=sb.bot.dispatcher.dispatch_due)
    dispatching.start()
    try:
        receiver.wait_for(4, timeout=10)  # 0.9 s or more after the claim: its first lease ran out
        with sb.bot.engine.begin() as conn:
            taken = outbox.claim_due(conn, ["crm"], sb.clock(), timedelta(seconds=5), 10)
        assert taken == [], "another worker could claim what the batch still holds"
    finally:
        dispatching.join(20)
    keys = posted_keys(receiver)
    assert len(keys) == len(set(keys)) == 6
    with sb.bot.engine.connect() as conn:
        assert set(conn.execute(select(deliveries.c.status)).scalars()) == {"delivered"}
    sb.bot.close()
