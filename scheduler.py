"""Composition root: settings → registry → connectors → APScheduler 3 jobs → run.

One process: a poll job and a health-check job per enabled source, a dispatch job that drains the
outbox (woken at once when a poll stores a lead, not at the next tick), a job that picks up
configuration changes made by another process, and the FastAPI app (health, webhooks, the API)
under uvicorn in a thread. A source added, changed or removed through the API gets, changes or
loses its jobs at once, without a restart.
SIGTERM or SIGINT lets the running poll finish and commit, then exits 0.

Run it as ``python scheduler.py`` or ``socialleads run``; both call ``main()``.
"""

from __future__ import annotations

import functools
import logging
import signal
import sys
import threading
from collections import deque
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from socialleads.api.events import end_streams_with
from socialleads.bot import Bot
from socialleads.gc_tuning import tune_garbage_collector
from socialleads.models import Lead
from socialleads.store import outbox
from socialleads.store.db import checkpoint_wal
from socialleads.web.app import create_app
from socialleads.web.refusals import RepeatsPerMinute

log = logging.getLogger("socialleads.scheduler")
DISPATCH_JOB = "dispatch"
CONFIG_JOB = "config"
CHECKPOINT_EVERY_S = 2


class DispatchWaker:
    """The dispatch job: one long-running loop that drains the outbox whenever it is woken.

    The runner wakes it the moment a poll or a webhook stores a delivery (an in-process signal, no
    scheduler hop), and hands it a webhook lead's deliveries already claimed, with the lead, so
    they go out without a claim of their own. Without a wake it still looks every
    ``dispatch.every``, for retries that come due. A wake while it is draining makes it drain once
    more; none is lost.
    """

    def __init__(self, bot: Bot, stop: threading.Event) -> None:
        self.bot = bot
        self.stop = stop
        self._due = threading.Event()
        self._drain = True  # the first pass sends what waited while the bot was down
        self._handed: deque[tuple[list[outbox.Claimed], dict[int, Lead]]] = deque()

    def wake(self) -> None:
        """Ask for a dispatch now; called by the runner after it stored new deliveries."""
        self._drain = True
        self._due.set()

    def hand_over(self, claimed: list[outbox.Claimed], leads: dict[int, Lead]) -> None:
        """Deliver these claimed deliveries first; called by the runner for a webhook lead."""
        self.bot.dispatcher.adopt(claimed)  # their leases are kept while they wait here
        self._handed.append((claimed, leads))
        self._due.set()

    def run(self) -> None:
        """Deliver what was handed over, drain, wait for a wake or the interval; until the bot stops."""
        every = self.bot.settings.dispatch.every.total_seconds()
        dispatcher = self.bot.dispatcher
        while not self.stop.is_set():
            self._due.clear()
            # Only a wake or the interval asks for a drain: a hand-over alone has nothing else due.
            drain, self._drain = self._drain, False
            try:
                while self._handed:
                    dispatcher.deliver_leased(*self._handed.popleft(), should_stop=self.stop.is_set)
                if drain:
                    dispatcher.dispatch_due(should_stop=self.stop.is_set)
            except Exception:  # the database may be briefly unavailable: log, wait, try again
                # A handed-over delivery that failed here keeps its lease and is claimed when it ends.
                log.exception("dispatching failed; trying again in %.0fs", every)
                self._drain = True
            # No longer than until a paused sink may be tried again (a Retry-After), if that is sooner.
            opening = dispatcher.next_opening()
            wait = every if opening is None else min(every, max(opening, 0.0))
            if not self._handed and not self._due.wait(wait):
                self._drain = True  # the interval: retries may have come due
        self._give_back()

    def _give_back(self) -> None:
        """On the way out, unclaim what was handed over and not delivered: the next start sends it."""
        left = [item for claimed, _ in self._handed for item in claimed]
        self._handed.clear()
        if left:
            with self.bot.engine.begin() as conn:
                outbox.release(conn, left)

    def release(self) -> None:
        """Let the loop see that the bot stops (called after ``stop`` is set)."""
        self._due.set()


