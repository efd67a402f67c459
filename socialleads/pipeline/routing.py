"""Routing: which sinks a lead goes to, by its campaign's rules, and why.

It runs in the store step, so a lead's deliveries are planned in the transaction that stores it
(``docs/architecture.md``, "The flow", step 7).

Rules are evaluated in order. In ``first`` mode the first matching rule decides; in ``all`` mode
every matching rule adds its sinks (and the first matching rule that assigns an owner or holds the
lead decides that). A lead no rule matches takes the default route; ``RouteDecision.route`` names
what routed it (rule names, ``default`` or ``unrouted``) and is stored on the lead, so each route
can be counted (``socialleads routes stats``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from socialleads.configuration.models import Assign, Campaign, DefaultRoute, RouteMatch
from socialleads.models import EventKind, Grade, Lead

DEFAULT_ROUTE = "default"
UNROUTED = "unrouted"


@dataclass(frozen=True)
class RouteFacts:
    """What routing may look at for one lead at one touch."""

    source: str
    platform: str
    kind: EventKind
    grade: Grade | None = None
    quality_score: int | None = None
    intent_score: float | None = None
    country: str | None = None
    language: str | None = None


def facts_of_lead(lead: Lead) -> RouteFacts | None:
    """The facts routing saw at the lead's newest touch (for ``routes test``); None without touches."""
    latest = lead.latest_touch
    if latest is None:
        return None
    return RouteFacts(
        source=latest.source,
        platform=latest.platform,
        kind=latest.kind,
        grade=lead.quality.grade if lead.quality else None,
        quality_score=lead.quality.score if lead.quality else None,
        intent_score=lead.intent.score if lead.intent else None,
        country=lead.contact.country,
        language=lead.intent.language if lead.intent else None,
    )


@dataclass(frozen=True)
class RouteDecision:
    """The sinks chosen, each with the rule that chose it, what else the rules ask, and why."""

    sinks: dict[str, str] = field(default_factory=dict)
    """sink name → rule name."""
    explanation: tuple[str, ...] = ()
    route: str = UNROUTED
    """The matching rules' names joined with ``+``, ``default``, or ``unrouted`` (delivered nowhere)."""
    assign: Assign | None = None
    """The owner assignment a matching rule asks for (the campaign's ``owner_team`` otherwise)."""
    assigned_by: str | None = None
    hold: bool = False
    """A matching rule holds the lead for review: its deliveries wait for ``leads release``."""


def _listed(values: Iterable[str]) -> str:
    return "[" + ", ".join(values) + "]"


def _mismatch(match: RouteMatch, facts: RouteFacts) -> str | None:
    """Why ``facts`` fail ``match``, or None when every given condition holds."""
    checks: list[tuple[bool, str]] = [
        (
            bool(match.sources) and facts.source not in match.sources,
            f"source {facts.source} not in {_listed(match.sources)}",
        ),
        (
            bool(match.platforms) and facts.platform not in match.platforms,
            f"platform {facts.platform} not in {_listed(match.platforms)}",
        ),
        (
            bool(match.kinds) and facts.kind not in match.kinds,
            f"kind {facts.kind.value} not in {_listed(k.value for k in match.kinds)}",
        ),
        (
            bool(match.grades) and facts.grade not in match.grades,
            f"grade {facts.grade or 'none'} not in {_listed(match.grades)}",
        ),
        (
            bool(match.countries)
            and (facts.country or "").upper() not in {c.upper() for c in match.countries},
            f"country {facts.country or 'unknown'} not in {_listed(match.countries)}",
        ),
        (
            bool(match.languages)
            and (facts.language or "").lower() not in {x.lower() for x in match.languages},
            f"language {facts.language or 'unknown'} not in {_listed(match.languages)}",
        ),
        (
            match.min_intent is not None and (facts.intent_score or 0.0) < match.min_intent,
            f"intent {facts.intent_score} below {match.min_intent}",
        ),
        (
            match.min_score is not None and (facts.quality_score or 0) < match.min_score,
            f"score {facts.quality_score} below {match.min_score}",
        ),
    ]
    for failed, reason in checks:
        if failed:
            return reason
    return None


def route(
    facts: RouteFacts, campaign_name: str | None, campaign: Campaign | None, default: DefaultRoute
) -> RouteDecision:
    """Choose the sinks for a lead; pure, so ``routes test`` can show the same decision."""
    sinks: dict[str, str] = {}
    explanation: list[str] = []
    matched: list[str] = []
    assign: Assign | None = None
    assigned_by: str | None = None
    hold = False
    if campaign is None:
        explanation.append(f"source {facts.source} is in no campaign")
    else:
        for rule in campaign.routes:
            reason = _mismatch(rule.when, facts)
            if reason:
                explanation.append(f"rule {rule.name} of {campaign_name}: no match ({reason})")
                continue
            extras = [" (held for review)" if rule.hold else ""]
            if rule.assign and assign is None:
                assign, assigned_by = rule.assign, rule.name
                extras.append(f", assigns {_describe(rule.assign)}")
            explanation.append(
                f"rule {rule.name} of {campaign_name}: match → {', '.join(rule.deliver_to)}{''.join(extras)}"
            )
            matched.append(rule.name)
            hold = hold or rule.hold
            for sink in rule.deliver_to:
                sinks.setdefault(sink, rule.name)
            if campaign.route_mode == "first":
                break
        if assign is None and campaign.owner_team:
            assign, assigned_by = Assign(team=campaign.owner_team), f"campaign {campaign_name} owner_team"
    name = "+".join(matched)
    if not sinks:
        if default.deliver_to:
            explanation.append(f"default route → {', '.join(default.deliver_to)}")
            sinks = dict.fromkeys(default.deliver_to, DEFAULT_ROUTE)
            name = DEFAULT_ROUTE
        else:
            explanation.append("no default route: the lead is stored but delivered nowhere")
            name = UNROUTED
    return RouteDecision(
        sinks=sinks,
        explanation=tuple(explanation),
        route=name[:200],
        assign=assign,
        assigned_by=assigned_by,
        hold=hold,
    )


def _describe(assign: Assign) -> str:
    parts = []
    if assign.by_country:
        named = ", ".join(f"{k}: {v}" for k, v in assign.by_country.items())
        parts.append(f"an owner by country ({named})")
    if assign.team:
        parts.append(f"team {assign.team} in turn")
    return " else ".join(parts)
