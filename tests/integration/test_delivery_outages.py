"""Delivery that survives outages: a sink down for ten minutes then throttling loses and doubles
nothing, pauses behind an open circuit (told to the admin once), and drains oldest first.

Real webhook sinks post over HTTP to loopback receivers; time is simulated with the bot's clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from socialleads.sandbox.crm.hubspot.app import HubSpotServer
from socialleads.sandbox.crm.hubspot.store import HubSpotStore
from socialleads.store.tables import dead_letters, deliveries, leads, sink_state
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.bots import Clock, ScriptedBot, scripted_bot

HUBSPOT_TOKEN = "pat-na1-aaaaaaaa-bbbb-cccc-dddd-outage"
OK = ScriptedResponse(200, b'{"id": "ok"}', {"Content-Type": "application/json"})
DOWN = ScriptedResponse(500, b"upstream unavailable")


@pytest.fixture
def crm() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as rx:
        yield rx


@pytest.fixture
def admin() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as rx:
        yield rx


def outage_bot(
    tmp_path: Path, database_url: str, crm: str, admin: str, concurrency: int = 1, **sink: Any
) -> ScriptedBot:
    sinks = {
        "crm": {
            "type": "webhook",
            "concurrency": concurrency,
            "retry": {"first_delay": "5s", "max_delay": "5m"},
            "circuit": {"failures": 5, "cooldown": "30s", "max_cooldown": "4m"},
            "config": {"url": f"{crm}/hooks/leads", "secret": "s3cret-signing-key"},
            **sink,
        },
        "ops": {"type": "webhook", "config": {"url": f"{admin}/hooks/ops"}},
    }
    return scripted_bot(tmp_path, database_url, sinks=sinks, default_route=["crm"], admin_sinks=["ops"])


def person(seq: int) -> dict[str, Any]:
    return {"seq": seq, "name": f"Person {seq}", "email": f"p{seq}@example.com"}


def notices(admin: LoopbackReceiver) -> list[str]:
    return [r.json()["subject"] for r in admin.requests]


def test_ten_minutes_of_500s_then_a_429_lose_nothing_double_nothing_and_drain_oldest_first(
    tmp_path: Path, database_url: str, crm: LoopbackReceiver, admin: LoopbackReceiver
) -> None:
    sb = outage_bot(tmp_path, database_url, crm.url, admin.url)
    crm.default = DOWN
    events = [person(seq) for seq in range(1, 6)]
    sb.set_events(events)
    sb.bot.runner.poll("src")
    outage_end = sb.clock.now.timestamp() + 600
    while sb.clock.now.timestamp() < outage_end:  # the bot's loop, every 2 simulated seconds
        sb.bot.dispatcher.dispatch_due()
        if int(sb.clock.now.timestamp()) % 60 == 0 and len(events) < 25:  # new leads keep arriving
            events += [person(len(events) + 1), person(len(events) + 2)]
            sb.set_events(events)
            sb.bot.runner.poll("src")
        sb.clock.advance(seconds=2)

    calls_during_outage = len(crm.requests)
    # 5 failures open the circuit; then one probe per cooldown (30s, 60s, 120s, then every 4m).
    assert calls_during_outage <= 12, calls_during_outage
    assert notices(admin) == ["socialleads: sink crm is failing; its deliveries are paused"]
    with sb.bot.engine.connect() as conn:
        assert conn.execute(select(sink_state.c.circuit)).scalar_one() == "open"
        assert conn.execute(select(dead_letters)).all() == []

    # A restart keeps the circuit open and does not tell the admin again.
    sb.bot.close()
    sb = outage_bot(tmp_path, database_url, crm.url, admin.url)
    sb.clock.now = sb.clock.now.fromtimestamp(outage_end, sb.clock.now.tzinfo)

    crm.default = OK
    crm.script(ScriptedResponse(429, b"slow down", {"Retry-After": "20"}))
    for _ in range(400):
        sb.bot.dispatcher.dispatch_due()
        with sb.bot.engine.connect() as conn:
            statuses = {r[0] for r in conn.execute(select(deliveries.c.status))}
        if statuses == {"delivered"}:
            break
        sb.clock.advance(seconds=2)
    else:
        raise AssertionError(f"never drained: {statuses}")

    recovered = crm.requests[calls_during_outage:]
    assert recovered[0].body and len(recovered) >= 2
    delivered = recovered[1:]  # after the one 429
    keys = [r.header("Idempotency-Key") for r in delivered]
    with sb.bot.engine.connect() as conn:
        by_age = [
            r[0]
            for r in conn.execute(
                select(deliveries.c.idempotency_key).order_by(deliveries.c.created_at, deliveries.c.id)
            )
        ]
        lead_count = conn.execute(select(leads.c.id)).all()
    assert len(lead_count) == len(events) == 25
    assert sorted(keys) == sorted(by_age)  # every lead once: none lost, none twice
    assert keys == by_age  # oldest first (the probe that met the 429 was the oldest; it went first again)
    assert recovered[0].header("Idempotency-Key") == by_age[0]
    assert notices(admin) == [
        "socialleads: sink crm is failing; its deliveries are paused",
        "socialleads: sink crm recovered",
    ]
    sb.bot.close()


def test_a_429_pauses_the_sink_for_its_retry_time_without_opening_the_circuit(
    tmp_path: Path, database_url: str, crm: LoopbackReceiver, admin: LoopbackReceiver
) -> None:
    sb = outage_bot(tmp_path, database_url, crm.url, admin.url, concurrency=1)
    crm.script(ScriptedResponse(429, b"", {"Retry-After": "60"}))
    sb.set_events([person(seq) for seq in range(1, 6)])
    sb.bot.runner.poll("src")
    report = sb.bot.dispatcher.dispatch_due()
    assert (report.retried, report.paused, len(crm.requests)) == (1, 4, 1)  # the others wait untried
    sb.clock.advance(seconds=59)
    assert sb.bot.dispatcher.dispatch_due().attempted == 0
    sb.clock.advance(seconds=2)
    assert sb.bot.dispatcher.dispatch_due().delivered == 5
    with sb.bot.engine.connect() as conn:
        attempts = dict(conn.execute(select(deliveries.c.idempotency_key, deliveries.c.attempts)).all())
        assert conn.execute(select(sink_state.c.circuit)).scalar_one() == "closed"
    assert sorted(attempts.values()) == [1, 1, 1, 1, 2]  # the paused ones used none of their retries
    assert notices(admin) == []  # being asked to wait is not an outage
    sb.bot.close()


def test_a_delivery_still_failing_after_the_horizon_is_dead_lettered_and_can_be_replayed(
    tmp_path: Path, database_url: str, crm: LoopbackReceiver, admin: LoopbackReceiver
) -> None:
    sb = outage_bot(
        tmp_path,
        database_url,
        crm.url,
        admin.url,
        retry={"horizon": "1h", "first_delay": "1m", "max_delay": "10m"},
        circuit={"failures": 1000},
    )
    crm.default = DOWN
    sb.set_events([person(1)])
    sb.bot.runner.poll("src")
    started = sb.clock.now
    for _ in range(100):
        sb.bot.dispatcher.dispatch_due()
        with sb.bot.engine.connect() as conn:
            row = conn.execute(select(deliveries)).mappings().one()
        if row["status"] != "pending":
            break
        sb.clock.now = row["next_attempt_at"]
    assert row["status"] == "dead"
    assert sb.clock.now - started >= timedelta(hours=1)
    assert 6 <= row["attempts"] <= 16  # backoff 1m doubling to 10m (equal jitter) over an hour
    from socialleads.store import outbox

    crm.default = OK
    with sb.bot.engine.begin() as conn:
        assert outbox.replay_dead(conn, sb.clock.now) == 1
    assert sb.bot.dispatcher.dispatch_due().delivered == 1
    sb.bot.close()


def test_deliveries_to_a_slow_sink_run_side_by_side_up_to_its_concurrency(
    tmp_path: Path, database_url: str, crm: LoopbackReceiver, admin: LoopbackReceiver
) -> None:
    sb = outage_bot(tmp_path, database_url, crm.url, admin.url, concurrency=4)
    crm.default = ScriptedResponse(200, b"{}", {"Content-Type": "application/json"}, delay=0.25)
    sb.set_events([person(seq) for seq in range(1, 9)])
    sb.bot.runner.poll("src")
    began = time.perf_counter()
    assert sb.bot.dispatcher.dispatch_due().delivered == 8
    elapsed = time.perf_counter() - began
    assert elapsed < 1.2, elapsed  # one at a time would take 8 x 0.25 = 2 s; four at a time 0.5 s
    sb.bot.close()


def test_a_rejected_token_pauses_the_sink_at_once_and_dead_letters_nothing(
    tmp_path: Path, database_url: str, crm: LoopbackReceiver, admin: LoopbackReceiver
) -> None:
    sb = outage_bot(tmp_path, database_url, crm.url, admin.url)
    crm.default = ScriptedResponse(401, b'{"error": "invalid token"}')
    sb.set_events([person(seq) for seq in range(1, 4)])
    sb.bot.runner.poll("src")
    report = sb.bot.dispatcher.dispatch_due()
    assert (report.retried, report.dead, report.paused, len(crm.requests)) == (1, 0, 2, 1)
    [subject] = notices(admin)
    assert subject == "socialleads: sink crm is failing; its deliveries are paused"
    assert "only an admin can fix" in admin.requests[0].json()["body"]
    assert "check the sink's headers and secret" in admin.requests[0].json()["body"]

    crm.default = OK  # the admin fixed the credentials
    sb.clock.advance(seconds=31)
    for _ in range(5):
        sb.bot.dispatcher.dispatch_due()
        sb.clock.advance(seconds=1)
    with sb.bot.engine.connect() as conn:
        assert {r[0] for r in conn.execute(select(deliveries.c.status))} == {"delivered"}
    assert notices(admin)[-1] == "socialleads: sink crm recovered"
    sb.bot.close()


def test_the_hubspot_emulator_down_for_ten_minutes_then_throttling_gets_every_contact_once_oldest_first(
    tmp_path: Path, database_url: str, admin: LoopbackReceiver
) -> None:
    sb_clock = Clock()
    store = HubSpotStore(tokens=[HUBSPOT_TOKEN], portal_id=424242, clock=sb_clock)
    with HubSpotServer(store) as hubspot:
        sinks = {
            "crm": {
                "type": "hubspot",
                "concurrency": 1,
                "config": {"access_token": HUBSPOT_TOKEN, "portal_id": 424242, "base_url": hubspot.url},
            },
            "ops": {"type": "webhook", "config": {"url": f"{admin.url}/hooks/ops"}},
        }
        sb = scripted_bot(
            tmp_path, database_url, sinks=sinks, default_route=["crm"], admin_sinks=["ops"], clock=sb_clock
        )
        store.gate.outage(timedelta(minutes=10))
        events = [person(seq) for seq in range(1, 4)]
        for _ in range(300):  # ten simulated minutes, the bot's loop every 2 s, leads arriving
            if len(events) < 12 and int(sb.clock.now.timestamp()) % 60 == 0:
                events.append(person(len(events) + 1))
            sb.set_events(events)
            sb.bot.runner.poll("src")
            sb.bot.dispatcher.dispatch_due()
            sb.clock.advance(seconds=2)
        assert store.records("contacts") == []
        store.gate.rate_limit(1, retry_after=20)
        for _ in range(200):
            sb.bot.dispatcher.dispatch_due()
            with sb.bot.engine.connect() as conn:
                statuses = {r[0] for r in conn.execute(select(deliveries.c.status))}
            if statuses == {"delivered"}:
                break
            sb.clock.advance(seconds=2)
        else:
            raise AssertionError(f"never drained: {statuses}")
        contacts = sorted(store.records("contacts"), key=lambda c: int(c.id))
        with sb.bot.engine.connect() as conn:
            by_age = [
                r[0]
                for r in conn.execute(
                    select(leads.c.email)
                    .join(deliveries, deliveries.c.lead_id == leads.c.id)
                    .order_by(deliveries.c.created_at, deliveries.c.id)
                )
            ]
        assert len(by_age) == len(events) == 12
        assert [c.properties["email"] for c in contacts] == by_age  # each once, created oldest first
        assert notices(admin) == [
            "socialleads: sink crm is failing; its deliveries are paused",
            "socialleads: sink crm recovered",
        ]
        sb.bot.close()
