"""Recording a delivered batch on SQLite and PostgreSQL (each has its own statements for it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from socialleads.models import Delivery
from socialleads.store import outbox
from socialleads.store.tables import deliveries, delivery_attempts
from tests.support.bots import ScriptedBot, scripted_bot


@pytest.fixture
def sb(tmp_path: Path, database_url: str) -> Iterator[ScriptedBot]:
    bot = scripted_bot(
        tmp_path, database_url, sinks={"console": {"type": "console"}}, default_route=["console"]
    )
    yield bot
    bot.bot.close()


def test_a_batch_is_delivered_except_a_revision_that_arrived_while_it_was_out(sb: ScriptedBot) -> None:
    engine = sb.bot.engine
    sb.set_events([{"seq": n, "name": f"Person {n}", "email": f"p{n}@example.com"} for n in (1, 2)])
    assert sb.bot.runner.poll("src").status == "ok"
    started = sb.clock()
    with engine.begin() as conn:
        claimed = outbox.claim_due(conn, ["console"], started, timedelta(minutes=5), 10)
    assert len(claimed) == 2
    # While both are out, person 1 comes back: their lead gets revision 2.
    sb.set_events([{"seq": 3, "name": "Person 1", "email": "p1@example.com"}])
    outcome = sb.bot.runner.poll("src")
    assert outcome.status == "ok", outcome
    finished = started + timedelta(milliseconds=250)

    with engine.begin() as conn:
        outbox.record_delivered(
            conn,
            [outbox.Done(c, Delivery(external_id=f"crm-{c.lead_id}"), started, finished) for c in claimed],
        )

    with engine.connect() as conn:
        # Person 1's delivery first: it has the newer revision.
        rows = conn.execute(select(deliveries).order_by(deliveries.c.revision.desc())).all()
        attempts = conn.execute(select(func.count()).select_from(delivery_attempts)).scalar_one()
    first, second = rows
    shown = (
        "status",
        "revision",
        "delivered_revision",
        "attempts",
        "external_id",
        "lease_until",
        "lease_holder",
    )
    # The new revision stays pending, due at once, with a fresh attempt count; the record id is kept;
    # neither is claimed any longer.
    assert tuple(getattr(first, c) for c in shown) == ("pending", 2, 1, 0, f"crm-{first.lead_id}", None, None)
    assert first.next_attempt_at == finished
    assert tuple(getattr(second, c) for c in shown) == (
        "delivered",
        1,
        1,
        1,
        f"crm-{second.lead_id}",
        None,
        None,
    )
    assert second.delivered_at == finished
    assert attempts == 2
