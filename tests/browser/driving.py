"""How the browser tests drive the console: signing in, and the listener that records CSP violations."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.support.api import PASSWORD

Shot = Callable[[Any, str], None]
"""The ``shot`` fixture (conftest.py): ``shot(page, name)`` saves a screenshot."""

#: An init script that records every Content-Security-Policy violation in ``window.__cspViolations``.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def sign_in(page: Any, origin: str, email: str, start: str = "/inbox") -> None:
    """Open ``start``, get sent to the sign-in form, sign in, and land back on ``start``."""
    page.goto(f"{origin}{start}")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{origin}{start}")
