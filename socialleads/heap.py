"""The garbage collector of a long-running bot: what start-up built is never scanned again.

CPython's cyclic collector walks every tracked object of a generation it collects. A bot holds a
large, permanent start-up heap (imported modules, pydantic and SQLAlchemy schemas, configuration,
the intent model) that can never become garbage, and every full collection walked it again: in
``bench/dispatch.py`` that was two thirds of the time spent loading leads. ``gc.freeze()`` moves
those objects to a permanent generation the collector ignores; garbage made later is collected as
before (https://docs.python.org/3/library/gc.html#gc.freeze).
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect once, then exempt every surviving object from later collections.

    Call it once the bot is built and before it starts working (``scheduler.run`` does); objects
    freed later are still reclaimed by reference counting, only their cycles are not looked for.
    """
    gc.collect()
    gc.freeze()
