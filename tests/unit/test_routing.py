"""Routing: campaign rules in order, first or all matches, the default route, and the explanation."""

from __future__ import annotations

from socialleads.configuration.models import Assign, Campaign, DefaultRoute, RouteMatch, RouteRule
from socialleads.models import EventKind
from socialleads.pipeline.owners import OwnerChoice, choose
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
    assert decision.explanation[0] == "rule hot of spring: no match (grade C not in [A, B])"


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


def test_the_decision_names_its_route_for_counting() -> None:
    campaign = Campaign(route_mode="all", routes=(HOT, FORMS, REST))
    assert route(facts("A"), "spring", campaign, DefaultRoute()).route == "hot+forms+rest"
    assert route(facts("C"), "spring", Campaign(routes=(HOT, REST)), DefaultRoute()).route == "rest"
    default = DefaultRoute(deliver_to=("console",))
    assert route(facts("D"), "spring", Campaign(routes=(HOT,)), default).route == "default"
    assert route(facts("D"), "spring", Campaign(routes=(HOT,)), DefaultRoute()).route == "unrouted"


def test_rules_match_on_language_and_country_case_blind() -> None:
    german = RouteRule(
        name="dach", when=RouteMatch(languages=("de",), countries=("de", "AT")), deliver_to=("slack_dach",)
    )
    campaign = Campaign(routes=(german, REST))
    hit = RouteFacts(source="x", platform="x", kind=EventKind.POST, country="DE", language="DE")
    assert route(hit, "spring", campaign, DefaultRoute()).sinks == {"slack_dach": "dach"}
    miss = RouteFacts(source="x", platform="x", kind=EventKind.POST, country="DE", language="en")
    decision = route(miss, "spring", campaign, DefaultRoute())
    assert decision.sinks == {"hubspot": "rest"}
    assert "language en not in [de]" in decision.explanation[0]


def test_a_rule_can_assign_an_owner_and_hold_and_the_explanation_says_so() -> None:
    review = RouteRule(
        name="review",
        when=RouteMatch(grades=("D",)),
        deliver_to=("hubspot",),
        hold=True,
        assign=Assign(by_country={"IS": "anna"}, team="emea"),
    )
    decision = route(facts("D"), "spring", Campaign(routes=(review, REST)), DefaultRoute())
    assert decision.hold and decision.assign == review.assign and decision.assigned_by == "review"
    assert decision.explanation == (
        "rule review of spring: match → hubspot (held for review), "
        "assigns an owner by country (IS: anna) else team emea in turn",
    )


def test_the_campaign_owner_team_assigns_when_no_rule_does() -> None:
    decision = route(facts("A"), "spring", Campaign(owner_team="emea", routes=(HOT,)), DefaultRoute())
    assert decision.assign == Assign(team="emea") and not decision.hold
    assert decision.assigned_by == "campaign spring owner_team"


def test_an_owner_is_chosen_by_country_else_by_team_turn() -> None:
    assign = Assign(by_country={"is": "anna", "NO": "bjorn"}, team="emea")
    assert choose(assign, "IS") == OwnerChoice("anna", None, "country IS belongs to anna")
    assert choose(assign, "FR") == OwnerChoice(
        None, "emea", "team emea in turn (no owner named for country FR)"
    )
    assert choose(Assign(by_country={"IS": "anna"}), None).owner is None
