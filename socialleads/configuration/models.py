"""The shapes of ``sources.yaml``, ``sinks.yaml`` and ``campaigns.yaml``. Unknown keys are errors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from socialleads.models import EventKind, Grade, LeadMagnet
from socialleads.qualify.quality import QualityWeights
from socialleads.settings import Duration


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceEntry(_Strict):
    """One configured source instance; ``config`` is checked against the connector's own model."""

    type: str = Field(description="the connector's entry-point name, e.g. csv")
    enabled: bool = True
    every: Duration = timedelta(minutes=1)
    jitter: Duration = timedelta(seconds=0)
    check_every: Duration = timedelta(minutes=30)
    """How often the source's own check runs (token expiry, permissions, webhook subscriptions)."""
    phone_region: str | None = Field(default=None, min_length=2, max_length=2)
    config: dict[str, Any] = Field(default_factory=dict)


class RetryPolicy(_Strict):
    """How a sink's failed deliveries are retried before they are dead-lettered.

    A delivery is retried with backoff and jitter until ``horizon`` has passed since its first
    failure (Zapier gives up after 5 tries in about 10.5 hours; we keep trying for two days by
    default), or after ``max_attempts`` tries when that is set. A dead delivery can be replayed.
    """

    horizon: Duration = timedelta(hours=48)
    max_attempts: int | None = Field(default=None, ge=1)
    first_delay: Duration = timedelta(seconds=5)
    max_delay: Duration = timedelta(minutes=30)


class CircuitPolicy(_Strict):
    """When a sink that keeps failing is paused: ``failures`` in a row open its circuit.

    While open, its deliveries wait untried (they use none of their retries); after ``cooldown`` one
    delivery probes the sink. Success closes the circuit and the backlog drains oldest first; failure
    doubles the cooldown, up to ``max_cooldown`` (and the retry horizon). A probe is one request, so
    probing every 30 s at most costs a dead receiver nothing, and notices a sink that came back
    without saying so within 30 s (within the outage's own length for a short one); a sink that
    answers with a Retry-After is tried again at the moment it named.
    """

    failures: int = Field(default=5, ge=1)
    cooldown: Duration = timedelta(seconds=2)
    max_cooldown: Duration = timedelta(seconds=30)


class SinkEntry(_Strict):
    """One configured sink instance."""

    type: str
    enabled: bool = True
    concurrency: int = Field(default=4, ge=1, le=64)
    """Deliveries in flight to this sink at once."""
    retry: RetryPolicy = RetryPolicy()
    circuit: CircuitPolicy = CircuitPolicy()
    config: dict[str, Any] = Field(default_factory=dict)


class RouteMatch(_Strict):
    """Conditions of a routing rule; all given conditions must hold, an empty match always holds."""

    sources: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    kinds: tuple[EventKind, ...] = ()
    grades: tuple[Grade, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    """ISO 639-1 codes of the text that showed intent (``en``, ``de``)."""
    min_intent: float | None = Field(default=None, ge=0, le=1)
    min_score: int | None = Field(default=None, ge=0, le=100)


class Assign(_Strict):
    """Who owns a lead: the owner named for its country, otherwise the next of ``team`` in turn."""

    by_country: dict[str, str] = Field(default_factory=dict)
    """ISO country code → owner (a name or email, as the CRM knows them)."""
    team: str | None = None
    """A team of ``campaigns.yaml`` ``teams``; its members take leads in turn (round robin)."""

    @model_validator(mode="after")
    def _something(self) -> Assign:
        if not self.by_country and not self.team:
            raise ValueError("give by_country, team, or both")
        return self


class RouteRule(_Strict):
    """A named routing rule: when it matches, the lead goes to ``deliver_to``.

    ``assign`` sets the lead's owner (once; a later touch keeps it). ``hold`` keeps the deliveries
    waiting until a person releases the lead (``socialleads leads release``).
    """

    name: str
    when: RouteMatch = RouteMatch()
    deliver_to: tuple[str, ...] = Field(min_length=1)
    assign: Assign | None = None
    hold: bool = False


class Campaign(_Strict):
    """What a social media manager describes: which sources, what is offered, where leads go."""

    owner_team: str | None = None
    """A team of ``teams`` whose members own this campaign's leads in turn, unless a rule assigns."""
    starts: date | None = None
    ends: date | None = None
    sources: tuple[str, ...] = ()
    lead_magnet: LeadMagnet = LeadMagnet.NONE
    intent_threshold: float = Field(default=0.7, ge=0, le=1)
    route_mode: Literal["first", "all"] = "first"
    routes: tuple[RouteRule, ...] = ()
    deliver_test_leads: bool = False
    """Deliver a platform's test leads (the Lead Ads Testing Tool's) like real ones, to try the whole
    route; by default they are stored and shown as tests, and delivered nowhere."""

    @model_validator(mode="after")
    def _dates_in_order(self) -> Campaign:
        if self.starts and self.ends and self.ends < self.starts:
            raise ValueError("ends is before starts")
        return self


class Team(_Strict):
    """A team kept in the database (``PUT /api/v1/teams/{name}``): its members take leads in turn.

    In ``campaigns.yaml`` a team is written as its list of members (``teams: {north: [anna, bo]}``).
    """

    members: tuple[str, ...] = ()


class DefaultRoute(_Strict):
    """Where a lead goes when no campaign rule matches (or its source is in no campaign)."""

    deliver_to: tuple[str, ...] = ()


class SourcesFile(_Strict):
    """``sources.yaml``."""

    sources: dict[str, SourceEntry] = Field(default_factory=dict)


class SinksFile(_Strict):
    """``sinks.yaml``; ``admin_sinks`` receive notices when a source fails or recovers."""

    sinks: dict[str, SinkEntry] = Field(default_factory=dict)
    admin_sinks: tuple[str, ...] = ()


class CampaignsFile(_Strict):
    """``campaigns.yaml``; ``quality`` holds the lead-quality weights (defaults in QualityWeights)."""

    campaigns: dict[str, Campaign] = Field(default_factory=dict)
    teams: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Team name → its members, for owner assignment."""
    default_route: DefaultRoute = DefaultRoute()
    quality: QualityWeights = QualityWeights()
