"""The Backfill button of the "Sources and sinks" page in a real browser.

The console's usual world (tests/browser/world.py) reads Meta comments, whose connector cannot
backfill; this one serves a bot with a Meta lead-ads source against the sandbox, whose history (a day)
is longer than its first poll's window (two hours), and a CSV source, which cannot backfill. The bot
runs on the wall clock, so the world's present is now; nothing here asserts a date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from socialleads.bot import Bot, build_bot
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.living import Rates, World
from socialleads.settings import Settings
from socialleads.store.tables import leads, raw_events
from tests.browser.driving import Shot, sign_in
from tests.support.api import ANY_PORT, ApiServer, serving_api
from tests.support.bots import WallClock
from tests.support.configs import write_config
from tests.support.meta_leads import MAIN, main_page_source

pytestmark = pytest.mark.timeout(180)


@dataclass
class LeadsWorld:
    bot: Bot
    world: World
    chaos: Chaos
    api: ApiServer

    def stored(self) -> list[str]:
        query = select(raw_events.c.native_id).where(raw_events.c.source == "leads")
        with self.bot.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def lead_count(self) -> int:
        with self.bot.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(leads)).scalar_one())


@pytest.fixture
def app(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LeadsWorld]:
    rates = Rates(
        leads=0.5, fb_comments=0, ig_comments=0, x_posts=0, fb_posts_per_hour=0, ig_media_per_hour=0
    )
    world = World(seed=5, start=datetime.now(UTC), rates=rates, history=timedelta(days=1), population=120)
    chaos = Chaos()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with SandboxServer(world, chaos) as sandbox:
        config = write_config(
            tmp_path / "config",
            sources={
                "leads": main_page_source(world, monkeypatch.setenv, first_window="2h"),
                "fair": {"type": "csv", "config": {"folder": str(inbox)}},
            },
            sinks={"console": {"type": "console"}},
            default_route=["console"],
        )
        bot = build_bot(
            Settings(database_url=database_url, config_dir=config, sandbox_url=sandbox.url, web=ANY_PORT),
            clock=WallClock(),
        )
        try:
            with serving_api(bot) as api:
                yield LeadsWorld(bot, world, chaos, api)
        finally:
            bot.close()


def test_an_admin_backfills_a_source_and_watches_the_bar_to_the_end(
    app: LeadsWorld, page: Any, shot: Shot
) -> None:
    from playwright.sync_api import expect

    assert app.bot.runner.poll("leads").status == "ok"
    polled = len(app.stored())
    main_leads = {lead.id for lead in app.world.leads if lead.page_id == MAIN}
    assert 0 < polled < len(main_leads)
    leads_before = app.lead_count()
    app.api.person("ada@example.com", "admin", name="Ada Admin")
    sign_in(page, app.api.origin, "ada@example.com", start="/sources")
    table = page.get_by_role("table", name="Sources")
    row = table.locator('tr[data-name="leads"]')
    row.wait_for()
    expect(table.locator('tr[data-name="fair"]')).to_be_visible()
    expect(page.get_by_role("button", name="Backfill fair")).to_have_count(0)  # CSV reads no history

    app.chaos.update({"slow_ms": 100})  # Graph answers slowly: the bar is seen moving
    row.get_by_role("button", name="Backfill leads").click()
    dialog = page.get_by_role("dialog", name="Backfill leads")
    expect(dialog.get_by_role("radio", name="90d")).to_be_checked()
    dialog.get_by_label("Other period").fill("2d")
    expect(dialog.get_by_role("radio", name="other:")).to_be_checked()
    shot(page, "dialog")
    dialog.get_by_role("button", name="Start backfill").click()
    expect(dialog).to_have_count(0)

    box = page.get_by_test_id("backfill-leads")
    expect(box).to_contain_text("Backfill since 2d")
    expect(box.get_by_role("progressbar")).to_be_visible()
    expect(row.get_by_role("button", name="Backfill leads")).to_be_disabled()
    expect(box).to_contain_text(re.compile(r"part \d of 2|listing parts"))
    shot(page, "running")
    app.chaos.update({"slow_ms": 0})

    expect(box).to_contain_text("Backfill since 2d done", timeout=60_000)
    stored = app.stored()
    assert set(stored) == main_leads and len(stored) == len(set(stored))
    created = app.lead_count() - leads_before
    expect(box).to_contain_text("2 of 2 parts")
    expect(box).to_contain_text(f"{len(stored)} events read, {len(stored) - polled} new · {created} leads")
    bar = box.get_by_role("progressbar")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "2"
    expect(row.get_by_role("button", name="Backfill leads")).to_be_enabled()
    expect(row.locator('[data-label="Events"]')).to_contain_text(f"{len(stored)} events")  # reloaded
    shot(page, "done")
