"""The sales-pipeline emulators the sandbox serves beside Meta and X: HubSpot, Salesforce, Pipedrive,
Slack and Teams, each mounted in the sandbox app at its own path.

They are the standalone emulators the sink tests serve (``crm.hubspot``, ``crm.salesforce``,
``crm.pipedrive``, ``chat.slack``, ``chat.teams``), each with one account whose credentials
``describe`` lists (``GET /_sandbox/world`` shows them under ``sinks``). How a bot reaches each:

- HubSpot at ``<sandbox>/hubspot`` and Slack at ``<sandbox>/slack/api/``: through the sink's
  ``base_url``. hubspot-api-client speaks through urllib3 and slack-sdk through urllib, not through
  ``socialleads.http``'s sessions, so the sandbox routing cannot reach them.
- Pipedrive at ``<sandbox>/pipedrive/v1`` and Salesforce at ``<sandbox>/salesforce``: their sinks use
  the bot's sessions, so with ``SOCIALLEADS_SANDBOX_URL`` set their https calls reach the sandbox with
  the host they were meant for, and ``HOST_PATHS`` sends ``api.pipedrive.com`` and the Salesforce
  hosts to these emulators; Pipedrive's ``api_url`` may also name the sandbox directly.
- Teams: the incoming webhook's URL, ``<sandbox>/teams/webhookb2/...``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from socialleads.sandbox.chat.slack.app import SlackWorkspace, create_slack_app
from socialleads.sandbox.chat.teams import TeamsTenant, create_teams_app
from socialleads.sandbox.crm.hubspot.app import create_hubspot_app
from socialleads.sandbox.crm.hubspot.store import HubSpotStore
from socialleads.sandbox.crm.pipedrive.app import PipedriveAccount, create_pipedrive_app
from socialleads.sandbox.crm.salesforce.app import SalesforceOrg, create_salesforce_app

#: The sandbox accounts' credentials: not secrets, they open nothing but the sandbox.
HUBSPOT_TOKEN = "pat-na1-sandbox-0001-hubspot-token"  # noqa: S105
HUBSPOT_PORTAL = 123456
SALESFORCE_TOKEN = "sf-sandbox-token"  # noqa: S105
PIPEDRIVE_TOKEN = "pd-sandbox-token"  # noqa: S105
#: Where each emulator is mounted in the sandbox app.
PATHS = {
    "hubspot": "/hubspot",
    "slack": "/slack",
    "teams": "/teams",
    "salesforce": "/salesforce",
    "pipedrive": "/pipedrive",
}
#: The instance (My Domain) host of the sandbox's Salesforce org; simple-salesforce speaks https only,
#: so a sink reaches that org through this host and the sandbox routing, never by a plain base URL.
SANDBOX_SALESFORCE_HOST = "socialleads-sandbox.my.salesforce.com"
#: Vendor hosts the bot's sessions send here (``socialleads.http``), and the emulator each is answered
#: by. The platforms' hosts (graph.facebook.com, api.twitter.com, ...) are answered at the root.
HOST_PATHS = {
    "api.pipedrive.com": PATHS["pipedrive"],
    "login.salesforce.com": PATHS["salesforce"],
    "test.salesforce.com": PATHS["salesforce"],
    SANDBOX_SALESFORCE_HOST: PATHS["salesforce"],
}


@dataclass
class SalesPipeline:
    """One account in each emulator; tests and the demo read and steer these objects directly."""

    hubspot: HubSpotStore = field(
        default_factory=lambda: HubSpotStore(tokens=[HUBSPOT_TOKEN], portal_id=HUBSPOT_PORTAL)
    )
    slack: SlackWorkspace = field(default_factory=SlackWorkspace)
    salesforce: SalesforceOrg = field(
        default_factory=lambda: SalesforceOrg(
            tokens=[SALESFORCE_TOKEN], instance_url=f"https://{SANDBOX_SALESFORCE_HOST}"
        )
    )
    pipedrive: PipedriveAccount = field(default_factory=lambda: PipedriveAccount(tokens=[PIPEDRIVE_TOKEN]))
    teams: TeamsTenant = field(default_factory=TeamsTenant)
    teams_webhook: str = ""
    """The path of the tenant's one incoming webhook (made with the tenant when left empty)."""

    def __post_init__(self) -> None:
        if not self.teams_webhook:
            self.teams_webhook = self.teams.add_webhook("Sales leads")

    def mount(self, app: FastAPI) -> None:
        """Serve every emulator in ``app``, each under its path of ``PATHS``."""
        app.mount(PATHS["hubspot"], create_hubspot_app(self.hubspot))
        app.mount(PATHS["slack"], create_slack_app(self.slack))
        app.mount(PATHS["teams"], create_teams_app(self.teams))
        app.mount(PATHS["salesforce"], create_salesforce_app(self.salesforce))
        app.mount(PATHS["pipedrive"], create_pipedrive_app(self.pipedrive))

    def describe(self, base_url: str) -> dict[str, dict[str, Any]]:
        """Per emulator, the sink settings that reach it from a bot, for a sandbox served at ``base_url``."""
        base = base_url.rstrip("/")
        channel = self.slack.channels[0]
        routed = "with SOCIALLEADS_SANDBOX_URL set, the bot's sessions send {} here"
        return {
            "hubspot": {
                "base_url": f"{base}{PATHS['hubspot']}",
                "access_token": HUBSPOT_TOKEN,
                "portal_id": self.hubspot.portal_id,
                "records": f"{base}{PATHS['hubspot']}/_hubspot/objects/contacts",
            },
            "slack": {
                "base_url": f"{base}{PATHS['slack']}/api/",
                "token": self.slack.token,
                "channel": channel.id,
                "channel_name": f"#{channel.name}",
            },
            "salesforce": {
                "url": f"{base}{PATHS['salesforce']}",
                "instance_url": self.salesforce.instance_url,
                "access_token": SALESFORCE_TOKEN,
                "routing": routed.format(f"{SANDBOX_SALESFORCE_HOST} and login.salesforce.com"),
            },
            "pipedrive": {
                "api_url": f"{base}{PATHS['pipedrive']}/v1",
                "api_token": PIPEDRIVE_TOKEN,
                "routing": routed.format("api.pipedrive.com"),
            },
            "teams": {"webhook_url": f"{base}{PATHS['teams']}{self.teams_webhook}"},
        }

    def hubspot_writes(self, object_type: str = "contacts") -> dict[str, int]:
        """Records of ``object_type`` the HubSpot emulator created and updated: ``{"create", "update"}``."""
        counts = {"create": 0, "update": 0}
        for write in list(self.hubspot.writes):
            if write.object_type == object_type:
                counts[write.operation] = counts.get(write.operation, 0) + 1
        return counts

    def slack_messages(self) -> dict[str, int]:
        """What the Slack emulator holds: cards ``posted`` (top level), ``edits``, thread ``replies``."""
        with self.slack.lock:
            messages = list(self.slack.messages)
        return {
            "posted": sum(1 for m in messages if m.thread_ts is None),
            "edits": sum(m.edits for m in messages),
            "replies": sum(1 for m in messages if m.thread_ts is not None),
        }


__all__ = ["PATHS", "SalesPipeline"]
