"""The Salesforce sink through simple-salesforce, over real HTTP, against its emulator on loopback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from pydantic import ValidationError
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connectors.salesforce.config import SalesforceConfig
from connectors.salesforce.sink import SalesforceSink, _matched_ids
from socialleads.contracts import ConnectorContext
from socialleads.errors import AuthError, PermanentDeliveryError, RetriableDeliveryError, SinkNeedsAdminError
from socialleads.models import Contact, HealthState, Lead
from socialleads.sandbox.crm.salesforce.app import SalesforceOrg, create_salesforce_app
from socialleads.sandbox.loopback import LoopbackServer, routed_sessions
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from socialleads.testing.kit import sample_touch
from tests.support.bots import Clock

TOKEN = (
    "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8EoWr78nh5ctBqx.1"
)
HOST = "acme.my.salesforce.com"
KEY = "sl1-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
LeadMaker = Callable[..., Lead]


@dataclass
class Env:
    org: SalesforceOrg
    clock: Clock
    context: ConnectorContext
    url: str

    made: list[SalesforceSink] = field(default_factory=list)

    def sink(self, **config: Any) -> SalesforceSink:
        settings = SalesforceConfig.model_validate(
            {"instance_url": f"https://{HOST}", "access_token": TOKEN, "timeout": "5s", **config}
        )
        self.made.append(SalesforceSink(settings, self.context))
        return self.made[-1]


@pytest.fixture
def env() -> Iterator[Env]:
    clock = Clock(NOW)
    org = SalesforceOrg(tokens=[TOKEN], custom_fields=["Budget__c", "Sofa_Model__c"], clock=clock)
    with LoopbackServer(create_salesforce_app(org)) as server:
        context = ConnectorContext(
            instance="crm", clock=clock, new_session=routed_sessions({HOST: server.url})
        )
        made = Env(org, clock, context, server.url)
        yield made
        for sink in made.made:
            sink.close()


@pytest.fixture
def sink(env: Env) -> SalesforceSink:
    """The sink with the default settings; closed with the emulator."""
    return env.sink()


def second_touch(first: Lead, external_id: str | None) -> Lead:
    """The same person a week later: revision 2, the record id the sink reported the first time."""
    later = sample_touch(
        id=2,
        native_id="leadgen-2002",
        received_at=NOW + timedelta(days=7),
        occurred_at=NOW + timedelta(days=7),
        answers={"Budget": "500k ISK"},
    )
    return first.model_copy(
        update={
            "revision": 2,
            "touches": (*first.touches, later),
            "external_id": external_id,
            "delivered_revision": 1,
        }
    )


def test_a_new_lead_creates_one_lead_record(env: Env, sink: SalesforceSink, make_lead: LeadMaker) -> None:
    delivery = sink.deliver(make_lead(), KEY)
    [record] = env.org.leads()
    assert delivery.external_id == record["Id"]
    assert delivery.url == f"https://{HOST}/lightning/r/Lead/{record['Id']}/view"
    assert record["Socialleads_Key__c"] == KEY
    assert (record["FirstName"], record["LastName"]) == ("Anna", "Jónsdóttir")
    assert (record["Email"], record["Phone"], record["Company"]) == (
        "anna@example.is",
        "+3546901234",
        "Sófar ehf.",
    )
    assert record["LeadSource"] == "Social"
    assert record["Description"].startswith("New lead: Anna Jónsdóttir — spring-sofas, grade B")
    assert "email: a valid work email (+20)" in record["Description"]


def test_a_second_touch_updates_the_same_record(env: Env, sink: SalesforceSink, make_lead: LeadMaker) -> None:
    first = make_lead()
    delivery = sink.deliver(first, KEY)
    again = sink.deliver(second_touch(first, delivery.external_id), KEY)
    [record] = env.org.leads()
    assert again.external_id == delivery.external_id == record["Id"]
    assert record["Description"].startswith("Lead update: Anna Jónsdóttir — spring-sofas, grade B (touch 2)")
    assert env.org.lead_writes == [KEY, KEY]


def test_a_repeated_first_delivery_updates_instead_of_duplicating(
    env: Env, sink: SalesforceSink, make_lead: LeadMaker
) -> None:
    """The dispatcher repeats a delivery whose answer it lost: the upsert on the key finds the record."""
    first = sink.deliver(make_lead(), KEY)
    second = sink.deliver(make_lead(), KEY)
    assert first.external_id == second.external_id
    assert len(env.org.leads()) == 1


def test_a_phone_only_lead_is_accepted_with_explicit_placeholders(
    env: Env, sink: SalesforceSink, make_lead: LeadMaker
) -> None:
    sink.deliver(make_lead(contact=Contact(phone="+3546901234"), handles=()), KEY)
    [record] = env.org.leads()
    assert (record["LastName"], record["Company"], record["Phone"]) == (
        "(unknown)",
        "(not given)",
        "+3546901234",
    )
    assert "Email" not in record and "FirstName" not in record


def test_an_update_does_not_overwrite_known_values_with_placeholders(
    env: Env, sink: SalesforceSink, make_lead: LeadMaker
) -> None:
    phone_only = make_lead(contact=Contact(phone="+3546901234"), handles=())
    delivery = sink.deliver(phone_only, KEY)
    [record] = env.org.leads()
    record_id = record["Id"]
    env.org.records["Lead"][record_id]["Company"] = "Sófar ehf."  # typed in by a salesperson after a call
    sink.deliver(second_touch(phone_only, delivery.external_id), KEY)
    assert env.org.leads()[0]["Company"] == "Sófar ehf."


def test_custom_answers_arrive_in_the_configured_fields(env: Env, make_lead: LeadMaker) -> None:
    answer_fields = {"which sofa are you interested in?": "Sofa_Model__c", "BUDGET": "Budget__c"}
    sink = env.sink(answer_fields=answer_fields)
    sink.deliver(make_lead(), KEY)
    [record] = env.org.leads()
    assert (record["Sofa_Model__c"], record["Budget__c"]) == ("Corner sofa Hekla", "300-400k ISK")


def test_the_newest_answer_wins_on_a_later_touch(env: Env, make_lead: LeadMaker) -> None:
    sink = env.sink(answer_fields={"Budget": "Budget__c"})
    first = make_lead()
    delivery = sink.deliver(first, KEY)
    sink.deliver(second_touch(first, delivery.external_id), KEY)
    assert env.org.leads()[0]["Budget__c"] == "500k ISK"


def test_campaign_membership_is_added_once_and_the_campaign_looked_up_once(
    env: Env, sink: SalesforceSink, make_lead: LeadMaker
) -> None:
    campaign_id = env.org.add_campaign("spring-sofas")
    first = make_lead()
    delivery = sink.deliver(first, KEY)
    calls_first = env.org.api_used
    sink.deliver(second_touch(first, delivery.external_id), KEY)
    [member] = env.org.members()
    assert (member["CampaignId"], member["LeadId"]) == (campaign_id, delivery.external_id)
    assert calls_first == 3  # upsert, campaign query, membership
    assert env.org.api_used - calls_first == 2  # update, membership (already a member); no second query


def test_an_unknown_campaign_still_delivers_the_lead_and_says_so(
    env: Env, sink: SalesforceSink, make_lead: LeadMaker
) -> None:
    delivery = sink.deliver(make_lead(campaign="no-such-campaign"), KEY)
    assert delivery.detail is not None and "no Campaign named 'no-such-campaign'" in delivery.detail
    assert len(env.org.leads()) == 1 and env.org.members() == []


def test_a_duplicate_rule_rejection_is_permanent_and_names_the_matched_record(
    env: Env, sink: SalesforceSink, make_lead: LeadMaker
) -> None:
    existing = env.org.add_lead(LastName="Jónsdóttir", Company="Sófar", Email="ANNA@example.is")
    with pytest.raises(PermanentDeliveryError, match="duplicate rule") as caught:
        sink.deliver(make_lead(), KEY)
    assert existing in str(caught.value)
    assert len(env.org.leads()) == 1


@pytest.mark.parametrize("spelling", ["duplicateResut", "duplicateResult"])
def test_matched_records_are_read_under_either_spelling(spelling: str) -> None:
    error = {spelling: {"matchResults": [{"matchRecords": [{"record": {"Id": "00Q5g000000ABCDEAA"}}]}]}}
    assert _matched_ids(error) == ["00Q5g000000ABCDEAA"]


def test_a_ten_minute_outage_is_retriable_each_time_then_delivered_once(
    env: Env, sink: SalesforceSink, make_lead: LeadMaker
) -> None:
    env.org.outage(seconds=600, status=500)
    for minute in range(0, 10, 2):
        env.clock.now = NOW + timedelta(minutes=minute)
        with pytest.raises(RetriableDeliveryError, match="HTTP 500"):
            sink.deliver(make_lead(), KEY)
    env.clock.now = NOW + timedelta(minutes=10)
    delivery = sink.deliver(make_lead(), KEY)
    assert [r["Id"] for r in env.org.leads()] == [delivery.external_id]
    assert env.org.lead_writes == [KEY]


@pytest.mark.parametrize(
    ("status", "expected", "says"),
    [
        (408, RetriableDeliveryError, "failed to upsert the Lead: HTTP 408"),
        (423, RetriableDeliveryError, "failed to upsert the Lead: HTTP 423"),
        (403, SinkNeedsAdminError, "HTTP 403 .*check the integration user's profile and permission sets"),
    ],
)
def test_statuses_without_a_salesforce_code_follow_the_one_policy(
    env: Env, make_lead: LeadMaker, status: int, expected: type[Exception], says: str
) -> None:
    """408/423 were dead-lettered before the one policy; a 403 refuses every lead alike."""
    env.org.outage(seconds=600, status=status)
    with pytest.raises(expected, match=says) as caught:
        env.sink().deliver(make_lead(), KEY)
    assert type(caught.value) is expected


def test_the_request_limit_is_retriable_after_the_configured_time(env: Env, make_lead: LeadMaker) -> None:
    env.org.exhaust_api_limit()
    sink = env.sink(request_limit_retry="15m")
    with pytest.raises(RetriableDeliveryError, match="REQUEST_LIMIT_EXCEEDED") as caught:
        sink.deliver(make_lead(), KEY)
    assert caught.value.retry_after == 900


def test_a_timeout_is_retriable(make_lead: LeadMaker) -> None:
    with LoopbackReceiver() as slow:
        slow.default = ScriptedResponse(201, b'{"id": "00Q5g0000000001AAA"}', delay=3)
        context = ConnectorContext(instance="crm", new_session=routed_sessions({HOST: slow.url}))
        settings = {"instance_url": f"https://{HOST}", "access_token": TOKEN, "timeout": "0.3s"}
        sink = SalesforceSink(SalesforceConfig.model_validate(settings), context)
        with pytest.raises(RetriableDeliveryError, match="timed out"):
            sink.deliver(make_lead(), KEY)
        sink.close()


def test_a_bad_token_fails_check_with_auth_error_and_delivery_permanently(
    env: Env, make_lead: LeadMaker
) -> None:
    sink = env.sink(access_token="00Dxx-expired-session-token-value")
    with pytest.raises(AuthError, match="renew"):
        sink.check()
    with pytest.raises(SinkNeedsAdminError, match="renew the token") as caught:
        sink.deliver(make_lead(), KEY)
    assert "expired-session-token" not in str(caught.value)


def test_check_reports_the_api_allowance(sink: SalesforceSink) -> None:
    health = sink.check()
    assert health.state is HealthState.OK
    assert "daily API requests left" in health.summary


def test_check_fails_when_the_external_id_field_does_not_exist(env: Env) -> None:
    health = env.sink(external_id_field="No_Such_Key__c").check()
    assert health.state is HealthState.FAILING
    assert "No_Such_Key__c" in health.summary


def test_a_deleted_record_is_not_created_again(env: Env, sink: SalesforceSink, make_lead: LeadMaker) -> None:
    first = make_lead()
    delivery = sink.deliver(first, KEY)
    assert delivery.external_id is not None
    env.org.delete_lead(delivery.external_id)
    with pytest.raises(PermanentDeliveryError, match="no longer exists"):
        sink.deliver(second_touch(first, delivery.external_id), KEY)
    assert env.org.leads() == []


def test_a_converted_lead_is_a_permanent_failure(
    env: Env, sink: SalesforceSink, make_lead: LeadMaker
) -> None:
    first = make_lead()
    delivery = sink.deliver(first, KEY)
    assert delivery.external_id is not None
    env.org.convert_lead(delivery.external_id)
    with pytest.raises(PermanentDeliveryError, match="converted"):
        sink.deliver(second_touch(first, delivery.external_id), KEY)


def test_the_token_never_appears_in_errors_or_logs(
    env: Env, sink: SalesforceSink, make_lead: LeadMaker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # the CLI quiets it; earlier tests may have run it
    env.org.add_lead(LastName="Jónsdóttir", Company="Sófar", Email="anna@example.is")
    messages: list[str] = []

    def duplicate_rule() -> None:
        """Nothing to switch on: the Lead added above trips the duplicate rule."""

    for provoke in (duplicate_rule, partial(env.org.outage, 60), env.org.exhaust_api_limit):
        provoke()
        with pytest.raises((PermanentDeliveryError, RetriableDeliveryError)) as caught:
            sink.deliver(make_lead(), KEY)
        messages += [str(caught.value), repr(caught.value)]
        env.clock.now += timedelta(minutes=2)
    texts = messages + [r.getMessage() for r in caplog.records]
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    assert not [t for t in texts if TOKEN in t or TOKEN[:20] in t]


def test_the_instance_url_must_be_an_https_origin() -> None:
    with pytest.raises(ValidationError, match="https://"):
        SalesforceConfig.model_validate(
            {"instance_url": "http://acme.my.salesforce.com", "access_token": "x"}
        )


def test_the_emulator_answers_as_the_rest_api_does(env: Env) -> None:
    """Required fields, upsert statuses by API version, ids of 15 or 18 characters, the SOQL subset."""
    with env.context.new_session() as session:
        lead = SFType("Lead", TOKEN, HOST, sf_version="59.0", session=session)
        with pytest.raises(SalesforceMalformedRequest) as missing:
            lead.upsert("Socialleads_Key__c/k1", {"Company": "Sófar"})
        errors: object = missing.value.content  # the parsed JSON list, despite the library's annotation
        assert errors == [
            {
                "message": "Required fields are missing: [LastName]",
                "errorCode": "REQUIRED_FIELD_MISSING",
                "fields": ["LastName"],
            }
        ]
        created = lead.upsert(
            "Socialleads_Key__c/k1", {"LastName": "Anna", "Company": "Sófar"}, raw_response=True
        )
        lead_id = created.json()["id"]
        assert (created.status_code, len(lead_id), lead.get(lead_id[:15])["Id"]) == (201, 18, lead_id)
        assert lead.upsert("Socialleads_Key__c/k1", {"City": "Reykjavík"}) == 200
        before_v46 = SFType("Lead", TOKEN, HOST, sf_version="45.0", session=session)
        assert before_v46.upsert("Socialleads_Key__c/k1", {"City": "Akureyri"}) == 204
        sf = Salesforce(instance_url=f"https://{HOST}", session_id=TOKEN, version="59.0", session=session)
        found = sf.query("SELECT Id, City FROM Lead WHERE Socialleads_Key__c = 'k1'")
        assert [(r["Id"], r["City"]) for r in found["records"]] == [(lead_id, "Akureyri")]
        with pytest.raises(SalesforceMalformedRequest, match="INVALID_FIELD"):
            lead.upsert("Socialleads_Key__c/k1", {"Shoe_Size__c": "42"})


REFRESH = "5Aep861sandboxRefreshTokenValue.WithEnoughLengthToLookReal"
APP = "3MVG9sandboxConsumerKey"


def refreshing(env: Env, **config: Any) -> SalesforceSink:
    """A sink with a connected app's refresh token; the login host is served by the same emulator."""
    env.org.connect_app(APP, "app-secret", REFRESH)
    routes = {HOST: env.url, "login.salesforce.com": env.url}
    context = ConnectorContext(instance="crm", clock=env.clock, new_session=routed_sessions(routes))
    settings = {
        "instance_url": f"https://{HOST}",
        "access_token": TOKEN,
        "refresh_token": REFRESH,
        "client_id": APP,
        "client_secret": "app-secret",
        "timeout": "5s",
        **config,
    }
    env.made.append(SalesforceSink(SalesforceConfig.model_validate(settings), context))
    return env.made[-1]


