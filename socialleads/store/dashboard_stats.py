"""The distributions the console's dashboard draws, on SQLite and PostgreSQL (docs/console.md, "Dashboard").

``socialleads.store.stats`` gives the window's totals and percentiles; this module gives their shapes:

- **Intent scores** (``intent_histogram``): what the qualifier read in the comments, posts and
  mentions stored in the window, in bins of 0.05. Two kinds of item keep a score. A lead keeps its
  best verdict (``leads.intent_score``; lead forms and imported rows have none): counted once per lead
  created in the window, so a person who wrote three times counts once, with their best score. A
  comment below its campaign's threshold is kept as a raw event with status ``ignored``, and its score
  only in the reason the qualifier wrote (``buying intent 0.42 is below the threshold 0.70 (...)``,
  ``socialleads/qualify/qualifier.py``), to two decimals: read back from there, grouped in SQL. An
  ignored event whose reason is not in that form (none is today) is counted apart, never guessed.
- **Speed to lead** (``speed_histogram``): the seconds of ``stats.lead_speeds`` counted in bins that
  grow roughly threefold (1 s, 2 s, 5 s, 10 s, 30 s, 1 min, ... 7 days), per source of first touch.
- **Source health over time** (``poll_health``): each source's poll runs (``poll_runs``: polls and
  backfills; webhook deliveries write none) started in the window, per UTC hour or day, by how they
  ended (ok, failed, rate_limited, needs_reauth, disabled; running for one not finished), with the
  new events and leads they stored.

``raw_events`` and ``poll_runs`` are read by the time they were stored or started, and neither has an
index that starts with that time (``poll_runs``' is (source, started_at)), so both are scanned; the
grouping is done in the database, so one row per distinct score, or per source, bucket and outcome,
comes back. Measured
once (60 days of 200,000 raw events, three in four ignored, 50,000 leads, and 10 sources polled every
5 minutes: 172,800 runs; a 30-day window): the intent figures take about 160 ms on SQLite and 70 ms on
PostgreSQL, the polls per day 140 ms and 45 ms, per hour over 7 days 55 ms and 40 ms.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Integer, and_, cast, func, select

from socialleads.store.stats import lead_speeds, percentile
from socialleads.store.tables import leads, poll_runs, raw_events

#: Intent scores fall in ``INTENT_BINS`` bins of 1/``INTENT_BINS`` (0.05); 1.0 counts in the last.
INTENT_BINS = 20

#: The left edges of the speed-to-lead bins, in seconds; the last bin is open (7 days and more).
SPEED_EDGES_S: tuple[float, ...] = (
    0, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400, 604800,
)  # fmt: skip

#: The leading text of an ignored event's reason as the qualifier writes it, 46 characters long:
#: ``buying intent {score:.2f} is below the threshold {threshold:.2f}``.
_BELOW_FORM = re.compile(r"^buying intent ([01]\.\d\d) is below the threshold ([01]\.\d\d)$")
_BELOW_LENGTH = 46

Bucket = Literal["hour", "day"]


@dataclass
class IntentBin:
    """Items whose intent score is at or above ``low`` and below ``high`` (1.0 is in the last bin)."""

    low: float
    high: float
    leads: int = 0
    ignored: int = 0


@dataclass
class IntentHistogram:
    """The window's intent scores (see the module docstring): bins, and what was left out."""

    bins: list[IntentBin]
    leads_unscored: int = 0
    """Leads of the window with no intent score (lead forms, imported rows)."""
    ignored_unread: int = 0
    """Ignored events of the window whose reason carries no score in the qualifier's form."""
    recorded_thresholds: list[float] = field(default_factory=list)
    """The thresholds the ignored comments were measured against, as their reasons say."""


@dataclass
class SpeedBin:
    """Delivered leads whose speed to lead was at least ``low_s`` and below ``high_s`` (None: no end)."""

    low_s: float
    high_s: float | None
    leads: int = 0
    by_source: dict[str, int] = field(default_factory=dict)


@dataclass
class SpeedHistogram:
    """Speed to lead of the window's leads in bins, with the nearest-rank percentiles over all sources."""

    bins: list[SpeedBin]
    delivered: int
    undelivered: int
    p50_s: float | None
    p90_s: float | None
    p99_s: float | None


@dataclass
class PollBucket:
    """The poll runs of one source started in one hour or day: counts by how they ended."""

    start: datetime
    runs: dict[str, int] = field(default_factory=dict)
    events_new: int = 0
    leads_created: int = 0


def _intent_bin(conn: Connection) -> ColumnElement[Any]:
    """The bin index of ``leads.intent_score``: floor(score * 20). PostgreSQL rounds a cast to integer,
    so it needs ``floor``; SQLite truncates, which is the floor of a score that is never negative."""
    scaled = leads.c.intent_score * INTENT_BINS
    if conn.dialect.name == "postgresql":
        return cast(func.floor(scaled), Integer)
    return cast(scaled, Integer)


