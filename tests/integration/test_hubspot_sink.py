"""The HubSpot sink through the real hubspot-api-client, over HTTP, against the emulator on loopback."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from connectors.hubspot.config import HubSpotConfig
from connectors.hubspot.sink import HubSpotSink
from socialleads.contracts import ConnectorContext
from socialleads.errors import AuthError, PermanentDeliveryError, RetriableDeliveryError, SinkNeedsAdminError
from socialleads.models import Contact, Grade, HealthState, Lead, QualityScore
from socialleads.sandbox.crm.hubspot.app import HubSpotServer
from socialleads.sandbox.crm.hubspot.schema import property_json
from socialleads.sandbox.crm.hubspot.store import CrmObject, HubSpotStore
from socialleads.testing.kit import error_texts, leaked, log_texts
from tests.support.bots import Clock

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
LeadMaker = Callable[..., Lead]
TOKEN = "pat-na1-7f3e2d1c-token-under-test"
KEY = "sl1-hubspot-test-key"
PORTAL = 424242


@dataclass
class Portal:
    """The emulated portal, where it is served, and a sink factory for it."""

    store: HubSpotStore
    url: str
    clock: Clock

    def sink(self, **overrides: Any) -> HubSpotSink:
        data = {
            "access_token": TOKEN,
            "portal_id": PORTAL,
            "base_url": self.url,
            "timeout": "5s",
            **overrides,
        }
        return HubSpotSink(
            HubSpotConfig.model_validate(data), ConnectorContext(instance="crm", clock=self.clock)
        )

    def contacts(self) -> list[CrmObject]:
        return self.store.records("contacts")

    def notes_of(self, contact_id: str) -> list[str]:
        return self.store.associated("contacts", contact_id, "notes")

    def note_body(self, note_id: str) -> str:
        found = self.store.find("notes", note_id)
        assert found is not None
        return found.properties["hs_note_body"]


@pytest.fixture
def portal() -> Iterator[Portal]:
    clock = Clock(NOW)
    store = HubSpotStore(tokens=[TOKEN], portal_id=PORTAL, clock=clock)
    with HubSpotServer(store) as server:
        yield Portal(store, server.url, clock)


def grade(letter: Grade) -> QualityScore:
    return QualityScore(score=90 if letter == "A" else 50, grade=letter)


def test_new_lead_creates_one_contact(portal: Portal, make_lead: LeadMaker) -> None:
    delivery = portal.sink().deliver(make_lead(), KEY)
    [contact] = portal.contacts()
    assert delivery.external_id == contact.id
    assert delivery.url == f"https://app.hubspot.com/contacts/{PORTAL}/record/0-1/{contact.id}"
    props = contact.properties
    assert (props["email"], props["firstname"], props["lastname"]) == (
        "anna@example.is",
        "Anna",
        "Jónsdóttir",
    )
    assert (props["socialleads_key"], props["socialleads_grade"], props["socialleads_score"]) == (
        KEY,
        "B",
        "72",
    )
    assert props["socialleads_campaign"] == "spring-sofas"
    assert props["socialleads_source"] == "fb-spring (facebook)"
    assert "quality: email: a valid work email (+20)" in props["socialleads_reasons"]
    assert len(portal.notes_of(contact.id)) == 1


def test_second_touch_updates_the_same_contact(portal: Portal, make_lead: LeadMaker, make_touch: Any) -> None:
    sink = portal.sink()
    first = sink.deliver(make_lead(), KEY)
    later = make_touch(id=2, native_id="leadgen-1002", received_at=datetime(2025, 3, 15, tzinfo=UTC))
    second_lead = make_lead(
        touches=(make_touch(), later), revision=2, delivered_revision=1, external_id=first.external_id
    )
    second = sink.deliver(second_lead, KEY)
    assert second.external_id == first.external_id
    assert len(portal.contacts()) == 1
    assert [w.operation for w in portal.store.writes if w.object_type == "contacts"] == ["create", "update"]
    assert len(portal.notes_of(str(first.external_id))) == 2


def test_email_already_in_hubspot_is_upserted_onto(portal: Portal, make_lead: LeadMaker) -> None:
    theirs = portal.store.create(
        "contacts", {"email": "Anna@Example.is", "lifecyclestage": "customer", "phone": "+354 555 0000"}
    )
    delivery = portal.sink().deliver(make_lead(), KEY)
    assert delivery.external_id == theirs.id
    [contact] = portal.contacts()
    assert contact.properties["lifecyclestage"] == "customer"
    assert contact.properties["socialleads_key"] == KEY


def test_phone_only_lead_is_accepted_without_an_email(portal: Portal, make_lead: LeadMaker) -> None:
    lead = make_lead(contact=Contact(full_name="Jón Jónsson", phone="+3546909999"))
    sink = portal.sink()
    first = sink.deliver(lead, KEY)
    again = sink.deliver(lead, KEY)  # a repeat without external_id finds the contact by its key
    [contact] = portal.contacts()
    assert first.external_id == again.external_id == contact.id
    assert all("email" not in w.properties for w in portal.store.writes)
    assert (contact.properties["firstname"], contact.properties["lastname"]) == ("Jón", "Jónsson")
    assert contact.properties["phone"] == "+3546909999"


def test_phone_only_lead_updates_the_contact_with_that_phone(portal: Portal, make_lead: LeadMaker) -> None:
    theirs = portal.store.create("contacts", {"mobilephone": "+3546909999", "firstname": "Jón"})
    lead = make_lead(contact=Contact(full_name="Jón Jónsson", phone="+3546909999"))
    assert portal.sink().deliver(lead, KEY).external_id == theirs.id
    assert len(portal.contacts()) == 1


def test_create_refused_with_409_updates_the_existing_contact(portal: Portal, make_lead: LeadMaker) -> None:
    portal.store.properties["contacts"]["customer_number"] = property_json(
        "customer_number", "Customer number", unique=True, custom=True
    )
    theirs = portal.store.create("contacts", {"customer_number": "C-77", "firstname": "Jón"})
    lead = make_lead(contact=Contact(full_name="Jón Jónsson", phone="+3546909999"))
    sink = portal.sink(answer_properties={"Budget": "customer_number"})
    lead = lead.model_copy(
        update={"touches": (lead.touches[0].model_copy(update={"answers": {"Budget": "C-77"}}),)}
    )
    delivery = sink.deliver(lead, KEY)
    assert delivery.external_id == theirs.id
    assert "409" in str(delivery.detail)
    assert len(portal.contacts()) == 1
    assert theirs.properties["phone"] == "+3546909999"


def test_mapped_answers_fill_properties_and_the_rest_go_to_a_note(
    portal: Portal, make_lead: LeadMaker
) -> None:
    sink = portal.sink(answer_properties={"which SOFA are you  interested in?": "message"})
    delivery = sink.deliver(make_lead(), KEY)
    [contact] = portal.contacts()
    assert contact.properties["message"] == "Corner sofa Hekla"
    [note_id] = portal.notes_of(str(delivery.external_id))
    body = portal.note_body(note_id)
    assert "Budget: 300-400k ISK" in body
    assert body.startswith("<p>New lead: Anna Jónsdóttir")


def test_grade_a_lead_gets_one_deal_when_delivered_twice(portal: Portal, make_lead: LeadMaker) -> None:
    sink = portal.sink()
    lead = make_lead(quality=grade("A"))
    first = sink.deliver(lead, KEY)
    second = sink.deliver(lead, KEY)
    assert "created" in str(first.detail)
    assert "already there" in str(second.detail)
    [deal] = portal.store.records("deals")
    assert deal.properties["socialleads_key"] == KEY
    assert deal.properties["dealstage"] == "appointmentscheduled"
    assert portal.store.associated("deals", deal.id, "contacts") == [first.external_id]


def test_grade_b_lead_gets_no_deal(portal: Portal, make_lead: LeadMaker) -> None:
    portal.sink().deliver(make_lead(), KEY)
    assert portal.store.records("deals") == []


def test_rate_limit_is_retriable_with_its_retry_after(portal: Portal, make_lead: LeadMaker) -> None:
    portal.store.gate.rate_limit(1, retry_after=7)
    started = time.monotonic()
    with pytest.raises(RetriableDeliveryError) as caught:
        portal.sink().deliver(make_lead(), KEY)
    assert caught.value.retry_after == 7.0
    assert time.monotonic() - started < 5  # the sink never sleeps through the wait itself
    assert "429" in str(caught.value)


def test_ten_minute_outage_is_retriable_then_delivers_once(portal: Portal, make_lead: LeadMaker) -> None:
    portal.store.gate.outage(timedelta(minutes=10))
    sink = portal.sink()
    for _ in range(5):
        with pytest.raises(RetriableDeliveryError, match="HTTP 500"):
            sink.deliver(make_lead(), KEY)
        portal.clock.now += timedelta(minutes=2)
    portal.clock.now += timedelta(seconds=1)
    delivery = sink.deliver(make_lead(), KEY)
    [contact] = portal.contacts()
    assert delivery.external_id == contact.id
    assert len(portal.notes_of(contact.id)) == 1


@pytest.mark.parametrize("status", [408, 423, 425])
def test_a_timeout_a_lock_or_too_early_is_retried_like_every_sink(
    portal: Portal, make_lead: LeadMaker, status: int
) -> None:
    portal.store.gate.fail(1, status)
    with pytest.raises(RetriableDeliveryError, match=f"HTTP {status}") as caught:
        portal.sink().deliver(make_lead(), KEY)
    assert type(caught.value) is RetriableDeliveryError


def test_redelivered_revision_adds_no_second_note(portal: Portal, make_lead: LeadMaker) -> None:
    sink = portal.sink()
    first = sink.deliver(make_lead(), KEY)
    sink.deliver(make_lead(external_id=first.external_id, delivered_revision=1), KEY)
    assert len(portal.notes_of(str(first.external_id))) == 1


def test_new_email_of_another_contact_keeps_the_record(portal: Portal, make_lead: LeadMaker) -> None:
    ours = portal.store.create("contacts", {"email": "old@example.is"})
    theirs = portal.store.create("contacts", {"email": "anna@example.is"})
    delivery = portal.sink().deliver(make_lead(external_id=ours.id, delivered_revision=1, revision=2), KEY)
    assert delivery.external_id == ours.id
    assert (ours.properties["email"], theirs.properties["email"]) == ("old@example.is", "anna@example.is")
    assert ours.properties["socialleads_key"] == KEY


def test_emulator_controls_over_http(portal: Portal, make_lead: LeadMaker) -> None:
    answer = requests.post(f"{portal.url}/_hubspot/failures", json={"fail_next": 1, "status": 503}, timeout=5)
    assert answer.json()["fail_next"] == 1
    with pytest.raises(RetriableDeliveryError, match="HTTP 503"):
        portal.sink().deliver(make_lead(), KEY)
    portal.sink().deliver(make_lead(), KEY)
    [contact] = requests.get(f"{portal.url}/_hubspot/objects/contacts", timeout=5).json()
    assert contact["properties"]["socialleads_key"] == KEY
    assert len(contact["associations"]["notes"]) == 1


def test_contact_deleted_in_hubspot_is_matched_again(portal: Portal, make_lead: LeadMaker) -> None:
    delivery = portal.sink().deliver(make_lead(external_id="999999", delivered_revision=1, revision=2), KEY)
    [contact] = portal.contacts()
    assert delivery.external_id == contact.id != "999999"


def test_unknown_property_is_permanent_and_named(portal: Portal, make_lead: LeadMaker) -> None:
    sink = portal.sink(answer_properties={"Budget": "budget_range"})
    with pytest.raises(PermanentDeliveryError, match=r"budget_range \(PROPERTY_DOESNT_EXIST\)"):
        sink.deliver(make_lead(), KEY)


def test_bad_token_fails_check_and_delivery(portal: Portal, make_lead: LeadMaker) -> None:
    sink = portal.sink(access_token="pat-na1-revoked-0000")
    with pytest.raises(AuthError, match="check the private app token"):
        sink.check()
    with pytest.raises(SinkNeedsAdminError, match=r"401 INVALID_AUTHENTICATION.*check the private app token"):
        sink.deliver(make_lead(), KEY)


def test_missing_scope_names_it(portal: Portal, make_lead: LeadMaker) -> None:
    portal.store.gate.tokens["pat-read-only-1234"] = frozenset({"crm.schemas.contacts.read"})
    sink = portal.sink(access_token="pat-read-only-1234", deal_for_grades=[])
    assert sink.check().state is HealthState.OK
    with pytest.raises(SinkNeedsAdminError, match=r"403 MISSING_SCOPES.*crm\.objects\.contacts\.write"):
        sink.deliver(make_lead(), KEY)


def test_check_names_missing_custom_properties(make_lead: LeadMaker) -> None:
    store = HubSpotStore(tokens=[TOKEN], with_socialleads_properties=False)
    with HubSpotServer(store) as server:
        health = (
            Portal(store, server.url, Clock(NOW)).sink(answer_properties={"Budget": "budget_range"}).check()
        )
    assert health.state is HealthState.FAILING
    text = "\n".join(health.details)
    assert "contacts property socialleads_grade" in text
    assert "deals property socialleads_key" in text
    assert "budget_range" in text


def test_check_ok_when_every_property_exists(portal: Portal) -> None:
    health = portal.sink().check()
    assert health.state is HealthState.OK, health


def test_unanswered_request_times_out_retriable(make_lead: LeadMaker) -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        sink = Portal(HubSpotStore(), url, Clock(NOW)).sink(timeout="1s")
        with pytest.raises(RetriableDeliveryError, match="timed out"):
            sink.deliver(make_lead(), KEY)


def test_token_never_appears_in_errors_or_logs(
    portal: Portal, make_lead: LeadMaker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    bad = portal.sink(access_token="pat-na1-revoked-0000")
    good = portal.sink(answer_properties={"Budget": "budget_range"})
    attempts: list[Callable[[], object]] = [
        bad.check,
        lambda: bad.deliver(make_lead(), KEY),
        lambda: good.deliver(make_lead(), KEY),
    ]
    for attempt in attempts:
        with pytest.raises((AuthError, PermanentDeliveryError, SinkNeedsAdminError)) as caught:
            attempt()
        errors.append(caught.value)
    ok = portal.sink()
    switches: list[Callable[[], None]] = [
        lambda: portal.store.gate.rate_limit(1),
        lambda: portal.store.gate.fail(1),
    ]
    for switch in switches:
        switch()
        with pytest.raises(RetriableDeliveryError) as retriable:
            ok.deliver(make_lead(), KEY)
        errors.append(retriable.value)
    texts = [t for e in errors for t in error_texts(e)] + log_texts(caplog.records)
    assert not leaked(texts, [TOKEN, "pat-na1-revoked-0000"])