#: How often the running bot looks for configuration changes made by another process (a second bot).
CONFIG_CHECK_EVERY_S = 10
#: APScheduler options for every job: a late run is still worth doing (misfire_grace_time None), but
#: once, never twice in parallel.
_ONCE: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


def _add_source_jobs(scheduler: BaseScheduler, bot: Bot, name: str, now: datetime) -> None:
    """The poll job and the health-check job of running source ``name``, both due at ``now``."""
    entry = bot.config.sources[name]
    jitter = int(entry.jitter.total_seconds()) or None
    scheduler.add_job(
        bot.runner.poll,
        IntervalTrigger(seconds=entry.every.total_seconds(), jitter=jitter),
        args=[name],
        id=f"poll:{name}",
        name=f"poll {name}",
        next_run_time=now,
        **_ONCE,
    )
    scheduler.add_job(
        bot.runner.check,
        IntervalTrigger(seconds=entry.check_every.total_seconds()),
        args=[name],
        id=f"check:{name}",
        name=f"check {name}",
        next_run_time=now,
        **_ONCE,
    )


def follow_sources(scheduler: BaseScheduler, bot: Bot, changed: set[str]) -> None:
    """Replace the jobs of the sources that changed: a removed source's jobs go, a new or changed
    one's (its interval may be new) are added, due at once. Called by ``Bot.apply_config``."""
    now = datetime.now(UTC)
    for name in sorted(changed):
        for job_id in (f"poll:{name}", f"check:{name}"):
            if scheduler.get_job(job_id) is not None:
                scheduler.remove_job(job_id)
        if name in bot.sources:
            _add_source_jobs(scheduler, bot, name, now)
            log.info("source %s is scheduled every %s", name, bot.config.sources[name].every)
        else:
            log.info("source %s is no longer polled", name)


