"""``GET /api/v1/stats`` on a fixture with known timings, over real HTTP, on SQLite and PostgreSQL.

Two scripted sources feed one webhook sink on loopback, on a hand-moved clock:

- ``forms``: lead A on 1 October (outside the default window); B, C, D on 25 November at 10:00:00,
  10:00:20 and 10:00:25 (D an imported row), all delivered at 10:00:30: speed 30, 10 and 5 s.
- ``ads``: E and F on 26 November at 09:00; at 09:01 the sink answers E with 500 (retried) and F
  with 400 (dead); E is delivered at 09:05 (speed 300 s); G arrives at 23:59:59 and waits.
- C is marked won and E contacted. "Now" is 27 November 12:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from socialleads.bot import Bot, build_bot
from socialleads.settings import Settings
from socialleads.store.tables import leads
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.api import ANY_PORT, ApiServer, Caller, serving_api
from tests.support.bots import Clock
from tests.support.configs import write_config
from tests.support.scripted_source import registry_with_scripted, write_script


@dataclass
class Fixture:
    bot: Bot
    api: ApiServer
    manager: Caller


NAMES = {
    "f1": "Anna",
    "f2": "Bjorn",
    "f3": "Cecilia",
    "f4": "Dagur",
    "a1": "Eva",
    "a2": "Fannar",
    "a3": "Gunnar",
}


def _person(seq: int, prefix: str, **extra: Any) -> dict[str, Any]:
    key = f"{prefix}{seq}"
    return {"seq": seq, "name": f"{NAMES[key]} Jonsson", "email": f"{key}@example.com", **extra}


def _store(
    bot: Bot, clock: Clock, at: datetime, script: Path, events: list[dict[str, Any]], name: str
) -> None:
    clock.now = at
    write_script(script, events)
    assert bot.runner.poll(name).status == "ok"


def _dispatch(bot: Bot, clock: Clock, at: datetime) -> None:
    clock.now = at
    bot.dispatcher.dispatch_due()


def _build(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver, clock: Clock
) -> tuple[Bot, Path, Path]:
    forms, ads = tmp_path / "forms.json", tmp_path / "ads.json"
    for script in (forms, ads):
        write_script(script, [])
    config = write_config(
        tmp_path / "config",
        sources={
            name: {"type": "scripted", "phone_region": "IS", "config": {"script": str(script)}}
            for name, script in (("forms", forms), ("ads", ads))
        },
        sinks={"crm": {"type": "webhook", "concurrency": 1, "config": {"url": f"{receiver.url}/hooks"}}},
        default_route=["crm"],
    )
    settings = Settings(database_url=database_url, config_dir=config, web=ANY_PORT)
    return build_bot(settings, registry=registry_with_scripted(), clock=clock), forms, ads


def _fill(bot: Bot, clock: Clock, forms: Path, ads: Path, receiver: LoopbackReceiver) -> None:
    """Store and deliver leads A to G as the module docstring tells."""
    form_events = [_person(1, "f")]
    _store(bot, clock, datetime(2026, 10, 1, 12, 0, tzinfo=UTC), forms, form_events, "forms")
    for seq, second, extra in (
        (2, 0, {"phone": "+354 555 1234"}),
        (3, 20, {}),
        (4, 25, {"kind": "import_row"}),
    ):
        form_events.append(_person(seq, "f", **extra))
        _store(bot, clock, datetime(2026, 11, 25, 10, 0, second, tzinfo=UTC), forms, form_events, "forms")
    _dispatch(bot, clock, datetime(2026, 11, 25, 10, 0, 30, tzinfo=UTC))
    ad_events = [_person(1, "a"), _person(2, "a")]
    _store(bot, clock, datetime(2026, 11, 26, 9, 0, tzinfo=UTC), ads, ad_events, "ads")
    receiver.script(ScriptedResponse(500), ScriptedResponse(400))
    _dispatch(bot, clock, datetime(2026, 11, 26, 9, 1, tzinfo=UTC))
    _dispatch(bot, clock, datetime(2026, 11, 26, 9, 5, tzinfo=UTC))
    _store(
        bot,
        clock,
        datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC),
        ads,
        [*ad_events, _person(3, "a", name="12345")],
        "ads",
    )
    with bot.engine.begin() as conn:
        for email, status in (("f3@example.com", "won"), ("a1@example.com", "contacted")):
            conn.execute(update(leads).where(leads.c.email == email).values(status=status))
    clock.now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def fixture(tmp_path: Path, database_url: str) -> Iterator[Fixture]:
    with LoopbackReceiver() as receiver:
        clock = Clock()
        bot, forms, ads = _build(tmp_path, database_url, receiver, clock)
        try:
            _fill(bot, clock, forms, ads, receiver)
            assert len(receiver.requests) == 7  # A, B, C, D; E refused, F refused; E
            with serving_api(bot) as api:
                yield Fixture(bot, api, api.person("max@example.com", "manager"))
        finally:
            bot.close()


def _stats(fixture: Fixture, **params: str) -> dict[str, Any]:
    answer = fixture.manager.get("/api/v1/stats", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_last_30_days_on_the_bots_clock(fixture: Fixture) -> None:
    stats = _stats(fixture)
    assert (stats["since"], stats["until"]) == ("2026-10-28T12:00:00Z", "2026-11-27T12:00:00Z")
    assert stats["leads"] == 6  # A is older than 30 days
    assert stats["per_day"] == [
        {"day": "2026-11-25", "source": "forms", "platform": "test", "kind": "import_row", "leads": 1},
        {"day": "2026-11-25", "source": "forms", "platform": "test", "kind": "lead_form", "leads": 2},
        {"day": "2026-11-26", "source": "ads", "platform": "test", "kind": "lead_form", "leads": 3},
    ]
    # A name and an email make C; a phone too, B (B); a number for a name, D (G) (qualify/quality.py).
    assert stats["grades"] == {"B": 1, "C": 4, "D": 1}
    assert stats["statuses"] == {"new": 4, "won": 1, "contacted": 1}
    assert stats["speed_to_lead"] == [
        {"source": "ads", "delivered": 1, "undelivered": 2, "p50_s": 300.0, "p90_s": 300.0, "p99_s": 300.0},
        {"source": "forms", "delivered": 3, "undelivered": 0, "p50_s": 10.0, "p90_s": 30.0, "p99_s": 30.0},
    ]
    assert stats["deliveries"] == [
        {
            "sink": "crm",
            "by_status": {"delivered": 4, "dead": 1, "pending": 1},
            "failed_attempts": 2,
            "dead_letters": 1,
        }
    ]


def test_a_window_counts_the_leads_created_in_it_and_their_deliveries(fixture: Fixture) -> None:
    # Until is exclusive: G (23:59:59) is left out.
    stats = _stats(fixture, since="2026-11-26T00:00:00Z", until="2026-11-26T23:59:59Z")
    assert stats["leads"] == 2
    assert stats["per_day"] == [
        {"day": "2026-11-26", "source": "ads", "platform": "test", "kind": "lead_form", "leads": 2}
    ]
    assert stats["speed_to_lead"] == [
        {"source": "ads", "delivered": 1, "undelivered": 1, "p50_s": 300.0, "p90_s": 300.0, "p99_s": 300.0}
    ]
    [crm] = stats["deliveries"]
    assert (crm["by_status"], crm["failed_attempts"], crm["dead_letters"]) == (
        {"delivered": 1, "dead": 1},
        2,
        1,
    )
    # A waited from 1 October 12:00 to 25 November 10:00:30 for its delivery: to the second.
    old = _stats(fixture, since="2026-10-01T00:00:00+00:00", until="2026-10-02T00:00:00+00:00")
    assert old["speed_to_lead"][0]["p50_s"] == (54 * 86400 + 22 * 3600 + 30)
    empty = _stats(fixture, since="2026-11-27T00:00:00Z")
    assert (empty["leads"], empty["per_day"], empty["speed_to_lead"], empty["deliveries"]) == (0, [], [], [])


def test_a_window_must_be_one(fixture: Fixture) -> None:
    manager = fixture.manager
    for params in (
        {"since": "2026-11-27T00:00:00Z", "until": "2026-11-26T00:00:00Z"},
        {"since": "2024-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"since": "2026-11-01T00:00:00"},
    ):
        answer = manager.get("/api/v1/stats", params=params)
        assert answer.status_code == 422, params
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_sales_cannot_read_statistics(fixture: Fixture) -> None:
    api = fixture.api
    assert api.person("sam@example.com", "sales").get("/api/v1/stats").status_code == 403
    assert api.anonymous().get("/api/v1/stats").status_code == 401
    assert api.person("ada@example.com", "admin").get("/api/v1/stats").status_code == 200
