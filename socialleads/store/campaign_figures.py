"""Per-campaign figures for the console's campaigns list, and the stored rows a campaign preview reads
(docs/api.md, "Campaign figures and previews"), on SQLite and PostgreSQL.

The figures are about the leads created in a window (the last 30 UTC days, today included, on the
bot's clock): leads per UTC day, where they stand now (their sales status), and speed to lead as
``socialleads.store.stats`` defines it (first touch received → first delivery a sink accepted),
grouped by the campaign the lead was stored under instead of by source. The previews read the
newest leads of a campaign (or of its sources) and the newest comments, posts and mentions of its
sources, each with a cap the caller names, and say how many there were in all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select

from socialleads.models import LeadStatus
from socialleads.store import stats
from socialleads.store.tables import leads, raw_events, touches

WINDOW_DAYS = 30
"""The figures and the previews look at the last 30 UTC days, today included."""


@dataclass(frozen=True)
class Window:
    """``[since, until)``: from the start of the first UTC day to now; ``days`` oldest first."""

    since: datetime
    until: datetime
    days: tuple[date, ...]


def last_days(now: datetime, days: int = WINDOW_DAYS) -> Window:
    """The window of the last ``days`` UTC days up to ``now`` (today is its last, partial day)."""
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time(0), tzinfo=UTC)
    return Window(since, now, tuple(first + timedelta(days=n) for n in range(days)))


@dataclass
class CampaignFigures:
    """One campaign's leads created in the window (``campaign`` None: leads of no campaign)."""

    campaign: str | None
    per_day: list[int]
    """Leads created on each day of the window, oldest first."""
    statuses: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in LeadStatus})
    """Where those leads stand now: new, contacted, qualified, won, lost."""
    delivered: int = 0
    """Leads a sink has accepted; speed to lead is over these."""
    undelivered: int = 0
    speed_p50_s: float | None = None
    speed_p90_s: float | None = None

    @property
    def leads(self) -> int:
        """Leads created in the window."""
        return sum(self.per_day)


def _in_window(window: Window) -> Any:
    return and_(leads.c.created_at >= window.since, leads.c.created_at < window.until)


def _per_day(conn: Connection, window: Window, found: dict[str | None, CampaignFigures]) -> None:
    day = stats._utc_day(conn, leads.c.created_at).label("day")
    query = (
        select(leads.c.campaign, day, func.count()).where(_in_window(window)).group_by(leads.c.campaign, day)
    )
    index = {d: n for n, d in enumerate(window.days)}
    for campaign, on, count in conn.execute(query):
        at = index.get(date.fromisoformat(on))
        if at is not None:
            found[campaign].per_day[at] += int(count)


def _statuses(conn: Connection, window: Window, found: dict[str | None, CampaignFigures]) -> None:
    query = (
        select(leads.c.campaign, leads.c.status, func.count())
        .where(_in_window(window))
        .group_by(leads.c.campaign, leads.c.status)
    )
    for campaign, status, count in conn.execute(query):
        found[campaign].statuses[status] = int(count)


def _speeds(conn: Connection, window: Window, found: dict[str | None, CampaignFigures]) -> None:
    """Speed to lead per campaign: ``stats.lead_speeds`` (the same cohort and timing as the dashboard
    and ``/stats``) grouped by the lead's campaign instead of its first touch's source."""
    speeds = stats.lead_speeds(conn, window.since, window.until, by=leads.c.campaign)
    for campaign, count in speeds.undelivered.items():
        found[campaign].undelivered += count
    for campaign, values in speeds.seconds.items():
        ordered = sorted(values)
        figures = found[campaign]
        figures.delivered = len(ordered)
        figures.speed_p50_s = stats.percentile(ordered, 50)
        figures.speed_p90_s = stats.percentile(ordered, 90)


class _ByCampaign(dict[str | None, CampaignFigures]):
    """Figures by campaign name, made with zeros the first time a name is looked up."""

    def __init__(self, days: int) -> None:
        super().__init__()
        self.days = days

    def __missing__(self, key: str | None) -> CampaignFigures:
        made = self[key] = CampaignFigures(key, [0] * self.days)
        return made


