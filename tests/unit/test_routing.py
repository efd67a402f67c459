"""Routing: campaign rules in order, first or all matches, the default route, and the explanation."""

from __future__ import annotations

from socialleads.configuration.models import Campaign, DefaultRoute, RouteMatch, RouteRule
from socialleads.models import EventKind
from socialleads.pipeline.routing import RouteFacts, route

HOT = RouteRule(name="hot", when=RouteMatch(grades=("A", "B")), deliver_to=("hubspot", "slack"))
REST = RouteRule(name="rest", deliver_to=("hubspot",))
FORMS = RouteRule(name="forms", when=RouteMatch(kinds=(EventKind.LEAD_FORM,)), deliver_to=("email",))


def facts(grade: str | None = None, kind: EventKind = EventKind.LEAD_FORM) -> RouteFacts:
    return RouteFacts(source="fb", platform="facebook", kind=kind, grade=grade)  # type: ignore[arg-type]


def test_the_first_matching_rule_decides_in_first_mode() -> None:
    decision = route(facts("A"), "spring", Campaign(routes=(HOT, REST)), DefaultRoute())
    assert decision.sinks == {"hubspot": "hot", "slack": "hot"}
    assert decision.explanation == ("rule hot of spring: match → hubspot, slack",)


def test_a_lead_that_misses_a_rule_falls_to_the_next_with_the_reason() -> None:
    decision = route(facts("C"), "spring", Campaign(routes=(HOT, REST)), DefaultRoute())
    assert decision.sinks == {"hubspot": "rest"}
    assert decision.explanation[0] == "rule hot of spring: no match (grade C not in ('A', 'B'))"


def test_all_mode_adds_every_matching_rule() -> None:
    decision = route(
        facts("A"), "spring", Campaign(route_mode="all", routes=(HOT, FORMS, REST)), DefaultRoute()
    )
    assert decision.sinks == {"hubspot": "hot", "slack": "hot", "email": "forms"}


def test_a_lead_no_rule_matches_takes_the_default_route() -> None:
    decision = route(
        facts("D", EventKind.COMMENT),
        "spring",
        Campaign(routes=(HOT, FORMS)),
        DefaultRoute(deliver_to=("console",)),
    )
    assert decision.sinks == {"console": "default"}
    assert decision.explanation[-1] == "default route → console"


def test_a_source_in_no_campaign_takes_the_default_route() -> None:
    decision = route(facts(), None, None, DefaultRoute(deliver_to=("console",)))
    assert decision.sinks == {"console": "default"}
    assert decision.explanation[0] == "source fb is in no campaign"


def test_without_a_default_route_the_lead_goes_nowhere_and_it_says_so() -> None:
    decision = route(facts("D"), "spring", Campaign(routes=(HOT,)), DefaultRoute())
    assert decision.sinks == {}
    assert decision.explanation[-1] == "no default route: the lead is stored but delivered nowhere"
