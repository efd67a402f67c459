"""The distributions behind the console's dashboard (docs/api.md, "Deliveries, statistics, events").

``GET /api/v1/stats`` gives a window's totals and percentiles; these routes give the shapes the
dashboard draws, for the same people (stats:read: managers and admins) and the same window
(``since``/``until`` or ``days``, the last 30 days on the bot's clock by default, 366 days at most):

- ``GET /api/v1/stats/intent``: a histogram of the intent scores of the window's leads and of the
  comments found below the threshold, with the campaigns' thresholds in force;
- ``GET /api/v1/stats/speed``: a histogram of speed to lead (webhook or poll → the first sink that
  accepted), per source, with p50/p90/p99;
- ``GET /api/v1/stats/polls``: each source's poll runs per hour or day, by how they ended.

What each figure covers is said in ``socialleads.store.dashboard_stats``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from socialleads.accounts.roles import Permission
from socialleads.api.auth import Principal, bot_of, require
from socialleads.api.params import Instant
from socialleads.api.problems import ApiProblem
from socialleads.api.stats import DAYS, SINCE, UNTIL, stats_window
from socialleads.configuration.loader import AppConfig
from socialleads.configuration.models import Campaign
from socialleads.store import dashboard_stats as figures
from socialleads.store.dashboard_stats import Bucket
from socialleads.store.db import reading

router = APIRouter(prefix="/api/v1", tags=["stats"])

#: The threshold of a source in no campaign (the qualifier's default, ``Campaign.intent_threshold``).
DEFAULT_THRESHOLD = Campaign().intent_threshold
#: Hourly buckets for windows up to this long (336 points); longer windows are counted per day.
MAX_HOURLY_WINDOW = timedelta(days=14)
#: The bucket chosen when none is asked for: hours for a window up to this long, days beyond.
HOURLY_BY_DEFAULT = timedelta(days=7)


class IntentBinOut(BaseModel):
    """Scores at or above ``low`` and below ``high`` (1.0 is counted in the last bin)."""

    low: float
    high: float
    leads: int
    """Leads created in the window whose best intent score is in the bin."""
    ignored: int
    """Comments, posts and mentions stored in the window and found below their threshold."""


class ThresholdOut(BaseModel):
    """The intent threshold in force for a campaign's sources (``campaign`` None: sources in none)."""

    campaign: str | None
    threshold: float
    sources: list[str]


class IntentHistogramOut(BaseModel):
    """Intent scores of the window's leads and ignored comments, in bins of ``bin_width``."""

    since: datetime
    until: datetime
    bin_width: float
    bins: list[IntentBinOut]
    leads_scored: int
    leads_unscored: int
    """Leads of the window without an intent score (lead forms, imported rows): not in the bins."""
    ignored: int
    """Comments, posts and mentions of the window found below their threshold, in the bins."""
    ignored_unread: int
    """Ignored events whose reason carries no score the bins could use: not in the bins."""
    thresholds: list[ThresholdOut]
    """The thresholds of the configuration in force now."""
    recorded_thresholds: list[float]
    """The thresholds the window's ignored comments were measured against (their reasons say)."""


class SpeedBinOut(BaseModel):
    """Delivered leads whose speed to lead was at least ``low_s`` and below ``high_s`` (None: no end)."""

    low_s: float
    high_s: float | None
    leads: int
    by_source: dict[str, int]
    """The same leads by source of first touch."""


class SpeedHistogramOut(BaseModel):
    """Speed to lead of the window's leads: seconds from the first touch being received to the first
    delivery a sink accepted, as ``GET /api/v1/stats`` counts it, in bins, over every source."""

    since: datetime
    until: datetime
    delivered: int
    undelivered: int
    p50_s: float | None
    p90_s: float | None
    p99_s: float | None
    bins: list[SpeedBinOut]


class PollBucketOut(BaseModel):
    """One source's poll runs started in one hour or day."""

    start: datetime
    runs: dict[str, int]
    """By how they ended: ok, failed, rate_limited, needs_reauth, disabled (running: not finished)."""
    events_new: int
    leads_created: int


class SourcePollsOut(BaseModel):
    """One source: its runs in the window in total and per bucket (buckets without runs left out)."""

    source: str
    runs: dict[str, int]
    points: list[PollBucketOut]


class PollHealthOut(BaseModel):
    """Poll runs per source over time. Sources configured now are listed even without a run."""

    since: datetime
    until: datetime
    bucket: Bucket
    starts: list[datetime]
    """The start of every bucket of the window, oldest first (the chart's x axis)."""
    sources: list[SourcePollsOut]


