"""The same delivery or event stored by several writers at once is stored once; the others are repeats.

Meta retries a webhook it thinks failed (for 36 hours), sometimes while the first attempt is still
being answered, and a poll's lookback re-reads what a webhook brings at the same moment. Every
writer must end well: one row kept, the other arrivals counted on it, one lead, one outbox row per
sink, and every delivery answered 200.

On PostgreSQL, ``raw_events`` is held locked (SHARE: reads pass, inserts wait) until every writer
has looked for the row, not found it, and queued to insert it: the race happens every run, not by
luck. SQLite's writers queue on its write lock (``BEGIN IMMEDIATE``) and cannot race this way; the
same tests check they end the same.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from sqlalchemy import Engine, func, select, text

from socialleads.bot import Bot, build_bot
from socialleads.models import EventKind, RawEvent, ReceivedVia
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import Rates, World
from socialleads.settings import Settings, WebSettings
from socialleads.store.state import PollCounts
from socialleads.store.tables import deliveries, leads, raw_events
from tests.support.bots import ScriptedBot, scripted_bot
from tests.support.configs import write_config
from tests.support.meta_leads import START, main_page_source, serving_webhooks

T = TypeVar("T")
WRITERS = 6
SINKS = {"sales": {"type": "console"}, "crm": {"type": "console", "config": {"stream": "stderr"}}}


@contextmanager
def inserts_held(engine: Engine, writers: int) -> Iterator[None]:
    """On PostgreSQL, hold inserts into ``raw_events`` until ``writers`` transactions wait to insert."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as gate, engine.connect() as observer:
        gate.execute(text("LOCK TABLE raw_events IN SHARE MODE"))
        yield
        waiting = text(
            "SELECT count(*) FROM pg_locks WHERE relation = 'raw_events'::regclass AND NOT granted"
        )
        deadline = time.monotonic() + 20
        while observer.execute(waiting).scalar_one() < writers:
            assert time.monotonic() < deadline, "the writers never queued to insert"
            observer.rollback()
            time.sleep(0.01)
        gate.commit()


def at_once(engine: Engine, calls: list[Callable[[], T]]) -> list[T]:
    """Run ``calls`` in threads released together; each one's result (or the exception it raised)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - the test reports it
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    with inserts_held(engine, len(calls)):
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join(60)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, failures
    return results


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def outbox_rows_per_sink(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.sink, func.count()).group_by(deliveries.c.sink)).all()
    return {sink: n for sink, n in rows}


# --- identical webhook deliveries over HTTP -----------------------------------------------------


@dataclass
class Served:
    world: World
    bot: Bot
    url: str

    def signed(self, body: bytes) -> dict[str, str]:
        secret = self.world.tokens.app_secret.encode()
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        return {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}


@pytest.fixture
def served(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    world = World(
        seed=25,
        start=START,
        history=timedelta(hours=2),
        population=100,
        rates=Rates(
            leads=1.0, fb_comments=0, ig_comments=0, x_posts=0, fb_posts_per_hour=0, ig_media_per_hour=0
        ),
    )
    source = main_page_source(world, monkeypatch.setenv, first_window="1d")
    with SandboxServer(world, Chaos()) as sandbox:
        config = write_config(
            tmp_path / "config", sources={"leads": source}, sinks=SINKS, default_route=list(SINKS)
        )
        bot = build_bot(
            Settings(
                database_url=database_url, config_dir=config, sandbox_url=sandbox.url, web=WebSettings(port=0)
            ),
            clock=lambda: world.now,
        )
        try:
            with serving_webhooks(bot) as url:
                yield Served(world, bot, url)
        finally:
            bot.close()


def test_identical_webhook_deliveries_at_once_are_one_delivery_answered_200_each(served: Served) -> None:
    lead = next(x for x in served.world.leads if x.page_id == fixtures.MAIN_PAGE)
    change = {"leadgen_id": lead.id, "page_id": lead.page_id, "form_id": lead.form_id, "created_time": 1}
    document = {"object": "page", "entry": [{"id": lead.page_id, "time": 1, "changes": [
        {"field": "leadgen", "value": change}
    ]}]}  # fmt: skip
    body = json.dumps(document).encode()
    headers = served.signed(body)

    def post() -> requests.Response:
        return requests.post(served.url, data=body, headers=headers, timeout=30)

    answers = at_once(served.bot.engine, [post] * WRITERS)

    assert [a.status_code for a in answers] == [200] * WRITERS, [a.text for a in answers]
    assert sorted(a.json()["repeat"] for a in answers) == [False] + [True] * (WRITERS - 1)
    served.bot.background.shutdown(wait=True)  # the one delivery's job: fetch the lead, store it
    engine = served.bot.engine
    with engine.connect() as conn:
        kept = conn.execute(
            select(raw_events.c.source, raw_events.c.arrivals, raw_events.c.via_webhook).order_by(
                raw_events.c.source
            )
        ).all()
    assert [tuple(row) for row in kept] == [("leads", 1, True), ("webhook:meta", WRITERS, True)]
    assert count(engine, leads) == 1
    assert outbox_rows_per_sink(engine) == {"sales": 1, "crm": 1}


# --- one event stored by a poll and by webhooks at the same moment ------------------------------


@pytest.fixture
def sb(tmp_path: Path, database_url: str) -> Iterator[ScriptedBot]:
    bot = scripted_bot(tmp_path, database_url, sinks=SINKS, default_route=list(SINKS))
    yield bot
    bot.bot.close()


PERSON = {"seq": 1, "name": "Anna Jónsdóttir", "email": "anna@nordichus.is", "phone": "+354 611 2345"}


def as_webhook_brings_it() -> RawEvent:
    """The event the scripted source's poll yields for ``PERSON``, as a webhook job would hand it over."""
    return RawEvent(
        native_id="e1",
        kind=EventKind.LEAD_FORM,
        occurred_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=1),
        payload=PERSON,
    )


