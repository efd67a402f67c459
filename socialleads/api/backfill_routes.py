"""A source's backfill through the API, for the console's progress bar (docs/api.md, "Configuration").

- ``POST /api/v1/sources/{name}/backfill`` with ``{"since": "90d"}`` starts reading the source's
  history back that far, in a background thread of the bot (``Bot.background``), as ``socialleads
  backfill`` does (``socialleads.pipeline.backfill``): resumable, never doubled. One at a time per
  source: 409 while one runs, and for a source that cannot backfill; 202 with the job. Audited
  (``source.backfill``).
- ``GET /api/v1/sources/{name}/backfill``: the latest job of the source, with its progress; 404 when
  none ran in this process.

Jobs live in the memory of the process that serves the API (``BackfillJobs`` on ``app.state``): a
backfill's progress is seen by the process that runs it only (several processes are issue #24), and
a restart forgets it (the parts done are stored, so starting again resumes).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from socialleads.accounts.roles import Permission
from socialleads.api.auth import Principal, bot_of, require
from socialleads.api.problems import ApiProblem
from socialleads.pipeline.backfill import (
    BackfillJob,
    BackfillJobs,
    BackfillRunning,
    CannotBackfill,
    JobStatus,
)
from socialleads.settings import parse_duration
from socialleads.store import audit

router = APIRouter(prefix="/api/v1", tags=["configuration"])

LONGEST = timedelta(days=3650)
"""The farthest back a backfill may reach (platforms keep far less: Meta, 90 days of leads)."""
_JOBS_LOCK = threading.Lock()


class BackfillIn(BaseModel):
    """How far back to read, as the configuration writes durations (``7d``, ``90d``)."""

    since: str = Field(default="90d", max_length=32, examples=["7d", "30d", "90d"])
    restart: bool = False
    """Read again the parts an earlier backfill with the same ``since`` finished."""

    @field_validator("since")
    @classmethod
    def _a_duration(cls, value: str) -> str:
        back = parse_duration(value)  # a ValueError (not a duration, or longer than any) is a 422
        if not isinstance(back, timedelta) or back <= timedelta(0) or back > LONGEST:
            raise ValueError(f"'{value}' must be a duration longer than zero and at most {LONGEST.days}d")
        return value.strip()


class BackfillJobOut(BaseModel):
    """One backfill of a source and where it stands; times on the bot's clock."""

    source: str
    status: JobStatus
    since: str
    started_at: datetime
    finished_at: datetime | None
    parts_done: int
    """Parts read to the end (those an earlier run finished included)."""
    parts_skipped: int
    """Parts an earlier run with the same ``since`` finished, not read again."""
    parts_known: int
    parts_total: int | None
    """None until the list of parts is read."""
    current_part: str | None
    events_read: int
    events_new: int
    """Events not stored before; the others were absorbed as duplicates."""
    leads_created: int
    error: str | None
    """Why it failed (secrets masked); None unless ``status`` is ``failed``."""


def _out(job: BackfillJob) -> BackfillJobOut:
    status, progress = job.status, job.progress  # status first: a finished job's progress is final
    return BackfillJobOut(
        source=job.source,
        status=status,
        since=job.since,
        started_at=job.started_at,
        finished_at=job.finished_at,
        parts_done=progress.parts_done,
        parts_skipped=progress.parts_skipped,
        parts_known=progress.parts_known,
        parts_total=progress.parts_total,
        current_part=progress.current,
        events_read=progress.events_read,
        events_new=progress.events_new,
        leads_created=progress.leads_created,
        error=job.error,
    )


def jobs_of(request: Request) -> BackfillJobs:
    """The app's backfill jobs, made at the first call."""
    state = request.app.state
    with _JOBS_LOCK:
        if getattr(state, "backfills", None) is None:
            state.backfills = BackfillJobs(bot_of(request))
        jobs: BackfillJobs = state.backfills
    return jobs


def _known(request: Request, name: str) -> None:
    if name not in bot_of(request).config.sources:
        raise ApiProblem(404, f"no source named '{name}'")


@router.post(
    "/sources/{name}/backfill", response_model=BackfillJobOut, status_code=202, responses={404: {}, 409: {}}
)
def start_backfill(
    name: str, body: BackfillIn, request: Request, principal: Principal = require(Permission.SOURCES_WRITE)
) -> BackfillJobOut:
    """Start reading the source's history back to ``since`` in the background; poll the GET."""
    _known(request, name)
    bot = bot_of(request)
    try:
        job = jobs_of(request).start(name, body.since, parse_duration(body.since), body.restart)
    except (CannotBackfill, BackfillRunning) as exc:
        raise ApiProblem(409, str(exc)) from None
    with bot.engine.begin() as conn:
        audit.record(
            conn,
            actor=principal.actor,
            action="source.backfill",
            target=f"source:{name}",
            before=None,
            after={"since": body.since, "restart": body.restart},
            now=job.started_at,
        )
    return _out(job)


@router.get("/sources/{name}/backfill", response_model=BackfillJobOut, responses={404: {}})
def latest_backfill(
    name: str, request: Request, _: Principal = require(Permission.SOURCES_READ)
) -> BackfillJobOut:
    """The latest backfill of the source started in this process, and its progress."""
    job = jobs_of(request).latest(name)
    if job is None:
        _known(request, name)
        raise ApiProblem(404, f"no backfill of '{name}' ran since the bot started")
    return _out(job)
