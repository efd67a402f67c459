"""The garbage collector of a long-running bot: what start-up built is never scanned again, and the
young objects of a batch are not scanned over and over while the batch is still using them.

CPython's cyclic collector walks every tracked object of a generation it collects. A bot holds a
large, permanent start-up heap (imported modules, pydantic and SQLAlchemy schemas, configuration,
the intent model) that can never become garbage, and every full collection walked it again: in
``bench/dispatch.py`` that was two thirds of the time spent loading leads. ``gc.freeze()`` moves
those objects to a permanent generation the collector ignores; garbage made later is collected as
before (https://docs.python.org/3/library/gc.html#gc.freeze).

The collector also starts a young collection every 700 net new container objects, the default
made for small scripts. Loading one batch of 200 leads makes about ten thousand, all alive until
the batch is delivered, so with the default the batch was scanned by a dozen young collections,
promoted, and scanned again by the older generations' collections they set off: a quarter of the
time of loading a batch (``bench/dispatch.py``). A young generation as large as a batch collects
each batch's cycles once, after it is done with (https://docs.python.org/3/library/gc.html#gc.set_threshold).
"""

from __future__ import annotations

import gc

#: Net new container objects between two young collections: about one dispatch batch's worth.
YOUNG_THRESHOLD = 10_000


def tune_garbage_collector() -> None:
    """Collect once, exempt every surviving object from later collections, and size the young
    generation for a batch.

    Call it once the bot is built and before it starts working (``scheduler.run`` does); objects
    freed later are still reclaimed by reference counting, only their cycles are looked for less
    often.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
