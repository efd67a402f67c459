"""The collector tuning ``socialleads run`` applies once the bot is built."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from socialleads.gc_tuning import YOUNG_THRESHOLD, tune_garbage_collector


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_collector")
def test_startup_heap_is_frozen_and_the_young_generation_holds_a_batch() -> None:
    older = gc.get_threshold()[1:]
    gc.unfreeze()
    survivor = [object() for _ in range(10)]  # a container alive at start-up

    tune_garbage_collector()

    assert gc.get_freeze_count() > 0
    assert all(tracked is not survivor for tracked in gc.get_objects())  # frozen: never scanned again
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *older)


@pytest.mark.usefixtures("restored_collector")
def test_cycles_made_after_start_up_are_still_collected() -> None:
    tune_garbage_collector()

    class Node:
        other: object = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = [False]
    weakref.finalize(a, lambda: gone.__setitem__(0, True))
    del a, b
    gc.collect()

    assert gone[0]
