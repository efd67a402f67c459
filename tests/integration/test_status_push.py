"""A lead's status, set by a person, pushed to the CRMs that model it as a delivery like any other.

One bot delivers a lead to HubSpot, Salesforce and Pipedrive (the sinks whose class models a status)
and to a webhook and Slack (which do not), through the real clients (hubspot-api-client,
simple-salesforce, requests, slack-sdk) over HTTP to the emulators on loopback, on SQLite and
PostgreSQL. A status change is written as ``change_status`` writes it (the row, then
``queue_status_push`` in the same transaction); the dispatcher then sends it to the CRMs only, and
each CRM holds the mapped value. HubSpot's rule that a lifecycle stage never moves back unless cleared
first is met too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from connectors.salesforce.config import SalesforceConfig
from connectors.salesforce.sink import SalesforceSink
from socialleads.bot import Bot, build_bot
from socialleads.contracts import ConnectorContext
from socialleads.errors import PermanentDeliveryError
from socialleads.models import LeadStatus
from socialleads.sandbox.chat.slack.app import SlackChannel, SlackWorkspace
from socialleads.sandbox.crm.hubspot.app import HubSpotServer
from socialleads.sandbox.crm.hubspot.store import HubSpotStore
from socialleads.sandbox.crm.pipedrive.app import PipedriveAccount, create_pipedrive_app
from socialleads.sandbox.crm.salesforce.app import create_salesforce_app
from socialleads.sandbox.crm.salesforce.org import SalesforceOrg
from socialleads.sandbox.loopback import LoopbackServer, routed_sessions
from socialleads.settings import Settings
from socialleads.store import audit
from socialleads.store import leads as lead_store
from socialleads.store.status_push import queue_status_push
from socialleads.store.tables import deliveries, lead_notes, leads
from socialleads.testing.http_receiver import LoopbackReceiver
from socialleads.testing.kit import sample_lead
from tests.support.api import ANY_PORT, serving_api
from tests.support.bots import Clock
from tests.support.chat_servers import ServedSlack
from tests.support.configs import write_config
from tests.support.scripted_source import registry_with_scripted, write_script

SF_HOST = "acme.my.salesforce.com"
SF_TOKEN = "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.status.push.token"
HUBSPOT_TOKEN = "pat-na1-11111111-2222-3333-4444-status"
PIPEDRIVE_TOKEN = "9e1c0b5e9a2d4e7f8a3b6c9d0e1f2a3b4c5d6e7f"
CRMS = ("hubspot", "pipedrive", "salesforce")
ANNA = {"seq": 1, "name": "Anna Jónsdóttir", "email": "anna@heimili.is", "phone": "+354 611 2345"}


@dataclass
class World:
    bot: Bot
    clock: Clock
    hubspot: HubSpotStore
    org: SalesforceOrg
    pipedrive: PipedriveAccount
    slack: SlackWorkspace
    webhook: LoopbackReceiver

    def lead_id(self) -> int:
        with self.bot.engine.connect() as conn:
            return int(conn.execute(select(leads.c.id)).scalar_one())

    def set_status(self, status: LeadStatus, reason: str | None = None, note: str | None = None) -> Any:
        """What ``change_status`` does: write the status (and a note), then queue the push, in one
        transaction; the sinks that model a status are the configured ones whose class says so."""
        self.clock.advance(minutes=5)
        now, lead_id = self.clock(), self.lead_id()
        status_sinks = [name for name, sink in self.bot.sinks.items() if sink.models_status]
        with self.bot.engine.begin() as conn:
            conn.execute(
                update(leads)
                .where(leads.c.id == lead_id)
                .values(
                    status=status.value,
                    status_reason=reason,
                    status_changed_at=now,
                    status_changed_by="sales@example.com",
                )
            )
            if note is not None:
                conn.execute(
                    insert(lead_notes).values(
                        lead_id=lead_id, author="sales@example.com", body=note, created_at=now
                    )
                )
            return queue_status_push(conn, lead_id, now, status_sinks)

    def deliveries(self) -> dict[str, tuple[str, int, int | None]]:
        """sink → (status, revision, delivered revision)."""
        query = select(
            deliveries.c.sink, deliveries.c.status, deliveries.c.revision, deliveries.c.delivered_revision
        )
        with self.bot.engine.connect() as conn:
            return {row[0]: (row[1], row[2], row[3]) for row in conn.execute(query)}

    def contact(self) -> dict[str, str]:
        (record,) = self.hubspot.records("contacts")
        return record.properties

    def pipedrive_labels(self) -> list[str]:
        (lead,) = self.pipedrive.leads.values()
        return sorted(self.pipedrive.labels[label_id]["name"] for label_id in lead["label_ids"])


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    clock = Clock()
    hubspot = HubSpotStore(tokens=[HUBSPOT_TOKEN], portal_id=424242)
    org = SalesforceOrg(tokens=[SF_TOKEN])
    pipedrive = PipedriveAccount(tokens=[PIPEDRIVE_TOKEN])
    slack = SlackWorkspace()
    slack.channels.append(SlackChannel("C0EMEA0001", "sales-emea"))
    script = tmp_path / "script.json"
    write_script(script, [ANNA])
    with (
        HubSpotServer(hubspot) as hubspot_server,
        LoopbackServer(create_salesforce_app(org)) as salesforce,
        LoopbackServer(create_pipedrive_app(pipedrive)) as pipedrive_server,
        ServedSlack(slack) as slack_server,
        LoopbackReceiver() as webhook,
    ):
        sinks = {
            "hubspot": {
                "type": "hubspot",
                "config": {
                    "access_token": HUBSPOT_TOKEN,
                    "portal_id": 424242,
                    "base_url": hubspot_server.url,
                },
            },
            "salesforce": {
                "type": "salesforce",
                "config": {"instance_url": f"https://{SF_HOST}", "access_token": SF_TOKEN},
            },
            "pipedrive": {
                "type": "pipedrive",
                "config": {"api_url": f"{pipedrive_server.url}/v1", "api_token": PIPEDRIVE_TOKEN},
            },
            "webhook": {"type": "webhook", "config": {"url": f"{webhook.url}/hooks/leads"}},
            "slack": {
                "type": "slack",
                "config": {"token": slack.token, "channel": "#sales-emea", "base_url": slack_server.api_url},
            },
        }
        config = write_config(
            tmp_path / "config",
            sources={"src": {"type": "scripted", "phone_region": "IS", "config": {"script": str(script)}}},
            sinks=sinks,
            default_route=list(sinks),
        )
        bot = build_bot(
            Settings(database_url=database_url, config_dir=config, web=ANY_PORT),
            registry=registry_with_scripted(),
            clock=clock,
            new_session=routed_sessions({SF_HOST: salesforce.url}),
        )
        made = World(bot, clock, hubspot, org, pipedrive, slack, webhook)
        assert bot.runner.poll("src").status == "ok"
        assert bot.dispatcher.dispatch_due().delivered == 5
        yield made
        bot.close()


def test_a_status_change_reaches_each_crm_as_its_value_and_no_other_sink(world: World) -> None:
    # Before any status is set, no CRM gets one from us: the org's default, nothing in HubSpot.
    (sf_lead,) = world.org.leads()
    assert sf_lead["Status"] == "Open - Not Contacted"
    assert "lifecyclestage" not in world.contact() and "hs_lead_status" not in world.contact()
    webhook_posts, slack_calls = len(world.webhook.requests), len(world.slack.calls)

    pushed = world.set_status(LeadStatus.QUALIFIED, note="Budget <b>confirmed</b>, wants a demo")
    assert pushed is not None and (pushed.revision, pushed.due, pushed.updated) == (2, 3, 0)
    report = world.bot.dispatcher.dispatch_due()

    assert report.delivered == 3
    assert world.contact()["lifecyclestage"] == "salesqualifiedlead"
    assert world.contact()["hs_lead_status"] == "IN_PROGRESS"
    assert world.org.leads()[0]["Status"] == "Working - Contacted"
    assert "Qualified" in world.pipedrive_labels()  # created in Pipedrive, as it had none
    # The status and the note reach the CRMs' notes too, escaped as HTML.
    (note,) = [
        n for n in world.hubspot.records("notes") if "Status: qualified" in n.properties["hs_note_body"]
    ]
    assert "Budget &lt;b&gt;confirmed&lt;/b&gt;, wants a demo" in note.properties["hs_note_body"]
    # Sinks that do not model a status are not sent the change.
    assert len(world.webhook.requests) == webhook_posts and len(world.slack.calls) == slack_calls
    rows = world.deliveries()
    assert {sink: rows[sink] for sink in CRMS} == dict.fromkeys(CRMS, ("delivered", 2, 2))
    assert rows["webhook"] == rows["slack"] == ("delivered", 1, 1)


def test_a_status_moved_back_is_set_back_in_each_crm(world: World) -> None:
    (pipedrive_lead,) = world.pipedrive.leads.values()
    pipedrive_lead["label_ids"].append(world.pipedrive.add_label("VIP"))  # a salesperson's own label
    world.set_status(LeadStatus.LOST, reason="bought elsewhere")
    world.bot.dispatcher.dispatch_due()
    assert (world.contact()["lifecyclestage"], world.contact()["hs_lead_status"]) == ("other", "UNQUALIFIED")
    assert world.org.leads()[0]["Status"] == "Closed - Not Converted"
    assert "Lost" in world.pipedrive_labels()

    # "other" comes after "lead" in HubSpot's order: a plain write would be ignored there.
    world.set_status(LeadStatus.CONTACTED)
    assert world.bot.dispatcher.dispatch_due().delivered == 3

    assert (world.contact()["lifecyclestage"], world.contact()["hs_lead_status"]) == ("lead", "CONNECTED")
    stage_writes = [
        w.properties["lifecyclestage"] for w in world.hubspot.writes if "lifecyclestage" in w.properties
    ]
    assert stage_writes[-2:] == ["", "lead"]  # cleared, then set
    assert world.org.leads()[0]["Status"] == "Working - Contacted"
    labels = world.pipedrive_labels()
    assert "Contacted" in labels and "Lost" not in labels  # one status label at a time
    assert "VIP" in labels

    # Won: a customer, whose HubSpot lead status is cleared.
    world.set_status(LeadStatus.WON)
    world.bot.dispatcher.dispatch_due()
    assert (world.contact()["lifecyclestage"], world.contact()["hs_lead_status"]) == ("customer", "")
    assert world.org.leads()[0]["Status"] == "Closed - Converted"


def test_the_push_requeues_only_crm_deliveries_and_leaves_dead_ones_dead(world: World) -> None:
    with world.bot.engine.begin() as conn:
        conn.execute(update(deliveries).where(deliveries.c.sink == "salesforce").values(status="dead"))

    pushed = world.set_status(LeadStatus.CONTACTED)

    assert pushed is not None and (pushed.revision, pushed.due, pushed.updated) == (2, 2, 1)
    rows = world.deliveries()
    assert rows["hubspot"] == rows["pipedrive"] == ("pending", 2, 1)
    assert rows["salesforce"] == ("dead", 2, 1)  # a replay sends the status with the rest
    assert rows["webhook"] == rows["slack"] == ("delivered", 1, 1)
    with world.bot.engine.connect() as conn:
        lead = lead_store.load_lead(conn, world.lead_id())
        assert lead is not None and (lead.revision, lead.status) == (2, LeadStatus.CONTACTED)
        assert queue_status_push(conn, 999_999, world.clock(), CRMS) is None


def test_notes_are_loaded_with_the_lead_oldest_first(world: World) -> None:
    world.set_status(LeadStatus.CONTACTED, note="first call")
    world.set_status(LeadStatus.QUALIFIED, note="second call")
    with world.bot.engine.connect() as conn:
        lead = lead_store.load_lead(conn, world.lead_id())
    assert lead is not None
    assert [(n.author, n.body) for n in lead.notes] == [
        ("sales@example.com", "first call"),
        ("sales@example.com", "second call"),
    ]
    assert lead.notes[1].created_at - lead.notes[0].created_at == timedelta(minutes=5)
    assert lead.status_changed_at == lead.notes[1].created_at


def test_a_lead_status_the_org_does_not_have_is_refused_permanently() -> None:
    """An org's Lead Status picklist is restricted: a mapped value it lacks is refused, named."""
    org = SalesforceOrg(tokens=[SF_TOKEN])
    with LoopbackServer(create_salesforce_app(org)) as salesforce:
        config = SalesforceConfig.model_validate(
            {
                "instance_url": f"https://{SF_HOST}",
                "access_token": SF_TOKEN,
                "lead_statuses": {"qualified": "Qualified"},
            }
        )
        context = ConnectorContext(instance="crm", new_session=routed_sessions({SF_HOST: salesforce.url}))
        sink = SalesforceSink(config, context)
        clock = Clock()
        lead = sample_lead().model_copy(update={"status": LeadStatus.QUALIFIED, "status_changed_at": clock()})
        with pytest.raises(
            PermanentDeliveryError, match=r"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: .* \(Status\)"
        ):
            sink.deliver(lead, "sl1-0123456789abcdef0123456789abcdef")
        assert org.leads() == []
        sink.close()


