"""``make demo`` prints the console's address and a one-time login; signed in, the demo's leads are there.

The demo runs as a user runs it (``python -m socialleads demo``), on the real clock, in a process of its
own; the test reads what it printed, signs in with a browser, and finds leads in the inbox.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
CONSOLE_LINE = re.compile(r"The console: (http://\S+?)/ ; sign in as (\S+) with the one-time password (\S+) ")

pytestmark = pytest.mark.timeout(180)


def _wait_for(
    pattern: re.Pattern[str], log: Path, process: subprocess.Popen[bytes], timeout: float
) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pattern.search(log.read_text(errors="replace"))
        if found:
            return found
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        time.sleep(0.1)
    pytest.fail(f"the demo did not print {pattern.pattern!r} within {timeout}s")


def test_the_demo_prints_a_console_login_and_its_leads_are_in_the_inbox(
    tmp_path: Path, browser: Any, shot: Any
) -> None:
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "socialleads",
                "demo",
                "--seconds",
                "60",
                "--data-dir",
                str(tmp_path / "demo"),
            ],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SOCIALLEADS_WEB__PORT": str(free_port())},  # not 8787: tests run side by side
        )
    try:
        origin, email, password = _wait_for(CONSOLE_LINE, log, demo, timeout=60).groups()
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.goto(f"{origin}/")
        page.wait_for_url(re.compile(r"/login\?next="))
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{origin}/inbox")
        page.locator("#lead-rows tr").first.wait_for(timeout=30_000)
        shot(page, "inbox")
        context.close()
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(60)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
