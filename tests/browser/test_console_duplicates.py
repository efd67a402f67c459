"""The lead page's "one person or two" (#18) in a real browser: merge, different people, split.

A bot reads a trade-show CSV (a ``csv`` source, polled once by the test) where Bo gave the office
phone, Anna her work address and the same phone, and "A. Berg" a gmail address and the same phone:
three leads on a shared number, Anna and A. Berg linked as possibly one person
(tests/integration/test_lead_merges.py has the same file). Its web app serves the console; a manager
signs in through the form and decides on the lead page. Each test checks the page ran no script error,
logged no console error and broke no rule of its Content-Security-Policy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from socialleads.bot import Bot, build_bot
from socialleads.settings import Settings
from socialleads.store import lead_links
from socialleads.store.tables import leads, touches
from tests.browser.driving import CSP_LISTENER, Shot, sign_in
from tests.support.api import ANY_PORT, ApiServer, Caller, serving_api
from tests.support.bots import WallClock
from tests.support.configs import write_config

pytestmark = pytest.mark.timeout(180)

PEOPLE = (
    "Name,Email,Phone,Interest\n"
    "Bo Sigurdsson,bo@acme.is,511 2000,desks\n"
    "Anna Berg,anna@acme.is,511 2000,sofas\n"
    "A. Berg,aberg@gmail.com,+354 511 2000,sofas\n"
)
MANAGER = "manager@acme.example"
#: Chromium logs every answer of 4xx to a fetch as a console error; a test that asks for a 409 expects it.
REFUSED = re.compile(r"^Failed to load resource: the server responded with a status of 409 ")


@dataclass
class FairWorld:
    """The running bot with its three leads, a manager's API caller, and the keys and ids by name."""

    bot: Bot
    api: ApiServer
    manager: Caller

    def lead_ids(self) -> dict[str, tuple[int, str]]:
        """Each lead's (id, key) by the person's name (the newest of a name wins)."""
        with self.bot.engine.connect() as conn:
            rows = conn.execute(select(leads.c.id, leads.c.key, leads.c.full_name).order_by(leads.c.id))
            return {row.full_name: (row.id, row.key) for row in rows}

    def touch_of(self, lead_id: int, email: str) -> int:
        """The id of the touch of lead ``lead_id`` that gave ``email``."""
        with self.bot.engine.connect() as conn:
            query = select(touches.c.id, touches.c.contact).where(touches.c.lead_id == lead_id)
            (found,) = [row.id for row in conn.execute(query) if row.contact.get("email") == email]
            return int(found)


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[FairWorld]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    clock = WallClock()
    (inbox / "fair.csv").write_text(PEOPLE, encoding="utf-8")
    written = (clock() - timedelta(hours=1)).timestamp()  # settled: the source reads it at once
    os.utime(inbox / "fair.csv", (written, written))
    config = write_config(
        tmp_path / "config",
        sources={"fair": {"type": "csv", "phone_region": "IS", "config": {"folder": str(inbox)}}},
        sinks={"console": {"type": "console"}},
        default_route=["console"],
    )
    bot = build_bot(Settings(database_url=database_url, config_dir=config, web=ANY_PORT), clock=clock)
    try:
        assert bot.runner.poll("fair").status == "ok"
        with serving_api(bot) as api:
            manager = api.person(MANAGER, "manager", name="Mia Manager")
            yield FairWorld(bot, api, manager)
    finally:
        bot.close()


