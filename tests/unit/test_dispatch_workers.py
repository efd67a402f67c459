"""How many deliveries of one sink run side by side: as many as the sink makes each one wait."""

from __future__ import annotations

import pytest

from socialleads.pipeline.dispatch import workers_that_help


@pytest.mark.parametrize(
    ("wall_s", "cpu_s", "concurrency", "waiting", "expected"),
    [
        (0.0010, 0.0008, 4, 199, 1),  # a receiver on loopback: our own CPU is the delivery
        (0.0030, 0.0008, 4, 199, 3),  # the sink's wait is worth two more deliveries at once
        (0.2000, 0.0008, 4, 199, 4),  # a CRM answering in 200 ms: the sink's whole concurrency
        (0.2000, 0.0008, 4, 2, 2),  # no more workers than deliveries waiting
        (0.2000, 0.0008, 4, 0, 1),
        (0.0100, 0.0, 8, 199, 8),  # a refused connection measures no CPU: no division by zero
    ],
)
def test_workers_that_help(
    wall_s: float, cpu_s: float, concurrency: int, waiting: int, expected: int
) -> None:
    assert workers_that_help(wall_s, cpu_s, concurrency, waiting) == expected
