"""Reading a source's history back to a date, part by part, resumably, never doubled.

Used by ``socialleads backfill`` (a progress bar on the terminal) and by the API's backfill jobs
(``POST /api/v1/sources/{name}/backfill``, a progress bar on the console's Sources and sinks page;
docs/api.md, "Configuration").

The source splits the history into parts (``backfill_parts``: a Meta form each). The list of parts is
read first, so the total is known before any event is (``BackfillProgress.parts_total``). Each part's
events are stored by the runner (``Runner.ingest`` with ``ReceivedVia.BACKFILL``); a part read to the
end is recorded in the state of ``<source>#backfill``, so an interrupted backfill with the same
``since`` resumes with the parts not done. Events already stored (by polls, webhooks or an earlier
attempt) are absorbed as duplicates, never stored twice.

A job's progress lives in the memory of the process that runs it (``BackfillJobs``): another process
of the same bot does not see it (several processes are issue #24).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from socialleads.contracts import BackfillPart
from socialleads.errors import SourceError
from socialleads.models import RawEvent, ReceivedVia
from socialleads.redact import REDACTOR
from socialleads.store.state import PollCounts, SourceState, load_state, save_state

if TYPE_CHECKING:
    from socialleads.bot import Bot

log = logging.getLogger("socialleads.backfill")

PartsOf = Callable[[datetime], Iterable[BackfillPart]]
"""A source's ``backfill_parts``: the parts of its history since a time."""


class CannotBackfill(Exception):
    """The source is not running, or its connector cannot backfill (no ``backfill_parts``)."""


class BackfillRunning(Exception):
    """A backfill of the source is already running in this process."""


class BackfillStopped(Exception):
    """The backfill stopped between two events because it was asked to (the bot is closing)."""


def parts_of(bot: Bot, source: str) -> PartsOf:
    """The running source's ``backfill_parts``; raises ``CannotBackfill`` saying why there is none."""
    instance = bot.sources.get(source)
    found = getattr(instance, "backfill_parts", None)
    if instance is None or not callable(found):
        raise CannotBackfill(
            f"source {source!r} is not running or cannot backfill "
            f"({bot.unavailable.get(source, 'no backfill_parts')})"
        )
    return cast("PartsOf", found)


def can_backfill(instance: object) -> bool:
    """True when a source connector can read its history (it has ``backfill_parts``)."""
    return callable(getattr(instance, "backfill_parts", None))


@dataclass(frozen=True)
class BackfillProgress:
    """Where a backfill stands; a new value after each step (safe to read from another thread)."""

    parts_known: int = 0
    """Parts listed so far (the list is read before any event)."""
    parts_total: int | None = None
    """All the parts, once the list is read to its end."""
    parts_done: int = 0
    """Parts read to the end, in this run or (``parts_skipped``) in an earlier one."""
    parts_skipped: int = 0
    """Parts an earlier run with the same ``since`` finished, not read again."""
    current: str | None = None
    """The label of the part being read (None while the list is read, and at the end)."""
    events_read: int = 0
    events_new: int = 0
    """Events not stored before (the rest were duplicates, absorbed)."""
    leads_created: int = 0


