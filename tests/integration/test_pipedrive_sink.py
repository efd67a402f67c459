"""The Pipedrive sink over real HTTP against the Pipedrive emulator on loopback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from pydantic import ValidationError

from connectors.pipedrive.config import PipedriveConfig
from connectors.pipedrive.mapping import split_external_id
from connectors.pipedrive.sink import PipedriveSink
from socialleads.contracts import ConnectorContext
from socialleads.errors import AuthError, PermanentDeliveryError, RetriableDeliveryError, SinkNeedsAdminError
from socialleads.models import Contact, HealthState, Lead, QualityScore
from socialleads.sandbox.crm.pipedrive.app import PipedriveAccount, create_pipedrive_app
from socialleads.sandbox.loopback import LoopbackServer
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from socialleads.testing.kit import sample_touch
from tests.support.bots import Clock

TOKEN = "6f1c0b5e9a2d4e7f8a3b6c9d0e1f2a3b4c5d6e7f"
KEY = "sl1-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
BUDGET_FIELD = "5a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3"
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
LeadMaker = Callable[..., Lead]


@dataclass
class Env:
    account: PipedriveAccount
    clock: Clock
    url: str

    made: list[PipedriveSink] = field(default_factory=list)

    def sink(self, **config: Any) -> PipedriveSink:
        settings = PipedriveConfig.model_validate(
            {"api_url": f"{self.url}/v1", "api_token": TOKEN, "app_url": "https://acme.pipedrive.com",
             "timeout": "5s", **config}
        )  # fmt: skip
        self.made.append(PipedriveSink(settings, ConnectorContext(instance="crm", clock=self.clock)))
        return self.made[-1]

    def label(self, name: str) -> str:
        return next(label_id for label_id, label in self.account.labels.items() if label["name"] == name)


@pytest.fixture
def env() -> Iterator[Env]:
    clock = Clock(NOW)
    account = PipedriveAccount(tokens=[TOKEN], deal_fields=[BUDGET_FIELD], clock=clock)
    with LoopbackServer(create_pipedrive_app(account)) as server:
        made = Env(account, clock, server.url)
        yield made
        for sink in made.made:
            sink.close()


@pytest.fixture
def sink(env: Env) -> PipedriveSink:
    """The sink with the default settings; closed with the emulator."""
    return env.sink()


def second_touch(first: Lead, external_id: str | None, **changes: Any) -> Lead:
    """The same person a week later: revision 2, the external id the sink reported the first time."""
    later = sample_touch(id=2, native_id="leadgen-2002", received_at=NOW + timedelta(days=7))
    update = {
        "revision": 2,
        "touches": (*first.touches, later),
        "external_id": external_id,
        "delivered_revision": 1,
    }
    return first.model_copy(update={**update, **changes})


def test_a_new_lead_creates_a_person_a_lead_and_a_note(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    delivery = sink.deliver(make_lead(), KEY)
    [person] = env.account.persons.values()
    [lead] = env.account.leads.values()
    assert delivery.external_id == f"{lead['id']}:{person['id']}"
    assert delivery.url == f"https://acme.pipedrive.com/leads/inbox/{lead['id']}"
    assert person["name"] == "Anna Jónsdóttir"
    assert [e["value"] for e in person["email"]] == ["anna@example.is"]
    assert [p["value"] for p in person["phone"]] == ["+3546901234"]
    assert lead["title"] == "Anna Jónsdóttir — spring-sofas"
    assert (lead["person_id"], lead["label_ids"]) == (person["id"], [env.label("Warm")])
    [note] = env.account.notes_of(lead_id=lead["id"])
    assert note["content"].startswith("New lead: Anna Jónsdóttir — spring-sofas, grade B<br>")
    assert f"delivery key: {KEY}" in note["content"]


def test_a_second_touch_updates_the_same_lead_and_adds_a_note(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    first = make_lead()
    delivery = sink.deliver(first, KEY)
    lead_id, _ = split_external_id(delivery.external_id)
    assert lead_id is not None
    other = env.account.add_label("Fair 2025", "green")
    env.account.leads[lead_id]["label_ids"].append(other)  # added by a salesperson
    better = QualityScore(score=91, grade="A")
    again = sink.deliver(second_touch(first, delivery.external_id, quality=better), KEY)
    assert again.external_id == delivery.external_id
    assert len(env.account.persons) == 1 and list(env.account.leads) == [lead_id]
    assert env.account.leads[lead_id]["label_ids"] == [other, env.label("Hot")]
    notes = env.account.notes_of(lead_id=lead_id)
    assert len(notes) == 2 and notes[1]["content"].startswith("Lead update: Anna Jónsdóttir")


def test_a_repeated_first_delivery_reuses_the_lead(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    """The dispatcher repeats a delivery whose answer it lost: no second person, no second lead."""
    first = sink.deliver(make_lead(), KEY)
    second = sink.deliver(make_lead(), KEY)
    assert first.external_id == second.external_id
    assert (len(env.account.persons), len(env.account.leads), len(env.account.notes)) == (1, 1, 2)


def test_a_phone_only_lead_finds_the_person_by_phone(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    existing = env.account.add_person("Anna J.", phone=[{"value": "+354 690 1234", "label": "work"}])
    delivery = sink.deliver(make_lead(contact=Contact(phone="+3546901234"), handles=()), KEY)
    assert split_external_id(delivery.external_id)[1] == existing
    assert len(env.account.persons) == 1
    [lead] = env.account.leads.values()
    assert lead["title"] == "(no name given) — spring-sofas"


def test_a_phone_only_newcomer_is_named_after_their_social_profile(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    sink.deliver(make_lead(contact=Contact(phone="+3546901234")), KEY)
    [person] = env.account.persons.values()
    assert person["name"] == "Anna Jónsdóttir"
    assert person["email"] == [{"value": "", "primary": True}]


def test_a_person_found_by_email_gets_the_missing_phone_and_keeps_the_rest(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    existing = env.account.add_person(
        "Anna", email=[{"value": "ANNA@example.is", "label": "home", "primary": True}]
    )
    sink.deliver(make_lead(), KEY)
    person = env.account.persons[existing]
    assert len(env.account.persons) == 1
    assert person["email"] == [{"label": "home", "value": "ANNA@example.is", "primary": True}]
    assert [(p["value"], p["primary"]) for p in person["phone"]] == [("+3546901234", True)]


def test_custom_answers_arrive_in_the_configured_lead_fields(env: Env, make_lead: LeadMaker) -> None:
    sink = env.sink(answer_fields={"budget": BUDGET_FIELD})
    sink.deliver(make_lead(), KEY)
    [lead] = env.account.leads.values()
    assert lead[BUDGET_FIELD] == "300-400k ISK"


def test_labels_are_looked_up_once(env: Env, sink: PipedriveSink, make_lead: LeadMaker) -> None:
    first = make_lead()
    delivery = sink.deliver(first, KEY)
    sink.deliver(second_touch(first, delivery.external_id), KEY)
    assert env.account.calls.count(("GET", "/leadLabels")) == 1


def test_a_missing_label_is_reported_not_fatal(env: Env, make_lead: LeadMaker) -> None:
    sink = env.sink(labels={"B": "Lukewarm"})
    delivery = sink.deliver(make_lead(), KEY)
    assert delivery.detail == "no lead label named 'Lukewarm' in Pipedrive"
    assert [lead["label_ids"] for lead in env.account.leads.values()] == [[]]
    health = sink.check()
    assert health.state is HealthState.DEGRADED and "Lukewarm" in health.details[0]


def test_a_converted_lead_gets_its_note_on_the_person(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    first = make_lead()
    delivery = sink.deliver(first, KEY)
    lead_id, person_id = split_external_id(delivery.external_id)
    assert lead_id is not None and person_id is not None
    env.account.convert_lead(lead_id)
    again = sink.deliver(second_touch(first, delivery.external_id), KEY)
    assert env.account.leads == {}
    assert again.detail is not None and "left the Leads Inbox" in again.detail
    assert len(env.account.notes_of(person_id=person_id)) == 1


def test_a_ten_minute_outage_is_retriable_each_time_then_delivered_once(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    env.account.outage(seconds=600, status=500)
    for minute in range(0, 10, 2):
        env.clock.now = NOW + timedelta(minutes=minute)
        with pytest.raises(RetriableDeliveryError, match="HTTP 500"):
            sink.deliver(make_lead(), KEY)
    env.clock.now = NOW + timedelta(minutes=10)
    sink.deliver(make_lead(), KEY)
    assert (len(env.account.persons), len(env.account.leads), len(env.account.notes)) == (1, 1, 1)


def test_a_rate_limit_is_retriable_after_the_time_pipedrive_names(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    env.account.throttle(seconds=42)
    with pytest.raises(RetriableDeliveryError, match="HTTP 429") as caught:
        sink.deliver(make_lead(), KEY)
    assert caught.value.retry_after == 42


def test_going_over_the_two_second_window_waits_the_penalty(env: Env, make_lead: LeadMaker) -> None:
    env.account.rate_limit = 3
    with pytest.raises(RetriableDeliveryError) as caught:
        env.sink().deliver(make_lead(), KEY)
    assert caught.value.retry_after == 10


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (402, SinkNeedsAdminError),  # Pipedrive's own: the company account is not open (unpaid)
        (403, SinkNeedsAdminError),
        (408, RetriableDeliveryError),
        (423, RetriableDeliveryError),
        (425, RetriableDeliveryError),
        (400, PermanentDeliveryError),
    ],
)
def test_statuses_follow_the_one_policy_with_pipedrives_own_402(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker, status: int, expected: type[Exception]
) -> None:
    env.account.outage(seconds=600, status=status)
    with pytest.raises(expected, match=f"HTTP {status}") as caught:
        sink.deliver(make_lead(), KEY)
    assert type(caught.value) is expected and getattr(caught.value, "retry_after", None) is None


def test_a_redirect_waits_for_an_admin(make_lead: LeadMaker) -> None:
    with LoopbackReceiver() as rx:
        rx.default = ScriptedResponse(301, headers={"Location": "https://elsewhere.example/v1"})
        settings = {"api_url": f"{rx.url}/v1", "api_token": TOKEN}
        sink = PipedriveSink(PipedriveConfig.model_validate(settings), ConnectorContext(instance="crm"))
        with pytest.raises(SinkNeedsAdminError, match="set api_url to the final address"):
            sink.deliver(make_lead(), KEY)
        sink.close()


def test_a_timeout_is_retriable(make_lead: LeadMaker) -> None:
    with LoopbackReceiver() as slow:
        slow.default = ScriptedResponse(200, b'{"success": true, "data": null}', delay=3)
        settings = {"api_url": f"{slow.url}/v1", "api_token": TOKEN, "timeout": "0.3s"}
        sink = PipedriveSink(PipedriveConfig.model_validate(settings), ConnectorContext(instance="crm"))
        with pytest.raises(RetriableDeliveryError, match="timed out"):
            sink.deliver(make_lead(), KEY)
        sink.close()


def test_a_bad_token_fails_check_with_auth_error_and_delivery_permanently(
    env: Env, make_lead: LeadMaker
) -> None:
    sink = env.sink(api_token="0000000000000000000000000000000000000bad")
    with pytest.raises(AuthError, match="renew"):
        sink.check()
    with pytest.raises(SinkNeedsAdminError, match="renew the token") as caught:
        sink.deliver(make_lead(), KEY)
    assert "0000000000000bad" not in str(caught.value)


def test_check_is_ok_with_a_working_token(sink: PipedriveSink) -> None:
    assert sink.check().state is HealthState.OK


def test_the_token_never_appears_in_errors_logs_or_urls(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # the CLI quiets it; earlier tests may have run it
    texts: list[str] = []
    for fault in (env.account.outage, env.account.throttle):
        fault(60)
        with pytest.raises(RetriableDeliveryError) as caught:
            sink.deliver(make_lead(), KEY)
        texts += [str(caught.value), repr(caught.value)]
        env.clock.now += timedelta(minutes=2)
    sink.deliver(make_lead(), KEY)  # urllib3 logs each URL at DEBUG: the token must not be in one
    texts += [record.getMessage() for record in caplog.records]
    assert any("/v1/persons/search" in text for text in texts)
    assert not [text for text in texts if TOKEN in text]


def test_plain_http_is_refused_except_on_loopback() -> None:
    with pytest.raises(ValidationError, match="https://"):
        PipedriveConfig.model_validate({"api_url": "http://api.pipedrive.com/v1", "api_token": TOKEN})
    PipedriveConfig.model_validate({"api_url": "http://127.0.0.1:8080/v1", "api_token": TOKEN})


def test_a_title_a_salesperson_changed_is_kept(env: Env, sink: PipedriveSink, make_lead: LeadMaker) -> None:
    first = make_lead()
    delivery = sink.deliver(first, KEY)
    lead_id, _ = split_external_id(delivery.external_id)
    assert lead_id is not None
    env.account.leads[lead_id]["title"] = "Anna — corner sofa, call Tuesday"
    sink.deliver(second_touch(first, delivery.external_id), KEY)
    assert env.account.leads[lead_id]["title"] == "Anna — corner sofa, call Tuesday"


def test_a_nameless_lead_is_retitled_once_the_name_is_known(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    first = make_lead(contact=Contact(phone="+3546901234"), handles=())
    delivery = sink.deliver(first, KEY)
    named = second_touch(first, delivery.external_id, contact=Contact(full_name="Anna", phone="+3546901234"))
    sink.deliver(named, KEY)
    assert [lead["title"] for lead in env.account.leads.values()] == ["Anna — spring-sofas"]


def test_the_person_of_last_time_is_kept_when_the_email_matches_another(
    env: Env, sink: PipedriveSink, make_lead: LeadMaker
) -> None:
    first = make_lead(contact=Contact(full_name="Anna", phone="+3546901234"))
    delivery = sink.deliver(first, KEY)
    _, person_id = split_external_id(delivery.external_id)
    assert person_id is not None
    other = env.account.add_person("Anna (work)", email="anna@example.is")
    with_email = Contact(full_name="Anna", phone="+3546901234", email="anna@example.is")
    again = sink.deliver(second_touch(first, delivery.external_id, contact=with_email), KEY)
    assert split_external_id(again.external_id)[1] == person_id != other
    assert [e["value"] for e in env.account.persons[person_id]["email"]] == ["anna@example.is"]


def test_the_emulator_takes_the_token_in_the_query_too_and_answers_401_as_pipedrive(env: Env) -> None:
    with requests.Session() as session:
        ok = session.get(f"{env.url}/v1/leadLabels", params={"api_token": TOKEN})
        denied = session.get(f"{env.url}/v1/leadLabels", params={"api_token": "wrong"})
    assert ok.json()["success"] is True and {x["name"] for x in ok.json()["data"]} == {"Hot", "Warm", "Cold"}
    assert ok.headers["x-ratelimit-limit"] == "80"
    assert denied.status_code == 401
    assert denied.json() == {
        "success": False,
        "error": "unauthorized access",
        "errorCode": 401,
        "error_info": "Please check developers.pipedrive.com",
    }
