"""Every console page, checked by axe-core in the browser: no serious or critical violation.

axe-core (``vendor/axe-core``, a test tool, not shipped) is put into each page by the test. The pages'
own CSP forbids any script not served by the bot, so this test's browser context bypasses the CSP to
inject it; the other browser tests keep the CSP on and check it is respected. Each page is checked once
its script has filled it (no "Loading…" left), at a desk's width and a phone's.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.world import ConsoleWorld
from tests.support.api import PASSWORD

pytestmark = pytest.mark.timeout(240)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
PAGES = ("/inbox", "/campaigns", "/dashboard", "/sources", "/deliveries", "/admin/users")


def violations(page: Any) -> list[str]:
    """axe's serious and critical violations on the page as it is, one line each."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
            }));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['targets']}" for v in found if v["impact"] in BLOCKING
    ]


def settled(page: Any) -> None:
    """Wait until the page's script has replaced its "Loading…" and the network is quiet."""
    page.wait_for_load_state("networkidle")
    deadline = time.monotonic() + 10
    while page.locator("p.loading").count() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_no_page_has_a_serious_accessibility_violation(app: ConsoleWorld, browser: Any) -> None:
    app.api.person("ada@example.com", "admin", name="Ada Admin")
    app.comment(
        "Gudrun Olafsdottir", "How much is the oak dining table? I'd like to order two for our office."
    )
    app.wait_until("the lead to reach HubSpot", lambda: app.hubspot.records("contacts"))
    found: dict[str, list[str]] = {}
    for viewport in ({"width": 1280, "height": 860}, {"width": 390, "height": 844}):
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{app.origin}/login")
        settled(page)
        found[f"/login at {viewport['width']}"] = violations(page)
        page.get_by_label("Email").fill("ada@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{app.origin}/inbox")
        lead_path = page.locator("#lead-rows a.lead-name").first.get_attribute("href")
        for path in (*PAGES, lead_path):
            page.goto(f"{app.origin}{path}")
            settled(page)
            found[f"{path} at {viewport['width']}"] = violations(page)
        context.close()
    problems = {where: lines for where, lines in found.items() if lines}
    assert not problems, "\n".join(f"{where}: {line}" for where, lines in problems.items() for line in lines)
