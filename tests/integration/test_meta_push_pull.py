"""Meta leads by webhook and by poll together, through the whole bot, its web server and the sandbox.

The sandbox sends signed leadgen webhooks to the bot's /webhooks/meta (dropping some on purpose);
the bot fetches each lead with the real facebook-sdk; the hourly poll recovers what the webhooks
lost. Every lead ends up stored exactly once, and the report says which path brought it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from socialleads.bot import Bot, build_bot
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.meta.webhooks import WebhookSender
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import Rates, World
from socialleads.settings import Settings, WebSettings
from socialleads.store.tables import dead_letters, raw_events
from tests.support.configs import write_config
from tests.support.meta_leads import START, main_page_source, serving_webhooks


@dataclass
class Setup:
    world: World
    chaos: Chaos
    bot: Bot
    url: str

    def stored(self) -> dict[str, tuple[bool, bool, int]]:
        query = select(
            raw_events.c.native_id, raw_events.c.via_poll, raw_events.c.via_webhook, raw_events.c.arrivals
        ).where(raw_events.c.source == "leads")
        with self.bot.engine.connect() as conn:
            return {r.native_id: (r.via_poll, r.via_webhook, r.arrivals) for r in conn.execute(query)}

    def wait_for(self, ids: set[str], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not ids <= set(self.stored()):
            assert time.monotonic() < deadline, f"missing {sorted(ids - set(self.stored()))[:5]}"
            time.sleep(0.05)


@pytest.fixture
def setup(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    world = World(
        seed=21,
        start=START,
        history=timedelta(hours=3),
        population=150,
        rates=Rates(
            leads=1.0, fb_comments=0, ig_comments=0, x_posts=0, fb_posts_per_hour=0, ig_media_per_hour=0
        ),
    )
    chaos = Chaos()
    source = main_page_source(world, monkeypatch.setenv, app_id=world.tokens.app_id, first_window="1d")
    with SandboxServer(world, chaos) as sandbox:
        config = write_config(
            tmp_path / "config",
            sources={"leads": source},
            sinks={"console": {"type": "console"}},
            default_route=["console"],
            admin_sinks=["console"],
        )
        bot = build_bot(
            Settings(
                database_url=database_url, config_dir=config, sandbox_url=sandbox.url, web=WebSettings(port=0)
            ),
            clock=lambda: world.now,
        )
        try:
            with serving_webhooks(bot) as url:
                yield Setup(world, chaos, bot, url)
        finally:
            bot.close()


def main_page_leads(world: World) -> set[str]:
    return {lead.id for lead in world.leads if lead.page_id == fixtures.MAIN_PAGE}


def test_the_handshake_echoes_the_challenge_only_with_the_right_token(setup: Setup) -> None:
    token = setup.world.tokens.verify_token
    ok = requests.get(
        setup.url,
        params={"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": token},
        timeout=5,
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = requests.get(
        setup.url, params={"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "x"}, timeout=5
    )
    assert wrong.status_code == 403


def test_with_a_fifth_of_the_webhooks_dropped_the_poll_recovers_every_lead_once(setup: Setup) -> None:
    world, bot = setup.world, setup.bot
    assert bot.runner.poll("leads").status == "ok"  # the history before the webhook existed
    history = main_page_leads(world)
    setup.chaos.update({"drop_webhooks": 0.2, "duplicate_webhooks": 0.1})
    with WebhookSender(
        world, setup.chaos, setup.url, retry_delays=(0.0, 0.05, 0.2), batch_window=0.0
    ) as sender:
        for _ in range(120):  # half a minute at a time: most deliveries carry one lead
            world.advance(world.now + timedelta(seconds=30))
            assert sender.flush(timeout=30)
    new = main_page_leads(world) - history
    dropped = (set(sender.stats.dropped_leadgen_ids) | set(sender.stats.gave_up_leadgen_ids)) & new
    delivered = {i for i in new if i not in dropped}
    assert len(new) > 30 and dropped and delivered
    setup.wait_for(delivered)
    assert bot.runner.poll("leads").status == "ok"  # the hourly poll, with its lookback
    stored = setup.stored()
    assert set(stored) == main_page_leads(world)  # every lead, none twice (native ids are unique)
    assert {i for i, (_, webhook, _) in stored.items() if webhook} == delivered
    assert {i for i, (poll, webhook, _) in stored.items() if poll and not webhook} >= dropped
    code, out = _report(bot)
    assert code == 0 and "duplicates absorbed" in out


def _report(bot: Bot) -> tuple[int, str]:
    from typer.testing import CliRunner

    from socialleads.cli import app

    env = {
        "SOCIALLEADS_CONFIG_DIR": str(bot.settings.config_dir),
        "SOCIALLEADS_DATABASE_URL": bot.settings.database_url,
        "SOCIALLEADS_SANDBOX_URL": bot.settings.sandbox_url or "",
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, ["sources", "report", "leads"], env=env)
    return result.exit_code, result.output


def signed(body: bytes, secret: str) -> dict[str, str]:
    return {
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
    }


def leadgen(page: str, form: str, leadgen_id: str) -> bytes:
    change = {
        "field": "leadgen",
        "value": {
            "leadgen_id": leadgen_id,
            "page_id": page,
            "form_id": form,
            "created_time": int(START.timestamp()),
        },
    }
    return json.dumps({"object": "page", "entry": [{"id": page, "time": 1, "changes": [change]}]}).encode()


def test_a_bad_signature_is_refused_with_403_and_stores_nothing(setup: Setup) -> None:
    lead = setup.world.leads[-1]
    body = leadgen(lead.page_id, lead.form_id, lead.id)
    headers = signed(body, setup.world.tokens.app_secret)
    tampered = body.replace(b'"time": 1', b'"time": 2')
    assert requests.post(setup.url, data=tampered, headers=headers, timeout=5).status_code == 403
    with setup.bot.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(raw_events)).scalar_one() == 0


def test_a_repeated_delivery_changes_nothing(setup: Setup) -> None:
    lead = next(lead for lead in setup.world.leads if lead.page_id == fixtures.MAIN_PAGE)
    body = leadgen(lead.page_id, lead.form_id, lead.id)
    headers = signed(body, setup.world.tokens.app_secret)
    first = requests.post(setup.url, data=body, headers=headers, timeout=5).json()
    setup.wait_for({lead.id})
    second = requests.post(setup.url, data=body, headers=headers, timeout=5).json()
    assert (first["jobs"], second["repeat"], second["jobs"]) == (1, True, 0)
    assert setup.stored()[lead.id] == (False, True, 1)


def test_a_lead_for_a_page_no_source_watches_is_parked_and_reported(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    lead = next(lead for lead in setup.world.leads if lead.page_id == fixtures.OUTLET_PAGE)
    body = leadgen(lead.page_id, lead.form_id, lead.id)
    answer = requests.post(
        setup.url, data=body, headers=signed(body, setup.world.tokens.app_secret), timeout=5
    )
    assert answer.json()["jobs"] == 0
    with setup.bot.engine.connect() as conn:
        [letter] = conn.execute(select(dead_letters.c.kind, dead_letters.c.reason)).all()
    assert letter.kind == "unrouted" and fixtures.OUTLET_PAGE in letter.reason
    assert capsys.readouterr().out.count("no source watches") == 1


def test_the_dashboard_test_payload_is_recognised_as_a_test(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    body = leadgen("0", "444444444444", "444444444444").replace(b'"id": "0"', b'"id": "0"')
    answer = requests.post(
        setup.url, data=body, headers=signed(body, setup.world.tokens.app_secret), timeout=5
    )
    assert answer.status_code == 200 and answer.json()["jobs"] == 0
    assert "test payload" in caplog.text
