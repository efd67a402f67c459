"""``/api/v1/deliveries``: listing, filtering and paging the outbox, and replaying dead deliveries,
over real HTTP against a webhook sink on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import scheduler
from socialleads.settings import DispatchSettings
from socialleads.store.tables import dead_letters, deliveries
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.api import ANY_PORT, ApiServer, Caller, serving_api
from tests.support.bots import ScriptedBot, scripted_bot

SECRET = "hook-signing-secret-4411"


@dataclass
class Outbox:
    """A bot whose ``crm`` webhook sink refused the first two of three leads for good (HTTP 400)."""

    sb: ScriptedBot
    api: ApiServer
    receiver: LoopbackReceiver
    admin: Caller


@pytest.fixture
def outbox(tmp_path: Path, database_url: str) -> Iterator[Outbox]:
    with LoopbackReceiver() as receiver:
        sinks = {
            "crm": {
                "type": "webhook",
                "concurrency": 1,
                "config": {"url": f"{receiver.url}/hooks/leads", "secret": SECRET},
            }
        }
        # A dispatch loop that looks only hourly: a replay delivered at once was woken, not polled.
        sb = scripted_bot(
            tmp_path,
            database_url,
            sinks=sinks,
            default_route=["crm"],
            web=ANY_PORT,
            dispatch=DispatchSettings(every=timedelta(hours=1)),
        )
        try:
            receiver.script(ScriptedResponse(400, b"bad"), ScriptedResponse(400, b"bad"))
            sb.set_events(
                [{"seq": n, "name": f"Person {n}", "email": f"p{n}@example.com"} for n in (1, 2, 3)]
            )
            sb.bot.runner.poll("src")
            sb.clock.advance(minutes=5)
            report = sb.bot.dispatcher.dispatch_due()
            assert (report.dead, report.delivered) == (2, 1)
            with serving_api(sb.bot) as api:
                yield Outbox(sb, api, receiver, api.person("ada@example.com", "admin"))
        finally:
            sb.bot.close()


def _ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


def _key_of(bot: Any, delivery_id: int) -> str:
    with bot.engine.connect() as conn:
        key: str = conn.execute(
            select(deliveries.c.idempotency_key).where(deliveries.c.id == delivery_id)
        ).scalar_one()
    return key


def test_deliveries_are_listed_newest_first_with_their_outcome(outbox: Outbox) -> None:
    answer = outbox.admin.get("/api/v1/deliveries")
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert _ids(page) == [3, 2, 1] and page["next_cursor"] is None
    newest, _, oldest = page["items"]
    assert (newest["lead_id"], newest["sink"], newest["route"], newest["status"]) == (
        3,
        "crm",
        "default",
        "delivered",
    )
    assert newest["delivered_at"] == "2026-11-27T12:05:00Z" and newest["last_error"] is None
    lead = outbox.admin.get(f"/api/v1/leads/{newest['lead_key']}").json()  # the lead page's link
    assert lead["number"] == newest["lead_id"]
    assert (oldest["status"], oldest["attempts"], oldest["next_attempt_at"]) == ("dead", 1, None)
    assert "400" in oldest["last_error"]
    assert SECRET not in answer.text


def test_filters_and_cursor_pages(outbox: Outbox) -> None:
    admin = outbox.admin
    assert _ids(admin.get("/api/v1/deliveries", params={"status": "dead"}).json()) == [2, 1]
    assert _ids(admin.get("/api/v1/deliveries", params={"status": "delivered", "sink": "crm"}).json()) == [3]
    assert _ids(admin.get("/api/v1/deliveries", params={"sink": "elsewhere"}).json()) == []
    assert _ids(admin.get("/api/v1/deliveries", params={"lead": 2}).json()) == [2]
    # Changed at or after: every delivery changed at 12:05 (the dispatch), none after.
    assert _ids(admin.get("/api/v1/deliveries", params={"since": "2026-11-27T12:05:00Z"}).json()) == [3, 2, 1]
    assert _ids(admin.get("/api/v1/deliveries", params={"since": "2026-11-27T12:05:01Z"}).json()) == []
    first = admin.get("/api/v1/deliveries", params={"limit": 2}).json()
    assert _ids(first) == [3, 2] and first["next_cursor"]
    second = admin.get("/api/v1/deliveries", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert _ids(second) == [1] and second["next_cursor"] is None
    refused = admin.get("/api/v1/deliveries", params={"cursor": "not-a-cursor"})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert admin.get("/api/v1/deliveries", params={"since": "2026-11-27T12:05:00"}).status_code == 422


def test_replaying_dead_deliveries_wakes_the_dispatcher_and_they_are_delivered(outbox: Outbox) -> None:
    bot, admin = outbox.sb.bot, outbox.admin
    stop = threading.Event()
    sched, waker = scheduler.build_scheduler(bot, stop)
    woken = threading.Event()

    def wake() -> None:  # the dispatch loop's own wake, observed
        woken.set()
        waker.wake()

    bot.runner.on_deliveries_due = wake
    sched.start()
    try:
        answer = admin.post("/api/v1/deliveries/replay", json={"ids": [1, 3]})  # 3 is delivered: not replayed
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"requeued": 1}
        assert woken.is_set()  # the answer came after the wake
        [*_, replayed] = outbox.receiver.wait_for(4, timeout=10)
        assert replayed.json()["idempotency_key"] == _key_of(bot, 1)
        answer = admin.post("/api/v1/deliveries/replay", json={"filter": {"sink": "crm", "status": "dead"}})
        assert answer.json() == {"requeued": 1}
        outbox.receiver.wait_for(5, timeout=10)
    finally:
        stop.set()
        waker.release()
        sched.shutdown(wait=True)
    with bot.engine.connect() as conn:
        statuses = dict(conn.execute(select(deliveries.c.id, deliveries.c.status)).all())
        replayed_at = (
            conn.execute(select(dead_letters.c.replayed_at).order_by(dead_letters.c.id)).scalars().all()
        )
    assert statuses == {1: "delivered", 2: "delivered", 3: "delivered"}
    assert all(at is not None for at in replayed_at) and len(replayed_at) == 2
    entries = admin.get("/api/v1/audit", params={"actor": "ada@example.com"}).json()
    assert [(e["action"], e["target"]) for e in entries] == [
        ("delivery.replay", "sink:crm"),
        ("delivery.replay", "deliveries"),
    ]
    assert entries[1]["before"] == {"status": "dead", "ids": [1, 3], "sink": None}
    assert entries[1]["after"] == {"status": "pending", "requeued": 1}


def test_a_replay_must_say_which(outbox: Outbox) -> None:
    admin = outbox.admin
    bodies: list[dict[str, Any]] = [
        {},
        {"ids": []},
        {"ids": [1], "filter": {"sink": "crm"}},
        {"filter": {"status": "pending"}},
    ]
    for body in bodies:
        answer = admin.post("/api/v1/deliveries/replay", json=body)
        assert answer.status_code == 422, body
    assert admin.get("/api/v1/audit").json() == []  # nothing was done, nothing audited


def test_only_admins_see_or_replay_deliveries(outbox: Outbox) -> None:
    api = outbox.api
    for role in ("sales", "manager"):
        caller = api.person(f"{role}@example.com", role)
        assert caller.get("/api/v1/deliveries").status_code == 403
        assert caller.post("/api/v1/deliveries/replay", json={"ids": [1]}).status_code == 403
    stranger = api.anonymous()
    assert stranger.get("/api/v1/deliveries").status_code == 401
    assert stranger.post("/api/v1/deliveries/replay", json={"ids": [1]}).status_code == 401
    with outbox.sb.bot.engine.connect() as conn:
        assert conn.execute(select(deliveries.c.status).where(deliveries.c.id == 1)).scalar() == "dead"
