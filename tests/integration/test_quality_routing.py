"""Every lead is graded, with its reasons, and campaign routing rules match on the grade."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from socialleads.store.tables import deliveries, leads
from tests.support.bots import ScriptedBot, scripted_bot


def bot(tmp_path: Path, database_url: str, magnet: str) -> ScriptedBot:
    campaigns = {
        "spring": {
            "sources": ["src"],
            "lead_magnet": magnet,
            "routes": [
                {"name": "hot", "when": {"grades": ["A", "B"]}, "deliver_to": ["sales"]},
                {"name": "rest", "deliver_to": ["crm"]},
            ],
        }
    }
    sinks = {"sales": {"type": "console"}, "crm": {"type": "console", "config": {"stream": "stderr"}}}
    return scripted_bot(tmp_path, database_url, sinks=sinks, campaigns=campaigns)


def graded(sb: ScriptedBot) -> list[tuple[str, str, Any]]:
    with sb.bot.engine.connect() as conn:
        rows = conn.execute(select(leads.c.email, leads.c.grade, leads.c.quality).order_by(leads.c.id)).all()
        routes = dict(conn.execute(select(deliveries.c.lead_id, deliveries.c.sink)).all())
    return [(row.grade, routes[index + 1], row.quality) for index, row in enumerate(rows)]


def test_a_good_demo_request_grades_a_and_goes_to_sales(tmp_path: Path, database_url: str) -> None:
    sb = bot(tmp_path, database_url, "demo_request")
    sb.set_events(
        [
            {
                "seq": 1,
                "name": "Anna Jónsdóttir",
                "email": "anna.jons@heimili.is",
                "phone": "+354 611 2345",
                "answers": {"which_room": "living_room"},
            }
        ]
    )
    sb.bot.runner.poll("src")
    [(grade, sink, quality)] = graded(sb)
    assert (grade, sink) == ("A", "sales")
    assert sum(r["points"] for r in quality["reasons"]) == quality["score"]
    sb.bot.close()


def test_a_contest_entry_with_a_placeholder_email_grades_d_and_goes_to_the_rest(
    tmp_path: Path, database_url: str
) -> None:
    sb = bot(tmp_path, database_url, "contest")
    sb.set_events([{"seq": 1, "name": "test", "email": "test@test.com"}])
    sb.bot.runner.poll("src")
    [(grade, sink, quality)] = graded(sb)
    assert (grade, sink) == ("D", "crm")
    assert any("placeholder" in r["detail"] for r in quality["reasons"])
    sb.bot.close()
