"""A backfill started through the API (``POST /api/v1/sources/{name}/backfill``), over real HTTP on both
databases, against the sandbox's Graph API: a Meta lead-ads source whose history is longer than its
first poll's window, on the world's fixed clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from socialleads.accounts.roles import Role
from socialleads.bot import Bot, build_bot
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.living import World
from socialleads.settings import Settings
from socialleads.store.tables import leads, raw_events
from tests.support.api import ANY_PORT, ApiServer, Caller, serving_api
from tests.support.configs import write_config
from tests.support.meta_leads import MAIN, lead_world, main_page_source

pytestmark = pytest.mark.timeout(180)
BACKFILL = "/api/v1/sources/leads/backfill"


@dataclass
class Setup:
    world: World
    chaos: Chaos
    bot: Bot
    api: ApiServer

    def stored(self) -> list[str]:
        """The native ids of the lead events stored, repeats included."""
        query = select(raw_events.c.native_id).where(raw_events.c.source == "leads")
        with self.bot.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def lead_count(self) -> int:
        with self.bot.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(leads)).scalar_one())

    def main_page_leads(self) -> set[str]:
        return {lead.id for lead in self.world.leads if lead.page_id == MAIN}


@pytest.fixture
def setup(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    world = lead_world(seed=5, history=timedelta(days=1))
    chaos = Chaos()
    source = main_page_source(world, monkeypatch.setenv, first_window="2h")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with SandboxServer(world, chaos) as sandbox:
        config = write_config(
            tmp_path / "config",
            sources={"leads": source, "fair": {"type": "csv", "config": {"folder": str(inbox)}}},
            sinks={"console": {"type": "console"}},
            default_route=["console"],
        )
        bot = build_bot(
            Settings(database_url=database_url, config_dir=config, sandbox_url=sandbox.url, web=ANY_PORT),
            clock=lambda: world.now,
        )
        try:
            with serving_api(bot) as api:
                yield Setup(world, chaos, bot, api)
        finally:
            bot.close()


def finished(caller: Caller, timeout: float = 90.0) -> dict[str, Any]:
    """The job once it stopped running, read as the console reads it."""
    deadline = time.monotonic() + timeout
    while True:
        answer = caller.get(BACKFILL)
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        if job["status"] != "running":
            return job
        assert time.monotonic() < deadline, f"the backfill still runs: {job}"
        time.sleep(0.05)


def test_a_backfill_reads_what_the_poll_left_out_without_doubling(setup: Setup) -> None:
    admin = setup.api.person("ada@example.com", Role.ADMIN)
    assert setup.bot.runner.poll("leads").status == "ok"
    polled = set(setup.stored())
    assert 0 < len(polled) < len(setup.main_page_leads())  # two hours of a day
    leads_before = setup.lead_count()

    started = admin.post(BACKFILL, json={"since": "2d"})
    assert started.status_code == 202, started.text
    assert started.json()["since"] == "2d" and started.json()["error"] is None
    job = finished(admin)

    ids = setup.stored()
    assert set(ids) == setup.main_page_leads() and len(ids) == len(set(ids))
    assert job["status"] == "done" and job["error"] is None, job
    assert job["parts_total"] == job["parts_done"] == job["parts_known"] == 2  # the main page's forms
    assert job["parts_skipped"] == 0 and job["current_part"] is None
    assert job["events_read"] == len(ids)
    assert job["events_new"] == len(ids) - len(polled)
    assert job["leads_created"] == setup.lead_count() - leads_before > 0
    assert job["started_at"] == started.json()["started_at"] and job["finished_at"] is not None
    entries = admin.get("/api/v1/audit", params={"target": "source:leads"}).json()
    assert [(e["action"], e["actor"], e["after"]) for e in entries] == [
        ("source.backfill", "ada@example.com", {"since": "2d", "restart": False})
    ]
    status = {s["name"]: s for s in admin.get("/api/v1/status/sources").json()}
    assert status["leads"]["can_backfill"] is True and status["fair"]["can_backfill"] is False


def test_one_backfill_at_a_time_and_a_finished_one_is_not_read_again(setup: Setup) -> None:
    admin = setup.api.person("ada@example.com", Role.ADMIN)
    setup.chaos.update({"slow_ms": 250})  # every Graph answer waits: the first job is still running
    assert admin.post(BACKFILL, json={"since": "2d"}).status_code == 202
    again = admin.post(BACKFILL, json={"since": "30d"})
    assert again.status_code == 409 and "is running" in again.json()["detail"], again.text
    assert admin.get(BACKFILL).json()["status"] == "running"
    setup.chaos.update({"slow_ms": 0})
    assert finished(admin)["status"] == "done"

    repeat = admin.post(BACKFILL, json={"since": "2d"})  # the same period: both parts are done
    assert repeat.status_code == 202, repeat.text
    job = finished(admin)
    assert job["status"] == "done" and job["parts_skipped"] == job["parts_done"] == 2
    assert job["events_read"] == 0
    restarted = admin.post(BACKFILL, json={"since": "2d", "restart": True})
    assert restarted.status_code == 202
    job = finished(admin)
    assert job["parts_skipped"] == 0 and job["events_read"] == len(setup.main_page_leads())
    assert job["events_new"] == 0  # every event is stored already: absorbed, not doubled
    assert len(setup.stored()) == len(setup.main_page_leads())


def test_who_may_backfill_what(setup: Setup) -> None:
    admin = setup.api.person("ada@example.com", Role.ADMIN)
    assert admin.get(BACKFILL).status_code == 404  # none ran yet
    unknown = admin.post("/api/v1/sources/nope/backfill", json={"since": "7d"})
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert admin.get("/api/v1/sources/nope/backfill").status_code == 404
    cannot = admin.post("/api/v1/sources/fair/backfill", json={"since": "7d"})
    assert cannot.status_code == 409 and "cannot backfill" in cannot.json()["detail"]
    for bad in ("soon", "0d", "-1d", "99999999999999999999d", "4000d"):
        refused = admin.post(BACKFILL, json={"since": bad})
        assert refused.status_code == 422, (bad, refused.text)
    for role in (Role.SALES, Role.MANAGER):
        caller = setup.api.person(f"{role.value}@example.com", role)
        assert caller.post(BACKFILL, json={"since": "7d"}).status_code == 403
        assert caller.get(BACKFILL).status_code == 403
    assert admin.get(BACKFILL).status_code == 404  # nothing was started by the refused calls
    assert setup.stored() == []


def test_a_failing_backfill_ends_failed_with_the_reason_and_no_secret(setup: Setup) -> None:
    admin = setup.api.person("ada@example.com", Role.ADMIN)
    setup.chaos.update({"meta_token_expired": True})
    assert admin.post(BACKFILL, json={"since": "2d"}).status_code == 202
    job = finished(admin)
    assert job["status"] == "failed" and job["finished_at"] is not None, job
    assert job["error"] and "expired" in job["error"].lower(), job["error"]
    answer = admin.get(BACKFILL).text
    tokens = setup.world.tokens
    for secret in (tokens.page_tokens[MAIN], tokens.app_secret):
        assert secret not in answer

    setup.chaos.update({"meta_token_expired": False})  # the token is renewed: starting again works
    assert admin.post(BACKFILL, json={"since": "2d"}).status_code == 202
    assert finished(admin)["status"] == "done"
    ids = setup.stored()
    assert set(ids) == setup.main_page_leads() and len(ids) == len(set(ids))