def test_a_session_that_ended_is_refreshed_and_the_lead_updated_not_doubled(
    env: Env, make_lead: LeadMaker
) -> None:
    sink = refreshing(env)
    first = sink.deliver(make_lead(), KEY)
    env.org.expire_sessions()

    again = sink.deliver(make_lead(), KEY)

    assert env.org.refreshes == 1
    assert again.external_id == first.external_id
    assert len(env.org.leads()) == 1


def test_a_refresh_token_alone_gets_the_first_session(env: Env, make_lead: LeadMaker) -> None:
    sink = refreshing(env, access_token=None)
    assert sink.deliver(make_lead(), KEY).external_id
    assert env.org.refreshes == 1


def test_sessions_refused_together_are_refreshed_once(env: Env, make_lead: LeadMaker) -> None:
    sink = refreshing(env)
    env.org.expire_sessions()
    with ThreadPoolExecutor(4) as pool:
        people = [
            make_lead(id=n, contact=Contact(full_name=f"P {n}", email=f"p{n}@example.is")) for n in range(4)
        ]
        done = list(pool.map(lambda lead: sink.deliver(lead, f"{KEY[:-1]}{lead.id}"), people))
    assert env.org.refreshes == 1
    assert len({d.external_id for d in done}) == len(env.org.leads()) == 4