class BackfillListener:
    """Told what a backfill does, step by step; each method gets the progress after that step.

    The methods do nothing here; the CLI's progress bar and the API's jobs override what they show.
    They are called from the thread that runs the backfill.
    """

    def part_listed(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """One more part is known (``progress.parts_known``)."""

    def parts_listed(self, progress: BackfillProgress) -> None:
        """The list is read to its end: ``progress.parts_total`` is set."""

    def part_skipped(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """``part`` was finished by an earlier run with the same ``since``: not read again."""

    def part_started(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """Reading ``part`` begins."""

    def chunk_stored(self, part: BackfillPart, counts: PollCounts, progress: BackfillProgress) -> None:
        """A chunk of ``part``'s events was stored (``counts`` is that chunk's)."""

    def part_finished(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """``part`` was read to its end and recorded as done."""


def _never() -> bool:
    return False


@dataclass
class Backfill:
    """One backfill of a source, and the parts done (kept as the cursor of ``<source>#backfill``)."""

    bot: Bot
    source: str
    since: str
    state: SourceState
    done: set[str]
    listener: BackfillListener = field(default_factory=BackfillListener)
    should_stop: Callable[[], bool] = _never
    """Asked before each event; True stops the backfill (``BackfillStopped``), the part not recorded."""
    total: PollCounts = field(default_factory=PollCounts)
    progress: BackfillProgress = field(default_factory=BackfillProgress)

    @classmethod
    def resume(
        cls,
        bot: Bot,
        source: str,
        since: str,
        restart: bool,
        listener: BackfillListener | None = None,
        should_stop: Callable[[], bool] = _never,
    ) -> Backfill:
        """The parts an earlier run with the same ``since`` finished are done, unless ``restart``."""
        with bot.engine.begin() as conn:
            state = load_state(conn, f"{source}#backfill", bot.sources[source].name)
        cursor = state.cursor or {}
        done = set() if restart or cursor.get("since") != since else set(cursor.get("done", []))
        return cls(bot, source, since, state, done, listener or BackfillListener(), should_stop)

    def _step(self, **changes: Any) -> BackfillProgress:
        self.progress = dataclasses.replace(self.progress, **changes)
        return self.progress

    def listed(self, parts: Iterable[BackfillPart]) -> list[BackfillPart]:
        """Every part, read to the end of the list, each told to the listener as it comes."""
        found: list[BackfillPart] = []
        for part in parts:
            found.append(part)
            self.listener.part_listed(part, self._step(parts_known=len(found)))
        self.listener.parts_listed(self._step(parts_total=len(found)))
        return found

    def read(self, parts: Iterable[BackfillPart]) -> PollCounts:
        """Store every part not done yet, recording each when it is read to the end; the counts.

        Raises ``SourceError`` from the source (what was read is stored, and the same ``since``
        resumes; ``progress.current`` names the part, None for the list) and ``BackfillStopped``.
        """
        for part in self.listed(parts):
            if part.key in self.done:
                p = self.progress
                self.listener.part_skipped(
                    part, self._step(parts_done=p.parts_done + 1, parts_skipped=p.parts_skipped + 1)
                )
                continue
            self._read_part(part)
        self._step(current=None)
        return self.total

    def _read_part(self, part: BackfillPart) -> None:
        self.listener.part_started(part, self._step(current=part.label))
        stopped: list[bool] = []

        def stored(counts: PollCounts) -> None:
            self.total.add(counts)
            t = self.total
            after = self._step(
                events_read=t.events_seen, events_new=t.events_new, leads_created=t.leads_created
            )
            self.listener.chunk_stored(part, counts, after)

        self.bot.runner.ingest(
            self.source, self._until_stopped(part.events(), stopped), ReceivedVia.BACKFILL, on_chunk=stored
        )
        if stopped:  # what was read is stored; the part is read again by the next run
            raise BackfillStopped(f"stopped in {part.label}")
        self.done.add(part.key)
        self.state.cursor = {"since": self.since, "done": sorted(self.done)}
        with self.bot.engine.begin() as conn:
            save_state(conn, self.state)
        self.listener.part_finished(part, self._step(parts_done=self.progress.parts_done + 1))

    def _until_stopped(self, events: Iterator[RawEvent], stopped: list[bool]) -> Iterator[RawEvent]:
        """``events`` until ``should_stop`` says so (then ``stopped`` gets an item)."""
        for event in events:
            if self.should_stop():
                stopped.append(True)
                return
            yield event


# ---- jobs: a backfill in a background thread of the bot, for the API ------------------------------

JobStatus = Literal["running", "done", "failed"]


@dataclass
class BackfillJob(BackfillListener):
    """One backfill started through the API, and where it stands (read by ``GET .../backfill``)."""

    source: str
    since: str
    started_at: datetime
    status: JobStatus = "running"
    finished_at: datetime | None = None
    progress: BackfillProgress = field(default_factory=BackfillProgress)
    error: str | None = None
    """Why it failed, scrubbed of secrets as a log line is."""

    def _seen(self, progress: BackfillProgress) -> None:
        self.progress = progress  # one assignment: a reader sees the old value or the new one

    def part_listed(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """Keep the count of parts known."""
        self._seen(progress)

    def parts_listed(self, progress: BackfillProgress) -> None:
        """Keep the total."""
        self._seen(progress)

    def part_skipped(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """Count a part an earlier run finished."""
        self._seen(progress)

    def part_started(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """Name the part being read."""
        self._seen(progress)

    def chunk_stored(self, part: BackfillPart, counts: PollCounts, progress: BackfillProgress) -> None:
        """Keep the events read and new, and the leads created."""
        self._seen(progress)

    def part_finished(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """Count a part done."""
        self._seen(progress)


class BackfillJobs:
    """The API's backfills in this process: one at a time per source, each in ``Bot.background``.

    Only the latest job of each source is kept, in memory: a restart forgets them (the parts done
    are in the database, so starting again resumes), and another process does not see them (#24).
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._lock = threading.Lock()
        self._latest: dict[str, BackfillJob] = {}

    def latest(self, source: str) -> BackfillJob | None:
        """The latest job of ``source`` started in this process, if any."""
        with self._lock:
            return self._latest.get(source)

    def start(self, source: str, since: str, back: timedelta, restart: bool = False) -> BackfillJob:
        """Start reading ``source``'s history ``back`` from now (``since`` as written keys resumes).

        Raises ``CannotBackfill`` and ``BackfillRunning``; the backfill itself runs in a thread.
        """
        found = parts_of(self.bot, source)
        with self._lock:
            running = self._latest.get(source)
            if running is not None and running.status == "running":
                raise BackfillRunning(f"a backfill of {source!r} since {running.since} is running")
            now = self.bot.clock()
            job = BackfillJob(source=source, since=since, started_at=now)
            self._latest[source] = job
            try:
                self.bot.background.submit(self._run, job, found, now - back, restart)
            except RuntimeError:  # the bot is closing: its pool takes no more work
                del self._latest[source]
                raise CannotBackfill("the bot is shutting down") from None
        return job

    def _run(self, job: BackfillJob, parts: PartsOf, start: datetime, restart: bool) -> None:
        """Run ``job`` to its end; a failure ends it ``failed`` with the reason, never raised."""
        error: str | None = None
        backfill: Backfill | None = None
        try:
            # The bot closes its event bus first when it stops: a backfill then stops between two
            # events, so closing does not wait for the rest of the history.
            backfill = Backfill.resume(
                self.bot, job.source, job.since, restart, job, should_stop=lambda: self.bot.events.closed
            )
            backfill.read(parts(start))
        except SourceError as exc:
            where = backfill.progress.current if backfill else None
            error = (
                f"stopped in {where or 'the list of parts'}: {exc}. What was read is stored; "
                "start it again with the same period to resume."
            )
        except BackfillStopped as exc:
            error = f"{exc}: the bot stopped. What was read is stored; start it again to resume."
        except Exception as exc:  # a job's failure is reported on it, never raised into the pool
            log.exception("backfill of %s failed", job.source)
            error = f"{type(exc).__name__}: {exc}"
        if backfill is not None:
            job.progress = dataclasses.replace(backfill.progress, current=None)
        job.error = REDACTOR.scrub(error) if error is not None else None
        job.finished_at = self.bot.clock()
        job.status = "failed" if error is not None else "done"
        if error is not None:
            log.warning("backfill of %s failed: %s", job.source, job.error)