def test_an_event_a_poll_and_webhooks_store_at_once_is_stored_once_and_counted_by_both_paths(
    sb: ScriptedBot,
) -> None:
    sb.set_events([PERSON])
    runner = sb.bot.runner

    def poll() -> PollCounts:
        outcome = runner.poll("src")
        assert outcome.status == "ok", outcome.message
        return outcome.counts

    def webhook() -> PollCounts:
        return runner.ingest("src", [as_webhook_brings_it()], ReceivedVia.WEBHOOK)

    counts = at_once(sb.bot.engine, [poll] + [webhook] * (WRITERS - 1))

    assert sum(c.events_seen for c in counts) == WRITERS
    assert sum(c.events_new for c in counts) == 1
    assert sum(c.leads_created for c in counts) == 1
    assert sum(c.leads_merged for c in counts) == 0
    engine = sb.bot.engine
    with engine.connect() as conn:
        stored = conn.execute(
            select(
                raw_events.c.native_id, raw_events.c.arrivals, raw_events.c.via_poll, raw_events.c.via_webhook
            )
        ).all()
    assert [tuple(row) for row in stored] == [("e1", WRITERS, True, True)]
    assert count(engine, leads) == 1
    assert outbox_rows_per_sink(engine) == {"sales": 1, "crm": 1}


def test_one_person_arriving_by_a_poll_and_a_webhook_at_once_is_one_lead_with_both_touches(
    sb: ScriptedBot,
) -> None:
    """Two events of one person (a form filled twice), each stored by its own writer at the same
    moment: whichever stores its identity second merges into the lead the first one made."""
    sb.set_events([PERSON])
    again = as_webhook_brings_it().model_copy(update={"native_id": "e2", "payload": {**PERSON, "seq": 2}})
    runner = sb.bot.runner

    def poll() -> PollCounts:
        outcome = runner.poll("src")
        assert outcome.status == "ok", outcome.message
        return outcome.counts

    counts = at_once(sb.bot.engine, [poll, lambda: runner.ingest("src", [again], ReceivedVia.WEBHOOK)])

    assert [(c.events_new, c.leads_created + c.leads_merged) for c in counts] == [(1, 1), (1, 1)]
    assert sum(c.leads_created for c in counts) == 1
    engine = sb.bot.engine
    with engine.connect() as conn:
        assert conn.execute(select(leads.c.touch_count)).scalars().all() == [2]
    assert outbox_rows_per_sink(engine) == {"sales": 1, "crm": 1}
