"""``GET /api/v1/stats/intent|speed|polls`` on a fixture with known scores, timings and polls, over real
HTTP, on SQLite and PostgreSQL.

Three scripted sources feed one webhook sink on loopback, on a hand-moved clock. ``comments`` is in
campaign ``spring`` (threshold 0.6); ``forms`` and ``quiet`` (never polled) are in none (0.7).

- ``forms``: A on 25 November at 10:00, delivered at 10:00:30 (30 s); B and C on 26 November at 09:00,
  delivered at 09:00:01 (1 s); G at 23:00, never delivered.
- ``comments`` on 25 November at 11:00: c1, c4, c6 with buying intent (leads, delivered at 11:02:
  120 s); c2, c3, c5 without (ignored). Then the stored figures are set to known values: the leads'
  scores to 0.70 (c1, on a bin's edge), 1.00 (c4) and 0.39 (c6: 7.8 bins of 0.05, which PostgreSQL
  would round up to 8 without a floor); c2's reason to a score of 0.69 against 0.70; c5's to a reason
  with no score. c3 keeps what the qualifier wrote.
- ``comments`` fails at 09:30 on 26 November (HTTP 503) and is rate limited at 09:45.
- "Now" is 27 November 12:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from socialleads.bot import Bot, build_bot
from socialleads.settings import Settings
from socialleads.store.tables import leads, raw_events, touches
from socialleads.testing.http_receiver import LoopbackReceiver
from tests.support.api import ANY_PORT, ApiServer, Caller, serving_api
from tests.support.bots import Clock
from tests.support.configs import write_config
from tests.support.scripted_source import registry_with_scripted, write_script


@dataclass
class Fixture:
    bot: Bot
    api: ApiServer
    manager: Caller


COMMENTS = {
    1: "How much is the oak table? I want to buy two for our office.",
    2: "Lovely colours!",
    3: "Ok",
    4: "I'd like to order the walnut sofa, what's the price with delivery?",
    5: "Nice photo",
    6: "Can I buy the brass lamp? How much is shipping to Akureyri?",
}
INTENT = (1, 4, 6)


def _form(seq: int, name: str) -> dict[str, Any]:
    return {"seq": seq, "name": f"{name} Jonsson", "email": f"{name.lower()}@example.com"}


def _comment(seq: int) -> dict[str, Any]:
    return {"seq": seq, "kind": "comment", "handle": f"fan{seq}", "message": COMMENTS[seq]}


def _poll(bot: Bot, clock: Clock, at: datetime, script: Path, name: str, **script_extra: Any) -> str:
    clock.now = at
    events = script_extra.pop("events")
    write_script(script, events, **script_extra)
    return str(bot.runner.poll(name).status)


def _dispatch(bot: Bot, clock: Clock, at: datetime) -> None:
    clock.now = at
    bot.dispatcher.dispatch_due()


def _build(
    tmp_path: Path, database_url: str, receiver: LoopbackReceiver, clock: Clock
) -> tuple[Bot, dict[str, Path]]:
    scripts = {name: tmp_path / f"{name}.json" for name in ("forms", "comments", "quiet")}
    for script in scripts.values():
        write_script(script, [])
    config = write_config(
        tmp_path / "config",
        sources={
            name: {"type": "scripted", "phone_region": "IS", "config": {"script": str(script)}}
            for name, script in scripts.items()
        },
        sinks={"crm": {"type": "webhook", "concurrency": 1, "config": {"url": f"{receiver.url}/hooks"}}},
        campaigns={"spring": {"sources": ["comments"], "intent_threshold": 0.6}},
        default_route=["crm"],
    )
    settings = Settings(database_url=database_url, config_dir=config, web=ANY_PORT)
    return build_bot(settings, registry=registry_with_scripted(), clock=clock), scripts


def _fill(bot: Bot, clock: Clock, scripts: dict[str, Path]) -> None:
    """Store, deliver and poll as the module docstring tells."""
    forms, comments = scripts["forms"], scripts["comments"]
    day1, day2 = datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 26, tzinfo=UTC)
    assert _poll(bot, clock, day1.replace(hour=10), forms, "forms", events=[_form(1, "Anna")]) == "ok"
    _dispatch(bot, clock, day1.replace(hour=10, second=30))
    said = [_comment(seq) for seq in COMMENTS]
    assert _poll(bot, clock, day1.replace(hour=11), comments, "comments", events=said) == "ok"
    _dispatch(bot, clock, day1.replace(hour=11, minute=2))
    three = [_form(1, "Anna"), _form(2, "Bjorn"), _form(3, "Cecilia")]
    assert _poll(bot, clock, day2.replace(hour=9), forms, "forms", events=three) == "ok"
    _dispatch(bot, clock, day2.replace(hour=9, second=1))
    failing = {"events": said, "fail_after": 0}
    assert _poll(bot, clock, day2.replace(hour=9, minute=30), comments, "comments", **failing) == "failed"
    limited = {**failing, "error": "rate_limited", "reset_in": 60}
    assert (
        _poll(bot, clock, day2.replace(hour=9, minute=45), comments, "comments", **limited) == "rate_limited"
    )
    four = [*three, _form(4, "Gunnar")]
    assert _poll(bot, clock, day2.replace(hour=23), forms, "forms", events=four) == "ok"
    clock.now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _set_figures(bot: Bot) -> None:
    """The known scores and reasons of the module docstring, over what the pipeline stored."""

    def comment_lead(seq: int) -> Any:
        return select(touches.c.lead_id).where(
            touches.c.source == "comments", touches.c.native_id == f"e{seq}"
        )

    def comment_event(seq: int) -> Any:
        return (raw_events.c.source == "comments") & (raw_events.c.native_id == f"e{seq}")

    with bot.engine.begin() as conn:
        statuses = dict(
            conn.execute(
                select(raw_events.c.native_id, raw_events.c.status).where(raw_events.c.source == "comments")
            ).all()
        )
        assert statuses == {f"e{s}": ("lead" if s in INTENT else "ignored") for s in COMMENTS}, statuses
        for seq, score in ((1, 0.7), (4, 1.0), (6, 0.39)):
            conn.execute(update(leads).where(leads.c.id.in_(comment_lead(seq))).values(intent_score=score))
        reason = "buying intent 0.69 is below the threshold 0.70 (no buying signal)"
        conn.execute(update(raw_events).where(comment_event(2)).values(status_reason=reason))
        conn.execute(update(raw_events).where(comment_event(5)).values(status_reason="no text to read"))


@pytest.fixture
def fixture(tmp_path: Path, database_url: str) -> Iterator[Fixture]:
    with LoopbackReceiver() as receiver:
        clock = Clock()
        bot, scripts = _build(tmp_path, database_url, receiver, clock)
        try:
            _fill(bot, clock, scripts)
            assert len(receiver.requests) == 6  # A; c1, c4, c6; B, C
            _set_figures(bot)
            with serving_api(bot) as api:
                yield Fixture(bot, api, api.person("max@example.com", "manager"))
        finally:
            bot.close()


def _get(fixture: Fixture, what: str, **params: str) -> dict[str, Any]:
    answer = fixture.manager.get(f"/api/v1/stats/{what}", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_intent_scores_of_leads_and_ignored_comments_with_the_thresholds(fixture: Fixture) -> None:
    intent = _get(fixture, "intent")
    assert (intent["since"], intent["until"]) == ("2026-10-28T12:00:00Z", "2026-11-27T12:00:00Z")
    assert intent["bin_width"] == 0.05
    bins = intent["bins"]
    assert len(bins) == 20
    assert (bins[0]["low"], bins[0]["high"], bins[19]["low"], bins[19]["high"]) == (0.0, 0.05, 0.95, 1.0)
    leads_in = {i: b["leads"] for i, b in enumerate(bins) if b["leads"]}
    assert leads_in == {7: 1, 14: 1, 19: 1}  # 0.39 in [0.35, 0.40); 0.70 starts its bin; 1.0 is in the last
    assert bins[13]["ignored"] == 1  # c2: 0.69
    # c3 as the qualifier wrote it: below spring's threshold (0.6), so in one of the bins under it.
    assert sum(b["ignored"] for b in bins[:12]) == 1
    assert sum(b["ignored"] for b in bins) == intent["ignored"] == 2
    assert (intent["leads_scored"], intent["leads_unscored"], intent["ignored_unread"]) == (3, 4, 1)
    assert intent["recorded_thresholds"] == [0.6, 0.7]  # c3's, written by the qualifier; c2's
    assert intent["thresholds"] == [
        {"campaign": "spring", "threshold": 0.6, "sources": ["comments"]},
        {"campaign": None, "threshold": 0.7, "sources": ["forms", "quiet"]},
    ]


def test_a_window_holds_the_scores_of_what_was_stored_in_it(fixture: Fixture) -> None:
    day2 = _get(fixture, "intent", since="2026-11-26T00:00:00Z", until="2026-11-27T00:00:00Z")
    assert (day2["leads_scored"], day2["leads_unscored"], day2["ignored"], day2["ignored_unread"]) == (
        0,
        3,
        0,
        0,
    )
    assert day2["recorded_thresholds"] == []
    day1 = _get(fixture, "intent", since="2026-11-25T11:00:00Z", until="2026-11-25T11:00:01Z")
    assert (day1["leads_scored"], day1["leads_unscored"], day1["ignored"], day1["ignored_unread"]) == (
        3,
        0,
        2,
        1,
    )


def test_speed_to_lead_in_bins_with_its_percentiles(fixture: Fixture) -> None:
    speed = _get(fixture, "speed")
    assert (speed["delivered"], speed["undelivered"]) == (6, 1)  # G waits
    # Nearest rank over 1, 1, 30, 120, 120, 120 s.
    assert (speed["p50_s"], speed["p90_s"], speed["p99_s"]) == (30.0, 120.0, 120.0)
    bins = speed["bins"]
    assert [b["low_s"] for b in bins][:8] == [0, 1, 2, 5, 10, 30, 60, 120]
    assert (bins[-1]["low_s"], bins[-1]["high_s"]) == (604800, None)
    filled = {(b["low_s"], b["high_s"]): (b["leads"], b["by_source"]) for b in bins if b["leads"]}
    assert filled == {
        (1, 2): (2, {"forms": 2}),
        (30, 60): (1, {"forms": 1}),
        (120, 300): (3, {"comments": 3}),
    }
    # The same figures as GET /api/v1/stats gives per source.
    totals = fixture.manager.get("/api/v1/stats").json()["speed_to_lead"]
    assert sum(s["delivered"] for s in totals) == speed["delivered"]
    assert sum(s["undelivered"] for s in totals) == speed["undelivered"]
    empty = _get(fixture, "speed", since="2026-11-27T00:00:00Z")
    assert (empty["delivered"], empty["p50_s"], sum(b["leads"] for b in empty["bins"])) == (0, None, 0)


def test_poll_runs_per_source_and_day_by_outcome(fixture: Fixture) -> None:
    polls = _get(fixture, "polls")
    assert polls["bucket"] == "day"  # 30 days
    assert polls["starts"][0] == "2026-10-28T00:00:00Z" and polls["starts"][-1] == "2026-11-27T00:00:00Z"
    assert len(polls["starts"]) == 31
    by_source = {s["source"]: s for s in polls["sources"]}
    assert list(by_source) == ["comments", "forms", "quiet"]
    assert by_source["quiet"] == {"source": "quiet", "runs": {}, "points": []}  # configured, never polled
    assert by_source["comments"]["runs"] == {"ok": 1, "failed": 1, "rate_limited": 1}
    assert by_source["comments"]["points"] == [
        {"start": "2026-11-25T00:00:00Z", "runs": {"ok": 1}, "events_new": 6, "leads_created": 3},
        {
            "start": "2026-11-26T00:00:00Z",
            "runs": {"failed": 1, "rate_limited": 1},
            "events_new": 0,
            "leads_created": 0,
        },
    ]
    assert by_source["forms"]["points"] == [
        {"start": "2026-11-25T00:00:00Z", "runs": {"ok": 1}, "events_new": 1, "leads_created": 1},
        {"start": "2026-11-26T00:00:00Z", "runs": {"ok": 2}, "events_new": 3, "leads_created": 3},
    ]


def test_poll_runs_per_hour_in_a_short_window(fixture: Fixture) -> None:
    polls = _get(fixture, "polls", since="2026-11-26T00:00:00Z", until="2026-11-27T00:00:00Z")
    assert polls["bucket"] == "hour"
    assert len(polls["starts"]) == 24 and polls["starts"][9] == "2026-11-26T09:00:00Z"
    by_source = {s["source"]: s["points"] for s in polls["sources"]}
    assert by_source["forms"] == [
        {"start": "2026-11-26T09:00:00Z", "runs": {"ok": 1}, "events_new": 2, "leads_created": 2},
        {"start": "2026-11-26T23:00:00Z", "runs": {"ok": 1}, "events_new": 1, "leads_created": 1},
    ]
    assert by_source["comments"] == [
        {
            "start": "2026-11-26T09:00:00Z",
            "runs": {"failed": 1, "rate_limited": 1},
            "events_new": 0,
            "leads_created": 0,
        }
    ]
    daily = _get(fixture, "polls", since="2026-11-26T06:00:00Z", until="2026-11-27T00:00:00Z", bucket="day")
    assert daily["starts"] == ["2026-11-26T00:00:00Z"]  # the bucket the window starts in


def test_days_count_back_from_the_bots_clock(fixture: Fixture) -> None:
    # 27 November 12:00 minus 2 days: B, C and G (26 November), none of 25 November.
    for path in ("/api/v1/stats", "/api/v1/stats/intent", "/api/v1/stats/speed", "/api/v1/stats/polls"):
        answer = fixture.manager.get(path, params={"days": "2"}).json()
        assert (answer["since"], answer["until"]) == ("2026-11-25T12:00:00Z", "2026-11-27T12:00:00Z"), path
    assert fixture.manager.get("/api/v1/stats", params={"days": "2"}).json()["leads"] == 3
    assert _get(fixture, "speed", days="2")["delivered"] == 2  # B and C, at 1 s
    polls = _get(fixture, "polls", days="2")
    assert polls["bucket"] == "hour" and len(polls["starts"]) == 48  # 12:00 on the 25th to 11:00 on the 27th
    until = _get(fixture, "intent", days="1", until="2026-11-26T00:00:00Z")
    assert (until["since"], until["leads_scored"], until["ignored"]) == ("2026-11-25T00:00:00Z", 3, 2)


def test_bad_windows_and_buckets_are_refused(fixture: Fixture) -> None:
    manager = fixture.manager
    for what, params in (
        ("intent", {"since": "2026-11-27T00:00:00Z", "until": "2026-11-26T00:00:00Z"}),
        ("speed", {"since": "2024-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}),
        ("speed", {"since": "2026-11-01T00:00:00"}),
        ("polls", {"bucket": "hour"}),  # 30 days by the hour
        ("polls", {"bucket": "week"}),
        ("intent", {"days": "0"}),
        ("polls", {"days": "367"}),
        ("speed", {"days": "7", "since": "2026-11-01T00:00:00Z"}),
    ):
        answer = manager.get(f"/api/v1/stats/{what}", params=params)
        assert answer.status_code == 422, (what, params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert "bucket=day" in manager.get("/api/v1/stats/polls", params={"bucket": "hour"}).json()["detail"]


def test_only_managers_and_admins_read_them(fixture: Fixture) -> None:
    api = fixture.api
    sales, admin = api.person("sam@example.com", "sales"), api.person("ada@example.com", "admin")
    for what in ("intent", "speed", "polls"):
        assert sales.get(f"/api/v1/stats/{what}").status_code == 403
        assert api.anonymous().get(f"/api/v1/stats/{what}").status_code == 401
        assert admin.get(f"/api/v1/stats/{what}").status_code == 200
