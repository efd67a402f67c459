"""Campaign figures for the console's list, and previews of a campaign being edited (docs/api.md,
"Campaign figures and previews").

``GET /campaign-figures`` (everyone who reads campaigns): per campaign, its leads per day over the
last 30 UTC days on the bot's clock, where they stand (sales status) and speed to lead.
``GET /campaign-options``: what a campaign may name (sources, sinks, teams, kinds, grades, lead
magnets), for the form. The previews take a candidate campaign body, checked as a PUT would check
it, and write nothing: ``POST /campaigns/{name}/preview/routes`` routes the newest stored leads of
the window with its rules; ``POST /campaigns/{name}/preview/threshold`` scores the window's
comments, posts and mentions of its sources and counts those an intent threshold would make leads.
The work is in ``socialleads.store.campaign_figures`` and ``socialleads.pipeline.campaign_preview``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any, get_args

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from socialleads.accounts.roles import Permission
from socialleads.api.auth import Principal, bot_of, require
from socialleads.api.config_routes import ItemName, tested_campaign
from socialleads.bot import Bot
from socialleads.configuration.models import Campaign
from socialleads.models import EventKind, Grade, LeadMagnet
from socialleads.pipeline import campaign_preview as preview
from socialleads.store import campaign_figures as figures
from socialleads.store.db import reading

router = APIRouter(prefix="/api/v1", tags=["campaigns"])


class CampaignFiguresOut(BaseModel):
    """One campaign's leads created in the window (``campaign`` null: leads of no campaign)."""

    campaign: str | None
    leads: int
    per_day: list[int]
    """Leads created on each day of ``days``, oldest first."""
    statuses: dict[str, int]
    """Where those leads stand now: new, contacted, qualified, won, lost."""
    delivered: int
    undelivered: int
    speed_to_lead_p50_s: float | None
    """Seconds from the first touch's arrival to the first delivery a sink accepted (median)."""
    speed_to_lead_p90_s: float | None


class FiguresOut(BaseModel):
    """The figures of the last 30 UTC days (today included) on the bot's clock."""

    since: datetime
    until: datetime
    days: list[date]
    campaigns: list[CampaignFiguresOut]


class SourceOptionOut(BaseModel):
    """A configured source: its platform, whether it runs, and the campaign that has it."""

    name: str
    platform: str | None
    running: bool
    campaign: str | None


class OptionsOut(BaseModel):
    """What a campaign's fields and rules may name."""

    sources: list[SourceOptionOut]
    sinks: list[str]
    teams: list[str]
    platforms: list[str]
    kinds: list[str]
    grades: list[str]
    lead_magnets: list[str]
    route_modes: list[str]
    default_route: list[str]
    """Where a lead no rule takes goes."""


class CandidateIn(BaseModel):
    """A campaign body to preview (checked like a PUT; nothing is saved); null: the one in force."""

    campaign: dict[str, Any] | None = None


class ThresholdIn(CandidateIn):
    """A campaign body and the threshold to count at (default: the body's ``intent_threshold``)."""

    threshold: float | None = Field(default=None, ge=0, le=1)


class LeadExampleOut(BaseModel):
    """A lead as an example: its public key and name."""

    key: str
    name: str


class BucketOut(BaseModel):
    """Leads routed one way, and the newest few of them."""

    leads: int
    examples: list[LeadExampleOut]


class RuleFiguresOut(BaseModel):
    """A rule: the leads it would decide for, and those it matches at all (a rule above may take
    them first in ``first`` mode)."""

    rule: str
    deliver_to: list[str]
    decides: int
    matches: int
    examples: list[LeadExampleOut]


class RoutePreviewOut(BaseModel):
    """Where the window's leads of the campaign (or of its sources) would have gone."""

    campaign: str
    since: datetime
    until: datetime
    total: int
    """Leads of the window stored under the campaign or that came through its sources."""
    examined: int
    cap: int
    capped: bool
    """True when only the newest ``cap`` leads were routed."""
    rules: list[RuleFiguresOut]
    default: BucketOut
    unrouted: BucketOut
    sinks: dict[str, int]
    held: int
    changed: int
    """Leads whose route would differ from the one they were stored with."""
    note: str


