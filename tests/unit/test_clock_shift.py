"""Where the shifted-clock pass (``make test-future``) moves the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.clock_shift import shifted_now

REAL = datetime(2026, 12, 7, 2, 52, tzinfo=UTC)


def test_plus_days_moves_the_clock_that_many_days_ahead() -> None:
    assert shifted_now("+400d", REAL) == REAL + timedelta(days=400)


def test_month_end_lands_minutes_before_midnight_on_the_last_day_of_that_month() -> None:
    assert shifted_now("month-end+400d", REAL) == datetime(2028, 1, 31, 23, 57, tzinfo=UTC)
    assert shifted_now("month-end+0d", datetime(2028, 2, 3, tzinfo=UTC)) == datetime(
        2028, 2, 29, 23, 57, tzinfo=UTC
    )
    assert shifted_now("month-end+24d", REAL) == datetime(2026, 12, 31, 23, 57, tzinfo=UTC)


@pytest.mark.parametrize("spec", ["400d", "+400", "tomorrow", "month-end"])
def test_anything_else_is_refused_with_the_forms_it_takes(spec: str) -> None:
    with pytest.raises(ValueError, match=r"write \+400d or month-end\+400d"):
        shifted_now(spec, REAL)
