"""Campaign figures and the previews of a campaign being edited, over real HTTP on both databases.

Three scripted sources on a hand-moved clock ("now" is 27 November 2026, 12:00 UTC), two console
sinks ``first`` and ``second``:

- ``forms`` is in campaign ``fixed`` of campaigns.yaml: lead A on 1 October (outside the window), B
  and C on 25 November at 10:00:00 and 10:00:20, delivered at 10:00:30; C is then won.
- ``chat`` is in campaign ``spring``, made through the API with a threshold of 0.5: comments (some
  with buying intent, some without, one the source cannot parse) and a lead form on 26 November,
  delivered at 09:00:45.
- ``loose`` is in no campaign: one lead form on 26 November, routed by the default route.

Every expected figure is worked out from what the fixture stored (its moments, its people, what the
pipeline made of each comment), never written down as a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from socialleads.accounts.roles import Role
from socialleads.bot import Bot, build_bot
from socialleads.pipeline import campaign_preview as preview
from socialleads.settings import Settings
from socialleads.store import campaign_figures as figures
from socialleads.store.db import reading
from socialleads.store.tables import leads, raw_events
from tests.support.api import ANY_PORT, ApiServer, Caller, serving_api
from tests.support.bots import Clock
from tests.support.configs import write_config
from tests.support.scripted_source import registry_with_scripted, write_script

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SPRING = {
    "sources": ["chat"],
    "intent_threshold": 0.5,
    "routes": [{"name": "all", "deliver_to": ["first"]}],
}
COMMENTS = [
    ("Anna", "IS", "How much is the corner sofa? I want to buy one this week."),
    ("Bjorn", "SE", "Do you deliver to Stockholm? What's the price of the oak table, I'd like to order it."),
    ("Cecilia", "IS", "Nice photo, love the colours!"),
    ("Dagur", "IS", "Where can I order the grey armchair, and how much does delivery cost to Akureyri?"),
    ("Eyja", "SE", "lol my cat has the same sofa"),
    ("Fannar", "IS", "Is the oak table still available? Can you send me a quote for six chairs too?"),
]


@dataclass
class Fixture:
    bot: Bot
    api: ApiServer
    clock: Clock
    manager: Caller
    scripts: dict[str, Path]
    stored: dict[str, list[tuple[str, datetime]]] = field(default_factory=dict)
    """Campaign (or "" for none) → (email or handle, when stored) of each lead it got."""
    speeds: dict[str, list[float]] = field(default_factory=dict)
    """Campaign → seconds from storing to delivering, of each delivered lead."""


def _build(tmp_path: Path, database_url: str, clock: Clock) -> tuple[Bot, dict[str, Path]]:
    scripts = {name: tmp_path / f"{name}.json" for name in ("forms", "chat", "loose")}
    for script in scripts.values():
        write_script(script, [])
    config = write_config(
        tmp_path / "config",
        sources={
            name: {"type": "scripted", "phone_region": "IS", "config": {"script": str(script)}}
            for name, script in scripts.items()
        },
        sinks={"first": {"type": "console"}, "second": {"type": "console"}},
        campaigns={"fixed": {"sources": ["forms"], "routes": [{"name": "all", "deliver_to": ["first"]}]}},
        default_route=["first"],
    )
    settings = Settings(database_url=database_url, config_dir=config, web=ANY_PORT)
    return build_bot(settings, registry=registry_with_scripted(), clock=clock), scripts


def _poll(fx: Fixture, source: str, at: datetime, events: list[dict[str, Any]]) -> None:
    fx.clock.now = at
    write_script(fx.scripts[source], events)
    assert fx.bot.runner.poll(source).status == "ok"


def _deliver(fx: Fixture, at: datetime, campaign: str, since: list[datetime]) -> None:
    fx.clock.now = at
    fx.bot.dispatcher.dispatch_due()
    fx.speeds.setdefault(campaign, []).extend((at - moment).total_seconds() for moment in since)


def _forms(fx: Fixture) -> None:
    people = [{"seq": 1, "name": "Ari Form", "email": "ari@example.com"}]
    _poll(fx, "forms", datetime(2026, 10, 1, 12, tzinfo=UTC), people)  # before the window
    moments = []
    for seq, name, second in ((2, "Bera Form", 0), (3, "Cyd Form", 20)):
        people.append({"seq": seq, "name": name, "email": f"{name.split()[0].lower()}@example.com"})
        moments.append(datetime(2026, 11, 25, 10, 0, second, tzinfo=UTC))
        _poll(fx, "forms", moments[-1], people)
        fx.stored.setdefault("fixed", []).append((people[-1]["email"], moments[-1]))
    _deliver(fx, datetime(2026, 11, 25, 10, 0, 30, tzinfo=UTC), "fixed", moments)


def _chat(fx: Fixture) -> None:
    events: list[dict[str, Any]] = [
        {
            "seq": n,
            "kind": "comment",
            "name": name,
            "handle": name.lower(),
            "country": country,
            "message": text,
        }
        for n, (name, country, text) in enumerate(COMMENTS, start=1)
    ]
    events.append({"seq": 50, "kind": "comment", "malformed": True})
    events.append({"seq": 51, "name": "Gyda Form", "email": "gyda@example.com", "country": "IS"})
    at = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    _poll(fx, "chat", at, events)
    with reading(fx.bot.engine) as conn:
        made = conn.execute(
            select(leads.c.email, leads.c.full_name).where(leads.c.campaign == "spring")
        ).all()
    fx.stored["spring"] = [(email or name, at) for email, name in made]
    _deliver(fx, datetime(2026, 11, 26, 9, 0, 45, tzinfo=UTC), "spring", [at] * len(made))


def _fill(fx: Fixture) -> None:
    _forms(fx)
    assert fx.manager.put("/api/v1/campaigns/spring", json=SPRING).status_code == 200
    _chat(fx)
    at = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    _poll(fx, "loose", at, [{"seq": 1, "name": "Hekla Loose", "email": "hekla@example.com", "country": "SE"}])
    fx.stored[""] = [("hekla@example.com", at)]
    with reading(fx.bot.engine) as conn:
        key = conn.execute(select(leads.c.key).where(leads.c.email == "cyd@example.com")).scalar_one()
    assert fx.manager.patch(f"/api/v1/leads/{key}", json={"status": "won"}).status_code == 200
    fx.clock.now = NOW


@pytest.fixture
def fx(tmp_path: Path, database_url: str) -> Iterator[Fixture]:
    clock = Clock(NOW)
    bot, scripts = _build(tmp_path, database_url, clock)
    try:
        with serving_api(bot) as api:
            made = Fixture(bot, api, clock, api.person("max@example.com", Role.MANAGER), scripts)
            _fill(made)
            yield made
    finally:
        bot.close()


def _ok(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def test_the_list_figures_count_each_campaigns_leads_of_the_last_30_days(fx: Fixture) -> None:
    sales = fx.api.person("sam@example.com", Role.SALES)
    answer = _ok(sales.get("/api/v1/campaign-figures"))  # everyone who reads campaigns sees them
    days = [date.fromisoformat(d) for d in answer["days"]]
    assert days == [NOW.date() - timedelta(days=29 - n) for n in range(30)]
    assert answer["since"].startswith(days[0].isoformat())
    by_name = {c["campaign"] or "": c for c in answer["campaigns"]}
    assert set(by_name) == {"fixed", "spring", ""}
    for name, stored in fx.stored.items():
        shown = by_name[name]
        expected_days = [sum(1 for _, at in stored if at.date() == day) for day in days]
        assert shown["per_day"] == expected_days, name
        assert shown["leads"] == len(stored)
    assert by_name["fixed"]["statuses"] == {"new": 1, "contacted": 0, "qualified": 0, "won": 1, "lost": 0}
    assert by_name["spring"]["statuses"]["new"] == len(fx.stored["spring"])
    for name, speeds in fx.speeds.items():
        assert by_name[name]["delivered"] == len(speeds)
        assert by_name[name]["speed_to_lead_p50_s"] == pytest.approx(_nearest_rank(speeds, 50), abs=0.01)
    assert by_name[""]["delivered"] == 0 and by_name[""]["undelivered"] == 1
    assert by_name[""]["speed_to_lead_p50_s"] is None


def test_the_routing_preview_routes_the_stored_leads_with_the_candidate_rules(fx: Fixture) -> None:
    candidate = {
        **SPRING,
        "routes": [
            {"name": "iceland", "when": {"countries": ["IS"]}, "deliver_to": ["second"]},
            {"name": "forms", "when": {"kinds": ["lead_form"]}, "deliver_to": ["first"], "hold": True},
        ],
    }
    answer = _ok(fx.manager.post("/api/v1/campaigns/spring/preview/routes", json={"campaign": candidate}))
    with reading(fx.bot.engine) as conn:
        stored = conn.execute(
            select(leads.c.key, leads.c.full_name, leads.c.country, leads.c.route).where(
                leads.c.campaign == "spring"
            )
        ).all()
    icelanders = [r for r in stored if r.country == "IS"]
    form_from_elsewhere = [r for r in stored if r.country != "IS" and r.full_name == "Gyda Form"]
    assert answer["total"] == answer["examined"] == len(stored) and not answer["capped"]
    rules = {r["rule"]: r for r in answer["rules"]}
    assert rules["iceland"]["decides"] == rules["iceland"]["matches"] == len(icelanders)
    assert {e["key"] for e in rules["iceland"]["examples"]} <= {r.key for r in icelanders}
    assert rules["forms"]["matches"] == 1  # Gyda's form; she is Icelandic, so "iceland" takes her first
    assert rules["forms"]["decides"] == len(form_from_elsewhere) == 0
    rest = len(stored) - len(icelanders)
    assert answer["default"]["leads"] == rest  # nobody else matches: the default route sends them on
    assert answer["sinks"] == {"second": len(icelanders), "first": rest}
    assert answer["unrouted"]["leads"] == 0 and answer["held"] == 0
    assert answer["changed"] == len(stored)  # every one was stored with route "all"
    assert answer["note"] == f"all {len(stored)} leads of the last 30 days"


def test_the_routing_preview_of_a_new_campaign_routes_the_leads_of_its_sources(fx: Fixture) -> None:
    body = {
        "sources": ["loose"],
        "routes": [{"name": "sweden", "when": {"countries": ["SE"]}, "deliver_to": ["second"]}],
    }
    answer = _ok(fx.manager.post("/api/v1/campaigns/autumn/preview/routes", json={"campaign": body}))
    assert answer["total"] == len(fx.stored[""])
    assert answer["rules"][0]["decides"] == 1
    assert answer["rules"][0]["examples"][0]["name"] == "Hekla Loose"
    assert answer["sinks"] == {"second": 1}
    assert fx.manager.get("/api/v1/campaigns/autumn").status_code == 404  # nothing was saved


def test_a_preview_with_a_bad_candidate_answers_its_problems_by_key(fx: Fixture) -> None:
    body = {
        "sources": ["forms"],  # campaign "fixed" has it
        "routes": [{"name": "x", "deliver_to": ["nowhere"]}],
        "intent_threshold": 0.4,
    }
    for what in ("routes", "threshold"):
        answer = fx.manager.post(f"/api/v1/campaigns/autumn/preview/{what}", json={"campaign": body})
        assert answer.status_code == 422, answer.text
        keys = {e["key"] for e in answer.json()["errors"]}
        assert keys == {"sources[0]", "routes[0].deliver_to[0]"}
    sales = fx.api.person("sam@example.com", Role.SALES)
    assert sales.post("/api/v1/campaigns/spring/preview/routes", json={}).status_code == 403
    missing = fx.manager.post("/api/v1/campaigns/autumn/preview/routes", json={})
    assert missing.status_code == 404  # no body and no such campaign in force


def test_the_routing_preview_reads_the_newest_leads_up_to_its_cap(fx: Fixture) -> None:
    campaign = fx.bot.config.campaigns["spring"]
    window = figures.last_days(NOW)
    with reading(fx.bot.engine) as conn:
        capped = preview.preview_routes(conn, "spring", campaign, fx.bot.config.default_route, window, cap=2)
        newest = conn.execute(
            select(leads.c.key)
            .where(leads.c.campaign == "spring")
            .order_by(leads.c.created_at.desc(), leads.c.id.desc())
            .limit(2)
        ).scalars()
        newest_keys = set(newest)
    assert (capped.total, capped.examined) == (len(fx.stored["spring"]), 2)
    assert {e.key for e in capped.rules[0].decides.examples} == newest_keys


def _comment_outcomes(fx: Fixture) -> dict[str, str]:
    """The chat's comments as stored: native id → lead, ignored or dead."""
    with reading(fx.bot.engine) as conn:
        rows = conn.execute(
            select(raw_events.c.native_id, raw_events.c.status).where(
                raw_events.c.source == "chat", raw_events.c.kind == "comment"
            )
        ).all()
    return {native_id: status for native_id, status in rows}