def _index_of(hundredths: int) -> int:
    return min(INTENT_BINS - 1, hundredths * INTENT_BINS // 100)


def _count_leads(conn: Connection, since: datetime, until: datetime, found: IntentHistogram) -> None:
    window = and_(leads.c.created_at >= since, leads.c.created_at < until)
    index = _intent_bin(conn).label("bin")
    scored = select(index, func.count()).where(window, leads.c.intent_score.is_not(None)).group_by(index)
    for bin_index, n in conn.execute(scored):
        found.bins[max(0, min(INTENT_BINS - 1, int(bin_index)))].leads += int(n)
    unscored = select(func.count()).where(window, leads.c.intent_score.is_(None))
    found.leads_unscored = int(conn.execute(unscored).scalar_one())


def _count_ignored(conn: Connection, since: datetime, until: datetime, found: IntentHistogram) -> None:
    window = and_(
        raw_events.c.received_at >= since, raw_events.c.received_at < until, raw_events.c.status == "ignored"
    )
    head = func.substr(raw_events.c.status_reason, 1, _BELOW_LENGTH).label("head")
    query = select(head, func.count()).where(window).group_by(head)
    thresholds: set[float] = set()
    for text, n in conn.execute(query):
        match = _BELOW_FORM.match(text or "")
        if match is None:
            found.ignored_unread += int(n)
            continue
        score, threshold = match.groups()
        found.bins[_index_of(int(score.replace(".", "")))].ignored += int(n)  # "0.42" → 42
        thresholds.add(float(threshold))
    found.recorded_thresholds = sorted(thresholds)


def intent_histogram(conn: Connection, since: datetime, until: datetime) -> IntentHistogram:
    """Intent scores of the leads created and the comments ignored in ``[since, until)``."""
    bins = [IntentBin(i / INTENT_BINS, (i + 1) / INTENT_BINS) for i in range(INTENT_BINS)]
    found = IntentHistogram(bins)
    _count_leads(conn, since, until, found)
    _count_ignored(conn, since, until, found)
    return found


def _speed_index(seconds: float) -> int:
    """The index of the last edge at or below ``seconds``."""
    index = 0
    for i, edge in enumerate(SPEED_EDGES_S):
        if seconds >= edge:
            index = i
    return index


def speed_histogram(conn: Connection, since: datetime, until: datetime) -> SpeedHistogram:
    """The speed to lead of the leads created in ``[since, until)``, counted in ``SPEED_EDGES_S`` bins."""
    speeds = lead_speeds(conn, since, until)
    highs: list[float | None] = [*SPEED_EDGES_S[1:], None]
    bins = [SpeedBin(low, high) for low, high in zip(SPEED_EDGES_S, highs, strict=True)]
    everything: list[float] = []
    for source in sorted(speeds.seconds):
        for seconds in speeds.seconds[source]:
            target = bins[_speed_index(seconds)]
            target.leads += 1
            target.by_source[source] = target.by_source.get(source, 0) + 1
        everything.extend(speeds.seconds[source])
    everything.sort()
    return SpeedHistogram(
        bins,
        delivered=len(everything),
        undelivered=sum(speeds.undelivered.values()),
        p50_s=percentile(everything, 50),
        p90_s=percentile(everything, 90),
        p99_s=percentile(everything, 99),
    )


def _bucket_text(conn: Connection, column: ColumnElement[datetime], bucket: Bucket) -> ColumnElement[str]:
    """``YYYY-MM-DD HH`` (hour) or ``YYYY-MM-DD`` (day) of a timestamp stored as naive UTC."""
    if conn.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM-DD HH24" if bucket == "hour" else "YYYY-MM-DD")
    return func.substr(column, 1, 13 if bucket == "hour" else 10)  # "YYYY-MM-DD HH:MM:SS.ffffff"


def bucket_start(moment: datetime, bucket: Bucket) -> datetime:
    """The start of the UTC hour or day ``moment`` falls in."""
    at = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return at if bucket == "hour" else at.replace(hour=0)


def bucket_size(bucket: Bucket) -> timedelta:
    """How long one bucket lasts."""
    return timedelta(hours=1) if bucket == "hour" else timedelta(days=1)


def poll_health(
    conn: Connection, since: datetime, until: datetime, bucket: Bucket
) -> dict[str, list[PollBucket]]:
    """Per source, the poll runs started in ``[since, until)`` per UTC hour or day, oldest first;
    buckets without a run are left out."""
    text = _bucket_text(conn, poll_runs.c.started_at, bucket).label("bucket")
    query = (
        select(
            poll_runs.c.source,
            text,
            poll_runs.c.status,
            func.count(),
            func.sum(poll_runs.c.events_new),
            func.sum(poll_runs.c.leads_created),
        )
        .where(poll_runs.c.started_at >= since, poll_runs.c.started_at < until)
        .group_by(poll_runs.c.source, text, poll_runs.c.status)
    )
    found: dict[str, dict[datetime, PollBucket]] = defaultdict(dict)
    layout = "%Y-%m-%d %H" if bucket == "hour" else "%Y-%m-%d"
    for source, started, status, n, events_new, leads_created in conn.execute(query):
        start = datetime.strptime(started, layout).replace(tzinfo=UTC)
        point = found[source].setdefault(start, PollBucket(start))
        point.runs[status] = int(n)
        point.events_new += int(events_new or 0)
        point.leads_created += int(leads_created or 0)
    return {source: [points[s] for s in sorted(points)] for source, points in sorted(found.items())}
