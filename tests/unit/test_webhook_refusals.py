"""Refused web requests are logged as a summary a minute per place, on a clock the test moves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from socialleads.errors import WebhookRejected
from socialleads.web.refusals import MAX_KINDS, RefusalLog, RepeatsPerMinute, kind_of

LOGGER = "tests.refusals"


@dataclass
class Ticks:
    """A monotonic clock in seconds, moved by the test; ``schedule`` records the timers asked for."""

    now: float = 1000.0
    timers: list[tuple[float, Callable[[], None]]] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def schedule(self, delay: float, callback: Callable[[], None]) -> object:
        self.timers.append((self.now + delay, callback))
        return object()

    def run_until(self, moment: float) -> None:
        """Move to ``moment``, firing the timers due on the way, in order."""
        while True:
            due = sorted((at, n) for n, (at, _) in enumerate(self.timers) if at <= moment)
            if not due:
                break
            at, index = due[0]
            _, callback = self.timers.pop(index)
            self.now = at
            callback()
        self.now = moment


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def refusals(ticks: Ticks, caplog: pytest.LogCaptureFixture) -> RefusalLog:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    return RefusalLog(logging.getLogger(LOGGER), clock=ticks, schedule=ticks.schedule)


def test_the_first_of_a_kind_is_logged_at_once_then_a_summary_a_minute(
    refusals: RefusalLog, ticks: Ticks, caplog: pytest.LogCaptureFixture
) -> None:
    refusals.refused("webhook meta", "unsigned", "unsigned: the X-Hub-Signature-256 header is missing")
    assert _lines(caplog) == [
        "webhook meta: refused a request (unsigned): the X-Hub-Signature-256 header is missing"
    ]
    for n in range(410):
        ticks.run_until(1000.0 + n * 0.1)
        refusals.refused("webhook meta", "unsigned", "unsigned: the X-Hub-Signature-256 header is missing")
    ticks.run_until(1045.0)
    refusals.refused("webhook meta", "too large", "a body over 1048576 bytes")  # a new kind: at once
    refusals.refused("webhook meta", "too large", "a body over 1048576 bytes")
    refusals.refused("webhook meta", "unsigned", "unsigned: the X-Hub-Signature-256 header is missing")
    assert len(_lines(caplog)) == 2
    assert refusals.pending("webhook meta") == {"unsigned": 411, "too large": 1}

    ticks.run_until(1104.9)  # the first timer (at 1060) found the minute since the last line not over
    assert len(_lines(caplog)) == 2
    ticks.run_until(1105.0)
    assert _lines(caplog)[2:] == [
        "webhook meta: 412 requests refused in the last minute (411 unsigned, 1 too large)"
    ]
    assert refusals.pending("webhook meta") == {}
    ticks.run_until(1300.0)
    assert len(_lines(caplog)) == 3, "nothing more to say: no timer logs an empty summary"


def test_a_steady_flood_logs_one_line_a_minute_per_place(
    refusals: RefusalLog, ticks: Ticks, caplog: pytest.LogCaptureFixture
) -> None:
    for second in range(600):  # ten minutes, two refusals a second at each of two places
        ticks.run_until(1000.0 + second)
        refusals.refused("webhook meta", "bad signature", "bad signature: does not match")
        refusals.refused("webhook meta", "bad signature", "bad signature: does not match")
        refusals.refused("web", "too large", "a body over 2097152 bytes")
    ticks.run_until(1000.0 + 660)
    meta = [line for line in _lines(caplog) if line.startswith("webhook meta")]
    web = [line for line in _lines(caplog) if line.startswith("web:")]
    assert len(meta) == len(web) == 11, meta  # the first at once, then one per minute
    assert meta[1] == "webhook meta: 119 requests refused in the last minute (119 bad signature)"
    counted = sum(int(line.split(": ")[1].split()[0]) for line in meta[1:])
    assert counted + 1 == 1200, "every refusal is in a line"


def test_after_a_quiet_minute_the_next_refusal_is_logged_at_once_again(
    refusals: RefusalLog, ticks: Ticks, caplog: pytest.LogCaptureFixture
) -> None:
    refusals.refused("webhook meta", "malformed", "malformed: the body is not JSON")
    ticks.run_until(1030.0)
    refusals.refused("webhook meta", "malformed", "malformed: the body is not JSON")
    assert len(_lines(caplog)) == 1
    ticks.run_until(1060.0)
    assert _lines(caplog)[1] == "webhook meta: 1 request refused in the last minute (1 malformed)"
    ticks.run_until(1200.0)
    refusals.refused("webhook meta", "malformed", "malformed: the body nests deeper than 32 levels")
    assert _lines(caplog)[2] == (
        "webhook meta: refused a request (malformed): the body nests deeper than 32 levels"
    )


def test_without_a_timer_a_summary_waits_for_the_next_refusal(
    ticks: Ticks, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    refusals = RefusalLog(logging.getLogger(LOGGER), clock=ticks)
    refusals.refused("webhook meta", "unsigned", "unsigned: missing")
    ticks.now += 10
    refusals.refused("webhook meta", "unsigned", "unsigned: missing")
    ticks.now += 470
    assert len(_lines(caplog)) == 1
    refusals.refused("webhook meta", "unsigned", "unsigned: missing")
    assert _lines(caplog)[1] == "webhook meta: 2 requests refused in the last 8 minutes (2 unsigned)"


def test_kinds_at_one_place_are_bounded(
    refusals: RefusalLog, ticks: Ticks, caplog: pytest.LogCaptureFixture
) -> None:
    for n in range(3 * MAX_KINDS):
        refusals.refused("webhook meta", f"kind {n}", "why")
        refusals.refused("webhook meta", f"kind {n}", "why")
    told = [line for line in _lines(caplog) if "refused a request" in line]
    assert len(told) == MAX_KINDS + 1 and "(other)" in told[-1]
    assert len(refusals.pending("webhook meta")) == MAX_KINDS + 1


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (403, "unsigned: the X-Hub-Signature-256 header is missing", "unsigned"),
        (403, "bad signature: X-Hub-Signature-256 does not match the body", "bad signature"),
        (400, "malformed: the body is not JSON", "malformed"),
        (400, "the body is not JSON", "malformed"),
        (403, "a reason whose first part is far too long to be a kind: so the status", "refused"),
        (418, "teapot", "status 418"),
    ],
)
def test_a_receivers_refusal_is_counted_by_the_kind_its_reason_starts_with(
    status: int, reason: str, kind: str
) -> None:
    assert kind_of(WebhookRejected(status, reason)) == kind


def test_uvicorn_warnings_repeated_per_connection_come_out_once_a_minute_with_the_count() -> None:
    now = [0.0]
    limiter = RepeatsPerMinute(every=60.0, clock=lambda: now[0])

    def passes(message: str, level: int = logging.WARNING) -> logging.LogRecord | None:
        record = logging.LogRecord("uvicorn.error", level, __file__, 1, message, None, None)
        return record if limiter.filter(record) else None

    assert passes("Exceeded concurrency limit.") is not None
    for _ in range(411):
        now[0] += 0.1
        assert passes("Exceeded concurrency limit.") is None
    assert passes("Invalid HTTP request received.") is not None, "another kind has its own minute"
    assert passes("Exception in ASGI application", logging.ERROR) is not None, "errors always pass"
    now[0] = 61.0
    summary = passes("Exceeded concurrency limit.")
    assert summary is not None
    assert summary.getMessage() == "Exceeded concurrency limit. (and 411 more like it in the last 60 s)"