def test_at_the_threshold_in_force_the_preview_counts_the_comments_that_became_leads(fx: Fixture) -> None:
    outcomes = _comment_outcomes(fx)
    became = sum(1 for s in outcomes.values() if s == "lead")
    assert 0 < became < len(COMMENTS)  # the fixture has comments on both sides of 0.5
    answer = _ok(fx.manager.post("/api/v1/campaigns/spring/preview/threshold", json={"campaign": SPRING}))
    assert answer["threshold"] == 0.5
    assert answer["would_be_leads"] == became  # what the pipeline decided when they came
    assert answer["total"] == answer["examined"] == len(outcomes)
    assert answer["unscored"] == sum(1 for s in outcomes.values() if s == "dead") == 1
    assert answer["by_construction"] == 1  # Gyda's lead form
    assert sum(answer["histogram"]) == len(COMMENTS) and len(answer["histogram"]) == 101
    assert sum(answer["histogram"][50:]) == became
    assert all(e["score"] >= 0.5 and e["status"] == "lead" for e in answer["above"])
    assert all(e["score"] < 0.5 and e["status"] == "ignored" for e in answer["below"])
    assert len(answer["above"]) == min(3, became)
    assert [e["score"] for e in answer["above"]] == sorted(e["score"] for e in answer["above"])
    messages = {text for _, _, text in COMMENTS}
    assert {e["message"] for e in answer["above"] + answer["below"]} <= messages


