"""A webhook lead goes from the store to the sink without a claim of its own, and is never lost or doubled.

The running bot (scheduler, dispatcher, web server) receives signed leadgen deliveries from a test
that plays Meta, fetches the leads from the sandbox with facebook-sdk, and POSTs them to a webhook
sink on loopback. The runner claims a webhook lead's new deliveries in the transaction that stores
it and hands them to the dispatcher with the lead (Runner._store, DispatchWaker.hand_over).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

import scheduler
from socialleads.bot import Bot, build_bot
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import Rates, World
from socialleads.settings import DispatchSettings, Settings, WebSettings
from socialleads.store.tables import deliveries
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.configs import write_config
from tests.support.meta_leads import main_page_source


@dataclass
class Running:
    world: World
    bot: Bot
    sink: LoopbackReceiver
    url: str
    seen_before: int = 0
    """Sink requests that came before the test's own (the first poll's leads)."""

    def post(self, *leads: tuple[str, str, str]) -> requests.Response:
        """One delivery announcing ``leads`` (page, form, leadgen id), signed as Meta signs."""
        changes = [
            {"field": "leadgen", "value": {"leadgen_id": i, "page_id": p, "form_id": f, "created_time": 1}}
            for p, f, i in leads
        ]
        body = json.dumps({"object": "page", "entry": [{"id": leads[0][0], "time": 1, "changes": changes}]})
        secret = self.world.tokens.app_secret.encode()
        signature = "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
        headers = {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}
        return requests.post(self.url, data=body, headers=headers, timeout=10)

    def posts(self) -> list[dict[str, object]]:
        """The lead documents POSTed to the sink since ``seen_before``, repeats included."""
        return [r.json() for r in self.sink.requests[self.seen_before :] if r.path == "/leads"]

    def received(self) -> set[str]:
        """Meta lead ids in the touches of the leads POSTed since ``seen_before``.

        A person who fills a form twice is one lead with two touches, sent again as an update.
        """
        return {t["native_id"] for p in self.posts() for t in p["lead"]["touches"]}  # type: ignore[index]

    def wait_for(self, wanted: set[str], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not wanted <= self.received():
            assert time.monotonic() < deadline, f"not delivered: {sorted(wanted - self.received())}"
            time.sleep(0.02)

    def sent_twice(self) -> list[tuple[object, object]]:
        """(idempotency key, revision) pairs POSTed more than once: the same delivery sent again."""
        pairs = [(p["idempotency_key"], p["revision"]) for p in self.posts()]
        return sorted({pair for pair in pairs if pairs.count(pair) > 1}, key=str)

    def delivery_rows(self) -> list[tuple[str, int, object]]:
        with self.bot.engine.connect() as conn:
            rows = conn.execute(select(deliveries.c.status, deliveries.c.attempts, deliveries.c.lease_until))
            return [(r.status, r.attempts, r.lease_until) for r in rows]


@pytest.fixture
def running(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    world = World(
        seed=31,
        start=datetime.now(UTC).replace(microsecond=0),  # the bot runs on the real clock here
        history=timedelta(minutes=5),
        population=5000,  # no one comes twice: each lead is one delivery
        rates=Rates(
            leads=4, fb_comments=0, ig_comments=0, x_posts=0, fb_posts_per_hour=0, ig_media_per_hour=0
        ),
    )
    source = main_page_source(world, monkeypatch.setenv, first_window="1h")
    with SandboxServer(world, Chaos()) as sandbox, LoopbackReceiver() as sink:
        config = write_config(
            tmp_path / "config",
            sources={"leads": source},
            # A failed delivery comes back within a second, not the default five.
            sinks={
                "crm": {
                    "type": "webhook",
                    "retry": {"first_delay": "0.2s"},
                    "config": {"url": f"{sink.url}/leads"},
                }
            },
            default_route=["crm"],
        )
        bot = build_bot(
            Settings(
                database_url=database_url,
                config_dir=config,
                sandbox_url=sandbox.url,
                web=WebSettings(port=0),
                dispatch=DispatchSettings(every=timedelta(seconds=0.2)),
            )
        )
        stop = threading.Event()
        jobs, waker = scheduler.build_scheduler(bot, stop)
        web = scheduler.start_web(bot)
        assert web is not None
        port = web[0].servers[0].sockets[0].getsockname()[1]
        jobs.start()
        try:
            yield Running(world, bot, sink, f"http://127.0.0.1:{port}/webhooks/meta")
        finally:
            stop.set()
            waker.release()
            jobs.shutdown(wait=True)
            web[0].should_exit = True
            web[1].join(10)
            bot.close()


def _main_page_leads(world: World) -> list[tuple[str, str, str]]:
    return [
        (lead.page_id, lead.form_id, lead.id) for lead in world.leads if lead.page_id == fixtures.MAIN_PAGE
    ]


def _wait_for_first_poll(running: Running) -> None:
    """The scheduler polls at start; its leads (the world's history) are delivered like any other."""
    history = {i for _, _, i in _main_page_leads(running.world)}
    running.wait_for(history)
    running.seen_before = len(running.sink.requests)


def test_webhook_leads_and_a_burst_of_them_reach_the_sink_once_each(running: Running) -> None:
    _wait_for_first_poll(running)
    made = running.world.advance(running.world.now + timedelta(minutes=5))
    fresh = [(lead.page_id, lead.form_id, lead.id) for lead in made if lead.page_id == fixtures.MAIN_PAGE]
    assert len(fresh) >= 4
    single, burst = fresh[0], fresh[1:4]
    assert running.post(single).json()["jobs"] == 1
    assert running.post(*burst).json()["jobs"] == 1  # one job fetches the burst and stores it as one chunk
    wanted = {i for _, _, i in [single, *burst]}
    running.wait_for(wanted)
    time.sleep(0.5)  # a second delivery would have come by now (the dispatcher looks every 0.2 s)
    assert running.sent_twice() == [], "no lead revision is delivered twice"
    rows = running.delivery_rows()
    assert rows and all(status == "delivered" and lease is None for status, _, lease in rows)
    assert all(attempts == 1 for _, attempts, _ in rows), "each delivered at the first try"


def test_a_handed_over_delivery_that_fails_is_retried_and_delivered_once(running: Running) -> None:
    _wait_for_first_poll(running)
    made = running.world.advance(running.world.now + timedelta(minutes=5))
    lead = next((x.page_id, x.form_id, x.id) for x in made if x.page_id == fixtures.MAIN_PAGE)
    running.sink.script(ScriptedResponse(500))  # the CRM fails once, then accepts
    assert running.post(lead).json()["jobs"] == 1
    running.sink.wait_for(running.seen_before + 2, timeout=20)
    time.sleep(0.5)  # a third POST would have come by now
    posts = running.posts()
    assert [{t["native_id"] for t in p["lead"]["touches"]} >= {lead[2]} for p in posts] == [True, True]  # type: ignore[index]
    assert len({(p["idempotency_key"], p["revision"]) for p in posts}) == 1, "the retry is the same delivery"
    rows = running.delivery_rows()
    assert rows.count(("delivered", 2, None)) == 1, rows
    assert all(row in (("delivered", 1, None), ("delivered", 2, None)) for row in rows), rows
