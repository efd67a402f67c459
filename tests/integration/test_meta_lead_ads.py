"""The ``meta_lead_ads`` source against the sandbox's Graph API: real facebook-sdk, real HTTP, no mocks.

Each test gets its own world and server (leads only, six hours of history, the world's clock), so a
chaos switch or a form added to the world never leaks into another test.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.meta.lead_ads import MetaLeadAdsSource
from socialleads.errors import AuthError, RateLimitedError, SkippableRecordError, TransientError
from socialleads.models import HealthState, ReceivedVia
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.entities import Form, Lead, Question
from socialleads.sandbox.world.living import World
from socialleads.testing.kit import error_texts, log_texts
from tests.support.meta_leads import (
    CATALOGUE,
    CONSULTATION,
    MAIN,
    NEWSLETTER,
    OUTLET,
    build,
    events,
    fold,
    lead_world,
    unix,
)

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def world() -> World:
    return lead_world()


@pytest.fixture
def chaos() -> Chaos:
    return Chaos()


@pytest.fixture
def url(world: World, chaos: Chaos) -> Iterator[str]:
    with SandboxServer(world, chaos) as sandbox:
        yield sandbox.url


@pytest.fixture
def source(world: World, url: str) -> Iterator[MetaLeadAdsSource]:
    made = build(world, url)
    yield made
    made.close()


def ids_after(world: World, form_id: str, floor: int) -> set[str]:
    return {lead.id for lead in world.leads_of(form_id) if unix(lead.created) > floor}


# --- polling ---------------------------------------------------------------------------------------


def test_two_polls_fetch_every_lead_of_every_form_of_both_pages_exactly_once(world: World, url: str) -> None:
    source = build(world, url, lookback="0s")
    first = list(source.fetch(None))
    world.advance(world.now + timedelta(minutes=40))
    second = list(source.fetch(fold(first)))
    source.close()

    fetched = [e.native_id for e in events(first) + events(second)]
    assert len(events(second)) > 5, "the world made new leads between the polls"
    assert sorted(fetched) == sorted(lead.id for lead in world.leads)
    truth = {t.native_id: t for t in world.truth if t.kind == "lead_form"}
    for event in events(first) + events(second):
        draft = source.parse(event)
        assert draft.platform == truth[event.native_id].platform
        assert draft.context["page_id"] == truth[event.native_id].where["page_id"]
        assert draft.context["form_id"] == truth[event.native_id].where["form_id"]


def test_positions_are_per_form_and_the_cursor_holds_each_forms_newest_lead(
    source: MetaLeadAdsSource, world: World
) -> None:
    items = list(source.fetch(None))

    cursor = fold(items)
    assert {CONSULTATION, CATALOGUE, NEWSLETTER} < set(world.forms)  # and the outlet's newer forms
    assert cursor.forms == {f: unix(world.leads_of(f)[0].created) for f in world.forms}
    for event in events(items):
        assert event.position == {"form": event.payload["form"]["id"], "created": unix(event.occurred_at)}


def test_the_lookback_rereads_only_the_recent_leads_of_each_form(
    source: MetaLeadAdsSource, world: World
) -> None:
    cursor = fold(list(source.fetch(None)))

    again = {e.native_id for e in events(list(source.fetch(cursor)))}

    expected = set().union(*(ids_after(world, f, newest - 600) for f, newest in cursor.forms.items()))
    assert again == expected
    assert 0 < len(again) < len(world.leads)


def test_the_first_poll_of_a_form_reads_first_window_back(world: World, url: str) -> None:
    source = build(world, url, first_window="1h")

    got = {e.native_id for e in events(list(source.fetch(None)))}
    source.close()

    floor = unix(world.now - timedelta(hours=1))
    assert got == {lead.id for lead in world.leads if unix(lead.created) > floor}
    assert 0 < len(got) < len(world.leads)


def test_a_form_read_without_leads_keeps_its_window_until_the_next_poll(world: World, url: str) -> None:
    source = build(world, url, first_window="1s", lookback="0s")
    start = world.now
    first = list(source.fetch(None))
    assert not events(first)
    assert fold(first).forms == dict.fromkeys(world.forms, unix(start) - 1)

    world.advance(start + timedelta(hours=2))  # the bot was away far longer than first_window
    second = {e.native_id for e in events(list(source.fetch(fold(first))))}
    source.close()

    assert second == {lead.id for lead in world.leads if unix(lead.created) > unix(start) - 1}
    assert len(second) > 20


def test_named_forms_only(world: World, url: str) -> None:
    source = build(
        world,
        url,
        pages=[{"id": int(MAIN), "token": world.tokens.page_tokens[MAIN], "forms": [int(CATALOGUE)]}],
    )

    got = events(list(source.fetch(None)))
    source.close()

    assert {e.native_id for e in got} == {lead.id for lead in world.leads_of(CATALOGUE)}
    assert {e.payload["form"]["name"] for e in got} == {"Sofa catalogue 2027"}


def test_a_new_form_is_read_at_the_next_poll_without_rebuilding_the_source(
    source: MetaLeadAdsSource, world: World
) -> None:
    first = list(source.fetch(None))
    form = Form(
        "880000000000103",
        MAIN,
        "Summer sale",
        "en_GB",
        (Question("50041", "email", "Email", "EMAIL"),),
        (),
        world.now,
    )
    lead = Lead(
        "9100000000777001",
        form.id,
        MAIN,
        world.now - timedelta(minutes=1),
        world.people[0].key,
        ({"name": "email", "values": ["sigga@example.is"]},),
        None,
        "fb",
        (),
    )
    with world.lock:  # added by hand: the world's own lead maker knows its three forms only
        world.forms[form.id] = form
        world.leads.append(lead)

    second = events(list(source.fetch(fold(first))))

    new = [e for e in second if e.payload["form"]["id"] == form.id]
    assert [e.native_id for e in new] == [lead.id]
    assert source.parse(new[0]).contact.email == "sigga@example.is"


def test_archived_forms_are_still_read(source: MetaLeadAdsSource, world: World) -> None:
    with world.lock:
        world.forms[CATALOGUE] = dataclasses.replace(world.forms[CATALOGUE], status="ARCHIVED")

    got = {e.native_id for e in events(list(source.fetch(None))) if e.payload["form"]["id"] == CATALOGUE}

    assert got == {lead.id for lead in world.leads_of(CATALOGUE)}


def test_each_leads_read_sends_fields_filtering_and_page_size(world: World, url: str) -> None:
    seen: list[requests.PreparedRequest] = []
    source = build(world, url, seen, page_size=7)
    cursor = fold(list(source.fetch(None)))
    seen.clear()

    list(source.fetch(cursor))
    source.close()

    reads = [
        parse_qs(urlsplit(r.url or "").query) for r in seen if (r.url or "").split("?")[0].endswith("/leads")
    ]
    assert {r["limit"][0] for r in reads} == {"7"}
    for query in reads:
        assert set(query["fields"][0].split(",")) >= {
            "id",
            "created_time",
            "field_data",
            "custom_disclaimer_responses",
            "ad_id",
            "campaign_name",
            "platform",
            "is_organic",
        }
        assert "appsecret_proof" in query
    firsts = {json.dumps(json.loads(q["filtering"][0])) for q in reads if "after" not in q}
    assert firsts == {
        json.dumps([{"field": "time_created", "operator": "GREATER_THAN", "value": newest - 600}])
        for newest in cursor.forms.values()
    }


def test_every_page_of_results_is_followed_to_the_end_even_when_pages_come_short(
    world: World, url: str, chaos: Chaos
) -> None:
    chaos.update({"short_pages": True})
    source = build(world, url, page_size=4)

    got = [e.native_id for e in events(list(source.fetch(None)))]
    source.close()

    assert sorted(got) == sorted(lead.id for lead in world.leads)


def test_a_failure_mid_form_raises_after_the_leads_already_read(world: World, url: str, chaos: Chaos) -> None:
    source = build(world, url, page_size=5)
    stream = source.fetch(None)
    read = [next(stream) for _ in range(7)]  # the second page of the first form has been asked for
    chaos.update({"fail_5xx": 1})

    with pytest.raises(TransientError):
        list(stream)
    source.close()
    assert len(events(read)) == 7


# --- failures ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [80001, 80005, 4])
def test_a_throttle_raises_rate_limited_until_meta_says_access_returns(
    source: MetaLeadAdsSource, world: World, chaos: Chaos, code: int
) -> None:
    chaos.update({"meta_throttle_code": code, "throttle_seconds": 600})

    with pytest.raises(RateLimitedError) as caught:
        list(source.fetch(None))

    assert caught.value.reset_at == world.now + timedelta(minutes=10)
    assert f"Meta error {code}" in str(caught.value)


def test_usage_past_slow_down_at_stops_calls_before_meta_throttles_and_not_for_good(
    world: World, url: str
) -> None:
    seen: list[requests.PreparedRequest] = []
    source = build(world, url, seen, slow_down_at=0.1)  # the first answer reports 1% used

    with pytest.raises(RateLimitedError) as caught:
        list(source.fetch(None))
    assert "slowing down" in str(caught.value)
    assert caught.value.reset_at == world.now + timedelta(minutes=5)
    assert len(seen) == 1, "no call is made once the budget is past slow_down_at"

    world.advance(world.now + timedelta(minutes=6))
    with pytest.raises(RateLimitedError):
        list(source.fetch(None))
    source.close()
    assert len(seen) == 2, "once the wait is over the same source calls again"


def test_an_expired_token_raises_auth_error(source: MetaLeadAdsSource, chaos: Chaos) -> None:
    chaos.update({"meta_token_expired": True})

    with pytest.raises(AuthError, match="expired"):
        list(source.fetch(None))
    with pytest.raises(AuthError, match=f"the page token of page {MAIN} has expired"):
        source.check()


def test_a_server_error_raises_transient_error(source: MetaLeadAdsSource, chaos: Chaos) -> None:
    chaos.update({"fail_5xx": 1})

    with pytest.raises(TransientError):
        list(source.fetch(None))


def test_a_missing_named_form_is_a_configuration_error_naming_it(world: World, url: str) -> None:
    from socialleads.errors import ConfigurationError

    source = build(
        world, url, pages=[{"id": MAIN, "token": world.tokens.page_tokens[MAIN], "forms": [NEWSLETTER]}]
    )

    with pytest.raises(ConfigurationError, match=f"form {NEWSLETTER} of page {MAIN} cannot be read"):
        list(source.fetch(None))
    source.close()


def test_tokens_and_secrets_never_appear_in_errors_or_logs(
    world: World, url: str, chaos: Chaos, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    t = world.tokens
    source = build(world, url)
    raised: list[BaseException] = []
    for switches in (
        {"meta_token_expired": True},
        {"fail_5xx": 3},
        {"meta_throttle_code": 80005},
        {"permissions_removed": ["leads_retrieval"]},
    ):
        chaos.reset()
        chaos.update(switches)
        for action in (
            lambda: list(source.fetch(None)),
            source.check,
            lambda: source.fetch_lead(MAIN, "444444444444", None),
        ):
            try:
                action()
            except Exception as exc:  # noqa: BLE001 - every error is searched for secrets
                raised.append(exc)
    source.close()

    assert len(raised) >= 8
    texts = [text for exc in raised for text in error_texts(exc)] + log_texts(caplog.records, ("urllib3",))
    for secret in (*t.page_tokens.values(), t.app_secret, t.user_token, t.verify_token):
        assert not [text for text in texts if secret in text]
    # urllib3 logs each request line at DEBUG, and facebook-sdk puts the token in the query (the CLI caps
    # urllib3 at WARNING and redacts): page tokens may show there, the app secret never does.
    every = log_texts(caplog.records)
    assert not [text for text in every if t.app_secret in text or t.verify_token in text]


# --- webhooks -----------------------------------------------------------------------------------------


def test_fetch_lead_returns_the_polled_lead_as_a_webhook_event(
    source: MetaLeadAdsSource, world: World
) -> None:
    polled = {e.native_id: e for e in events(list(source.fetch(None)))}
    lead = world.leads_of(CONSULTATION)[3]

    event = source.fetch_lead(int(MAIN), int(lead.id), int(CONSULTATION))  # type: ignore[arg-type]

    assert event.received_via is ReceivedVia.WEBHOOK and event.position is None
    assert event.native_id == lead.id
    assert event.payload == polled[lead.id].payload
    assert source.parse(event) == source.parse(polled[lead.id])


def test_fetch_lead_reads_the_form_definition_once(world: World, url: str) -> None:
    seen: list[requests.PreparedRequest] = []
    source = build(world, url, seen)
    first, second = world.leads_of(CATALOGUE)[:2]

    source.fetch_lead(MAIN, first.id, CATALOGUE)
    source.fetch_lead(MAIN, second.id, None)
    source.close()

    paths = [urlsplit(r.url or "").path for r in seen]
    assert paths == [f"/v26.0/{first.id}", f"/v26.0/{CATALOGUE}", f"/v26.0/{second.id}"]


@pytest.mark.parametrize("lead_id", ["444444444444", "9100000000000000"])
def test_fetch_lead_of_a_test_or_deleted_lead_is_skippable(source: MetaLeadAdsSource, lead_id: str) -> None:
    with pytest.raises(SkippableRecordError, match=f"lead {lead_id} of page {MAIN} cannot be read"):
        source.fetch_lead(MAIN, lead_id, CONSULTATION)


def test_fetch_lead_of_a_page_not_watched_is_skippable_with_the_fix(world: World, url: str) -> None:
    source = build(
        world, url, pages=[{"id": MAIN, "token": world.tokens.page_tokens[MAIN], "forms": [CATALOGUE]}]
    )
    lead = world.leads_of(CONSULTATION)[0]

    with pytest.raises(SkippableRecordError, match="add the page to its pages:"):
        source.fetch_lead(OUTLET, world.leads_of(NEWSLETTER)[0].id, NEWSLETTER)
    with pytest.raises(SkippableRecordError, match=f"add it to forms: of page {MAIN}"):
        source.fetch_lead(MAIN, lead.id, None)
    source.close()


def test_claims_pages_and_forms_it_watches(world: World, url: str) -> None:
    source = build(
        world,
        url,
        pages=[
            {"id": MAIN, "token": world.tokens.page_tokens[MAIN], "forms": [CATALOGUE]},
            {"id": OUTLET, "token": world.tokens.page_tokens[OUTLET]},
        ],
    )

    assert source.claims(MAIN, CATALOGUE) and source.claims(int(MAIN), int(CATALOGUE))  # type: ignore[arg-type]
    assert not source.claims(MAIN, CONSULTATION)
    assert source.claims(MAIN, None)
    assert source.claims(OUTLET, "880000000000999")
    assert not source.claims("0", "444444444444")


def test_report_group_names_the_form(source: MetaLeadAdsSource) -> None:
    event = events(list(source.fetch(None)))[0]

    assert (
        source.report_group(event.payload)
        == f"{event.payload['form']['name']} ({event.payload['form']['id']})"
    )


# --- check() ------------------------------------------------------------------------------------------


def test_check_is_ok_with_valid_tokens_permissions_and_subscriptions(
    source: MetaLeadAdsSource, world: World
) -> None:
    health = source.check()

    assert health.state is HealthState.OK, health
    assert health.expires_at == world.start + timedelta(days=12, hours=12)


@pytest.mark.parametrize("app_id", [True, False], ids=["app-id", "no-app-id"])
def test_check_reports_a_token_expiring_within_the_warning(world: World, url: str, app_id: bool) -> None:
    overrides = {"expiry_warning": "14d"} | ({} if app_id else {"app_id": None})
    source = build(world, url, **overrides)

    health = source.check()
    source.close()

    assert health.state is HealthState.DEGRADED
    assert health.summary.startswith(
        f"the page token of {MAIN} expires in 12 days (on 2026-12-09); generate a new long-lived token"
    )
    assert len(health.details) == 2


def test_check_names_a_removed_permission_and_its_fix(source: MetaLeadAdsSource, chaos: Chaos) -> None:
    chaos.update({"permissions_removed": ["leads_retrieval"]})

    health = source.check()

    assert health.state is HealthState.FAILING
    assert "lacks the leads_retrieval permission, so no lead can be read" in health.summary
    assert "grant it to the app" in health.summary
    assert len(health.details) == 2  # one per page


def test_check_degrades_when_ad_fields_cannot_be_read(source: MetaLeadAdsSource, chaos: Chaos) -> None:
    chaos.update({"permissions_removed": ["ads_management"]})

    health = source.check()

    assert health.state is HealthState.DEGRADED
    assert "without their ad, ad set and campaign" in health.summary


def test_check_degrades_when_a_page_lost_its_webhook_subscription(
    source: MetaLeadAdsSource, chaos: Chaos
) -> None:
    chaos.update({"unsubscribed_pages": [OUTLET]})

    health = source.check()

    assert health.state is HealthState.DEGRADED
    assert health.summary.startswith(f"page {OUTLET} no longer sends new leads to the bot by webhook")
    assert f"POST /{OUTLET}/subscribed_apps?subscribed_fields=leadgen" in health.summary


def test_an_unsubscribed_page_is_fine_when_webhooks_are_not_used(
    world: World, url: str, chaos: Chaos
) -> None:
    chaos.update({"unsubscribed_pages": [OUTLET]})
    source = build(world, url, verify_token=None)

    health = source.check()
    source.close()

    assert health.state is HealthState.OK
    assert health.details == (f"page {OUTLET} sends no leadgen webhooks; leads arrive at each poll",)


def test_check_with_a_wrong_token_raises_auth_error(world: World, url: str) -> None:
    source = build(world, url, pages=[{"id": MAIN, "token": "EAAPnot-a-token-at-all-0000000000"}])

    with pytest.raises(AuthError, match=f"the page token of page {MAIN} is invalid or was revoked"):
        source.check()
    source.close()


def test_check_with_another_pages_token_raises_auth_error(world: World, url: str) -> None:
    source = build(world, url, pages=[{"id": MAIN, "token": world.tokens.page_tokens[OUTLET]}])

    with pytest.raises(AuthError, match=f"is the token of page {OUTLET}"):
        source.check()
    source.close()
