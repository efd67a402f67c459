"""Dispatch through the real webhook sink to a real HTTP receiver on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from socialleads.store.tables import dead_letters, deliveries, delivery_attempts
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.bots import ScriptedBot, scripted_bot


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as rx:
        yield rx


def webhook_bot(
    tmp_path: Path, database_url: str, url: str, max_attempts: int = 5, concurrency: int = 4
) -> ScriptedBot:
    sinks = {
        "crm": {
            "type": "webhook",
            "concurrency": concurrency,
            "retry": {"max_attempts": max_attempts, "first_delay": "10s", "max_delay": "10m"},
            "config": {"url": f"{url}/hooks/leads", "secret": "s3cret-signing-key"},
        }
    }
    return scripted_bot(tmp_path, database_url, sinks=sinks, default_route=["crm"])


def person(seq: int, **fields: Any) -> dict[str, Any]:
    return {"seq": seq, "name": f"Person {seq}", "email": f"p{seq}@example.com", **fields}


def delivery_row(sb: ScriptedBot) -> Any:
    with sb.bot.engine.connect() as conn:
        return conn.execute(select(deliveries)).mappings().one()


def drain_until_settled(sb: ScriptedBot, rounds: int = 20) -> None:
    """Dispatch, then jump the clock to the next attempt, until nothing is pending."""
    for _ in range(rounds):
        sb.bot.dispatcher.dispatch_due()
        row = delivery_row(sb)
        if row["status"] != "pending":
            return
        sb.clock.now = max(sb.clock.now, row["next_attempt_at"])
    raise AssertionError("delivery never settled")


def test_a_sink_that_fails_three_times_then_succeeds_delivers_once(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    sb = webhook_bot(tmp_path, database_url, receiver.url)
    receiver.script(ScriptedResponse(500), ScriptedResponse(502), ScriptedResponse(503))
    sb.set_events([person(1)])
    sb.bot.runner.poll("src")
    drain_until_settled(sb)
    row = delivery_row(sb)
    assert (row["status"], row["attempts"]) == ("delivered", 4)
    assert [r.method for r in receiver.requests] == ["POST"] * 4
    keys = {r.header("Idempotency-Key") for r in receiver.requests}
    assert keys == {row["idempotency_key"]}  # every attempt carried the same key
    sb.bot.dispatcher.dispatch_due()
    assert len(receiver.requests) == 4  # nothing more once delivered
    with sb.bot.engine.connect() as conn:
        outcomes = [
            r[0] for r in conn.execute(select(delivery_attempts.c.outcome).order_by(delivery_attempts.c.id))
        ]
    assert outcomes == ["retry", "retry", "retry", "delivered"]
    sb.bot.close()


def test_retries_wait_for_the_backoff_and_do_not_call_early(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    sb = webhook_bot(tmp_path, database_url, receiver.url)
    receiver.script(ScriptedResponse(503))
    sb.set_events([person(1)])
    sb.bot.runner.poll("src")
    sb.bot.dispatcher.dispatch_due()
    wait = (delivery_row(sb)["next_attempt_at"] - sb.clock.now).total_seconds()
    assert 5 <= wait <= 10  # first_delay 10s with equal jitter
    sb.bot.dispatcher.dispatch_due()
    assert len(receiver.requests) == 1
    sb.bot.close()


def test_a_retry_after_header_is_honoured(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    sb = webhook_bot(tmp_path, database_url, receiver.url)
    receiver.script(ScriptedResponse(429, headers={"Retry-After": "120"}))
    sb.set_events([person(1)])
    sb.bot.runner.poll("src")
    sb.bot.dispatcher.dispatch_due()
    assert (delivery_row(sb)["next_attempt_at"] - sb.clock.now).total_seconds() == 120
    sb.bot.close()


def test_a_sink_that_always_fails_is_dead_lettered_and_replay_delivers_it_once_it_is_back(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    sb = webhook_bot(tmp_path, database_url, receiver.url, max_attempts=3)
    receiver.default = ScriptedResponse(500, b"down for maintenance")
    sb.set_events([person(1)])
    sb.bot.runner.poll("src")
    drain_until_settled(sb)
    row = delivery_row(sb)
    assert (row["status"], row["attempts"]) == ("dead", 3)
    with sb.bot.engine.connect() as conn:
        letter = conn.execute(select(dead_letters)).mappings().one()
    assert letter["kind"] == "delivery" and letter["origin"] == "crm"
    assert letter["reason"].startswith("gave up after 3 attempts: ")
    assert '"email": "p1@example.com"' in letter["payload"]  # the lead as it was to be sent

    receiver.default = ScriptedResponse(200, b'{"id": "crm-77"}', {"Content-Type": "application/json"})
    from socialleads.store import outbox

    with sb.bot.engine.begin() as conn:
        assert outbox.replay_dead(conn, sb.clock.now) == 1
    sb.bot.dispatcher.dispatch_due()
    row = delivery_row(sb)
    assert (row["status"], row["external_id"]) == ("delivered", "crm-77")
    successes = [r for r in receiver.requests if r.path == "/hooks/leads"]
    assert len(successes) == 4  # 3 failed attempts and the one delivery after replay
    sb.bot.dispatcher.dispatch_due()
    assert len(receiver.requests) == 4
    with sb.bot.engine.connect() as conn:
        assert conn.execute(select(dead_letters.c.replayed_at)).scalar_one() is not None
    sb.bot.close()


def test_a_rejected_lead_is_dead_lettered_at_once_without_retries(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    sb = webhook_bot(tmp_path, database_url, receiver.url)
    receiver.default = ScriptedResponse(422, b'{"error": "email is required"}')
    sb.set_events([person(1)])
    sb.bot.runner.poll("src")
    sb.bot.dispatcher.dispatch_due()
    row = delivery_row(sb)
    assert (row["status"], row["attempts"]) == ("dead", 1)
    assert "422" in row["last_error"]
    sb.bot.close()


def test_a_claim_left_by_a_crashed_worker_is_taken_again_after_its_lease(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver
) -> None:
    sb = webhook_bot(tmp_path, database_url, receiver.url)
    sb.set_events([person(1)])
    sb.bot.runner.poll("src")
    from socialleads.store import outbox

    # A worker claims it, then stops answering without an outcome (one this bot cannot tell is dead:
    # this very process; a dead one on this host is taken back at once, test_delivery_leases.py).
    with sb.bot.engine.begin() as conn:
        assert len(outbox.claim_due(conn, ["crm"], sb.clock.now, sb.bot.settings.dispatch.lease, 10)) == 1
    assert sb.bot.dispatcher.dispatch_due().attempted == 0
    sb.clock.advance(seconds=31)  # leases last 30 s unless their holder renews them
    assert sb.bot.dispatcher.dispatch_due().delivered == 1
    assert len(receiver.requests) == 1
    sb.bot.close()


def test_deliveries_go_oldest_first(tmp_path: Path, database_url: str, receiver: LoopbackReceiver) -> None:
    # Deliveries start oldest first; with concurrency 1 they also arrive in that order.
    sb = webhook_bot(tmp_path, database_url, receiver.url, concurrency=1)
    for seq in (1, 2, 3):
        sb.set_events([person(n) for n in range(1, seq + 1)])
        sb.bot.runner.poll("src")
        sb.clock.advance(seconds=1)
    sb.bot.dispatcher.dispatch_due()
    assert [r.json()["lead"]["contact"]["email"] for r in receiver.requests] == [
        "p1@example.com",
        "p2@example.com",
        "p3@example.com",
    ]
    with sb.bot.engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(deliveries).where(deliveries.c.status == "delivered")
            ).scalar_one()
            == 3
        )
    sb.bot.close()
