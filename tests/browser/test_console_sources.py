"""The "Sources and sinks" page in a real browser, against a running bot (tests/browser/world.py).

An admin adds a CSV source from the form generated from the csv connector's config model (a wrong
duration is refused with the problem shown at its field), checks it and sees it healthy; a file
dropped in its inbox becomes a lead without a restart (the scheduler follows source changes). An
admin edits a sink added through the API: its stored secret is never shown, stays stored when the
field is left empty, and a secret can be given as an ``$env`` reference instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.driving import Shot, sign_in
from tests.browser.world import ConsoleWorld

pytestmark = pytest.mark.timeout(180)

HOOK_SECRET = "whsec-4f1c9a7e-console-test"


def _wait_for_text(locator: Any, pattern: str, timeout_s: float = 15.0) -> None:
    """Wait until ``locator``'s text matches ``pattern`` (the page reloads its tables on live events)."""
    from playwright.sync_api import expect

    expect(locator).to_contain_text(re.compile(pattern), timeout=timeout_s * 1000)


def test_an_admin_adds_a_csv_source_checks_it_and_its_leads_arrive(
    app: ConsoleWorld, page: Any, shot: Shot, tmp_path: Path
) -> None:
    app.api.person("ada@example.com", "admin", name="Ada Admin")
    inbox = tmp_path / "fair-inbox"
    sign_in(page, app.origin, "ada@example.com", start="/sources")
    sources = page.get_by_role("table", name="Sources")
    sources.locator('tr[data-name="fbc"]').wait_for()
    page.get_by_role("table", name="Sinks").locator('tr[data-name="hubspot"]').wait_for()
    shot(page, "sources")

    page.get_by_role("button", name="Add a source").click()
    form = page.get_by_role("form", name="Add a source")
    form.get_by_label("Name (required)").fill("fair")
    form.get_by_label("Connector (required)").select_option("csv")
    # Help from the model's attribute docstrings, which pydantic's own schema leaves out.
    form.get_by_text("Our field name → the header used in the files").wait_for()
    form.get_by_label("Folder (required)").fill(str(inbox))
    form.get_by_label("Every", exact=True).fill("soon")
    form.get_by_label("Settle", exact=True).fill("0s")
    form.get_by_role("button", name="Add source").click()
    problem = form.locator('[data-key="every"] .field-error')
    _wait_for_text(problem, r"'soon' is not a duration; write it like 30s")
    assert form.get_by_label("Every", exact=True).get_attribute("aria-invalid") == "true"
    shot(page, "form-problem")

    form.get_by_label("Every", exact=True).fill("1s")
    form.get_by_role("button", name="Add source").click()
    page.get_by_text("source fair saved").wait_for()
    row = sources.locator('tr[data-name="fair"]')
    row.wait_for()
    row.get_by_role("button", name="Check now: fair").click()
    result = page.get_by_test_id("check-source-fair")
    _wait_for_text(result, r"healthy")
    assert f"watching {inbox}: 0 files waiting" in result.inner_text()
    shot(page, "checked")

    (inbox / "fair.csv").write_text("name,email\nSigrid Jonsdottir,sigrid@example.com\n", encoding="utf-8")
    _wait_for_text(row, r"1 event, 1 lead")  # polled by the running scheduler, no restart
    _wait_for_text(row, r"healthy")
    assert "poll only 1" in row.inner_text()
    shot(page, "lead-arrived")
    page.goto(f"{app.origin}/inbox")
    page.locator("#lead-rows tr", has_text="Sigrid Jonsdottir").wait_for()


def test_an_admin_edits_a_sink_and_its_secret_stays_write_only(
    app: ConsoleWorld, page: Any, shot: Shot, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = app.api.person("ada@example.com", "admin", name="Ada Admin")
    hook = {
        "type": "webhook",
        "config": {
            "url": f"{app.receiver.url}/hooks/other",
            "secret": HOOK_SECRET,
            "headers": {"X-Api-Key": "key-one-from-the-test"},  # masked too, by its name
        },
    }
    assert admin.put("/api/v1/sinks/hook", json=hook).status_code == 200
    monkeypatch.setenv("HOOK_AUTHORIZATION", "Bearer from-the-environment")

    sign_in(page, app.origin, "ada@example.com", start="/sources")
    row = page.get_by_role("table", name="Sinks").locator('tr[data-name="hook"]')
    row.get_by_role("button", name="Edit hook").click()
    form = page.get_by_role("form", name="Edit sink hook")
    secret = form.get_by_label("Secret", exact=True)
    assert secret.input_value() == "" and secret.get_attribute("placeholder") == "leave empty to keep"
    assert secret.get_attribute("type") == "password"
    assert HOOK_SECRET not in page.content()
    form.get_by_label("Authorization: given as").select_option("env")
    form.get_by_label("Authorization", exact=True).fill("HOOK_AUTHORIZATION")
    form.get_by_label("Timeout", exact=True).fill("5s")
    shot(page, "edit-sink")
    # The API keeps a masked value only for the connector's own secrets, not inside a map: sending the
    # header's mask back would store it as the header, so the form asks for it again.
    headers = form.get_by_label("Headers", exact=True)
    assert headers.input_value() == "X-Api-Key = ********"
    form.get_by_role("button", name="Save changes").click()
    _wait_for_text(form.locator('[data-key="config.headers"] .field-error'), r"holds a masked secret")
    headers.fill("X-Api-Key = key-two-from-the-form")
    form.get_by_role("button", name="Save changes").click()
    page.get_by_text("sink hook saved").wait_for()

    stored = admin.get("/api/v1/sinks/hook").json()
    assert stored["version"] == 2
    assert stored["body"]["config"] == {
        "url": f"{app.receiver.url}/hooks/other",
        "secret": "********",  # kept: the empty field was left out of the change
        "authorization": {"$env": "HOOK_AUTHORIZATION"},
        "timeout": "5s",
        "headers": {"X-Api-Key": "********"},
    }
    assert app.bot.sinks["hook"].config.headers == {"X-Api-Key": "key-two-from-the-form"}  # in force
    row.get_by_role("button", name="Check now: hook").click()
    _wait_for_text(page.get_by_test_id("check-sink-hook"), r"Checked")
