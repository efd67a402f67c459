"""The installed connectors with their config schemas, and each source's and sink's status, over real
HTTP on both databases (``socialleads/api/connector_routes.py``).

The schemas are what the console builds its forms from: descriptions from the models' attribute
docstrings, secrets write-only, durations as the configuration writes them (a default sent back is
accepted). The status answers what the store knows: health and its reason, the last poll, events by
path (webhook, poll), paid X reads against the budget (the sandbox's X API through tweepy), a sink's
circuit and its deliveries.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.csv.config import CsvConfig
from socialleads.accounts.roles import Role
from socialleads.bot import build_bot
from socialleads.models import RawEvent, ReceivedVia
from socialleads.registry import PluginInfo
from socialleads.sandbox.server import SandboxServer
from socialleads.settings import Settings
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.api import ANY_PORT, ApiServer, serving_api
from tests.support.bots import ScriptedBot, scripted_bot
from tests.support.clocks import on_clock
from tests.support.configs import write_config
from tests.support.x_sources import search_data, x_world


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[ScriptedBot, ApiServer]]:
    """A bot with source ``src`` (scripted), sink ``out`` (console), a ``broken`` sink connector
    installed that cannot be imported, and its API on loopback."""
    sb = scripted_bot(
        tmp_path, database_url, sinks={"out": {"type": "console"}}, default_route=["out"], web=ANY_PORT
    )
    sb.bot.registry.add(
        PluginInfo(kind="sink", name="broken", target="nowhere:Sink", error="cannot import nowhere")
    )
    try:
        with serving_api(sb.bot) as api:
            yield sb, api
    finally:
        sb.bot.close()


def _connector(answer: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in answer["connectors"] if (c["kind"], c["name"]) == (kind, name))
    return found


def test_connectors_come_with_their_config_schemas_documented_from_the_models(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    _, api = served
    answer = api.person("ada@example.com", Role.ADMIN).get("/api/v1/connectors")
    assert answer.status_code == 200, answer.text
    body = answer.json()

    csv = _connector(body, "source", "csv")
    assert csv["available"] and csv["platform"] == "csv" and csv["problem"] is None
    assert csv["description"].startswith("Reads lead lists from")
    schema = csv["config_schema"]
    assert schema["required"] == ["folder"]
    columns = CsvConfig.model_fields["columns"]
    assert columns.description is None  # the model documents it in an attribute docstring only
    assert schema["properties"]["columns"]["description"].startswith("Our field name → the header")
    assert schema["properties"]["settle"]["default"] == "2s"  # not ISO 8601's PT2S
    assert "description" not in schema["properties"]["create_folder"]  # nothing written, nothing made up

    hubspot = _connector(body, "sink", "hubspot")["config_schema"]["properties"]["access_token"]
    assert hubspot["writeOnly"] is True and hubspot["format"] == "password"
    assert _connector(body, "sink", "hubspot")["kept_secrets"] == ["access_token"]
    pages = _connector(body, "source", "meta_comments")["config_schema"]["$defs"]["CommentsPageConfig"]
    assert pages["properties"]["token"]["writeOnly"] is True
    assert pages["properties"]["id"]["description"].startswith("The page id")  # nested models too

    broken = _connector(body, "sink", "broken")
    assert broken["available"] is False and broken["problem"] == "cannot import nowhere"
    assert broken["config_schema"] is None
    assert {c["name"] for c in body["connectors"] if c["kind"] == "source"} >= {"csv", "scripted", "x_search"}

    entry = body["entry_schemas"]["source"]["properties"]
    assert entry["check_every"]["description"].startswith("How often the source's own check runs")
    assert entry["every"]["default"] == "1m"
    retry = body["entry_schemas"]["sink"]["$defs"]["RetryPolicy"]["properties"]
    assert retry["horizon"]["default"] == "2d"


def test_the_defaults_a_schema_shows_are_accepted_back(
    served: tuple[ScriptedBot, ApiServer], tmp_path: Path
) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    body = admin.get("/api/v1/connectors").json()
    entry = body["entry_schemas"]["source"]["properties"]
    csv = _connector(body, "source", "csv")["config_schema"]["properties"]
    defaults = {key: csv[key]["default"] for key in ("patterns", "settle", "create_folder")}
    written = {
        "type": "csv",
        **{key: entry[key]["default"] for key in ("every", "jitter", "check_every")},
        "config": {"folder": str(tmp_path / "inbox"), **defaults},
    }
    answer = admin.put("/api/v1/sources/fair", json=written)
    assert answer.status_code == 200, answer.text
    assert answer.json()["in_effect"] is True


def test_the_source_status_says_health_last_poll_and_events_by_path(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    sb, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    before = admin.get("/api/v1/status/sources").json()
    assert [(s["name"], s["health"], s["last_poll_at"], s["events"]["events"]) for s in before] == [
        ("src", "unknown", None, 0)
    ]

    sb.set_events([{"seq": n, "name": f"P{n}", "email": f"p{n}@example.com"} for n in (1, 2, 3)])
    pushed = [e for e in sb.bot.sources["src"].fetch(None) if isinstance(e, RawEvent)][:1]
    sb.bot.runner.ingest("src", pushed, ReceivedVia.WEBHOOK)  # one came by webhook first
    sb.clock.advance(minutes=1)
    assert sb.bot.runner.poll("src").counts.events_new == 2  # the poll found it again, and two more

    (src,) = admin.get("/api/v1/status/sources").json()
    assert src["health"] == "ok" and src["summary"] == "last poll ok: 2 new events"
    assert src["last_poll_at"] == src["last_success_at"] == "2026-11-27T12:01:00Z"
    assert src["running"] and src["not_running"] is None and src["usage"] is None
    assert src["events"] == {
        "events": 3,
        "by_webhook": 1,
        "by_poll": 3,
        "poll_only": 2,
        "leads": 3,
        "dead": 0,
        "duplicates": 1,
    }

    sb.set_events([], fail_after=0, error="auth")
    sb.clock.advance(minutes=1)
    sb.bot.runner.poll("src")
    (src,) = admin.get("/api/v1/status/sources").json()
    assert src["health"] == "needs_reauth" and "token rejected" in src["summary"]
    assert src["last_success_at"] == "2026-11-27T12:01:00Z"
    assert src["health_changed_at"] == "2026-11-27T12:02:00Z"


def test_a_disabled_source_says_it_does_not_run(
    served: tuple[ScriptedBot, ApiServer], tmp_path: Path
) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    body = {"type": "scripted", "enabled": False, "config": {"script": str(tmp_path / "none.json")}}
    assert admin.put("/api/v1/sources/resting", json=body).status_code == 200
    resting = next(s for s in admin.get("/api/v1/status/sources").json() if s["name"] == "resting")
    assert (resting["running"], resting["not_running"], resting["enabled"]) == (False, "disabled", False)


def test_the_sink_status_says_its_circuit_last_error_and_deliveries(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    sb, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    with LoopbackReceiver() as receiver:
        receiver.script(ScriptedResponse(500, b'{"error": "down"}', {"Content-Type": "application/json"}))
        crm = {
            "type": "webhook",
            "circuit": {"failures": 1, "cooldown": "1h"},
            "config": {"url": f"{receiver.url}/hooks"},
        }
        assert admin.put("/api/v1/sinks/crm", json=crm).status_code == 200
        campaign = {"sources": ["src"], "routes": [{"name": "both", "deliver_to": ["out", "crm"]}]}
        assert admin.put("/api/v1/campaigns/spring", json=campaign).status_code == 200
        sb.set_events([{"seq": 1, "name": "Anna", "email": "anna@example.com"}])
        sb.bot.runner.poll("src")
        sb.bot.dispatcher.dispatch_due()
        receiver.wait_for(1)

    sinks = {s["name"]: s for s in admin.get("/api/v1/status/sinks").json()}
    assert sinks["out"]["deliveries"] == {"delivered": 1}
    assert sinks["out"]["circuit"] == "closed" and sinks["out"]["last_delivered_at"] == "2026-11-27T12:00:00Z"
    crm_status = sinks["crm"]
    assert crm_status["circuit"] == "open" and crm_status["consecutive_failures"] == 1
    assert "500" in crm_status["last_error"]
    assert crm_status["deliveries"] == {"pending": 1} and crm_status["last_delivered_at"] is None
    assert crm_status["probe_at"] is not None and crm_status["running"]


def test_an_x_source_shows_its_paid_reads_against_the_budget(tmp_path: Path, database_url: str) -> None:
    world = x_world(intent_share=0.5)
    with SandboxServer(world) as sandbox, on_clock(world.now):
        search = search_data(world, monthly_post_budget=20, max_results=10, first_window="7d")
        config = write_config(
            tmp_path / "config",
            sources={"x_search": {"type": "x_search", "config": search}},
            sinks={"out": {"type": "console", "config": {"stream": "stderr"}}},
            default_route=["out"],
        )
        bot = build_bot(
            Settings(database_url=database_url, config_dir=config, sandbox_url=sandbox.url, web=ANY_PORT)
        )
        try:
            bot.runner.poll("x_search")  # reads 20 posts and spends the budget
            with serving_api(bot) as api:
                admin = api.person("ada@example.com", Role.ADMIN)
                (status,) = admin.get("/api/v1/status/sources").json()
        finally:
            bot.close()
    assert status["usage"] == {"period": f"{world.now:%Y-%m}", "used": 20, "budget": 20}
    assert status["health"] == "rate_limited"
    assert "the monthly budget of 20 posts read is spent" in status["summary"]
    assert status["events"]["events"] == 20 and status["events"]["by_webhook"] == 0