class ScoredOut(BaseModel):
    """A comment, post or mention with its intent score; ``message`` is cut to 200 characters."""

    source: str
    kind: str
    received_at: datetime
    status: str
    """What it became when it came: lead, ignored, dead."""
    score: float
    message: str


class ThresholdPreviewOut(BaseModel):
    """How many of the window's comments, posts and mentions of the sources reach the threshold."""

    campaign: str
    since: datetime
    until: datetime
    sources: list[str]
    threshold: float
    total: int
    examined: int
    cap: int
    capped: bool
    unscored: int
    histogram: list[int]
    """101 counts: bin k holds the scores s with k/100 <= s < (k+1)/100, bin 100 the scores of 1;
    at a threshold of k/100, the bins k and up are the leads."""
    would_be_leads: int
    by_construction: int
    """Lead forms and imported rows of the window: leads whatever the threshold."""
    above: list[ScoredOut]
    """The items just at or above the threshold, lowest score first."""
    below: list[ScoredOut]
    """The items just below it, highest score first."""
    note: str


@router.get("/campaign-figures", response_model=FiguresOut)
def campaign_figures(request: Request, _: Principal = require(Permission.CAMPAIGNS_READ)) -> FiguresOut:
    """Per campaign: leads per day (last 30 UTC days), sales status of those leads, speed to lead."""
    bot = bot_of(request)
    window = figures.last_days(bot.clock())
    with reading(bot.engine) as conn:
        found = figures.campaign_figures(conn, window, sorted(bot.config.campaigns))
    return FiguresOut(
        since=window.since,
        until=window.until,
        days=list(window.days),
        campaigns=[
            CampaignFiguresOut(
                campaign=f.campaign,
                leads=f.leads,
                per_day=f.per_day,
                statuses=f.statuses,
                delivered=f.delivered,
                undelivered=f.undelivered,
                speed_to_lead_p50_s=f.speed_p50_s,
                speed_to_lead_p90_s=f.speed_p90_s,
            )
            for f in found
        ],
    )


def _platform(bot: Bot, source: str) -> str | None:
    """The platform of a configured source: the running connector's, else its class's."""
    running = bot.sources.get(source)
    if running is not None:
        return running.platform
    info = bot.registry.sources.get(bot.config.sources[source].type)
    platform = getattr(info.cls, "platform", None) if info is not None else None
    return platform if isinstance(platform, str) else None


def _source_options(bot: Bot) -> list[SourceOptionOut]:
    owners = {s: name for name, c in bot.config.campaigns.items() for s in c.sources}
    out = []
    for name in sorted(bot.config.sources):
        out.append(
            SourceOptionOut(
                name=name,
                platform=_platform(bot, name),
                running=name in bot.sources,
                campaign=owners.get(name),
            )
        )
    return out


@router.get("/campaign-options", response_model=OptionsOut)
def campaign_options(request: Request, _: Principal = require(Permission.CAMPAIGNS_WRITE)) -> OptionsOut:
    """The sources, sinks and teams a campaign may name, and the values its rules may match."""
    bot = bot_of(request)
    sources = _source_options(bot)
    return OptionsOut(
        sources=sources,
        sinks=sorted(bot.config.sinks),
        teams=sorted(bot.config.teams),
        platforms=sorted({s.platform for s in sources if s.platform}),
        kinds=[k.value for k in EventKind if k != EventKind.WEBHOOK],
        grades=list(get_args(Grade)),
        lead_magnets=[m.value for m in LeadMagnet],
        route_modes=list(get_args(Campaign.model_fields["route_mode"].annotation)),
        default_route=list(bot.config.default_route.deliver_to),
    )


def _read(total: int, cap: int, what: str) -> str:
    """What a preview read, in words: all of the window's items, or the newest ``cap``."""
    if total > cap:
        return f"the newest {cap:,} of {total:,} {what} of the last 30 days (at most {cap:,} are read)"
    return f"all {total:,} {what} of the last 30 days"


def _bucket(bucket: preview.Bucket) -> BucketOut:
    return BucketOut(leads=bucket.leads, examples=[LeadExampleOut(**vars(e)) for e in bucket.examples])