def test_moving_the_threshold_moves_the_count_and_the_examples(fx: Fixture) -> None:
    url = "/api/v1/campaigns/spring/preview/threshold"
    at_half = _ok(fx.manager.post(url, json={"campaign": SPRING}))
    histogram = at_half["histogram"]
    first = next(k for k, n in enumerate(histogram) if n)  # the bin of the lowest scores
    line = (first + 1) / 100  # the first line above them
    moved = _ok(fx.manager.post(url, json={"campaign": SPRING, "threshold": line}))
    assert moved["histogram"] == histogram  # the scores do not depend on the line
    assert moved["would_be_leads"] == sum(histogram[first + 1 :]) == len(COMMENTS) - histogram[first]
    assert len(moved["below"]) == min(3, histogram[first])
    assert all(preview.score_bin(e["score"]) == first for e in moved["below"])
    assert all(e["score"] >= line for e in moved["above"])
    everything = _ok(fx.manager.post(url, json={"campaign": SPRING, "threshold": 0}))
    assert everything["would_be_leads"] == len(COMMENTS) and everything["below"] == []
    nothing = _ok(fx.manager.post(url, json={"campaign": {**SPRING, "sources": []}}))
    assert (nothing["total"], nothing["would_be_leads"], sum(nothing["histogram"])) == (0, 0, 0)