def test_a_revoked_refresh_token_needs_an_admin_and_keeps_the_tokens_out_of_the_message(
    env: Env, make_lead: LeadMaker
) -> None:
    sink = refreshing(env)
    env.org.revoke(REFRESH)
    env.org.expire_sessions()
    with pytest.raises(SinkNeedsAdminError, match=r"invalid_grant.*refresh_token") as caught:
        sink.deliver(make_lead(), KEY)
    assert REFRESH not in str(caught.value) and "app-secret" not in str(caught.value)
    with pytest.raises(AuthError, match="invalid_grant"):
        sink.check()


def test_check_refreshes_a_session_that_ended(env: Env) -> None:
    sink = refreshing(env)
    env.org.expire_sessions()
    assert sink.check().state is HealthState.OK
    assert env.org.refreshes == 1


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"access_token": None}, "set access_token, or refresh_token"),
        ({"refresh_token": REFRESH}, "refresh_token needs client_id"),
        (
            {"refresh_token": REFRESH, "client_id": APP, "token_url": "http://login.salesforce.com/x"},
            "https://",
        ),
    ],
)
def test_credentials_that_cannot_work_are_refused_with_the_fix(config: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        SalesforceConfig.model_validate({"instance_url": f"https://{HOST}", "access_token": TOKEN, **config})
