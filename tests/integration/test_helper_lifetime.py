"""The contact-check helper process (pipeline.contact_check_helper) lives exactly as long as the bot
needs it.

Killed (SIGKILL: no chance to stop anything), the bot takes its helper with it at once, also while
the helper is still starting up (importing the bot's code takes seconds on a busy machine). While
the bot runs, a helper that ends, for whatever reason, is reaped at once: no defunct process stays
under the bot. Linux only: the tests read /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.bots import ScriptedBot, scripted_bot

pytestmark = [
    pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the helper runs only with a second CPU"),
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc"),
]

#: The bot's entry point (the ``socialleads`` console script imports the CLI at its top), starting
#: the helper as a poll of many chunks does, then waiting to be killed.
BOT = """
import sys, time
from socialleads.cli import main
from datetime import UTC, datetime
from socialleads.models import Contact, EventKind, LeadDraft
from socialleads.pipeline.contact_check_helper import ContactCheckHelper

if __name__ == "__main__":
    helper = ContactCheckHelper()
    draft = LeadDraft(native_id="1", kind=EventKind.IMPORT_ROW, platform="test",
                      occurred_at=datetime(2026, 11, 27, tzinfo=UTC),
                      contact=Contact(phone="+354 611 " + sys.argv[1]))
    checking = helper.submit([draft], "IS")
    if sys.argv[2] == "answered":
        helper.absorb(checking)
        assert helper.usable
    print("ready", flush=True)
    time.sleep(120)
"""


def state(pid: int) -> str | None:
    """The process's state letter (``Z`` for a defunct one), or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()[0]


def children_of(parent: int) -> list[int]:
    """The processes whose parent is ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def seconds_until_ended(pids: list[int], limit: float = 30.0) -> float:
    """How long until every one of ``pids`` has ended (gone, or defunct and left to init to reap)."""
    start = time.monotonic()
    while any(state(pid) not in (None, "Z") for pid in pids):
        if time.monotonic() - start > limit:
            return float("inf")
        time.sleep(0.005)
    return time.monotonic() - start


@pytest.mark.parametrize("when", ["starting", "answered"])
def test_a_killed_bot_takes_its_helper_with_it_at_once(tmp_path: Path, when: str) -> None:
    """``starting``: killed right after it started the helper, which is still importing; ``answered``:
    killed with a helper that has answered and waits for more."""
    script = tmp_path / "bot.py"
    script.write_text(BOT)
    number = f"{uuid.uuid4().int % 10000:04d}"
    bot = subprocess.Popen([sys.executable, str(script), number, when], stdout=subprocess.PIPE, text=True)
    try:
        assert bot.stdout is not None and bot.stdout.readline().strip() == "ready"
        helpers = children_of(bot.pid)
        assert helpers, "the bot started no helper"

        os.kill(bot.pid, signal.SIGKILL)
        bot.wait()
        lasted = seconds_until_ended(helpers)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
        for pid in children_of(bot.pid):
            os.kill(pid, signal.SIGKILL)

    assert lasted < 1.0, f"the helper outlived the bot by {lasted:.2f}s"


# --- reaping, while the bot runs ----------------------------------------------------------------


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[ScriptedBot]:
    bot = scripted_bot(
        tmp_path,
        f"sqlite:///{tmp_path / 'bot.db'}",
        sinks={"console": {"type": "console", "config": {"stream": "stderr"}}},
        default_route=["console"],
    )
    bot.bot.runner.chunk_size = 4
    yield bot
    bot.bot.close()


def people(count: int, first: int = 1) -> list[dict[str, Any]]:
    """Values no other test has checked (the checks are cached per process)."""
    run = uuid.uuid4().hex[:8]
    return [
        {
            "seq": n,
            "name": f"Person {n}",
            "email": f"p{n}.{run}@example.com",
            "phone": f"+354 6{n:02d}{n:04d}",
        }
        for n in range(first, first + count)
    ]


def started_helper(sb: ScriptedBot) -> int:
    sb.set_events(people(12))
    assert sb.bot.runner.poll("src").status == "ok"
    pid = sb.bot.runner.helper.pid
    assert pid is not None and state(pid) not in (None, "Z")
    return pid


def assert_reaped(pid: int, within: float = 1.0) -> None:
    """``pid`` ended and was reaped by us: no /proc entry left, defunct or not."""
    deadline = time.monotonic() + within
    while state(pid) is not None:
        assert time.monotonic() < deadline, f"helper {pid} left in state {state(pid)} under the running bot"
        time.sleep(0.01)


def test_a_helper_that_dies_while_the_bot_waits_is_reaped_at_once(sb: ScriptedBot) -> None:
    helper = started_helper(sb)

    os.kill(helper, signal.SIGKILL)  # an OOM kill, say, between two polls

    assert_reaped(helper)
    sb.set_events(people(12, first=100))
    assert sb.bot.runner.poll("src").status == "ok"  # the checks run here now
    assert not sb.bot.runner.helper.usable
    assert [pid for pid in children_of(os.getpid()) if state(pid) == "Z"] == []


def test_a_helper_that_dies_during_a_poll_is_reaped_and_the_poll_stores_everything(sb: ScriptedBot) -> None:
    helper = started_helper(sb)
    sb.set_events(people(400, first=100))
    killer = threading.Timer(0.2, os.kill, (helper, signal.SIGKILL))
    killer.start()

    outcome = sb.bot.runner.poll("src")

    killer.join()
    assert outcome.status == "ok" and outcome.counts.events_new == 400
    assert_reaped(helper)


def test_a_closed_helper_is_reaped(sb: ScriptedBot) -> None:
    helper = started_helper(sb)

    sb.bot.runner.close()

    assert sb.bot.runner.helper.pid is None
    assert_reaped(helper, within=0.0)  # close returns once it is reaped


def test_a_helper_started_from_a_thread_that_ended_keeps_working(sb: ScriptedBot) -> None:
    """Linux sends the parent-death signal when the *thread* that started a child ends: the helper
    must not die with the poll's thread that happened to start it."""
    poll = threading.Thread(target=started_helper, args=(sb,))
    poll.start()
    poll.join()
    helper = sb.bot.runner.helper.pid
    assert helper is not None
    time.sleep(0.2)

    sb.set_events(people(12, first=100))
    assert sb.bot.runner.poll("src").status == "ok"

    assert sb.bot.runner.helper.usable and sb.bot.runner.helper.pid == helper
    assert state(helper) not in (None, "Z")
