"""The composition root in-process: jobs, the health endpoint, a clean stop."""

from __future__ import annotations

import threading
from pathlib import Path

import requests

import scheduler
from socialleads.accounts.roles import Role
from socialleads.bot import build_bot
from socialleads.settings import Settings, WebSettings
from socialleads.store import accounts
from tests.support.configs import write_config


def make_bot(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_text("Name,Email\nAnna,anna@example.com\n")
    config = write_config(
        tmp_path / "config",
        sources={"fair": {"type": "csv", "every": "1h", "config": {"folder": str(inbox), "settle": "0s"}}},
        sinks={"console": {"type": "console"}},
        default_route=["console"],
    )
    return build_bot(Settings(database_url=database_url, config_dir=config, web=WebSettings(port=0)))


def test_one_poll_job_per_source_and_a_dispatch_job(tmp_path: Path, database_url: str) -> None:
    bot = make_bot(tmp_path, database_url)
    sched, _ = scheduler.build_scheduler(bot, threading.Event())
    jobs = {job.id: job for job in sched.get_jobs()}
    # SQLite's log is checkpointed by a job of its own, not inside a lead's commit.
    checkpoint = {"checkpoint"} if database_url.startswith("sqlite") else set()
    # The intent model is loaded once at start, so the first comment does not wait for it.
    assert set(jobs) == {"poll:fair", "check:fair", "dispatch", "config", "warm_up"} | checkpoint
    assert jobs["poll:fair"].trigger.interval.total_seconds() == 3600
    assert jobs["poll:fair"].max_instances == 1 and jobs["poll:fair"].coalesce
    bot.close()


def test_the_running_bot_polls_at_start_delivers_and_serves_health(
    tmp_path: Path, database_url: str, capsys
) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot(tmp_path, database_url)
    stop = threading.Event()
    web = scheduler.start_web(bot)
    assert web is not None
    port = web[0].servers[0].sockets[0].getsockname()[1]
    sched, waker = scheduler.build_scheduler(bot, stop)
    bot.runner.on_deliveries_due = lambda: stop.set()  # stop once the first poll stored a lead
    sched.start()
    assert stop.wait(30)
    assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).json() == {"status": "ok"}
    with bot.engine.begin() as conn:
        user = accounts.add_user(
            conn,
            "ops@example.com",
            name="ops",
            role=Role.SALES,
            team=None,
            password_hash=None,
            now=bot.clock(),
        )
        token, _ = accounts.create_token(
            conn, user, name="monitor", role=None, expires_at=None, now=bot.clock()
        )
    health = requests.get(
        f"http://127.0.0.1:{port}/health", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert health.status_code == 200
    body = health.json()  # the details, for a signed-in caller
    assert body["database"] == "ok"
    assert body["sources"]["fair"]["health"] in ("ok", "unknown")
    assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json() == {"status": "ok"}
    waker.release()
    sched.shutdown(wait=True)
    web[0].should_exit = True
    web[1].join(10)
    bot.close()


def test_run_stops_cleanly_when_asked(tmp_path: Path, database_url: str) -> None:
    bot = make_bot(tmp_path, database_url)
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    assert scheduler.run(bot, stop, install_signals=False) == 0
