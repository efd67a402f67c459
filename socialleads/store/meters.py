"""Usage meters in the store: what a connector spent of a paid API, per meter and period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from socialleads.store.tables import usage_meters


class StoredMeter:
    """The ``Meter`` connectors get from their context, backed by the ``usage_meters`` table.

    Every ``add`` is its own small transaction, so a poll that fails still counts what it read.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def used(self, meter: str, period: str) -> int:
        """Units counted so far on ``meter`` in ``period``."""
        query = select(usage_meters.c.units).where(
            usage_meters.c.meter == meter, usage_meters.c.period == period
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def add(self, meter: str, period: str, units: int) -> int:
        """Count ``units`` more; returns the new total."""
        now = self.clock()
        for _ in range(2):  # a concurrent first insert makes the second attempt an update
            with self.engine.begin() as conn:
                done = conn.execute(
                    update(usage_meters)
                    .where(usage_meters.c.meter == meter, usage_meters.c.period == period)
                    .values(units=usage_meters.c.units + units, updated_at=now)
                )
                if done.rowcount == 0:
                    try:
                        conn.execute(
                            usage_meters.insert().values(
                                meter=meter, period=period, units=units, updated_at=now
                            )
                        )
                    except IntegrityError:
                        continue
            return self.used(meter, period)
        return self.used(meter, period)