def campaign_figures(
    conn: Connection, window: Window, campaigns: Sequence[str] = ()
) -> list[CampaignFigures]:
    """The figures of every campaign in ``campaigns`` (zeros when it has no lead) and of every other
    campaign name, or none, that leads of the window were stored under; sorted by name, none last."""
    found = _ByCampaign(len(window.days))
    for name in campaigns:
        _ = found[name]
    _per_day(conn, window, found)
    _statuses(conn, window, found)
    _speeds(conn, window, found)
    return sorted(found.values(), key=lambda f: (f.campaign is None, f.campaign or ""))


@dataclass(frozen=True)
class LeadRef:
    """A lead a preview routes: its row id, public key, revision and the route it was stored with."""

    id: int
    key: str
    revision: int
    route: str | None


def _of_campaign(campaign: str, sources: Sequence[str]) -> Any:
    """Leads stored under ``campaign``, or that came through one of ``sources``."""
    through = exists().where(touches.c.lead_id == leads.c.id, touches.c.source.in_(list(sources)))
    return or_(leads.c.campaign == campaign, through) if sources else leads.c.campaign == campaign


def campaign_leads(
    conn: Connection, campaign: str, sources: Sequence[str], window: Window, cap: int
) -> tuple[list[LeadRef], int]:
    """The newest ``cap`` leads of the window stored under ``campaign`` or that came through one of
    ``sources`` (a new campaign has no leads of its own yet), and how many there are in all."""
    where = and_(_in_window(window), _of_campaign(campaign, sources))
    total = int(conn.execute(select(func.count()).select_from(leads).where(where)).scalar_one())
    query = (
        select(leads.c.id, leads.c.key, leads.c.revision, leads.c.route)
        .where(where)
        .order_by(leads.c.created_at.desc(), leads.c.id.desc())
        .limit(cap)
    )
    return [LeadRef(*row) for row in conn.execute(query)], total


@dataclass(frozen=True)
class StoredEvent:
    """A raw event as stored, for a preview to parse again."""

    source: str
    native_id: str
    kind: str
    received_via: str
    occurred_at: datetime | None
    received_at: datetime
    payload: dict[str, Any]
    status: str


def _events_where(sources: Sequence[str], window: Window) -> Any:
    return and_(
        raw_events.c.source.in_(list(sources)),
        raw_events.c.received_at >= window.since,
        raw_events.c.received_at < window.until,
    )


def events_by_kind(conn: Connection, sources: Sequence[str], window: Window) -> dict[str, int]:
    """Raw events of ``sources`` received in the window, counted by kind."""
    if not sources:
        return {}
    query = (
        select(raw_events.c.kind, func.count())
        .where(_events_where(sources, window))
        .group_by(raw_events.c.kind)
    )
    return {kind: int(n) for kind, n in conn.execute(query)}


def newest_events(
    conn: Connection, sources: Sequence[str], kinds: Sequence[str], window: Window, cap: int
) -> list[StoredEvent]:
    """The newest ``cap`` raw events of ``sources`` and ``kinds`` received in the window.

    Newest by row id (raw events are numbered as they are stored): ``raw_events`` has no index on
    ``received_at``, so this walks its primary key from the end and stops at ``cap``.
    """
    if not sources or not kinds:
        return []
    columns = (
        raw_events.c.source,
        raw_events.c.native_id,
        raw_events.c.kind,
        raw_events.c.received_via,
        raw_events.c.occurred_at,
        raw_events.c.received_at,
        raw_events.c.payload,
        raw_events.c.status,
    )
    query = (
        select(*columns)
        .where(_events_where(sources, window), raw_events.c.kind.in_(list(kinds)))
        .order_by(raw_events.c.id.desc())
        .limit(cap)
    )
    return [StoredEvent(*row) for row in conn.execute(query)]
