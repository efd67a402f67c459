"""Routing: which sinks a lead goes to, by its campaign's rules, and why (DESIGN §2, dispatch).

Rules are evaluated in order. In ``first`` mode the first matching rule decides; in ``all`` mode
every matching rule adds its sinks. A lead no rule matches takes the default route.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from socialleads.configuration.models import Campaign, DefaultRoute, RouteMatch
from socialleads.models import EventKind, Grade

DEFAULT_ROUTE = "default"


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


@dataclass(frozen=True)
class RouteDecision:
    """The sinks chosen, each with the rule that chose it, and the explanation for people."""

    sinks: dict[str, str] = field(default_factory=dict)
    """sink name → rule name."""
    explanation: tuple[str, ...] = ()


def _mismatch(match: RouteMatch, facts: RouteFacts) -> str | None:
    """Why ``facts`` fail ``match``, or None when every given condition holds."""
    checks: list[tuple[bool, str]] = [
        (
            bool(match.sources) and facts.source not in match.sources,
            f"source {facts.source} not in {match.sources}",
        ),
        (
            bool(match.platforms) and facts.platform not in match.platforms,
            f"platform {facts.platform} not in {match.platforms}",
        ),
        (
            bool(match.kinds) and facts.kind not in match.kinds,
            f"kind {facts.kind.value} not in {match.kinds}",
        ),
        (
            bool(match.grades) and facts.grade not in match.grades,
            f"grade {facts.grade or 'none'} not in {match.grades}",
        ),
        (
            bool(match.countries)
            and (facts.country or "").upper() not in {c.upper() for c in match.countries},
            f"country {facts.country or 'unknown'} not in {match.countries}",
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
    if campaign is None:
        explanation.append(f"source {facts.source} is in no campaign")
    else:
        for rule in campaign.routes:
            reason = _mismatch(rule.when, facts)
            if reason:
                explanation.append(f"rule {rule.name} of {campaign_name}: no match ({reason})")
                continue
            explanation.append(f"rule {rule.name} of {campaign_name}: match → {', '.join(rule.deliver_to)}")
            for sink in rule.deliver_to:
                sinks.setdefault(sink, rule.name)
            if campaign.route_mode == "first":
                break
    if not sinks:
        if default.deliver_to:
            explanation.append(f"default route → {', '.join(default.deliver_to)}")
            sinks = dict.fromkeys(default.deliver_to, DEFAULT_ROUTE)
        else:
            explanation.append("no default route: the lead is stored but delivered nowhere")
    return RouteDecision(sinks=sinks, explanation=tuple(explanation))
