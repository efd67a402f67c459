"""The suite's log scanner (tests/support/secret_scan.py): it finds secrets, and only secrets."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.secret_scan import SHAPES, Finding, LoggedLine, find_secrets, scan

REPO = Path(__file__).resolve().parents[2]
# Fakes shaped like the real thing (none of them was ever issued).
SHAPED = {
    "Slack token": "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp",
    "bearer token": "Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature",
    "AWS access key id": "AKIAIOSFODNN7EXAMPLE",
    "private key": "-----BEGIN RSA PRIVATE KEY-----",
    "socialleads API token": "sl_" + "Q" * 43,
    "Meta access token": "EAA" + "Bx7" * 12,
    "secret URL parameter": "/in?token=abc123secret&x=1",
}


def test_every_shape_has_an_example() -> None:
    assert set(SHAPED) == set(SHAPES)


@pytest.mark.parametrize("kind", list(SHAPED))
def test_finds_each_secret_shape(kind: str) -> None:
    found = find_secrets(f"2025-03-14 09:30:00 WARNING some.logger: sent {SHAPED[kind]} to the CRM")
    assert kind in [k for k, _ in found]


def test_finds_a_registered_value() -> None:
    assert find_secrets("refused wh-7f3a9c2b1e for lead 12", ["wh-7f3a9c2b1e"]) == [
        ("registered secret", "wh-7f3a9c2b1e")
    ]


@pytest.mark.parametrize(
    "line",
    [
        "2025-03-14 09:30:00 INFO    socialleads.bot: delivered lead 12 to crm",
        "Retrying (Retry(total=1)) after connection broken by 'NewConnectionError': /in?token=***",
        "Authorization: Bearer *** refused for <email>, call +***",
        "exit code=1, status_code=200, token=None, auth=true",
        "the sl_session cookie and an sl_ prefix; EAA is where Meta tokens start",
        "a registered value, masked: ***",
    ],
)
def test_passes_clean_and_masked_lines(line: str) -> None:
    assert find_secrets(line, ["wh-7f3a9c2b1e", "***", "ab"]) == []


def test_a_finding_shows_two_characters_the_logger_and_the_test() -> None:
    [finding] = scan(
        [LoggedLine("posting to /in?token=abc123secret", "urllib3.connectionpool", "tests/x.py::test_y")]
    )
    assert finding == Finding(
        "secret URL parameter", "urllib3.connectionpool", "tests/x.py::test_y", "abc123secret"
    )
    assert "abc123secret" not in str(finding) and "ab*" in str(finding)
    assert "urllib3.connectionpool" in str(finding) and "tests/x.py::test_y" in str(finding)


def _session(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    """Run pytest with the plugin on one test module written from ``body``."""
    (tmp_path / "test_it.py").write_text(textwrap.dedent(body))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.support.secret_scan",
            "test_it.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_session_that_logs_a_secret_fails_and_does_not_show_it(tmp_path: Path) -> None:
    result = _session(
        tmp_path,
        """
        import logging
        from socialleads.redact import REDACTOR

        def test_logs_a_registered_and_an_unregistered_secret():
            REDACTOR.register(["wh-7f3a9c2b1e"])
            logging.getLogger("demo").warning("masked: wh-7f3a9c2b1e")
            logging.getLogger("demo").warning("leaked: xoxb-1234567890-AbCdEfGhIjKl")
        """,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "1 passed" in out and "Slack token in a line of logger 'demo'" in out
    assert "AbCdEfGhIjKl" not in out and "wh-7f3a9c2b1e" not in out


def test_a_clean_session_passes(tmp_path: Path) -> None:
    result = _session(
        tmp_path,
        """
        import logging

        def test_logs_nothing_secret():
            logging.getLogger("demo").warning("delivered lead 12")
        """,
    )
    assert result.returncode == 0, result.stdout + result.stderr
