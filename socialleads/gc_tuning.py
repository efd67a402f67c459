"""Garbage-collector settings for a long-running bot, applied once, when it is built.

CPython's cyclic collector walks every tracked object of the generations it collects, with defaults
made for short scripts. The bot freezes what start-up built (modules, schemas, configuration, the
intent model: never garbage), so the collector ignores it from then on
(https://docs.python.org/3/library/gc.html#gc.freeze), and starts a young collection every 100,000
net new container objects instead of 700, more than a dispatch batch or two ingest chunks keep alive,
so their objects are not scanned over and over while in use
(https://docs.python.org/3/library/gc.html#gc.set_threshold). Garbage made later is collected as
before; the price is a rare longer pause (about 40 ms) when a full young generation is collected.

Why: with the defaults, rescanning start-up objects took two thirds of the time ``bench/dispatch.py``
spent loading leads, and the collector took 9% of a 100,000-event import in ``bench/ingest.py``
(2% with these settings).
"""

from __future__ import annotations

import gc

#: Net new container objects between two young collections: more than a dispatch batch or two ingest
#: chunks keep alive.
YOUNG_THRESHOLD = 100_000


def tune_garbage_collector() -> None:
    """Collect once, exempt every surviving object from later collections, and size the young
    generation for a batch.

    Call it once the bot is built and before it starts working (``scheduler.run`` does); objects
    freed later are still reclaimed by reference counting, only their cycles are looked for less
    often. Never raises.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
