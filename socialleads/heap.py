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
time of loading a batch (``bench/dispatch.py``). A bulk import holds two chunks of 2,000 events
alive (the one being stored and the next), a few tens of thousands of containers: with a young
generation of 10,000 it was scanned about 360 times per 100,000 events, 9% of the import
(``bench/ingest.py``, measured with ``gc.callbacks``); with 100,000, 8 times, 2%. A young generation
larger than what a batch or chunk keeps alive collects its cycles after it is done with
(https://docs.python.org/3/library/gc.html#gc.set_threshold). The price is a longer pause when a
collection does run (about 40 ms for a full young generation), rarely: it takes 100,000 objects
that outlive their batch.
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
    often.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
