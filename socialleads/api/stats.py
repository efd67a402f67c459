"""``GET /api/v1/stats``: what came in and how fast it reached sales (docs/api.md, "Statistics").

For managers and admins. Every figure is about the leads created in ``[since, until)`` (the last
30 days on the bot's clock by default), as ``socialleads.store.stats`` defines them: leads per UTC
day by source, platform and kind of their first touch; counts by grade and by status; speed to
lead per source; and their deliveries per sink with failures.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from socialleads.accounts.roles import Permission
from socialleads.api.auth import Principal, bot_of, require
from socialleads.api.params import Instant
from socialleads.api.problems import ApiProblem
from socialleads.store import stats
from socialleads.store.db import reading

router = APIRouter(prefix="/api/v1", tags=["stats"])

#: The longest window one call may ask for; the speed figures read one row per lead of the window.
MAX_WINDOW = timedelta(days=366)


DEFAULT_WINDOW = timedelta(days=30)

#: ``?days=``: the window as the last so many days up to ``until``, instead of a ``since``.
SINCE = Query(default=None, description="Start (inclusive); until - 30 days by default.")
UNTIL = Query(default=None, description="End (exclusive); now by default.")
DAYS = Query(default=None, ge=1, le=MAX_WINDOW.days, description="The last days up to until; not with since.")


class DayCountOut(BaseModel):
    """Leads created on one UTC day from one source, platform and kind (of their first touch)."""

    day: date
    source: str
    platform: str
    kind: str
    leads: int


class SpeedOut(BaseModel):
    """Speed to lead of one source: seconds from the first touch's ``received_at`` (when the bot stored
    the event that created the lead) to the first delivery attempt a sink accepted; nearest-rank
    percentiles over the delivered leads (None when there are none)."""

    source: str
    delivered: int
    undelivered: int
    p50_s: float | None
    p90_s: float | None
    p99_s: float | None


class SinkOut(BaseModel):
    """One sink: the cohort's deliveries by status, their failed attempts and their dead letters."""

    sink: str
    by_status: dict[str, int]
    failed_attempts: int
    dead_letters: int


class StatsOut(BaseModel):
    """The figures of the leads created in ``[since, until)``."""

    since: datetime
    until: datetime
    leads: int
    per_day: list[DayCountOut]
    grades: dict[str, int]
    """Leads per grade (A to D; ``ungraded`` for none)."""
    statuses: dict[str, int]
    """Leads per sales status (new, contacted, qualified, won, lost)."""
    speed_to_lead: list[SpeedOut]
    deliveries: list[SinkOut]


def stats_window(
    since: datetime | None, until: datetime | None, now: datetime, days: int | None = None
) -> tuple[datetime, datetime]:
    """The window asked for, defaulted; raises ``ApiProblem(422)`` for one that is not a window.

    ``days`` counts back from ``until`` (the bot's "now" by default) instead of a ``since``, so that a
    client can ask for "the last 7 days" without reading its own clock, which may differ from the bot's.
    """
    end = until or now
    if days is not None and since is not None:
        raise ApiProblem(422, "give since or days, not both")
    start = end - timedelta(days=days) if days is not None else since or end - DEFAULT_WINDOW
    if start >= end:
        raise ApiProblem(422, "since must be before until")
    if end - start > MAX_WINDOW:
        raise ApiProblem(422, f"ask for {MAX_WINDOW.days} days at most")
    return start, end


@router.get("/stats", response_model=StatsOut, responses={422: {}})
def get_stats(
    request: Request,
    since: Instant | None = SINCE,
    until: Instant | None = UNTIL,
    days: int | None = DAYS,
    _: Principal = require(Permission.STATS_READ),
) -> StatsOut:
    """Leads per day per source/platform/kind, grades, statuses, speed to lead, deliveries per sink."""
    bot = bot_of(request)
    start, end = stats_window(since, until, bot.clock(), days)
    with reading(bot.engine) as conn:
        per_day = stats.leads_per_day(conn, start, end)
        grades = stats.leads_by(conn, "grade", start, end)
        statuses = stats.leads_by(conn, "status", start, end)
        speeds = stats.speed_to_lead(conn, start, end)
        sinks = stats.deliveries_per_sink(conn, start, end)
    return StatsOut(
        since=start,
        until=end,
        leads=sum(statuses.values()),
        per_day=[DayCountOut(**vars(c)) for c in per_day],
        grades=grades,
        statuses=statuses,
        speed_to_lead=[SpeedOut(**vars(s)) for s in speeds],
        deliveries=[SinkOut(**vars(s)) for s in sinks],
    )
