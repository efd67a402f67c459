"""The shifted-clock pass: the whole suite run with Python's wall clock moved ahead, and ticking.

No test may depend on today's date (a world built at a fixed date must be run on that world's clock).
``make test-future`` keeps it so: it runs the suite with ``PYTEST_CLOCK_SHIFT`` set (not a
``SOCIALLEADS_`` name: the bot warns of unknown ones), and this plugin
then moves the wall clock for the whole run, with time-machine, before any test starts:

- ``+400d``: 400 days ahead of the real clock;
- ``month-end+400d``: the last day of the month 400 days ahead, at 23:57:00 UTC, so the run crosses
  midnight into a new month (and, in December, a new year) a few minutes in.

time-machine moves ``time.time()``, ``datetime.now()`` and their kin and leaves the monotonic clock
alone (asyncio, uvicorn and timeouts keep working; libfaketime made uvicorn shut down at once).
Child processes the tests start (the bot under SIGKILL, the demo, the ingest helper) get the same shift:
the offset is handed down in ``PYTEST_CLOCK_OFFSET`` and ``shifted_clock/sitecustomize.py``,
put first on ``PYTHONPATH``, applies it as the child starts. PostgreSQL's own clock does not move; no
product code reads it (``now()`` is never used in SQL), so the PostgreSQL tests stay in this pass.
"""

from __future__ import annotations

import calendar
import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

SITE_DIR = Path(__file__).parent / "shifted_clock"
_TRAVELLER = pytest.StashKey["time_machine.travel"]()
_SPEC = re.compile(r"^(?P<month_end>month-end)?\+(?P<days>\d+)d$")


def shifted_now(spec: str, real_now: datetime) -> datetime:
    """Where ``spec`` (``+400d`` or ``month-end+400d``) moves a wall clock that reads ``real_now``.

    Raises ValueError, naming the forms it takes, for anything else.
    """
    match = _SPEC.match(spec.strip())
    if not match:
        raise ValueError(f"PYTEST_CLOCK_SHIFT={spec!r}: write +400d or month-end+400d")
    ahead = real_now + timedelta(days=int(match["days"]))
    if not match["month_end"]:
        return ahead
    last_day = calendar.monthrange(ahead.year, ahead.month)[1]
    return datetime(ahead.year, ahead.month, last_day, 23, 57, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    """Start the shifted clock for the whole run when ``PYTEST_CLOCK_SHIFT`` asks for one."""
    spec = os.environ.get("PYTEST_CLOCK_SHIFT")
    if not spec:
        return
    import time_machine

    target = shifted_now(spec, datetime.now(UTC))
    offset = target.timestamp() - time.time()
    os.environ["PYTEST_CLOCK_OFFSET"] = repr(offset)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITE_DIR), os.environ.get("PYTHONPATH")]))
    traveller = time_machine.travel(target, tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say on the first lines of the run that the clock is moved, and to when."""
    if _TRAVELLER not in config.stash:
        return None
    spec = os.environ["PYTEST_CLOCK_SHIFT"]
    return f"shifted clock: {spec} (the wall clock reads {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC)"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give the real clock back."""
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()
