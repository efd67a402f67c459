"""The Meta lead-ads source under Meta's throttles and dead tokens, through the runner: it waits, loses
nothing, stops calling when the token is dead, tells the admin once, and resumes when it works again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from socialleads.bot import Bot, build_bot
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import World
from socialleads.settings import Settings
from socialleads.store.state import load_state
from socialleads.store.tables import raw_events
from tests.support.configs import write_config
from tests.support.meta_leads import lead_world


@dataclass
class Setup:
    world: World
    chaos: Chaos
    bot: Bot
    calls: list[requests.PreparedRequest]

    def state(self) -> Any:
        with self.bot.engine.connect() as conn:
            return load_state(conn, "leads", "meta_lead_ads")

    def stored(self) -> set[str]:
        with self.bot.engine.connect() as conn:
            return {r[0] for r in conn.execute(select(raw_events.c.native_id))}


@pytest.fixture(params=["7d"])
def setup(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Setup]:
    """The bot on one page; expiry_warning from the parameter (sandbox tokens expire in 12.5 days)."""
    world, chaos = lead_world(), Chaos()
    t = world.tokens
    monkeypatch.setenv("META_MAIN_TOKEN", t.page_tokens[fixtures.MAIN_PAGE])
    with SandboxServer(world, chaos) as sandbox:
        config = write_config(
            tmp_path / "config",
            sources={
                "leads": {
                    "type": "meta_lead_ads",
                    "config": {
                        "app_id": t.app_id,
                        "expiry_warning": request.param,
                        "pages": [{"id": fixtures.MAIN_PAGE, "token": {"$env": "META_MAIN_TOKEN"}}],
                    },
                }
            },
            sinks={"console": {"type": "console"}},
            default_route=["console"],
            admin_sinks=["console"],
        )
        bot = build_bot(
            Settings(database_url=database_url, config_dir=config, sandbox_url=sandbox.url),
            clock=lambda: world.now,
        )
        calls: list[requests.PreparedRequest] = []
        for source in bot.sources.values():  # count what reaches Meta, through the source's own sessions
            factory = source.context.new_session

            def counting(*args: Any, _factory: Any = factory, **kwargs: Any) -> requests.Session:
                session = _factory(*args, **kwargs)
                session.hooks["response"].append(lambda r, *_, **__: calls.append(r.request))
                return session

            object.__setattr__(source.context, "new_session", counting)
        try:
            yield Setup(world, chaos, bot, calls)
        finally:
            bot.close()


def main_leads(world: World) -> set[str]:
    return {lead.id for lead in world.leads if lead.page_id == fixtures.MAIN_PAGE}


@pytest.mark.parametrize("code", [80001, 80005, 4])
def test_a_throttle_waits_until_the_reset_without_calling_and_then_loses_nothing(
    setup: Setup, code: int
) -> None:
    setup.chaos.update({"meta_throttle_code": code, "throttle_seconds": 600})
    outcome = setup.bot.runner.poll("leads")
    assert outcome.status == "rate_limited"
    assert outcome.next_allowed_at is not None and outcome.next_allowed_at >= setup.world.now + timedelta(
        minutes=9
    )
    setup.chaos.update({"meta_throttle_code": None})
    calls = len(setup.calls)
    setup.world.advance(setup.world.now + timedelta(minutes=5))
    assert setup.bot.runner.poll("leads").status == "skipped"
    assert len(setup.calls) == calls  # no call before the reset
    setup.world.advance(outcome.next_allowed_at + timedelta(seconds=1))
    assert setup.bot.runner.poll("leads").status == "ok"
    assert setup.stored() == main_leads(setup.world)


def test_a_dead_token_stops_the_calls_tells_the_admin_once_and_recovers_once(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.chaos.update({"meta_token_expired": True})
    assert setup.bot.runner.poll("leads").status == "needs_reauth"
    calls = len(setup.calls)
    for _ in range(3):
        setup.world.advance(setup.world.now + timedelta(hours=1))
        assert setup.bot.runner.poll("leads").status == "skipped"
    assert len(setup.calls) == calls
    assert capsys.readouterr().out.count("source leads is needs_reauth") == 1
    setup.chaos.update({"meta_token_expired": False})  # the admin renewed the token with Meta
    health = setup.bot.runner.check("leads")
    assert health.state.value == "ok", health
    assert setup.bot.runner.poll("leads").status == "ok"
    assert setup.stored() == main_leads(setup.world)
    assert capsys.readouterr().out.count("source leads recovered") == 1


@pytest.mark.parametrize("setup", ["14d"], indirect=True)
def test_a_token_about_to_expire_warns_the_admin_once_before_leads_stop(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    health = setup.bot.runner.check("leads")
    assert health.state.value == "degraded"
    assert "expires in" in health.summary
    setup.bot.runner.check("leads")
    assert setup.bot.runner.poll("leads").status == "ok"  # it still works: a warning, not a stop
    assert setup.state().health == "degraded"
    assert capsys.readouterr().out.count("source leads is degraded") == 1
