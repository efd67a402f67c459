"""Usage meters in the store: counted per meter and period, kept across restarts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from socialleads.store.db import make_engine
from socialleads.store.meters import StoredMeter

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def test_units_add_up_per_meter_and_period(engine: Engine) -> None:
    meter = StoredMeter(engine, lambda: NOW)
    assert meter.add("x:default:posts", "2026-11", 100) == 100
    assert meter.add("x:default:posts", "2026-11", 40) == 140
    meter.add("x:default:posts", "2026-12", 7)
    meter.add("x:other:posts", "2026-11", 3)
    assert meter.used("x:default:posts", "2026-11") == 140
    assert meter.used("x:default:posts", "2026-12") == 7
    assert meter.used("nothing", "2026-11") == 0


def test_a_restarted_bot_finds_the_count_where_it_was(engine: Engine) -> None:
    StoredMeter(engine, lambda: NOW).add("x:default:posts", "2026-11", 250)
    again = make_engine(engine.url.render_as_string(hide_password=False))
    assert StoredMeter(again, lambda: NOW).used("x:default:posts", "2026-11") == 250
    again.dispose()
