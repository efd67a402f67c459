"""Speed-to-lead percentiles (``socialleads.store.stats.percentile``): nearest rank."""

from __future__ import annotations

import pytest

from socialleads.store.stats import percentile


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], (None, None, None)),
        ([7.0], (7.0, 7.0, 7.0)),
        ([5.0, 10.0, 30.0], (10.0, 30.0, 30.0)),
        ([float(n) for n in range(1, 101)], (50.0, 90.0, 99.0)),
        ([float(n) for n in range(1, 11)], (5.0, 9.0, 10.0)),
    ],
)
def test_percentiles_are_nearest_rank(values: list[float], expected: tuple[float | None, ...]) -> None:
    assert tuple(percentile(values, p) for p in (50, 90, 99)) == expected
