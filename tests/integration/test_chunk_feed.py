"""A poll of many chunks: the contact checks of the next chunk run in a helper process while this
one stores a chunk (pipeline.contact_check_helper); every event is stored once, flagged as it would
be anyway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from socialleads.pipeline.emails import check_email
from socialleads.pipeline.normalize import check_phone
from socialleads.store.state import load_state
from socialleads.store.tables import leads, raw_events
from tests.support.bots import ScriptedBot, scripted_bot

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the helper runs only with a second CPU")


@pytest.fixture
def sb(tmp_path: Path, database_url: str) -> Iterator[ScriptedBot]:
    bot = scripted_bot(
        tmp_path, database_url, sinks={"console": {"type": "console"}}, default_route=["console"]
    )
    bot.bot.runner.chunk_size = 4
    yield bot
    bot.bot.close()


def people(count: int) -> list[dict[str, Any]]:
    """Values no other test has checked (the caches are per process), some invalid, some repeated."""
    run = uuid.uuid4().hex[:8]
    rows = []
    for n in range(1, count + 1):
        email = f"p{n}.{run}@example.com" if n % 5 else f"not-an-address-{run}-{n}"
        phone = f"+354 6{n:02d}{int(run, 16) % 10000:04d}" if n % 3 else f"12{n}"
        if n % 7 == 0:  # person 1 again
            email, phone = rows[0]["email"], rows[0]["phone"]
        rows.append({"seq": n, "name": f"Person {n}", "email": email, "phone": phone})
    return rows


def stored_leads(sb: ScriptedBot) -> list[Any]:
    with sb.bot.engine.connect() as conn:
        return list(conn.execute(select(leads.c.email, leads.c.phone, leads.c.contact_flags)).all())


def assert_stored_as_checked(sb: ScriptedBot, events: list[dict[str, Any]]) -> None:
    """One lead per person (the repeats of person 1 merged into theirs, across chunks), each with
    the email and phone the checks give, and a flag for each value they refuse."""
    with sb.bot.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(raw_events)).scalar_one() == len(events)
    stored = stored_leads(sb)
    people = [e for e in events if e["seq"] == 1 or e["seq"] % 7]
    assert len(stored) == len(people)
    expected = []
    for event in people:
        email, email_problem = check_email(event["email"])
        phone, phone_problem = check_phone((event["phone"], "IS"))
        problems = sorted(
            (name, problem)
            for name, problem in (("email", email_problem), ("phone", phone_problem))
            if problem
        )
        expected.append((email, phone, problems))
    found = [(r.email, r.phone, sorted((f["field"], f["problem"]) for f in r.contact_flags)) for r in stored]
    assert sorted(found, key=repr) == sorted(expected, key=repr)


def test_every_event_of_a_many_chunk_poll_is_stored_once_with_the_helpers_checks(sb: ScriptedBot) -> None:
    events = people(23)  # six chunks of four
    sb.set_events(events)

    outcome = sb.bot.runner.poll("src")

    assert outcome.status == "ok"
    assert outcome.counts.events_new == 23
    assert sb.bot.runner.helper.usable and sb.bot.runner.helper.pid is not None  # it did run
    assert_stored_as_checked(sb, events)


def test_the_quality_verdicts_the_helper_gives_are_the_ones_the_leads_get(sb: ScriptedBot) -> None:
    """The helper also judges the valid addresses it finds (placeholder, disposable, mistyped domain):
    a lead scores as it would have if its own process had looked."""
    run = uuid.uuid4().hex[:8]
    addresses = [
        (lambda n: f"test@{run}{n}.example.com", "has a placeholder mailbox ('test@')"),
        (lambda n: f"anna.{run}{n}@mailinator.com", "on a disposable-address list (mailinator.com)"),
        (lambda n: f"anna.{run}{n}@acme{n}.con", "ends in .con, a typo of .com"),
        (lambda n: f"anna.{run}{n}@nordichus.is", "a valid address"),
    ]
    events, expected = [], {}
    for n in range(1, 17):  # four chunks of four: the last three checked in the helper
        email, said = addresses[n % 4][0](n), addresses[n % 4][1]
        phone = f"+354 6{n:02d}{int(run, 16) % 10000:04d}"
        events.append({"seq": n, "name": f"Person {n}", "email": email, "phone": phone})
        expected[email] = said
    sb.set_events(events)

    assert sb.bot.runner.poll("src").status == "ok"

    assert sb.bot.runner.helper.pid is not None  # it did run
    with sb.bot.engine.connect() as conn:
        stored = conn.execute(select(leads.c.email, leads.c.quality)).all()
    assert len(stored) == 16
    for email, quality in stored:
        (detail,) = [r["detail"] for r in quality["reasons"] if r["signal"] == "email"]
        assert expected[email] in detail, (email, detail)


def test_a_helper_that_dies_costs_speed_not_leads(sb: ScriptedBot) -> None:
    sb.set_events(people(9))
    sb.bot.runner.poll("src")
    helper = sb.bot.runner.helper.pid
    assert helper is not None
    os.kill(helper, signal.SIGKILL)  # the helper process dies
    events = people(23)
    for event in events:
        event["seq"] += 100
    sb.set_events(events)

    outcome = sb.bot.runner.poll("src")

    assert outcome.status == "ok"
    assert not sb.bot.runner.helper.usable  # the checks now run in this process
    with sb.bot.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(raw_events)).scalar_one() == 9 + 23


def test_a_failure_mid_poll_stores_every_chunk_fetched_before_it_and_keeps_the_cursor(
    sb: ScriptedBot,
) -> None:
    events = people(23)
    sb.set_events(events, fail_after=10, error="transient")  # two full chunks, then two events

    outcome = sb.bot.runner.poll("src")

    assert outcome.status == "failed"
    with sb.bot.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(raw_events)).scalar_one() == 10
        assert load_state(conn, "src", "scripted").cursor is None
    sb.set_events(events)
    sb.clock.advance(minutes=5)
    assert sb.bot.runner.poll("src").status == "ok"
    assert_stored_as_checked(sb, events)


HELPER_THEN_DIE = """
import os, sys
from socialleads.models import Contact, EventKind, LeadDraft
from socialleads.pipeline.contact_check_helper import ContactCheckHelper
from datetime import UTC, datetime
helper = ContactCheckHelper()
draft = LeadDraft(native_id="1", kind=EventKind.IMPORT_ROW, platform="test",
                  occurred_at=datetime.now(UTC), contact=Contact(phone="+354 611 " + sys.argv[1]))
helper.absorb(helper.submit([draft], "IS"))
print(helper.pid, flush=True)
os._exit(0)  # as a SIGKILL would: no close, no atexit
"""


def test_the_helper_process_ends_when_the_bot_dies_without_closing_it() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            HELPER_THEN_DIE,
            uuid.uuid4().hex[:4].translate(str.maketrans("abcdef", "123456")),
        ],
        capture_output=True,
        text=True,
        timeout=30,  # an orphaned helper keeps the output pipe open: this times out
        check=True,
    )
    helper_pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(helper_pid):
        time.sleep(0.1)
    assert not _alive(helper_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
