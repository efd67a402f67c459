"""A bounded cache of a pure check's results, which another process may fill (``contact_check_helper``).

The same person arrives many times, so email and phone checks are cached per raw value. Unlike
``functools.lru_cache`` it takes results computed elsewhere: a helper process validates the next
chunk's values while this one stores the current chunk, and hands the answers in with ``update``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CheckCache(Generic[K, V]):
    """``check(key)`` once per key, remembered for the last ``size`` keys (the oldest go first)."""

    def __init__(self, check: Callable[[K], V], size: int) -> None:
        self.check = check
        self.size = size
        self._known: dict[K, V] = {}

    def __call__(self, key: K) -> V:
        try:
            return self._known[key]
        except KeyError:
            result = self.check(key)
            self._remember(key, result)
            return result

    def unknown(self, keys: Iterable[K]) -> list[K]:
        """The distinct ``keys`` not cached, in order."""
        return [key for key in dict.fromkeys(keys) if key not in self._known]

    def update(self, results: Mapping[K, V]) -> None:
        """Remember results computed elsewhere with the same ``check``."""
        for key, result in results.items():
            self._remember(key, result)

    def _remember(self, key: K, result: V) -> None:
        if len(self._known) >= self.size:
            self._known.pop(next(iter(self._known)), None)  # dicts keep insertion order: the oldest
        self._known[key] = result
