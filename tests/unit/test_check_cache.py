"""The bounded check cache that a helper process may fill."""

from __future__ import annotations

from socialleads.pipeline.check_cache import CheckCache


def test_a_check_runs_once_per_key_and_the_oldest_key_is_forgotten_first() -> None:
    calls: list[int] = []

    def square(n: int) -> int:
        calls.append(n)
        return n * n

    cache = CheckCache(square, size=2)
    assert [cache(2), cache(2), cache(3)] == [4, 4, 9]
    assert calls == [2, 3]
    cache(4)  # forgets 2, the oldest
    assert cache.unknown([2, 3, 4, 5, 5]) == [2, 5]


def test_results_from_elsewhere_are_taken_as_if_checked_here() -> None:
    cache = CheckCache(lambda n: n * n, size=10)
    cache.update({7: 49})
    assert cache.unknown([7, 8]) == [8]
    assert cache(7) == 49
