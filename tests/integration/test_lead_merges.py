"""People decide what identity could not (#18): possible duplicates, merge and split, from the API and
the command line, with the CRM's record ids kept straight.

One bot delivers to the HubSpot emulator through hubspot-api-client over HTTP on loopback, on SQLite
and PostgreSQL. A trade-show CSV: Bo gave the office phone first; Anna her work address and the same
phone; "A. Berg" a gmail address and the same phone: three leads (a shared number), Anna and A. Berg
linked as possibly one person, Bo linked to nobody.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from socialleads.accounts.roles import Role
from socialleads.bot import Bot, build_bot
from socialleads.cli import app
from socialleads.sandbox.crm.hubspot.app import HubSpotServer
from socialleads.sandbox.crm.hubspot.store import HubSpotStore
from socialleads.settings import Settings
from socialleads.store import audit, lead_links
from socialleads.store.tables import deliveries, delivery_attempts, leads, touches
from tests.support.api import ANY_PORT, serving_api
from tests.support.bots import Clock, WallClock
from tests.support.configs import write_config

TOKEN = "pat-na1-11111111-2222-3333-4444-merges"
PEOPLE = (
    "Name,Email,Phone,Interest\n"
    "Bo Sigurdsson,bo@acme.is,511 2000,desks\n"
    "Anna Berg,anna@acme.is,511 2000,sofas\n"
    "A. Berg,aberg@gmail.com,+354 511 2000,sofas\n"
)


@dataclass
class World:
    bot: Bot
    hubspot: HubSpotStore
    env: dict[str, str]
    inbox: Path
    clock: Clock

    def lead(self, lead_id: int) -> dict[str, Any]:
        with self.bot.engine.connect() as conn:
            return dict(conn.execute(select(leads).where(leads.c.id == lead_id)).mappings().one())

    def record_of(self, lead_id: int) -> str | None:
        with self.bot.engine.connect() as conn:
            query = select(deliveries.c.external_id).where(deliveries.c.lead_id == lead_id)
            return conn.execute(query).scalar_one_or_none()

    def contacts(self) -> dict[str, dict[str, str]]:
        return {record.id: record.properties for record in self.hubspot.records("contacts")}

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **self.env})
        return result.exit_code, result.output


def drop(path: Path, text: str, clock: Clock) -> None:
    """A CSV file written an hour before the world's now, so the source finds it settled."""
    path.write_text(text, encoding="utf-8")
    written = (clock() - timedelta(hours=1)).timestamp()
    os.utime(path, (written, written))


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    hubspot = HubSpotStore(tokens=[TOKEN], portal_id=424242)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    clock = WallClock()  # the command line works on the wall clock: the bot must share it
    drop(inbox / "fair.csv", PEOPLE, clock)
    with HubSpotServer(hubspot) as server:
        sinks = {
            "hubspot": {
                "type": "hubspot",
                "config": {"access_token": TOKEN, "portal_id": 424242, "base_url": server.url},
            }
        }
        config = write_config(
            tmp_path / "config",
            sources={
                "fair": {
                    "type": "csv",
                    "phone_region": "IS",
                    "config": {"folder": str(inbox), "settle": "0s"},
                }
            },
            sinks=sinks,
            default_route=["hubspot"],
        )
        bot = build_bot(
            Settings(database_url=database_url, config_dir=config, web=ANY_PORT),
            clock=clock,
        )
        assert bot.runner.poll("fair").status == "ok"
        assert bot.dispatcher.dispatch_due().delivered == 3
        env = {"SOCIALLEADS_DATABASE_URL": database_url, "SOCIALLEADS_CONFIG_DIR": str(config)}
        yield World(bot, hubspot, env, inbox, clock)
        bot.close()


def ids_by_name(world: World) -> dict[str, int]:
    with world.bot.engine.connect() as conn:
        return {r.full_name: r.id for r in conn.execute(select(leads.c.id, leads.c.full_name))}


def test_a_similar_name_on_a_shared_phone_is_a_possible_duplicate_listed_everywhere(world: World) -> None:
    ids = ids_by_name(world)
    anna, aberg, bo = ids["Anna Berg"], ids["A. Berg"], ids["Bo Sigurdsson"]
    with world.bot.engine.connect() as conn:
        assert lead_links.status_of(conn, anna, aberg) == lead_links.POSSIBLE
        assert lead_links.status_of(conn, anna, bo) is None and lead_links.status_of(conn, aberg, bo) is None
    code, out = world.cli("leads", "duplicates", str(anna))
    assert code == 0, out
    assert f"{aberg}" in out and "possible" in out and "similar name or address" in out
    code, out = world.cli("leads", "show", str(aberg))
    assert code == 0 and f"Possibly the same person: lead {anna}" in out, out
    with serving_api(world.bot) as api:
        caller = api.person("sales@acme.example", Role.SALES)
        body = caller.get(f"/api/v1/leads/{world.lead(aberg)['key']}").json()
    assert [(link["lead"], link["status"]) for link in body["links"]] == [
        (world.lead(anna)["key"], "possible")
    ]
    assert body["identifier_notes"] == [
        "phone +3545112000: a shared number, 3 people gave it; not used to match people"
    ]


