"""Routing to the sales pipeline end to end: three rules send grade A leads of a campaign to
Salesforce and to Slack #sales-emea, the rest to HubSpot only; a second touch updates the same
records; ``socialleads routes test`` explains each decision.

Real sinks through their vendors' clients (simple-salesforce, slack-sdk, hubspot-api-client) over
HTTP against the emulators on loopback; the leads come from a real CSV source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from socialleads.bot import Bot, build_bot
from socialleads.cli import app
from socialleads.sandbox.chat.slack.app import SlackChannel, SlackWorkspace
from socialleads.sandbox.crm.hubspot.app import HubSpotServer
from socialleads.sandbox.crm.hubspot.store import HubSpotStore
from socialleads.sandbox.crm.salesforce.app import create_salesforce_app
from socialleads.sandbox.crm.salesforce.org import SalesforceOrg
from socialleads.sandbox.loopback import LoopbackServer, routed_sessions
from socialleads.settings import Settings
from socialleads.store.tables import deliveries, leads
from tests.support.chat_servers import ServedSlack
from tests.support.configs import write_config

SF_HOST = "acme.my.salesforce.com"
SF_TOKEN = "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.routing.test.token"
HUBSPOT_TOKEN = "pat-na1-11111111-2222-3333-4444-routing"
HEADER = "Full Name,Email,Phone,Company,Job Title,Country,Which room?\n"
ANNA = "Anna Jónsdóttir,anna.jons@heimili.is,+354 611 2345,Heimili ehf.,Head of purchasing,IS,living room\n"
BJORN = "Björn Sigurðsson,bjorn.sig@husgogn.is,+354 622 3456,Húsgögn hf.,Owner,IS,office\n"
PLACEHOLDER = "test,test@test.com,,,,,\n"


@dataclass
class Pipeline:
    org: SalesforceOrg
    hubspot: HubSpotStore
    slack: SlackWorkspace
    inbox: Path
    env: dict[str, str]
    bot: Bot

    def run(self) -> None:
        self.bot.runner.poll("fair")
        self.bot.dispatcher.dispatch_due()

    def routes_test(self, email: str) -> str:
        with self.bot.engine.connect() as conn:
            lead_id = conn.execute(select(leads.c.id).where(leads.c.email == email)).scalar_one()
        result = CliRunner().invoke(app, ["routes", "test", str(lead_id)], env={"COLUMNS": "200", **self.env})
        assert result.exit_code == 0, result.stdout + result.stderr
        return result.stdout


@pytest.fixture
def pipeline(tmp_path: Path, database_url: str) -> Iterator[Pipeline]:
    org = SalesforceOrg(tokens=[SF_TOKEN])
    org.add_campaign("spring-sofas")
    hubspot = HubSpotStore(tokens=[HUBSPOT_TOKEN], portal_id=424242)
    workspace = SlackWorkspace()
    workspace.channels.append(SlackChannel("C0EMEA0001", "sales-emea"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with (
        LoopbackServer(create_salesforce_app(org)) as salesforce,
        HubSpotServer(hubspot) as hubspot_server,
        ServedSlack(workspace) as slack,
    ):
        config = write_config(
            tmp_path / "config",
            sources={"fair": {"type": "csv", "config": {"folder": str(inbox), "settle": "0s"}}},
            sinks={
                "salesforce": {
                    "type": "salesforce",
                    "config": {"instance_url": f"https://{SF_HOST}", "access_token": SF_TOKEN},
                },
                "slack_emea": {
                    "type": "slack",
                    "config": {"token": workspace.token, "channel": "#sales-emea", "base_url": slack.api_url},
                },
                "hubspot": {
                    "type": "hubspot",
                    "config": {
                        "access_token": HUBSPOT_TOKEN,
                        "portal_id": 424242,
                        "base_url": hubspot_server.url,
                    },
                },
            },
            campaigns={
                "spring-sofas": {
                    "sources": ["fair"],
                    "lead_magnet": "demo_request",
                    "route_mode": "all",
                    "routes": [
                        {"name": "hot-to-crm", "when": {"grades": ["A"]}, "deliver_to": ["salesforce"]},
                        {"name": "hot-to-sales", "when": {"grades": ["A"]}, "deliver_to": ["slack_emea"]},
                        {"name": "the-rest", "when": {"grades": ["B", "C", "D"]}, "deliver_to": ["hubspot"]},
                    ],
                }
            },
        )
        env = {"SOCIALLEADS_CONFIG_DIR": str(config), "SOCIALLEADS_DATABASE_URL": database_url}
        bot = build_bot(
            Settings(config_dir=config, database_url=database_url),
            new_session=routed_sessions({SF_HOST: salesforce.url}),
        )
        yield Pipeline(org, hubspot, workspace, inbox, env, bot)
        bot.close()


def test_grade_a_goes_to_salesforce_and_slack_emea_the_rest_to_hubspot_and_routes_test_says_why(
    pipeline: Pipeline,
) -> None:
    (pipeline.inbox / "fair-day-1.csv").write_text(HEADER + ANNA + PLACEHOLDER + BJORN)
    pipeline.run()

    assert sorted(lead["Email"] for lead in pipeline.org.leads()) == [
        "anna.jons@heimili.is",
        "bjorn.sig@husgogn.is",
    ]
    assert len(pipeline.org.members()) == 2  # both joined the campaign
    emea = [m for m in pipeline.slack.messages if m.channel == "C0EMEA0001" and m.thread_ts is None]
    assert len(emea) == 2 and any("Anna Jónsdóttir" in m.text for m in emea)
    assert not [m for m in pipeline.slack.messages if m.channel == "C0SALES001"]
    contacts = pipeline.hubspot.records("contacts")
    assert [c.properties.get("email") for c in contacts] == ["test@test.com"]  # only the rest

    # A second touch by Anna updates the same Salesforce Lead and Slack card; nothing is duplicated.
    (pipeline.inbox / "fair-day-2.csv").write_text(HEADER + ANNA.replace("Heimili ehf.", "Heimili hf."))
    pipeline.run()
    assert len(pipeline.org.leads()) == 2
    assert len([m for m in pipeline.slack.messages if m.channel == "C0EMEA0001" and m.thread_ts is None]) == 2
    assert len(pipeline.hubspot.records("contacts")) == 1
    with pipeline.bot.engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.sink, deliveries.c.status, deliveries.c.revision)).all()
    assert sorted((sink, status) for sink, status, _ in rows) == [
        ("hubspot", "delivered"),
        ("salesforce", "delivered"),
        ("salesforce", "delivered"),
        ("slack_emea", "delivered"),
        ("slack_emea", "delivered"),
    ]
    assert max(revision for _, _, revision in rows) == 2

    anna = pipeline.routes_test("anna.jons@heimili.is")
    assert "grade A" in anna
    assert "✓ rule hot-to-crm of spring-sofas: match → salesforce" in anna
    assert "✓ rule hot-to-sales of spring-sofas: match → slack_emea" in anna
    assert "· rule the-rest of spring-sofas: no match (grade A not in [B, C, D])" in anna
    assert "Decision: route hot-to-crm+hot-to-sales → salesforce, slack_emea" in anna

    rest = pipeline.routes_test("test@test.com")
    assert "· rule hot-to-crm of spring-sofas: no match (grade D not in [A])" in rest
    assert "✓ rule the-rest of spring-sofas: match → hubspot" in rest
    assert "Decision: route the-rest → hubspot" in rest
    assert "delivery to hubspot (rule the-rest): delivered" in rest
