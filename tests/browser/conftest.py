"""Browser tests of the console: Playwright for Python driving Debian's chromium, headless.

The browser is the machine's (``/usr/bin/chromium``, or ``SOCIALLEADS_CHROMIUM``): Playwright's own
download is neither needed nor possible offline. Without a browser these tests skip with the reason,
except under ``CI=true``, where ``.ci/run`` installs chromium and a missing one is a failure. Each test
saves screenshots of the pages it saw under ``artifacts/screenshots/`` (``SOCIALLEADS_ARTIFACTS``
moves the folder), for people to look at after a run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.driving import Shot
from tests.browser.world import ConsoleWorld, console_world

REPO = Path(__file__).resolve().parents[2]
#: Flags for a root user on a machine with no network: no sandbox (root), and none of the background
#: calls to Google's hosts that a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The browser to drive, or None when the machine has none."""
    configured = os.environ.get("SOCIALLEADS_CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """``shot(page, name)`` saves a full-page screenshot named after the test (and its database) and
    ``name`` where the tests leave them."""
    folder = Path(os.environ.get("SOCIALLEADS_ARTIFACTS", REPO / "artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    variant = request.node.callspec.id if hasattr(request.node, "callspec") else "db"

    def save(page: Any, name: str) -> None:
        page.screenshot(
            path=str(folder / f"{request.node.originalname}-{variant}-{name}.png"), full_page=True
        )

    return save


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless chromium for the session."""
    executable = chromium_path()
    problem = None
    if executable is None:
        problem = "no chromium on this machine (apt-get install -y chromium; .ci/run does it)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            problem = "playwright is not installed (pip install -e '.[dev]')"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run under CI: {problem}")
        pytest.skip(problem)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[ConsoleWorld]:
    """The running bot of tests/browser/world.py (a test file may define its own ``app``)."""
    with console_world(tmp_path, database_url) as made:
        yield made


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page at a laptop's size that records every script error; the test fails on any."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    made = context.new_page()
    errors: list[str] = []
    made.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield made
    finally:
        context.close()
    assert errors == [], errors
