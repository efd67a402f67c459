"""A pytest plugin: no log line of the whole run shows a secret.

At the start of the session a handler goes on the root logger, formatting every record with the
CLI's ``RedactingFormatter`` and format (``socialleads.redact.LOG_FORMAT``), as ``socialleads run``
writes its log; the root logger is set to INFO, the CLI's default level, if it was quieter. Tests
that run the CLI in-process replace the root logger's handlers (``configure_logging``), so the
handler is put back before each phase of each test.

Each formatted line is scanned for

* the values registered with ``REDACTOR`` while its test ran (read from ``REDACTOR.snapshot()``
  after each phase: a test's secrets are restored away when it ends, and only mean "secret" in it);
* well-known secret shapes (``SHAPES``): Slack, AWS, Meta and our own API tokens, bearer tokens,
  private keys, values of secret-named URL parameters.

A finding is printed at the end, as the kind of secret, the logger, the test and the value masked
but for its first two characters, and the session fails (exit status 1).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field

import pytest

#: Secret shapes worth finding even when nobody registered them; the ``secret`` group is the value.
SHAPES: dict[str, re.Pattern[str]] = {
    "Slack token": re.compile(r"\b(?P<secret>xox[abposr]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})"),
    "bearer token": re.compile(r"\bBearer\s+(?P<secret>[A-Za-z0-9._~+/-]{20,}=*)"),
    "AWS access key id": re.compile(r"\b(?P<secret>(?:AKIA|ASIA)[0-9A-Z]{16})\b"),
    "private key": re.compile(r"(?P<secret>-----BEGIN [A-Z ]*PRIVATE KEY-----)"),
    # socialleads.store.accounts: "sl_" and secrets.token_urlsafe(32).
    "socialleads API token": re.compile(r"(?<![\w-])(?P<secret>sl_[A-Za-z0-9_-]{40,})"),
    # Meta (Facebook) user, page and app tokens start "EAA".
    "Meta access token": re.compile(r"\b(?P<secret>EAA[A-Za-z0-9]{30,})"),
    "secret URL parameter": re.compile(
        r"(?<![\w.-])(?:[\w.-]*(?:token|secret|password|passwd|pwd|api_?key|apikey|signature)|sig|code|auth|pass)"
        r"=(?P<secret>(?!\*\*\*)[A-Za-z0-9._~%+/:-]{4,}=*)",
        re.IGNORECASE,
    ),
}
#: Values of secret-named parameters that are no secret.
_PLAIN_VALUES = frozenset({"none", "null", "true", "false", "secretstr('**********')"})


@dataclass(frozen=True)
class Finding:
    """One secret seen in one log line."""

    kind: str
    logger: str
    test: str
    value: str

    def __str__(self) -> str:
        shown = self.value[:2] + "*" * min(max(len(self.value) - 2, 3), 12)
        return f"{self.kind} in a line of logger {self.logger!r} during {self.test}: {shown}"


def find_secrets(text: str, registered: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The (kind, value) of each secret ``text`` shows: a ``registered`` value, or a secret shape."""
    found = [("registered secret", value) for value in registered if _worth(value) and value in text]
    for kind, pattern in SHAPES.items():
        for match in pattern.finditer(text):
            value = match.group("secret")
            if value.lower() not in _PLAIN_VALUES and set(value) - {"*"}:
                found.append((kind, value))
    return found


def _worth(value: str) -> bool:
    """Registered values shorter than 4 characters are not masked (``Redactor.register``)."""
    return len(value) >= 4 and bool(set(value) - {"*"})


@dataclass(frozen=True)
class LoggedLine:
    """A formatted log line, its logger and the test that was running."""

    text: str
    logger: str
    test: str


def scan(lines: Iterable[LoggedLine], registered: Iterable[str] = ()) -> list[Finding]:
    """Every secret in ``lines``: the ``registered`` values and the well-known shapes."""
    values = sorted(set(registered), key=len, reverse=True)
    found: dict[Finding, None] = {}
    for line in lines:
        for kind, value in find_secrets(line.text, values):
            found[Finding(kind, line.logger, line.test, value)] = None
    return list(found)


class _Collector(logging.Handler):
    """Keeps each record formatted as production formats it, with the test it came during."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        from socialleads.redact import LOG_FORMAT, RedactingFormatter

        self.setFormatter(RedactingFormatter(LOG_FORMAT))
        self.test = "session start"
        self.lines: list[LoggedLine] = []
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - logging's handleError would print msg and args unmasked
            text = f"{record.msg!r} {record.args!r}"
        with self._guard:
            self.lines.append(LoggedLine(text, record.name, self.test))

    def take(self) -> list[LoggedLine]:
        with self._guard:
            lines, self.lines = self.lines, []
        return lines


@dataclass
class _Scanner:
    collector: _Collector = field(default_factory=_Collector)
    registered: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    at_start: tuple[str, ...] = ()

    def attach(self) -> None:
        """Put the handler (back) on the root logger: CLI tests replace its handlers."""
        root = logging.getLogger()
        if self.collector not in root.handlers:
            root.addHandler(self.collector)

    def observe(self) -> None:
        from socialleads.redact import REDACTOR

        self.registered.update(REDACTOR.snapshot())

    def settle(self) -> None:
        """Scan the lines logged since the last settle against the secrets seen meanwhile."""
        self.findings += scan(self.collector.take(), [*self.registered, *self.at_start])
        self.registered.clear()


_scanner: _Scanner | None = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _scanner
    from socialleads.redact import REDACTOR

    _scanner = _Scanner(at_start=REDACTOR.snapshot())
    _scanner.attach()
    root = logging.getLogger()
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)  # socialleads run logs at INFO unless told otherwise


def _around_phase(item: pytest.Item, starting: bool) -> None:
    if _scanner is None:
        return
    if starting:
        _scanner.attach()
        _scanner.collector.test = item.nodeid
    _scanner.observe()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    if _scanner is not None:
        _scanner.settle()  # lines logged between tests belong to the one before
    _around_phase(item, starting=True)
    yield
    _around_phase(item, starting=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    _around_phase(item, starting=True)
    yield
    _around_phase(item, starting=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    _around_phase(item, starting=True)  # before the fixtures restore the redactor
    yield
    _around_phase(item, starting=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _scanner is None:
        return
    _scanner.observe()
    _scanner.settle()
    logging.getLogger().removeHandler(_scanner.collector)
    if _scanner.findings and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _scanner is None or not _scanner.findings:
        return
    terminalreporter.write_sep("=", "secrets in log lines (tests/support/secret_scan.py)", red=True)
    for finding in _scanner.findings:
        terminalreporter.write_line(str(finding))
    terminalreporter.write_line(
        f"{len(_scanner.findings)} secret(s) reached a formatted log line: register them with "
        "socialleads.redact.REDACTOR (or keep them out of the message); the session fails."
    )