def _cache(request: Request, what: str) -> Any:
    """The running bot's preview cache ``what`` (``scores`` or ``facts``): one per web app, so per bot."""
    name = f"campaign_preview_{what}"
    cache = getattr(request.app.state, name, None)
    if not isinstance(cache, preview.TtlCache):
        cache = preview.TtlCache()
        setattr(request.app.state, name, cache)
    return cache


@router.post("/campaigns/{name}/preview/routes", response_model=RoutePreviewOut, responses={404: {}, 422: {}})
def preview_routes(
    name: ItemName, body: CandidateIn, request: Request, _: Principal = require(Permission.CAMPAIGNS_WRITE)
) -> RoutePreviewOut:
    """Route the last 30 days' leads of the campaign (stored under its name, or that came through its
    sources) with the candidate's rules: leads per rule and per sink, default and unrouted, with
    examples. At most the newest 5,000 leads are routed; nothing is written."""
    bot = bot_of(request)
    campaign = tested_campaign(bot, name, body.campaign)
    window = figures.last_days(bot.clock())
    with reading(bot.engine) as conn:
        found = preview.preview_routes(
            conn, name, campaign, bot.config.default_route, window, _cache(request, "facts")
        )
    return RoutePreviewOut(
        campaign=name,
        since=window.since,
        until=window.until,
        total=found.total,
        examined=found.examined,
        cap=found.cap,
        capped=found.total > found.cap,
        rules=[
            RuleFiguresOut(
                rule=r.rule,
                deliver_to=list(r.deliver_to),
                decides=r.decides.leads,
                matches=r.matches,
                examples=[LeadExampleOut(**vars(e)) for e in r.decides.examples],
            )
            for r in found.rules
        ],
        default=_bucket(found.default),
        unrouted=_bucket(found.unrouted),
        sinks=found.sinks,
        held=found.held,
        changed=found.changed,
        note=_read(found.total, found.cap, "leads"),
    )


def _scorer(request: Request, bot: Bot, name: str, campaign: Campaign) -> preview.Scorer:
    """``score_events`` bound to the bot's running sources, its qualifier and the candidate campaign."""
    runner = bot.runner
    running = [s for s in campaign.sources if s in runner.sources]
    bindings = {s: replace(runner.binding(s), campaign_name=name, campaign=campaign) for s in running}
    parsers = {s: runner.sources[s].parse for s in running}
    cache: preview.ScoreCache = _cache(request, "scores")
    return lambda events: preview.score_events(events, bindings, parsers, runner.qualifier, cache)


def _scored(item: preview.Scored) -> ScoredOut:
    return ScoredOut(
        source=item.source,
        kind=item.kind,
        received_at=item.received_at,
        status=item.status,
        score=round(item.score, 4),
        message=item.message,
    )


@router.post(
    "/campaigns/{name}/preview/threshold", response_model=ThresholdPreviewOut, responses={404: {}, 422: {}}
)
def preview_threshold(
    name: ItemName, body: ThresholdIn, request: Request, _: Principal = require(Permission.CAMPAIGNS_WRITE)
) -> ThresholdPreviewOut:
    """How many of the last 30 days' comments, posts and mentions of the candidate's sources an intent
    threshold would make leads: the histogram of their scores and examples either side of the line.
    At most the newest 2,000 are scored (again, with the bot's qualifier); nothing is written."""
    bot = bot_of(request)
    campaign = tested_campaign(bot, name, body.campaign)
    threshold = campaign.intent_threshold if body.threshold is None else body.threshold
    window = figures.last_days(bot.clock())
    score = _scorer(request, bot, name, campaign)
    with reading(bot.engine) as conn:
        found = preview.preview_threshold(conn, campaign.sources, window, threshold, score)
    return ThresholdPreviewOut(
        campaign=name,
        since=window.since,
        until=window.until,
        sources=list(campaign.sources),
        threshold=threshold,
        total=found.total,
        examined=found.examined,
        cap=found.cap,
        capped=found.total > found.cap,
        unscored=found.unscored,
        histogram=found.histogram,
        would_be_leads=found.would_be_leads,
        by_construction=found.by_construction,
        above=[_scored(i) for i in found.above],
        below=[_scored(i) for i in found.below],
        note=_read(found.total, found.cap, "comments, posts and mentions"),
    )
