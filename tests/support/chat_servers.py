"""Serving the Slack and Teams emulators on loopback for the chat sink tests (real HTTP, no mocks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from socialleads.bot import build_bot
from socialleads.registry import PluginInfo
from socialleads.sandbox.chat.slack.app import SlackWorkspace, create_slack_app
from socialleads.sandbox.chat.teams import TeamsTenant, create_teams_app
from socialleads.sandbox.loopback import LoopbackServer
from socialleads.settings import Settings
from tests.support.bots import Clock, ScriptedBot
from tests.support.configs import write_config
from tests.support.scripted_source import registry_with_scripted, write_script


class LoopbackApp(LoopbackServer):
    """``with LoopbackApp(app) as server:`` serves an ASGI app at ``server.url`` until the block ends."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, name="chat-emulator")


class ServedSlack(LoopbackApp):
    """A Slack workspace served by the emulator; ``api_url`` is what the sink's ``base_url`` should be."""

    def __init__(self, workspace: SlackWorkspace | None = None) -> None:
        self.workspace = workspace or SlackWorkspace()
        super().__init__(create_slack_app(self.workspace))

    @property
    def api_url(self) -> str:
        """The Web API base URL, ``http://127.0.0.1:<port>/api/``."""
        return f"{self.url}/api/"


class ServedTeams(LoopbackApp):
    """A Teams tenant served by the emulator, with one incoming webhook created."""

    def __init__(self, tenant: TeamsTenant | None = None) -> None:
        self.tenant = tenant or TeamsTenant()
        self.path = self.tenant.add_webhook("Sales leads")
        super().__init__(create_teams_app(self.tenant))

    @property
    def webhook_url(self) -> str:
        """The incoming webhook's full URL (a secret, in real life)."""
        return f"{self.url}{self.path}"


def unix(clock: Callable[[], datetime]) -> Callable[[], float]:
    """A Unix-seconds clock reading a datetime clock (the bot's), for the emulators' outage windows."""
    return lambda: clock().timestamp()


def chat_bot(
    tmp_path: Path, database_url: str, sink: type[Any], config: dict[str, Any], clock: Clock
) -> ScriptedBot:
    """A bot whose scripted source ``src`` routes every lead to one sink, ``chat``, of class ``sink``.

    The sink is registered from code under its ``name``, as the entry point will; retries start at
    10 s and back off to 10 min.
    """
    registry = registry_with_scripted()
    target = f"{sink.__module__}:{sink.__qualname__}"
    registry.add(PluginInfo(kind="sink", name=sink.name, target=target, cls=sink))
    script = tmp_path / "script.json"
    write_script(script, [])
    config_dir = write_config(
        tmp_path / "config",
        sources={"src": {"type": "scripted", "phone_region": "IS", "config": {"script": str(script)}}},
        sinks={
            "chat": {
                "type": sink.name,
                "retry": {"first_delay": "10s", "max_delay": "10m", "max_attempts": 50},
                "config": config,
            }
        },
        default_route=["chat"],
    )
    bot = build_bot(
        Settings(database_url=database_url, config_dir=config_dir), registry=registry, clock=clock
    )
    return ScriptedBot(bot, script, clock)