def _thresholds(config: AppConfig) -> list[ThresholdOut]:
    """The campaigns' thresholds, and the default one when a source is in no campaign."""
    found = [
        ThresholdOut(campaign=name, threshold=c.intent_threshold, sources=list(c.sources))
        for name, c in sorted(config.campaigns.items())
    ]
    loose = [s for s in config.runnable_sources() if config.campaign_of(s) is None]
    if loose:
        found.append(ThresholdOut(campaign=None, threshold=DEFAULT_THRESHOLD, sources=loose))
    return found


@router.get("/stats/intent", response_model=IntentHistogramOut, responses={422: {}})
def get_intent_histogram(
    request: Request,
    since: Instant | None = SINCE,
    until: Instant | None = UNTIL,
    days: int | None = DAYS,
    _: Principal = require(Permission.STATS_READ),
) -> IntentHistogramOut:
    """Intent scores of the window's leads and of the comments found below the threshold."""
    bot = bot_of(request)
    start, end = stats_window(since, until, bot.clock(), days)
    with reading(bot.engine) as conn:
        found = figures.intent_histogram(conn, start, end)
    return IntentHistogramOut(
        since=start,
        until=end,
        bin_width=1 / figures.INTENT_BINS,
        bins=[IntentBinOut(**vars(b)) for b in found.bins],
        leads_scored=sum(b.leads for b in found.bins),
        leads_unscored=found.leads_unscored,
        ignored=sum(b.ignored for b in found.bins),
        ignored_unread=found.ignored_unread,
        thresholds=_thresholds(bot.config),
        recorded_thresholds=found.recorded_thresholds,
    )


@router.get("/stats/speed", response_model=SpeedHistogramOut, responses={422: {}})
def get_speed_histogram(
    request: Request,
    since: Instant | None = SINCE,
    until: Instant | None = UNTIL,
    days: int | None = DAYS,
    _: Principal = require(Permission.STATS_READ),
) -> SpeedHistogramOut:
    """Speed to lead of the window's leads in bins from under a second to over a week."""
    bot = bot_of(request)
    start, end = stats_window(since, until, bot.clock(), days)
    with reading(bot.engine) as conn:
        found = figures.speed_histogram(conn, start, end)
    return SpeedHistogramOut(
        since=start,
        until=end,
        delivered=found.delivered,
        undelivered=found.undelivered,
        p50_s=found.p50_s,
        p90_s=found.p90_s,
        p99_s=found.p99_s,
        bins=[SpeedBinOut(**vars(b)) for b in found.bins],
    )


def _bucket(asked: Bucket | None, start: datetime, end: datetime) -> Bucket:
    """The bucket asked for, or the default for the window; hours only for a short enough window."""
    if asked is None:
        return "hour" if end - start <= HOURLY_BY_DEFAULT else "day"
    if asked == "hour" and end - start > MAX_HOURLY_WINDOW:
        raise ApiProblem(422, f"hourly buckets for {MAX_HOURLY_WINDOW.days} days at most; ask for bucket=day")
    return asked


def _starts(start: datetime, end: datetime, bucket: Bucket) -> list[datetime]:
    at, step, found = figures.bucket_start(start, bucket), figures.bucket_size(bucket), []
    while at < end:
        found.append(at)
        at += step
    return found


@router.get("/stats/polls", response_model=PollHealthOut, responses={422: {}})
def get_poll_health(
    request: Request,
    since: Instant | None = SINCE,
    until: Instant | None = UNTIL,
    days: int | None = DAYS,
    bucket: Bucket | None = Query(
        default=None, description="hour (windows up to 14 days) or day; hour up to 7 days by default."
    ),
    _: Principal = require(Permission.STATS_READ),
) -> PollHealthOut:
    """Each source's poll runs per hour or day of the window, by how they ended."""
    bot = bot_of(request)
    start, end = stats_window(since, until, bot.clock(), days)
    size = _bucket(bucket, start, end)
    with reading(bot.engine) as conn:
        found = figures.poll_health(conn, start, end, size)
    names = sorted({*found, *bot.config.runnable_sources()})
    sources = []
    for name in names:
        points = [PollBucketOut(**vars(p)) for p in found.get(name, [])]
        totals: dict[str, int] = {}
        for point in points:
            for status, n in point.runs.items():
                totals[status] = totals.get(status, 0) + n
        sources.append(SourcePollsOut(source=name, runs=totals, points=points))
    starts = _starts(start, end, size)
    return PollHealthOut(since=start, until=end, bucket=size, starts=starts, sources=sources)
