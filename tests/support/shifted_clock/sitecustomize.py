"""Imported at the start of every Python child process of a shifted-clock test run (see
``tests/support/clock_shift.py``): moves its wall clock by the same offset as the test process's."""

from __future__ import annotations

import os
import time

_offset = os.environ.get("PYTEST_CLOCK_OFFSET")
if _offset:
    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
