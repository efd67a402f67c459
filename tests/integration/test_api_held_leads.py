"""A lead a routing rule held for review, released or rejected through the API (the lead page's buttons).

One bot on a scripted source whose campaign holds every lead for review before it goes to a console
sink, served on loopback, on SQLite and PostgreSQL; a salesperson decides over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from socialleads.accounts.roles import Role
from socialleads.bot import Bot, build_bot
from socialleads.settings import Settings
from tests.support.api import ANY_PORT, Caller, serving_api
from tests.support.bots import Clock
from tests.support.configs import write_config
from tests.support.scripted_source import registry_with_scripted, write_script


@dataclass
class Desk:
    bot: Bot
    sales: Caller
    admin: Caller

    def lead(self, name: str) -> dict[str, object]:
        items = self.sales.get("/api/v1/leads", params={"q": name}).json()["items"]
        (item,) = items
        answer: dict[str, object] = self.sales.get(f"/api/v1/leads/{item['id']}").json()
        return answer


@pytest.fixture
def desk(tmp_path: Path, database_url: str) -> Iterator[Desk]:
    script = tmp_path / "src.json"
    write_script(
        script,
        [
            {"seq": 1, "name": "Anna Held", "email": "anna@example.com"},
            {"seq": 2, "name": "Bjorn Held", "email": "bjorn@example.com"},
        ],
    )
    config = write_config(
        tmp_path / "config",
        sources={"src": {"type": "scripted", "config": {"script": str(script)}}},
        sinks={"out": {"type": "console"}},
        campaigns={
            "review": {"sources": ["src"], "routes": [{"name": "check", "deliver_to": ["out"], "hold": True}]}
        },
    )
    bot = build_bot(
        Settings(database_url=database_url, config_dir=config, web=ANY_PORT),
        registry=registry_with_scripted(),
        clock=Clock(),
    )
    try:
        assert bot.runner.poll("src").status == "ok"
        with serving_api(bot) as api:
            yield Desk(
                bot, api.person("sam@example.com", Role.SALES), api.person("ada@example.com", Role.ADMIN)
            )
    finally:
        bot.close()


def _statuses(lead: dict[str, object]) -> list[object]:
    return [d["status"] for d in lead["deliveries"]]  # type: ignore[attr-defined, index]


def test_a_released_lead_is_sent_and_a_rejected_one_never_is(desk: Desk) -> None:
    anna, bjorn = desk.lead("Anna"), desk.lead("Bjorn")
    assert _statuses(anna) == _statuses(bjorn) == ["held"]
    assert desk.bot.dispatcher.dispatch_due().delivered == 0  # held: nothing goes out

    released = desk.sales.post(f"/api/v1/leads/{anna['id']}/held", json={"decision": "release"})
    assert released.status_code == 200, released.text
    assert _statuses(released.json()) == ["pending"]
    rejected = desk.sales.post(f"/api/v1/leads/{bjorn['id']}/held", json={"decision": "reject"})
    assert _statuses(rejected.json()) == ["rejected"]

    assert desk.bot.dispatcher.dispatch_due().delivered == 1
    assert _statuses(desk.lead("Anna")) == ["delivered"] and _statuses(desk.lead("Bjorn")) == ["rejected"]
    again = desk.sales.post(f"/api/v1/leads/{bjorn['id']}/held", json={"decision": "release"})
    assert again.status_code == 409  # nothing is held any more
    audit = desk.admin.get("/api/v1/audit").json()
    actions = {(e["actor"], e["action"], e["target"]) for e in audit}
    assert ("sam@example.com", "lead.release", f"lead:{anna['id']}") in actions
    assert ("sam@example.com", "lead.reject", f"lead:{bjorn['id']}") in actions


def test_a_decision_must_be_release_or_reject_and_the_lead_must_exist(desk: Desk) -> None:
    anna = desk.lead("Anna")
    assert desk.sales.post(f"/api/v1/leads/{anna['id']}/held", json={"decision": "maybe"}).status_code == 422
    missing = "sl1-" + "0" * 32
    assert desk.sales.post(f"/api/v1/leads/{missing}/held", json={"decision": "reject"}).status_code == 404
    assert _statuses(desk.lead("Anna")) == ["held"]
