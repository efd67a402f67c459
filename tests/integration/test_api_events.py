"""``GET /api/v1/events``: live events over a real SSE connection (uvicorn on loopback), a poll and a
dispatch of the real pipeline behind them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from socialleads.api.events import bus_of, publish_lead_updated
from socialleads.settings import ApiSettings
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.api import ANY_PORT, ApiServer, Caller, serving_api
from tests.support.bots import ScriptedBot, scripted_bot

STREAM = {"Accept": "text/event-stream"}


@dataclass(frozen=True)
class Item:
    """An SSE event (``kind`` the event name) or a comment (``kind`` ``:``), and when it arrived."""

    kind: str
    data: Any
    at: float
    id: str | None = None


class EventReader:
    """Reads one caller's event stream in a thread and parses it as an ``EventSource`` would.

    The stream ends when the server stops (the test's ``serving`` does that on its way out).
    """

    def __init__(self, caller: Caller) -> None:
        self.items: list[Item] = []
        self.ended = threading.Event()
        self._seen = 0
        self._changed = threading.Condition()
        self._response = caller.get("/api/v1/events", headers=STREAM, stream=True)
        assert self._response.status_code == 200, self._response.text
        assert self._response.headers["content-type"].startswith("text/event-stream")
        self._thread = threading.Thread(target=self._read, name="sse-reader", daemon=True)
        self._thread.start()
        self.expect(":")  # subscribed: what is published from now on reaches this stream

    def _add(self, item: Item) -> None:
        with self._changed:
            self.items.append(item)
            self._changed.notify_all()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            for line in self._response.iter_lines(decode_unicode=True):
                if line.startswith(":"):
                    self._add(Item(":", line[1:].strip(), time.monotonic()))
                elif line:
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
                elif "event" in fields:
                    data = json.loads(fields["data"])
                    self._add(Item(fields["event"], data, time.monotonic(), fields.get("id")))
                    fields = {}
        except requests.RequestException:
            pass  # the connection was cut: ``ended`` tells
        finally:
            self.ended.set()
            with self._changed:
                self._changed.notify_all()

    def expect(self, kind: str, timeout: float = 5.0) -> Item:
        """The next item of ``kind`` after the last one expected; raises ``AssertionError`` on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(self._seen, len(self.items)):
                    if self.items[index].kind == kind:
                        self._seen = index + 1
                        return self.items[index]
                left = deadline - time.monotonic()
                if left <= 0 or self.ended.is_set():
                    raise AssertionError(f"no {kind} within {timeout}s; got {self.items[self._seen :]}")
                self._changed.wait(left)

    def kinds(self) -> list[str]:
        """Every event's kind so far, comments left out."""
        with self._changed:
            return [item.kind for item in self.items if item.kind != ":"]


@dataclass
class Served:
    sb: ScriptedBot
    api: ApiServer
    receiver: LoopbackReceiver


@contextmanager
def serving(tmp_path: Path, database_url: str, **settings: Any) -> Iterator[Served]:
    """A bot with a webhook sink on loopback, serving its API; stopped (server, bot) on the way out."""
    with LoopbackReceiver() as receiver:
        sinks = {"crm": {"type": "webhook", "concurrency": 1, "config": {"url": f"{receiver.url}/hooks"}}}
        sb = scripted_bot(
            tmp_path, database_url, sinks=sinks, default_route=["crm"], web=ANY_PORT, **settings
        )
        try:
            with serving_api(sb.bot) as api:
                yield Served(sb, api, receiver)
        finally:
            sb.bot.close()


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    with serving(tmp_path, database_url) as running:
        yield running


def person(seq: int, **extra: Any) -> dict[str, Any]:
    return {"seq": seq, "name": "Jon Jonsson", "email": f"p{seq}@example.com", **extra}


def test_a_stored_lead_is_seen_within_a_second_and_its_delivery_once_done(served: Served) -> None:
    sb = served.sb
    reader = EventReader(served.api.person("ada@example.com", "admin"))
    sb.set_events([person(1)])
    started = time.monotonic()
    sb.bot.runner.poll("src")
    stored = reader.expect("lead.stored")
    assert stored.at - started < 1.0
    assert stored.data == {"lead_id": 1, "campaign": None, "grade": "C", "new": True}
    sb.bot.dispatcher.dispatch_due()
    done = reader.expect("delivery.done")
    assert done.data == {"delivery_id": 1, "lead_id": 1, "sink": "crm", "status": "delivered"}
    # A new touch on the same person is a lead stored again; a refused delivery is done, dead.
    served.receiver.script(ScriptedResponse(400))
    sb.set_events([person(1), person(2, name="Jon J", email="p1@example.com")])
    sb.bot.runner.poll("src")
    assert reader.expect("lead.stored").data == {"lead_id": 1, "campaign": None, "grade": "C", "new": False}
    sb.bot.dispatcher.dispatch_due()
    assert reader.expect("delivery.done").data["status"] == "dead"
    ids = [int(item.id) for item in reader.items if item.id is not None]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    # Ids and names of things only: never a person's name or address.
    text = json.dumps([item.data for item in reader.items])
    assert "Jonsson" not in text and "example.com" not in text


def test_lead_updates_and_source_health_reach_those_who_may_see_them(served: Served) -> None:
    sb = served.sb
    admin = EventReader(served.api.person("ada@example.com", "admin"))
    sales = EventReader(served.api.person("sam@example.com", "sales"))
    sb.set_events([person(1)])
    sb.bot.runner.poll("src")  # the source's health goes from unknown to ok
    assert admin.expect("source.health").data == {
        "source": "src",
        "health": "ok",
        "summary": "last poll ok: 1 new events",
    }
    sb.set_events([], error="auth")
    sb.bot.runner.check("src")
    assert admin.expect("source.health").data["health"] == "needs_reauth"
    publish_lead_updated(sb.bot, 1, ["status", "notes"])
    for reader in (admin, sales):
        assert reader.expect("lead.updated").data == {"lead_id": 1, "changed": ["notes", "status"]}
    assert sales.kinds() == ["lead.stored", "lead.updated"]  # sources are not a salesperson's to see


def test_a_salesperson_who_sees_only_their_team_gets_lead_ids_only(tmp_path: Path, database_url: str) -> None:
    with serving(tmp_path, database_url, api=ApiSettings(sales_see="team")) as running:
        sales = EventReader(running.api.person("sam@example.com", "sales", team="north"))
        manager = EventReader(running.api.person("max@example.com", "manager"))
        running.sb.set_events([person(1)])
        running.sb.bot.runner.poll("src")
        running.sb.bot.dispatcher.dispatch_due()
        assert sales.expect("lead.stored").data == {"lead_id": 1}
        assert sales.expect("delivery.done").data == {"lead_id": 1}
        assert manager.expect("delivery.done").data["sink"] == "crm"


def test_a_slow_stream_is_told_what_it_lost_and_an_idle_one_hears_heartbeats(served: Served) -> None:
    sb = served.sb
    sb.set_events([person(1)])
    sb.bot.runner.poll("src")  # the source is healthy from now on: no health event below
    bus = bus_of(sb.bot)
    bus.queue_size, bus.heartbeat_s = 2, 0.3
    reader = EventReader(served.api.person("ada@example.com", "admin"))
    sb.set_events([person(n) for n in range(1, 7)])
    sb.bot.runner.poll("src")  # five new leads in one chunk: one publish, three more than fit
    assert reader.expect("dropped").data == {"count": 3}
    assert [reader.expect("lead.stored").data["lead_id"] for _ in range(2)] == [5, 6]
    heartbeat = reader.expect(":", timeout=2)
    assert heartbeat.data == "heartbeat"


def test_the_stream_is_for_readers_of_leads_who_ask_for_a_stream(served: Served) -> None:
    api = served.api
    assert api.anonymous().get("/api/v1/events", headers=STREAM).status_code == 401
    plain = api.person("ada@example.com", "admin").get("/api/v1/events")
    assert plain.status_code == 406 and plain.headers["content-type"].startswith("application/problem+json")


def test_the_stream_ends_when_the_bus_closes(served: Served) -> None:
    reader = EventReader(served.api.person("ada@example.com", "admin"))
    bus_of(served.sb.bot).close()
    assert reader.ended.wait(2)
    answer = served.api.person("max@example.com", "manager").get("/api/v1/events", headers=STREAM)
    assert answer.status_code == 503


def test_the_server_stops_promptly_with_a_client_connected(tmp_path: Path, database_url: str) -> None:
    with serving(tmp_path, database_url) as running:
        reader = EventReader(running.api.person("ada@example.com", "admin"))
        assert not reader.ended.wait(0.5)  # connected, and nothing ends it on its own
        stopping = time.monotonic()
    # Leaving ``serving`` told uvicorn to exit and waited for its thread; an endless stream would
    # have held it for the 10 s ``serving_api`` allows.
    assert time.monotonic() - stopping < 3.0
    assert reader.ended.wait(1)