def test_a_merge_through_the_api_keeps_one_record_per_crm_and_re_delivers(world: World) -> None:
    ids = ids_by_name(world)
    anna, aberg = ids["Anna Berg"], ids["A. Berg"]
    anna_record, aberg_record = world.record_of(anna), world.record_of(aberg)
    assert anna_record and aberg_record and anna_record != aberg_record
    with serving_api(world.bot) as api:
        manager = api.person("manager@acme.example", Role.MANAGER)
        answer = manager.post(
            f"/api/v1/leads/{world.lead(anna)['key']}/merge", json={"other": world.lead(aberg)["key"]}
        )
        assert answer.status_code == 200, answer.text
        merged = answer.json()
        gone = manager.get(f"/api/v1/leads/{world.lead(aberg)['key']}").json()
        listed = manager.get("/api/v1/leads").json()["items"]
        again = manager.post(
            f"/api/v1/leads/{world.lead(anna)['key']}/merge", json={"other": world.lead(aberg)["key"]}
        )
    assert merged["touch_count"] == 2 and len(merged["touches"]) == 2
    assert [(link["lead"], link["status"]) for link in merged["links"]] == [(gone["id"], "confirmed")]
    assert gone["merged_into"] == merged["id"] and gone["touches"] == []
    assert merged["id"] in [item["id"] for item in listed] and gone["id"] not in [i["id"] for i in listed]
    assert again.status_code == 409 and "merged into" in again.json()["detail"]
    world.bot.dispatcher.dispatch_due()
    # Anna's record is updated with the merged lead; A. Berg's record is left as it was (not a third one).
    contacts = world.contacts()
    assert len(contacts) == 3 and world.record_of(anna) == anna_record
    assert world.lead(anna)["revision"] == 2
    with world.bot.engine.connect() as conn:
        rows = conn.execute(
            select(deliveries.c.lead_id, deliveries.c.revision, deliveries.c.delivered_revision)
        ).all()
        (entry,) = [e for e in audit.entries(conn, target=f"lead:{anna}") if e.action == "lead.merge"]
    assert (anna, 2, 2) in [tuple(r) for r in rows]
    assert entry.actor == "manager@acme.example"


def test_a_merge_takes_over_the_record_only_the_merged_lead_had(world: World) -> None:
    ids = ids_by_name(world)
    anna, aberg = ids["Anna Berg"], ids["A. Berg"]
    aberg_record = world.record_of(aberg)
    with world.bot.engine.begin() as conn:  # as if Anna's delivery had never been made
        made = select(deliveries.c.id).where(deliveries.c.lead_id == anna).scalar_subquery()
        conn.execute(delivery_attempts.delete().where(delivery_attempts.c.delivery_id.in_(made)))
        conn.execute(deliveries.delete().where(deliveries.c.lead_id == anna))
    code, out = world.cli("leads", "merge", str(anna), str(aberg), "--by", "ops@acme.example")
    assert code == 0, out
    assert f"Lead {anna} now updates lead {aberg}'s record in: hubspot." in out
    assert world.record_of(anna) == aberg_record
    world.bot.dispatcher.dispatch_due()
    assert len(world.contacts()) == 3  # updated, not created
    with world.bot.engine.connect() as conn:
        query = select(deliveries.c.revision, deliveries.c.delivered_revision, deliveries.c.external_id)
        assert conn.execute(query.where(deliveries.c.lead_id == anna)).one() == (2, 2, aberg_record)


def test_a_split_through_the_cli_gives_the_touch_its_own_lead_and_crm_record(world: World) -> None:
    ids = ids_by_name(world)
    anna, aberg = ids["Anna Berg"], ids["A. Berg"]
    anna_record, aberg_record = world.record_of(anna), world.record_of(aberg)
    assert world.cli("leads", "merge", str(anna), str(aberg))[0] == 0  # a mistake, undone below
    world.bot.dispatcher.dispatch_due()
    touch = _touch_id(world, anna, "aberg@gmail.com")
    code, out = world.cli("leads", "split", str(anna), "--touch", str(touch), "--by", "ops@acme.example")
    assert code == 0, out
    new = max(ids_by_name(world).values())
    assert f"Touch {touch} is lead {new} now" in out
    assert world.lead(new)["full_name"] == "A. Berg" and world.lead(new)["email"] == "aberg@gmail.com"
    assert world.lead(anna)["email"] == "anna@acme.is" and world.lead(anna)["touch_count"] == 1
    assert world.bot.dispatcher.dispatch_due().delivered == 2  # the new lead, and Anna's update
    # A. Berg's lead has a record of its own again: the one the CRM holds for that address (HubSpot
    # finds contacts by email), not Anna's, and no third copy.
    assert world.record_of(new) == aberg_record and world.record_of(anna) == anna_record
    assert len(world.contacts()) == 3
    with world.bot.engine.connect() as conn:
        assert lead_links.status_of(conn, anna, new) == lead_links.REJECTED
    code, out = world.cli("leads", "split", str(anna), "--touch", str(touch))
    assert code == 1 and "has no touch" in out


def test_two_leads_recorded_as_different_people_are_never_proposed_again(world: World) -> None:
    ids = ids_by_name(world)
    anna, aberg = ids["Anna Berg"], ids["A. Berg"]
    with serving_api(world.bot) as api:
        manager = api.person("manager@acme.example", Role.MANAGER)
        answer = manager.post(
            f"/api/v1/leads/{world.lead(anna)['key']}/different", json={"other": world.lead(aberg)["key"]}
        )
        assert answer.status_code == 200, answer.text
    assert [link["status"] for link in answer.json()["links"]] == ["rejected"]
    drop(
        world.inbox / "again.csv",
        "Name,Email,Phone,Interest\nA. Berg,aberg@gmail.com,511 2000,a bed\n",
        world.clock,
    )
    world.bot.runner.poll("fair")
    with world.bot.engine.connect() as conn:
        assert lead_links.status_of(conn, anna, aberg) == lead_links.REJECTED


def _touch_id(world: World, lead_id: int, email: str) -> int:
    with world.bot.engine.connect() as conn:
        query = select(touches.c.id, touches.c.contact).where(touches.c.lead_id == lead_id)
        (found,) = [row.id for row in conn.execute(query) if row.contact.get("email") == email]
        return int(found)
