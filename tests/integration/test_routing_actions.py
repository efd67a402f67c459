"""Routing actions: owners by country or in turn (across restarts), holding for review, counting the
default route, and ``routes test`` / ``routes stats`` / ``leads release`` on the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from socialleads.cli import app
from socialleads.store.db import make_engine
from socialleads.store.tables import deliveries, leads
from tests.support.bots import Clock, ScriptedBot, scripted_bot
from tests.support.configs import write_config

CAMPAIGNS: dict[str, Any] = {
    "spring": {
        "sources": ["src"],
        "owner_team": "nordics",
        "routes": [
            {
                "name": "review",
                "when": {"kinds": ["comment"]},
                "deliver_to": ["crm"],
                "hold": True,
            },
            {
                "name": "abroad",
                "when": {"countries": ["DE", "FR"]},
                "deliver_to": ["crm"],
                "assign": {"by_country": {"DE": "dieter@example.com"}, "team": "europe"},
            },
            {"name": "nordic", "when": {"countries": ["IS", "NO"]}, "deliver_to": ["crm"]},
        ],
    }
}
TEAMS = {"nordics": ["anna", "bjorn", "gudrun"], "europe": ["marie", "luca"]}


def make_bot(tmp_path: Path, database_url: str, clock: Clock | None = None) -> ScriptedBot:
    return scripted_bot(
        tmp_path,
        database_url,
        sinks={"crm": {"type": "console", "config": {"stream": "stderr"}}},
        campaigns=CAMPAIGNS,
        default_route=["crm"],
        teams=TEAMS,
        clock=clock,
    )


def person(seq: int, country: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"seq": seq, "name": f"Person {seq}", "email": f"p{seq}@example.com", "country": country, **extra}


def owners_and_routes(sb: ScriptedBot) -> list[tuple[str | None, str | None]]:
    with sb.bot.engine.connect() as conn:
        query = select(leads.c.owner, leads.c.route).order_by(leads.c.email)
        return [(r[0], r[1]) for r in conn.execute(query)]


def lead_ids(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        found = {r[0]: r[1] for r in conn.execute(select(leads.c.email, leads.c.id))}
    engine.dispose()
    return found


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **env})
    return result.exit_code, result.stdout + result.stderr


def test_owners_go_by_country_else_in_turn_and_the_turn_survives_a_restart(
    tmp_path: Path, database_url: str
) -> None:
    sb = make_bot(tmp_path, database_url)
    sb.set_events([person(1, "IS"), person(2, "DE"), person(3, "FR"), person(4, "IS"), person(5, "FR")])
    sb.bot.runner.poll("src")  # the scripted platform lists newest first: turns go 5, 4, 3, 2, 1
    assert owners_and_routes(sb) == [
        ("bjorn", "nordic"),  # no rule assigns: the campaign's owner_team, in turn
        ("dieter@example.com", "abroad"),  # by country
        ("luca", "abroad"),  # not named by country: team europe in turn
        ("anna", "nordic"),
        ("marie", "abroad"),
    ]
    sb.bot.close()

    # A restart continues each team where it stopped; a second touch keeps the owner.
    sb = make_bot(tmp_path, database_url, clock=sb.clock)
    again = {"seq": 9, "name": "Person 1", "email": "p1@example.com", "country": "IS"}
    sb.set_events([person(6, "NO"), person(7, "DE"), person(8, "FR"), again])
    sb.clock.advance(minutes=1)
    sb.bot.runner.poll("src")
    found = owners_and_routes(sb)
    assert found[0] == ("bjorn", "nordic")
    assert found[5:] == [("gudrun", "nordic"), ("dieter@example.com", "abroad"), ("marie", "abroad")]
    sb.bot.close()


def test_a_held_lead_waits_until_released_and_a_rejected_one_is_never_sent(
    tmp_path: Path, database_url: str
) -> None:
    sb = make_bot(tmp_path, database_url)
    buyer = "How much is the corner sofa? I want to order one this week"
    sb.set_events(
        [
            person(1, "IS", kind="comment", message=buyer),
            person(2, "IS", kind="comment", message=buyer),
            person(3, "IS"),
        ]
    )
    sb.bot.runner.poll("src")
    assert sb.bot.dispatcher.dispatch_due().delivered == 1  # only the form lead; the comments are held
    ids = lead_ids(sb.bot.settings.database_url)
    env = {
        "SOCIALLEADS_CONFIG_DIR": str(write_config(tmp_path / "cli-config")),  # the store is all they need
        "SOCIALLEADS_DATABASE_URL": sb.bot.settings.database_url,
    }
    with sb.bot.engine.connect() as conn:
        held = {r[0] for r in conn.execute(select(deliveries.c.lead_id).where(deliveries.c.status == "held"))}
    assert held == {ids["p1@example.com"], ids["p2@example.com"]}

    first, second = str(ids["p1@example.com"]), str(ids["p2@example.com"])
    code, out = invoke(env, "leads", "release", first)
    assert code == 0 and f"lead {first}: 1 held delivery released" in out, out
    code, out = invoke(env, "leads", "reject", second)
    assert code == 0 and f"lead {second}: 1 held delivery rejected" in out, out
    code, out = invoke(env, "leads", "release", second)
    assert code == 1 and f"lead {second} has no held deliveries" in out

    sb.clock.now = max(sb.clock.now, datetime.now(UTC))  # the command line released it at the real time
    assert sb.bot.dispatcher.dispatch_due().delivered == 1
    with sb.bot.engine.connect() as conn:
        status = dict(conn.execute(select(deliveries.c.lead_id, deliveries.c.status)).all())
    assert status == {
        ids["p1@example.com"]: "delivered",
        ids["p2@example.com"]: "rejected",
        ids["p3@example.com"]: "delivered",
    }
    sb.bot.close()


def test_routes_test_explains_the_decision_and_stats_count_the_default_route(
    tmp_path: Path, database_url: str
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "fair.csv").write_text(
        "Name,Email,Country\nPerson 1,p1@example.com,FR\n"
        "Person 2,p2@example.com,US\nPerson 3,p3@example.com,\n"
    )
    campaigns = {"spring": {**CAMPAIGNS["spring"], "sources": ["fair"]}}
    config = write_config(
        tmp_path / "config",
        sources={"fair": {"type": "csv", "config": {"folder": str(inbox), "settle": "0s"}}},
        sinks={"crm": {"type": "console", "config": {"stream": "stderr"}}},
        campaigns=campaigns,
        default_route=["crm"],
        teams=TEAMS,
    )
    env = {"SOCIALLEADS_CONFIG_DIR": str(config), "SOCIALLEADS_DATABASE_URL": database_url}
    code, out = invoke(env, "poll", "fair", "--once")
    assert code == 0 and "deliveries: 3 delivered" in out, out
    ids = lead_ids(database_url)

    code, out = invoke(env, "routes", "test", str(ids["p1@example.com"]))
    assert code == 0, out
    assert f"Lead {ids['p1@example.com']} (Person 1), campaign spring" in out
    assert "country FR" in out
    assert "· rule review of spring: no match (kind import_row not in [comment])" in out
    assert "✓ rule abroad of spring: match → crm, assigns an owner by country (DE: dieter@example.com)" in out
    assert "Decision: route abroad → crm" in out
    assert "Owner: marie (assigned earlier; a lead keeps its owner)" in out
    assert "delivery to crm (rule abroad): delivered" in out

    code, out = invoke(env, "routes", "test", str(ids["p2@example.com"]))
    assert code == 0, out
    assert "rule nordic of spring: no match (country US not in [IS, NO])" in out
    assert "✓ default route → crm" in out
    assert "Decision: route default → crm" in out

    code, out = invoke(env, "routes", "stats")
    assert code == 0, out
    assert "3 leads; 2 took the default route, 0 went nowhere" in out

    code, out = invoke(env, "routes", "test", "99")
    assert code == 1 and "no lead with id 99" in out