def test_the_threshold_preview_reads_the_newest_comments_up_to_its_cap(fx: Fixture) -> None:
    runner = fx.bot.runner
    parsers = {"chat": runner.sources["chat"].parse}
    cache = preview.ScoreCache()

    def score(events: Any) -> tuple[list[preview.Scored], int]:
        return preview.score_events(
            events, {"chat": runner.binding("chat")}, parsers, runner.qualifier, cache
        )

    with reading(fx.bot.engine) as conn:
        found = preview.preview_threshold(conn, ["chat"], figures.last_days(NOW), 0.5, score, cap=3)
        rows = conn.execute(
            select(raw_events.c.native_id, raw_events.c.status)
            .where(raw_events.c.source == "chat", raw_events.c.kind == "comment")
            .order_by(raw_events.c.id.desc())
        ).all()
    assert (found.total, found.examined) == (len(rows), 3)
    newest = rows[:3]  # newest as stored: the highest row ids
    assert found.unscored == sum(1 for _, status in newest if status == "dead")
    assert sum(found.histogram) == 3 - found.unscored
    remembered = {native_id for native_id, _ in rows if cache.get(("chat", native_id))[0]}
    assert remembered == {native_id for native_id, _ in newest}  # and no other was read


def test_score_bins_agree_with_the_qualifiers_comparison() -> None:
    for k in range(101):
        line = k / 100
        for score in (line, math.nextafter(line, 0.0), math.nextafter(line, 1.0)):
            if not 0 <= score <= 1:
                continue
            assert (preview.score_bin(score) >= k) == (score >= line), (score, line)
