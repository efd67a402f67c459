"""The dashboard in a real browser, against a running bot with leads that came by webhook and were delivered.

A manager signs in and opens ``/dashboard``: every chart is drawn (uPlot's canvas or our SVG) with its
caption and a table of its numbers, the page raises no script error and breaks no rule of its
Content-Security-Policy, and on a phone-sized screen nothing is wider than the screen. Screenshots of
both sizes are saved (conftest.py says where).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from socialleads.store.tables import poll_runs
from tests.browser.driving import CSP_LISTENER, Shot, sign_in
from tests.browser.world import ConsoleWorld

pytestmark = pytest.mark.timeout(180)


CHARTS = (
    "chart-leads",
    "chart-grades",
    "chart-statuses",
    "chart-intent",
    "chart-speed",
    "chart-deliveries",
    "chart-health",
)
#: Records what the page's Content-Security-Policy refused, before any script of the page runs.
#: Playwright adds it through the DevTools protocol, which the policy does not govern.

#: How wide the page, the body and the widest chart are, against the screen.
WIDTHS = """({
  page: document.documentElement.scrollWidth,
  body: document.body.scrollWidth,
  screen: window.innerWidth,
  widest: Math.max(...[...document.querySelectorAll(".chart")].map((c) => c.getBoundingClientRect().right)),
})"""


class Watched:
    """A page with its console errors and uncaught exceptions collected."""

    def __init__(self, context: Any) -> None:
        self.errors: list[str] = []
        context.add_init_script(CSP_LISTENER)
        self.page = context.new_page()
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None
            ),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def assert_clean(self) -> None:
        violations = self.page.evaluate("window.__cspViolations")
        assert violations == [], violations
        assert self.errors == [], self.errors


def _fill(app: ConsoleWorld) -> None:
    """Two comments with buying intent (leads, delivered to HubSpot and the relay) and one without; and
    the poll the scheduler runs when the bot starts, for the health chart."""
    app.comment(
        "Gudrun Olafsdottir", "How much is the oak dining table? I'd like to order two for our office."
    )
    app.comment(
        "Pekka Virtanen", "Do you deliver to Helsinki? I want to buy the walnut sofa, what's the price?"
    )
    app.comment("Siiri Laine", "Lovely colours in this photo!")
    app.wait_until("both leads to reach HubSpot", lambda: len(app.hubspot.records("contacts")) == 2)
    app.wait_until("both leads to reach the relay", lambda: len(app.receiver.requests) == 2)
    app.wait_until("the scheduler's first poll of fbc to end", lambda: _polls_ended(app) >= 1)


def _polls_ended(app: ConsoleWorld) -> int:
    with app.bot.engine.connect() as conn:
        ended = select(func.count()).where(poll_runs.c.source == "fbc", poll_runs.c.status != "running")
        return int(conn.execute(ended).scalar_one())


def _wait_for_charts(page: Any) -> None:
    for chart in CHARTS:
        page.locator(f"[data-testid={chart}] :is(canvas, svg)").first.wait_for()


def _numbers(page: Any, chart: str) -> list[list[str]]:
    """The rows of a chart's table of numbers, opened as a person would."""
    figure = page.get_by_test_id(chart)
    figure.locator("summary", has_text="Numbers").click()
    rows = figure.locator("details.numbers tbody tr")
    return [rows.nth(i).locator("th, td").all_inner_texts() for i in range(rows.count())]


def test_a_manager_sees_every_chart_with_its_caption_and_numbers(
    app: ConsoleWorld, browser: Any, shot: Shot
) -> None:
    app.api.person("max@example.com", "manager", name="Max Manager")
    _fill(app)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        watched = Watched(context)
        page = watched.page
        sign_in(page, app.origin, "max@example.com", start="/dashboard")
        page.get_by_role("heading", name="Dashboard", level=1).wait_for()
        _wait_for_charts(page)
        assert page.locator("[data-testid=chart-leads] canvas").count() >= 1  # uPlot, a time series
        assert page.locator("[data-testid=chart-health] .source-health[data-source=fbc] canvas").count() >= 1

        summary = page.get_by_test_id("chart-leads").locator(".chart-summary").inner_text()
        assert summary.startswith("2 leads in 31 days"), summary
        assert page.get_by_test_id("chart-leads").get_by_role("img").get_attribute("aria-labelledby")
        intent = page.get_by_test_id("chart-intent").locator(".chart-summary").inner_text()
        assert "2 leads by their best score and 1 comment below the threshold" in intent, intent
        assert "no campaign 0.70" in intent  # fbc is in no campaign: the default threshold
        speed = page.get_by_test_id("chart-speed").locator(".chart-summary").inner_text()
        assert re.match(
            r"p50 [\d.]+ (ms|s), p90 [\d.]+ (ms|s), p99 [\d.]+ (ms|s) over 2 delivered leads\.", speed
        ), speed
        assert page.locator("[data-testid=chart-speed] line.percentile").count() == 2  # p50 and p99 marked
        assert page.locator("[data-testid=chart-intent] line.threshold").count() == 1

        shot(page, "wide")
        assert _numbers(
            page, "chart-deliveries"
        ) == [  # delivered, pending, held, rejected, dead, failed, dead letters
            ["hubspot", "2", "0", "0", "0", "0", "0", "0"],
            ["relay", "2", "0", "0", "0", "0", "0", "0"],
        ]
        leads_rows = _numbers(page, "chart-leads")
        assert [row[1:] for row in leads_rows] == [["facebook", "comment", "2"]], leads_rows
        grades = {row[0]: row[1] for row in _numbers(page, "chart-grades")}
        assert sum(int(n) for n in grades.values()) == 2, grades
        intent_rows = _numbers(page, "chart-intent")
        assert len(intent_rows) == 20
        assert sum(int(row[1]) for row in intent_rows) == 2 and sum(int(row[2]) for row in intent_rows) == 1
        health = _numbers(page, "chart-health")
        assert health and all(row[0].startswith("fbc, ") for row in health), health
        shot(page, "numbers")
        watched.assert_clean()
    finally:
        context.close()


def test_the_dashboard_fits_a_phone(app: ConsoleWorld, browser: Any, shot: Shot) -> None:
    app.api.person("max@example.com", "manager")
    _fill(app)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True, has_touch=True
    )
    try:
        watched = Watched(context)
        page = watched.page
        sign_in(page, app.origin, "max@example.com", start="/dashboard?days=7")
        _wait_for_charts(page)
        assert page.locator("#period").input_value() == "7"
        widths = page.evaluate(WIDTHS)
        assert widths["page"] <= widths["screen"] and widths["body"] <= widths["screen"], widths
        assert widths["widest"] <= widths["screen"], widths
        canvas = page.locator("[data-testid=chart-leads] canvas").first.bounding_box()
        assert canvas is not None and canvas["width"] <= widths["screen"]
        shot(page, "phone")
        page.locator("#period").select_option("1")
        page.wait_for_url(re.compile(r"/dashboard\?days=1$"))
        page.get_by_test_id("chart-leads").locator(".chart-summary", has_text="2 leads in 2 days").wait_for()
        watched.assert_clean()
    finally:
        context.close()