class Watched:
    """A browser page whose script errors, console errors and CSP violations are collected."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
        self.context.add_init_script(CSP_LISTENER)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.refused: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        (self.refused if REFUSED.match(message.text) else self.errors).append(message.text)

    def assert_clean(self) -> None:
        """No CSP violation on the page open now, and no error on any page so far."""
        assert self.page.evaluate("window.__cspViolations") == []
        assert self.errors == []


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    made = Watched(browser)
    try:
        yield made
    finally:
        made.context.close()


def test_a_manager_merges_the_possible_duplicate_and_its_page_says_where_it_went(
    app: FairWorld, watched: Watched, shot: Shot
) -> None:
    from playwright.sync_api import expect

    ids = app.lead_ids()
    anna_key, aberg_key = ids["Anna Berg"][1], ids["A. Berg"][1]
    page = watched.page
    sign_in(page, app.api.origin, MANAGER, start=f"/leads/{anna_key}")
    possible = page.get_by_test_id("possible-links")
    expect(page.get_by_role("heading", name="Possibly the same person")).to_be_visible()
    expect(possible).to_contain_text("A. Berg")  # the other lead's name, fetched
    expect(possible).to_contain_text("similar name")
    expect(possible.get_by_role("link", name="A. Berg")).to_have_attribute("href", f"/leads/{aberg_key}")
    expect(page.get_by_test_id("identifier-notes")).to_contain_text("a shared number, 3 people gave it")
    expect(page.get_by_test_id("touch-count")).to_have_text("1 touch")
    expect(page.get_by_role("button", name="Not this person: split off")).to_have_count(0)  # one touch
    shot(page, "possible")

    possible.get_by_role("button", name="Same person: merge into this lead").click()
    expect(page.get_by_test_id("touch-count")).to_have_text("2 touches")
    expect(page.locator(".timeline > li")).to_have_count(2)
    expect(page.get_by_test_id("possible-links")).to_have_count(0)
    decided = page.get_by_test_id("decided-links")
    expect(decided).to_contain_text(f"A. Berg: recorded as the same person (merged) by {MANAGER} on ")
    expect(page.get_by_role("button", name="Not this person: split off")).to_have_count(2)
    shot(page, "merged")
    watched.assert_clean()

    decided.get_by_role("link", name="A. Berg").click()
    page.wait_for_url(f"{app.api.origin}/leads/{aberg_key}")
    banner = page.get_by_test_id("merged-banner")
    expect(banner).to_contain_text("Merged into Anna Berg")
    expect(banner.get_by_role("link", name="Anna Berg")).to_have_attribute("href", f"/leads/{anna_key}")
    expect(
        page.get_by_text("No touches here: they moved to the lead this one was merged into.")
    ).to_be_visible()
    for name in ("Contacted", "Assign to me", "Save note", "Same person: merge into this lead"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    shot(page, "merged-away")
    watched.assert_clean()
    assert watched.refused == []


def test_a_manager_records_two_leads_as_different_people(
    app: FairWorld, watched: Watched, shot: Shot
) -> None:
    from playwright.sync_api import expect

    ids = app.lead_ids()
    (anna, anna_key), (aberg, _) = ids["Anna Berg"], ids["A. Berg"]
    page = watched.page
    sign_in(page, app.api.origin, MANAGER, start=f"/leads/{anna_key}")
    page.get_by_test_id("possible-links").get_by_role("button", name="Different people").click()
    decided = page.get_by_test_id("decided-links")
    expect(decided).to_contain_text(f"A. Berg: recorded as different people by {MANAGER} on ")
    expect(page.get_by_test_id("possible-links")).to_have_count(0)
    expect(page.get_by_role("heading", name="Same person or not")).to_be_visible()
    expect(page.locator("#toast")).to_contain_text("Recorded as different people")
    expect(page.get_by_test_id("touch-count")).to_have_text("1 touch")
    with app.bot.engine.connect() as conn:
        assert lead_links.status_of(conn, anna, aberg) == lead_links.REJECTED
    page.reload()  # stored, not only drawn
    expect(page.get_by_test_id("decided-links")).to_contain_text("recorded as different people")
    shot(page, "different")
    watched.assert_clean()


def test_a_manager_splits_a_touch_off_and_lands_on_its_new_lead(
    app: FairWorld, watched: Watched, shot: Shot
) -> None:
    from playwright.sync_api import expect

    ids = app.lead_ids()
    (anna, anna_key), aberg_key = ids["Anna Berg"], ids["A. Berg"][1]
    merged = app.manager.post(f"/api/v1/leads/{anna_key}/merge", json={"other": aberg_key})
    assert merged.status_code == 200, merged.text  # a mistake, undone in the browser
    touch = app.touch_of(anna, "aberg@gmail.com")
    page = watched.page
    sign_in(page, app.api.origin, MANAGER, start=f"/leads/{anna_key}")
    item = page.locator(f'.timeline > li[data-touch="{touch}"]')
    item.get_by_role("button", name="Not this person: split off").click()
    confirm = item.get_by_role("group", name="Split off this touch")
    expect(confirm).to_contain_text("Make this touch a lead of its own?")
    expect(confirm.get_by_role("button", name="Split off", exact=True)).to_be_focused()
    confirm.get_by_role("button", name="Cancel").click()  # asked twice: nothing happened yet
    expect(confirm).to_have_count(0)
    expect(page.get_by_test_id("touch-count")).to_have_text("2 touches")
    shot(page, "before-split")

    item.get_by_role("button", name="Not this person: split off").click()
    item.get_by_role("button", name="Split off", exact=True).click()
    page.wait_for_url(lambda url: "/leads/sl1-" in url and anna_key not in url)
    new_id, new_key = max(app.lead_ids().values())  # the split made the newest lead
    assert new_key not in (anna_key, aberg_key)
    assert page.url == f"{app.api.origin}/leads/{new_key}"
    expect(page.get_by_role("heading", name="A. Berg", exact=True)).to_be_visible()
    expect(page.get_by_test_id("touch-count")).to_have_text("1 touch")
    expect(page.get_by_test_id("decided-links")).to_contain_text(
        f"Anna Berg: recorded as different people by {MANAGER} on "
    )
    with app.bot.engine.connect() as conn:
        assert lead_links.status_of(conn, anna, new_id) == lead_links.REJECTED
    shot(page, "split")
    watched.assert_clean()


def test_a_refused_merge_is_shown_as_the_reason(app: FairWorld, watched: Watched, shot: Shot) -> None:
    from playwright.sync_api import expect

    ids = app.lead_ids()
    (anna, anna_key), (aberg, aberg_key) = ids["Anna Berg"], ids["A. Berg"]
    page = watched.page
    sign_in(page, app.api.origin, MANAGER, start=f"/leads/{anna_key}")
    button = page.get_by_role("button", name="Same person: merge into this lead")
    expect(button).to_be_visible()
    # Meanwhile someone else merged Anna into A. Berg (the event names A. Berg's lead, not this page's).
    other = app.manager.post(f"/api/v1/leads/{aberg_key}/merge", json={"other": anna_key})
    assert other.status_code == 200, other.text
    button.click()
    expect(page.locator("#toast")).to_contain_text(f"lead #{anna} was merged into lead #{aberg} already")
    expect(button).to_be_enabled()  # nothing changed: the person may read the reason and reload
    shot(page, "refused")
    assert len(watched.refused) == 1
    watched.assert_clean()


def test_the_decisions_have_no_serious_accessibility_violation(app: FairWorld, browser: Any) -> None:
    from playwright.sync_api import expect

    from tests.browser.test_console_accessibility import settled, violations

    ids = app.lead_ids()
    anna_key, aberg_key = ids["Anna Berg"][1], ids["A. Berg"][1]
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)  # axe is injected
    try:
        page = context.new_page()
        sign_in(page, app.api.origin, MANAGER, start=f"/leads/{anna_key}")
        settled(page)
        expect(page.get_by_test_id("possible-links")).to_contain_text("A. Berg")
        found = {"possible": violations(page)}
        page.get_by_role("button", name="Same person: merge into this lead").click()
        page.get_by_role("button", name="Not this person: split off").first.click()
        expect(page.get_by_role("button", name="Split off", exact=True)).to_be_focused()
        found["split asked"] = violations(page)
        page.goto(f"{app.api.origin}/leads/{aberg_key}")
        settled(page)
        expect(page.get_by_test_id("merged-banner")).to_contain_text("Anna Berg")
        found["merged away"] = violations(page)
    finally:
        context.close()
    assert not any(found.values()), found
