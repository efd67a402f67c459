"""A person's change to a lead and a new touch stored at the same moment: neither is lost."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import select, update

from socialleads.store.tables import leads
from tests.support.bots import scripted_bot

ANNA = {"seq": 1, "name": "Anna Jónsdóttir", "email": "anna@heimili.is"}
ANNA_AGAIN = {"seq": 2, "name": "Anna J.", "email": "ANNA@heimili.is", "message": "is the sofa in stock?"}


def test_an_owner_set_while_a_touch_is_stored_is_kept(tmp_path: Path, database_url: str) -> None:
    sb = scripted_bot(tmp_path, database_url)
    try:
        sb.set_events([ANNA])
        assert sb.bot.runner.poll("src").status == "ok"
        sb.set_events([ANNA, ANNA_AGAIN])
        done = threading.Event()
        with sb.bot.engine.begin() as person:
            # What PATCH /api/v1/leads/{key} does: lock the lead, change it, commit a moment later.
            locked = (
                select(leads.c.id).with_for_update()
                if person.dialect.name == "postgresql"
                else select(leads.c.id)
            )
            lead_id = person.execute(locked).scalar_one()
            person.execute(update(leads).where(leads.c.id == lead_id).values(owner="sam@example.com"))
            poll = threading.Thread(target=lambda: (sb.bot.runner.poll("src"), done.set()))
            poll.start()
            time.sleep(0.5)  # the poll reads and rewrites the lead meanwhile, unless it waits for us
        poll.join(30)
        assert done.is_set()
        with sb.bot.engine.connect() as conn:
            owner, touches = conn.execute(select(leads.c.owner, leads.c.touch_count)).one()
        assert (owner, touches) == ("sam@example.com", 2)
    finally:
        sb.bot.close()
