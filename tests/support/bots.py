"""Building a bot on a scripted source for pipeline tests, with a controllable clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from socialleads.bot import Bot, build_bot
from socialleads.settings import DispatchSettings, Settings
from tests.support.configs import write_config
from tests.support.scripted_source import registry_with_scripted, write_script


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)


class WallClock(Clock):
    """The real clock, for tests whose leases, probes and outages run out in real time (the bot's
    background threads read it, so a hand-moved clock would not do)."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


def webhook_sink_bot(
    tmp_path: Path, database_url: str, receiver_url: str, leads: int, dispatch_every: timedelta
) -> ScriptedBot:
    """A bot on the wall clock whose source has stored ``leads`` people, each due to a webhook sink
    (concurrency 1) posting to ``receiver_url``; its dispatcher looks every ``dispatch_every``."""
    sinks = {"crm": {"type": "webhook", "concurrency": 1, "config": {"url": f"{receiver_url}/hooks/leads"}}}
    sb = scripted_bot(
        tmp_path,
        database_url,
        sinks=sinks,
        default_route=["crm"],
        clock=WallClock(),
        dispatch=DispatchSettings(every=dispatch_every),
    )
    sb.set_events(
        [{"seq": n, "name": f"Person {n}", "email": f"p{n}@example.com"} for n in range(1, leads + 1)]
    )
    assert sb.bot.runner.poll("src").status == "ok"
    return sb


@dataclass
class ScriptedBot:
    """A bot whose one source (``src``) reads ``script``."""

    bot: Bot
    script: Path
    clock: Clock

    def set_events(self, events: list[dict[str, Any]], **extra: Any) -> None:
        """What the platform returns from now on."""
        write_script(self.script, events, **extra)


def scripted_bot(
    tmp_path: Path,
    database_url: str,
    sinks: dict[str, Any] | None = None,
    campaigns: dict[str, Any] | None = None,
    default_route: list[str] | None = None,
    admin_sinks: list[str] | None = None,
    clock: Clock | None = None,
    teams: dict[str, list[str]] | None = None,
    **settings: Any,
) -> ScriptedBot:
    """Write a config with source ``src`` (scripted) and build the bot on ``database_url``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    script = tmp_path / "script.json"
    write_script(script, [])
    config_dir = write_config(
        tmp_path / "config",
        sources={"src": {"type": "scripted", "phone_region": "IS", "config": {"script": str(script)}}},
        sinks=sinks,
        campaigns=campaigns,
        default_route=default_route,
        admin_sinks=admin_sinks,
        teams=teams,
    )
    clock = clock or Clock()
    bot = build_bot(
        Settings(database_url=database_url, config_dir=config_dir, **settings),
        registry=registry_with_scripted(),
        clock=clock,
    )
    return ScriptedBot(bot, script, clock)
