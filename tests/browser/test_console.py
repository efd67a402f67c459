"""The console in a real browser, against a running bot, its database, the sandbox and the CRM emulator.

Each test signs in through the sign-in form as a person with a role, and saves screenshots of the pages
it saw (conftest.py says where).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from socialleads.testing.http_receiver import ScriptedResponse
from tests.browser.driving import Shot, sign_in
from tests.browser.world import ConsoleWorld
from tests.support.api import PASSWORD

pytestmark = pytest.mark.timeout(180)

INTENT_COMMENT = "How much is the oak dining table? I'd like to order two for our office."


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    made = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    try:
        yield made
    finally:
        made.close()


def test_signing_in_and_out(app: ConsoleWorld, context: Any, shot: Shot) -> None:
    app.api.person("sam@example.com", "sales", name="Sam Sales")
    page = context.new_page()
    page.goto(f"{app.origin}/inbox")
    page.wait_for_url(re.compile(r"/login\?next=%2Finbox$"))
    shot(page, "login")
    page.get_by_label("Email").fill("sam@example.com")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong email or password."
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{app.origin}/inbox")
    page.get_by_role("heading", name="Inbox").wait_for()
    assert page.get_by_test_id("role").inner_text() == "sales"
    cookie = next(c for c in context.cookies() if c["name"] == "sl_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(f"{app.origin}/inbox")
    page.wait_for_url(re.compile(r"/login\?next="))  # the session is over on the server too


def test_a_webhook_lead_reaches_the_inbox_within_a_second_and_its_status_reaches_the_crm(
    app: ConsoleWorld, context: Any, shot: Shot
) -> None:
    app.api.person("sam@example.com", "sales", name="Sam Sales")
    page = context.new_page()
    sign_in(page, app.origin, "sam@example.com")
    page.get_by_text("No leads match these filters.").wait_for()
    page.locator("body[data-live='on']").wait_for(state="attached")  # the event stream is open

    sent = time.perf_counter()
    app.comment("Gudrun Olafsdottir", INTENT_COMMENT)
    row = page.locator("#lead-rows tr", has_text="Gudrun Olafsdottir")
    row.wait_for(timeout=5000)
    seen_after = time.perf_counter() - sent
    print(f"webhook to inbox row: {seen_after * 1000:.0f} ms")
    assert seen_after <= 1.0
    assert row.locator(".reason-list li").count() >= 1  # why it is a lead, at a glance
    shot(page, "inbox")

    row.get_by_role("link", name="Gudrun Olafsdottir").click()
    page.get_by_role("heading", name="Gudrun Olafsdottir").wait_for()
    marks = page.get_by_test_id("intent-message").locator("mark").all_inner_texts()
    assert marks and all(text.lower() in INTENT_COMMENT.lower() for text in marks), marks
    app.wait_until("the lead to reach HubSpot", lambda: app.hubspot.records("contacts"))
    shot(page, "lead")

    page.get_by_role("button", name="Contacted").click()
    page.get_by_test_id("lead-status").get_by_text("contacted").wait_for()
    app.wait_until("HubSpot to hold the new lead status", lambda: app.hubspot_lead_status() == "CONNECTED")
    page.get_by_label("Add a note").fill("Called, sending a quote for two tables.")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Called, sending a quote for two tables.").wait_for()
    assert page.get_by_label("Add a note").input_value() == ""  # saved, so no longer in the box
    shot(page, "lead-contacted")

    page.get_by_role("button", name="Lost").click()
    page.get_by_role("button", name="Mark lost").click()  # no reason yet: nothing is sent
    assert page.get_by_test_id("lead-status").inner_text() == "contacted"
    page.get_by_label("Reason").fill("bought elsewhere")
    page.get_by_role("button", name="Mark lost").click()
    page.get_by_test_id("lead-status").get_by_text("lost").wait_for()
    page.get_by_text("Reason: bought elsewhere").wait_for()
    app.wait_until("HubSpot to hold the lost status", lambda: app.hubspot_lead_status() == "UNQUALIFIED")


def test_a_salesperson_cannot_open_admin_pages(app: ConsoleWorld, context: Any, shot: Shot) -> None:
    app.api.person("sam@example.com", "sales")
    page = context.new_page()
    sign_in(page, app.origin, "sam@example.com")
    menu = page.get_by_role("navigation", name="Main")
    assert menu.get_by_role("link").all_inner_texts() == ["Inbox", "Campaigns"]
    for path in ("/dashboard", "/sources", "/deliveries", "/admin/users"):
        answer = page.goto(f"{app.origin}{path}")
        assert answer is not None and answer.status == 403
        page.get_by_role("heading", name="This page is not for your role").wait_for()
    shot(page, "forbidden")


def test_an_admin_replays_a_dead_letter(app: ConsoleWorld, context: Any, shot: Shot) -> None:
    app.api.person("ada@example.com", "admin", name="Ada Admin")
    app.receiver.script(
        ScriptedResponse(400, b'{"error": "unknown field"}', {"Content-Type": "application/json"})
    )
    app.comment(
        "Pekka Virtanen", "Do you deliver to Helsinki? I want to buy the oak table, what's the price?"
    )
    app.wait_until("the relay to refuse the lead", lambda: app.receiver.requests)
    page = context.new_page()
    sign_in(page, app.origin, "ada@example.com", start="/deliveries?status=dead")
    row = page.locator("#delivery-rows tr", has_text="relay")
    row.wait_for()
    shot(page, "deliveries")
    row.get_by_role("button", name="Replay").click()
    page.get_by_text("1 delivery queued again").wait_for()
    app.wait_until("the replayed delivery to be sent", lambda: len(app.receiver.requests) >= 2)
    page.goto(f"{app.origin}/sources")
    page.get_by_role("button", name="Check now: fbc").click()
    page.get_by_test_id("expires-fbc").get_by_text("Credentials expire").wait_for()  # the page token's expiry
    page.goto(f"{app.origin}/admin/users")
    page.get_by_role("table", name="People").get_by_text("ada@example.com").wait_for()
    page.get_by_role("table", name="Audit log").get_by_text("delivery.replay").wait_for()
    shot(page, "people")


def test_every_page_sends_a_policy_that_forbids_inline_script(app: ConsoleWorld, context: Any) -> None:
    app.api.person("ada@example.com", "admin")
    page = context.new_page()
    answers = {"/login": page.request.get(f"{app.origin}/login", max_redirects=0)}
    sign_in(page, app.origin, "ada@example.com")
    for path in ("/inbox", "/deliveries", "/admin/users", "/leads/sl1-" + "0" * 32):
        answers[path] = page.request.get(f"{app.origin}{path}", max_redirects=0)
    for path, answer in answers.items():
        assert answer.headers["content-type"].startswith("text/html"), path
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["cache-control"] == "no-store", path
