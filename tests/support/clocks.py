"""Running code under test on the clock of the world a test built, not on today's.

A test that builds its world or fixture at a fixed date and runs code that reads the wall clock
itself (the command line, the bot as a whole) wraps that run in ``on_clock(world.now)``: time-machine
moves ``datetime.now()`` and ``time.time()`` there, ticking, and leaves the monotonic clock alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import time_machine


@contextmanager
def on_clock(moment: datetime) -> Iterator[None]:
    """Within the block the wall clock reads ``moment``, then moves on in real time."""
    with time_machine.travel(moment, tick=True):
        yield