class ConfigWatch:
    """The job that puts in force what another process changed in the stored configuration.

    A look that fails (the database away, the secrets file unreadable) is logged once, not every
    ``CONFIG_CHECK_EVERY_S``, and the next look tries again; the bot runs on meanwhile.
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._told: str | None = None

    def __call__(self) -> None:
        """Look once; called by the scheduler."""
        try:
            self.bot.refresh_config()
        except Exception as exc:  # noqa: BLE001 - a failed look must not stop the next one
            why = f"{type(exc).__name__}: {exc}"
            if why != self._told:
                log.warning("could not look for configuration changes (trying again): %s", why)
            self._told = why
            return
        if self._told is not None:
            log.info("looking for configuration changes works again")
            self._told = None


def build_scheduler(bot: Bot, stop: threading.Event) -> tuple[BackgroundScheduler, DispatchWaker]:
    """The scheduler with one poll job per running source and the dispatch job (not started).

    It follows the bot's configuration: a source added, changed or removed through the API gets,
    changes or loses its jobs (``follow_sources``), and a change made by another process is picked
    up within ``CONFIG_CHECK_EVERY_S`` (``Bot.refresh_config``).
    """
    scheduler = BackgroundScheduler(timezone=UTC)
    now = datetime.now(UTC)
    for name in bot.sources:
        _add_source_jobs(scheduler, bot, name, now)
    if bot.engine.dialect.name == "sqlite":  # checkpoints off the commit path (store.db.checkpoint_wal)
        scheduler.add_job(
            checkpoint_wal,
            IntervalTrigger(seconds=CHECKPOINT_EVERY_S),
            args=[bot.engine],
            id="checkpoint",
            name="checkpoint the SQLite log",
            **_ONCE,
        )
    scheduler.add_job(
        ConfigWatch(bot),
        IntervalTrigger(seconds=CONFIG_CHECK_EVERY_S),
        id=CONFIG_JOB,
        name="pick up configuration changes",
        **_ONCE,
    )
    warm_up = getattr(bot.runner.qualifier, "warm_up", None)
    if warm_up is not None:  # the first lead after a start should not wait for the intent model to load
        warming = DateTrigger(run_date=now)
        scheduler.add_job(warm_up, warming, id="warm_up", name="load the intent model", **_ONCE)
    waker = DispatchWaker(bot, stop)
    # One run that lasts as long as the bot: it waits on the in-process wake, not on a timer tick.
    scheduler.add_job(waker.run, DateTrigger(run_date=now), id=DISPATCH_JOB, name="dispatch", **_ONCE)
    bot.runner.on_deliveries_due = waker.wake
    bot.runner.on_leased = waker.hand_over
    bot.on_sources_changed.append(functools.partial(follow_sources, scheduler, bot))
    return scheduler, waker


def start_web(bot: Bot) -> tuple[uvicorn.Server, threading.Thread] | None:
    """Serve the app in a thread; returns None when disabled. Raises RuntimeError if it cannot listen."""
    web = bot.settings.web
    if not web.enabled:
        return None
    app = create_app(bot)
    uvicorn_errors = logging.getLogger("uvicorn.error")
    # uvicorn warns once per refused connection (over the concurrency limit, not HTTP): once a minute here
    if not any(isinstance(f, RepeatsPerMinute) for f in uvicorn_errors.filters):
        uvicorn_errors.addFilter(RepeatsPerMinute())
    config = uvicorn.Config(
        app,
        host=web.host,
        port=web.port,
        log_level="warning",
        # uvicorn's loggers (uvicorn.error) propagate to the root handler configure_logging set up,
        # through its redaction, rather than to handlers of uvicorn's own.
        log_config=None,
        lifespan="off",
        access_log=False,
        # Past this many connections, a new request is answered 503 at once (WebSettings).
        limit_concurrency=web.limit_concurrency,
        # Headers: h11 refuses a request line and headers over 16 KiB (its default, stated here);
        # bodies are limited by socialleads.web.body_limits. An idle kept-alive connection is
        # closed after 5 s, as by default.
        h11_max_incomplete_event_size=16 * 1024,
        timeout_keep_alive=5,
        server_header=False,  # strangers need not learn what serves them
    )
    server = uvicorn.Server(config)
    end_streams_with(app, server)  # open event streams end when the server is asked to stop
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        thread.join(0.05)
    if not server.started:
        raise RuntimeError(
            f"the web server could not listen on {web.host}:{web.port}; "
            "set SOCIALLEADS_WEB__PORT to a free port or SOCIALLEADS_WEB__ENABLED=false"
        )
    port = server.servers[0].sockets[0].getsockname()[1]
    log.info("serving health and API on http://%s:%d", web.host, port)
    return server, thread


def run(bot: Bot, stop: threading.Event | None = None, install_signals: bool = True) -> int:
    """Run until ``stop`` is set (or SIGTERM/SIGINT); returns the exit code (0 on a clean stop)."""
    stop = stop or threading.Event()
    if install_signals:

        def _on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s: finishing the current poll, then stopping", signal.Signals(signum).name)
            stop.set()

        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
    scheduler, waker = build_scheduler(bot, stop)
    web = start_web(bot)
    tune_garbage_collector()
    scheduler.start()
    log.info(
        "socialleads running: %d sources, %d sinks%s",
        len(bot.sources),
        len(bot.sinks),
        f"; unavailable: {', '.join(sorted(bot.unavailable))}" if bot.unavailable else "",
    )
    try:
        stop.wait()
    finally:
        waker.release()
        scheduler.shutdown(wait=True)
        if web is not None:
            web[0].should_exit = True
            web[1].join(timeout=10)
        bot.close()
    log.info("stopped cleanly")
    return 0


def main() -> None:
    """Entry point of ``python scheduler.py``: exactly ``socialleads run`` (same options, same errors)."""
    from socialleads.cli import app

    app(["run", *sys.argv[1:]])


if __name__ == "__main__":
    main()