def test_a_status_set_through_the_api_reaches_the_crms_with_its_audit_entry(world: World) -> None:
    with serving_api(world.bot) as api:
        sam = api.person("sam@example.com", "sales")
        key = sam.get("/api/v1/leads").json()["items"][0]["id"]
        answer = sam.patch(
            f"/api/v1/leads/{key}", json={"status": "lost", "status_reason": "bought elsewhere"}
        )
        assert answer.status_code == 200, answer.text
        assert world.bot.dispatcher.dispatch_due().delivered == 3
        assert world.org.leads()[0]["Status"] == "Closed - Not Converted"
        assert world.contact()["hs_lead_status"] == "UNQUALIFIED"
        assert sam.patch(
            f"/api/v1/leads/{key}", json={"status": "lost", "status_reason": "bought elsewhere"}
        ).ok
        assert world.bot.dispatcher.dispatch_due().delivered == 0  # the same status again: nothing to send
    with world.bot.engine.connect() as conn:
        lead = lead_store.load_lead(conn, world.lead_id())
        (entry,) = audit.entries(conn, target=f"lead:{key}")
    assert lead is not None and lead.status is LeadStatus.LOST and lead.status_reason == "bought elsewhere"
    assert (entry.actor, entry.action, entry.before["status"], entry.after["status"]) == (
        "sam@example.com",
        "lead.status",
        "new",
        "lost",
    )
