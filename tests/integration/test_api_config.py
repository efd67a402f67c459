"""Configuration changed through the API while the bot runs, over real HTTP on both databases.

Campaigns, teams, sources and sinks: stored with versions, checked with the YAML files' messages,
audited, in force at once (the next stored lead, the scheduler's jobs, a rebuilt sink), read-only
when a YAML file defines them, secrets write-only, exported as YAML that loads again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import scheduler
from socialleads.accounts.roles import Role
from socialleads.bot import build_bot
from socialleads.cli import app as cli_app
from socialleads.configuration.loader import load_app_config
from socialleads.configuration.stored import read_items, write_item
from socialleads.registry import discover
from socialleads.settings import Settings
from socialleads.store.tables import deliveries, leads, touches
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.api import ANY_PORT, ApiServer, Caller, serving_api
from tests.support.bots import ScriptedBot, scripted_bot
from tests.support.scripted_source import registry_with_scripted, write_script

CONSOLE_SINKS = {"first": {"type": "console"}, "second": {"type": "console"}}


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[ScriptedBot, ApiServer]]:
    """A bot whose YAML defines source ``src``, sinks ``first`` and ``second``, campaign ``fixed``
    (with no source) and team ``yaml_team``; its API on loopback."""
    sb = scripted_bot(
        tmp_path,
        database_url,
        sinks=CONSOLE_SINKS,
        campaigns={"fixed": {"routes": [{"name": "all", "deliver_to": ["first"]}]}},
        teams={"yaml_team": ["ann@example.com"]},
        web=ANY_PORT,
    )
    try:
        with serving_api(sb.bot) as api:
            yield sb, api
    finally:
        sb.bot.close()


def _routes_of_leads(sb: ScriptedBot) -> dict[str, tuple[str, list[str]]]:
    """Each stored lead's email → (its route, the sinks it is due to)."""
    with sb.bot.engine.connect() as conn:
        rows = conn.execute(select(leads.c.id, leads.c.email, leads.c.route)).all()
        sinks = conn.execute(select(deliveries.c.lead_id, deliveries.c.sink)).all()
    return {
        email: (route, sorted(sink for lead_id, sink in sinks if lead_id == id_))
        for id_, email, route in rows
    }


def test_a_campaign_change_takes_effect_on_the_next_stored_lead(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    sb, api = served
    manager = api.person("max@example.com", Role.MANAGER)
    first = {"sources": ["src"], "routes": [{"name": "to-first", "deliver_to": ["first"]}]}
    created = manager.put("/api/v1/campaigns/spring", json=first)
    assert created.status_code == 200, created.text
    assert created.json()["managed_by"] == "api" and created.json()["version"] == 1
    sb.set_events([{"seq": 1, "name": "Anna", "email": "anna@example.com", "country": "IS"}])
    assert sb.bot.runner.poll("src").counts.leads_created == 1

    changed = {
        "sources": ["src"],
        "routes": [
            {"name": "nordics", "when": {"countries": ["IS"]}, "deliver_to": ["second"]},
            {"name": "to-first", "deliver_to": ["first"]},
        ],
    }
    answer = manager.put("/api/v1/campaigns/spring", json=changed)
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 2 and answer.json()["in_effect"]
    sb.set_events([{"seq": 2, "name": "Bjorn", "email": "bjorn@example.com", "country": "IS"}])
    assert sb.bot.runner.poll("src").counts.leads_created == 1

    assert _routes_of_leads(sb) == {
        "anna@example.com": ("to-first", ["first"]),  # stored before the change, as it was routed
        "bjorn@example.com": ("nordics", ["second"]),  # the next lead: the new rule, no restart
    }
    with sb.bot.engine.connect() as conn:
        assert set(conn.execute(select(leads.c.campaign)).scalars()) == {"spring"}


def test_an_intent_threshold_change_takes_effect_on_the_next_comment(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    sb, api = served
    manager = api.person("max@example.com", Role.MANAGER)
    campaign = {
        "sources": ["src"],
        "intent_threshold": 1.0,
        "routes": [{"name": "all", "deliver_to": ["first"]}],
    }
    assert manager.put("/api/v1/campaigns/spring", json=campaign).status_code == 200
    comment = {"kind": "comment", "message": "How much is the corner sofa? I want to buy one this week."}
    sb.set_events([{"seq": 1, "name": "Anna", "handle": "anna", **comment}])
    assert sb.bot.runner.poll("src").counts.leads_created == 0  # no comment reaches a threshold of 1.0

    assert (
        manager.put("/api/v1/campaigns/spring", json={**campaign, "intent_threshold": 0.05}).status_code
        == 200
    )
    sb.set_events([{"seq": 2, "name": "Bjorn", "handle": "bjorn", **comment}])
    assert sb.bot.runner.poll("src").counts.leads_created == 1


def test_a_campaign_of_the_yaml_files_is_read_only(served: tuple[ScriptedBot, ApiServer]) -> None:
    sb, api = served
    manager = api.person("max@example.com", Role.MANAGER)
    campaigns_file = sb.bot.config.files["campaigns"]
    shown = manager.get("/api/v1/campaigns/fixed").json()
    assert shown["managed_by"] == campaigns_file and shown["version"] is None
    for answer in (
        manager.put("/api/v1/campaigns/fixed", json=shown["body"]),
        manager.delete("/api/v1/campaigns/fixed"),
        manager.put("/api/v1/teams/yaml_team", json={"members": ["bo@example.com"]}),
    ):
        assert answer.status_code == 409, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert f"managed in {campaigns_file}" in answer.json()["detail"]
    admin = api.person("ada@example.com", Role.ADMIN)
    assert admin.get("/api/v1/audit").json() == []  # nothing was changed
    with sb.bot.engine.connect() as conn:
        assert read_items(conn) == []


def test_a_stored_item_named_like_one_of_the_files_is_ignored_with_a_warning(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    sb, api = served
    # Stored before the file defined a campaign of that name (or by an older version of the bot).
    with sb.bot.engine.begin() as conn:
        body = {"routes": [{"name": "other", "deliver_to": ["second"]}]}
        write_item(conn, "campaign", "fixed", body, version=1, replaces=None, actor="x", now=sb.clock())
    assert sb.bot.refresh_config()
    assert sb.bot.config.campaigns["fixed"].routes[0].name == "all"  # the file's
    assert any("API campaign 'fixed' is ignored" in w for w in sb.bot.config.warnings)
    listed = api.person("sam@example.com", Role.SALES).get("/api/v1/campaigns").json()
    assert [(c["name"], c["managed_by"]) for c in listed] == [("fixed", sb.bot.config.files["campaigns"])]


def _problems(answer: Any) -> list[tuple[str, str, str]]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return [(e["key"], e["problem"], e["fix"]) for e in answer.json()["errors"]]


def test_a_bad_campaign_names_the_key_and_the_fix(served: tuple[ScriptedBot, ApiServer]) -> None:
    _, api = served
    manager = api.person("max@example.com", Role.MANAGER)
    misspelled = manager.put("/api/v1/campaigns/spring", json={"intent_treshold": 0.5})
    assert _problems(misspelled) == [
        ("intent_treshold", "unknown key 'intent_treshold'", "did you mean 'intent_threshold'?")
    ]
    assert misspelled.json()["errors"][0]["message"] == (
        "API campaign 'spring': intent_treshold: unknown key 'intent_treshold' "
        "(fix: did you mean 'intent_threshold'?)"
    )
    references = {
        "sources": ["srx"],
        "owner_team": "yaml_teem",
        "routes": [{"name": "hot", "deliver_to": ["frist", "nowhere"]}],
    }
    assert _problems(manager.put("/api/v1/campaigns/spring", json=references)) == [
        ("owner_team", "no team named 'yaml_teem'", "did you mean 'yaml_team'?"),
        ("sources[0]", "no source named 'srx'", "did you mean 'src'?"),
        ("routes[0].deliver_to[0]", "no sink named 'frist'", "did you mean 'first'?"),
        (
            "routes[0].deliver_to[1]",
            "no sink named 'nowhere'",
            "define it in sinks.yaml or with PUT /api/v1/sinks/NAME",
        ),
    ]
    assert manager.put("/api/v1/campaigns/spring", json={"sources": ["src"]}).status_code == 200
    taken = _problems(manager.put("/api/v1/campaigns/autumn", json={"sources": ["src"]}))
    assert taken == [
        (
            "sources[0]",
            "source 'src' is already in campaign 'spring'",
            "a source belongs to one campaign; configure a second source instance",
        )
    ]


def test_a_bad_sink_or_team_names_the_key_and_the_fix(
    served: tuple[ScriptedBot, ApiServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    assert _problems(admin.put("/api/v1/sinks/crm", json={"type": "webhok"}))[0] == (
        "type",
        "no sink connector named 'webhok'",
        "did you mean 'webhook'?",
    )
    assert ("config.url", "required key is missing", "add 'url'") in _problems(
        admin.put(
            "/api/v1/sinks/crm", json={"type": "webhook", "config": {"secret": "whsec-api-config-test-7c1e"}}
        )
    )
    monkeypatch.delenv("NO_SUCH_VARIABLE_HERE", raising=False)
    unset = {
        "type": "webhook",
        "config": {"url": "http://127.0.0.1:9/", "secret": {"$env": "NO_SUCH_VARIABLE_HERE"}},
    }
    assert _problems(admin.put("/api/v1/sinks/crm", json=unset)) == [
        (
            "config.secret",
            "environment variable NO_SUCH_VARIABLE_HERE is not set",
            "export NO_SUCH_VARIABLE_HERE=... or add it to the secrets file (SOCIALLEADS_SECRETS_FILE)",
        )
    ]
    # A reference could send what it reads to the sink's server: no files, not the bot's own settings.
    fix = 'write {"$env": NAME} with a variable of its own, set in the environment or the secrets file'
    reads_a_file = {
        "type": "webhook",
        "config": {"url": "http://127.0.0.1:9/", "authorization": {"$file": "/etc/hostname"}},
    }
    assert _problems(admin.put("/api/v1/sinks/crm", json=reads_a_file)) == [
        ("config.authorization", "an item changed through the API cannot read a file", fix)
    ]
    settings = {
        "type": "webhook",
        "config": {"url": "http://127.0.0.1:9/", "secret": {"$env": "SOCIALLEADS_DATABASE_URL"}},
    }
    assert _problems(admin.put("/api/v1/sinks/crm", json=settings)) == [
        ("config.secret", "the bot's own settings (SOCIALLEADS_*) cannot be referenced", fix)
    ]
    assert _problems(admin.put("/api/v1/teams/empty", json={"members": []})) == [
        ("", "team 'empty' has no members", "list who is in it")
    ]


def test_a_deletion_that_would_break_another_item_is_refused(served: tuple[ScriptedBot, ApiServer]) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    assert admin.put("/api/v1/sinks/crm", json={"type": "console"}).status_code == 200
    assert admin.put("/api/v1/teams/north", json={"members": ["bo@example.com"]}).status_code == 200
    campaign = {"owner_team": "north", "routes": [{"name": "all", "deliver_to": ["crm"]}]}
    assert admin.put("/api/v1/campaigns/spring", json=campaign).status_code == 200
    refused = admin.delete("/api/v1/sinks/crm")
    assert [e["message"] for e in refused.json()["errors"]] == [
        "API campaign 'spring': routes[0].deliver_to[0]: no sink named 'crm' "
        "(fix: define it in sinks.yaml or with PUT /api/v1/sinks/NAME)"
    ]
    assert _problems(admin.delete("/api/v1/teams/north"))[0][:2] == ("owner_team", "no team named 'north'")
    assert admin.delete("/api/v1/campaigns/spring").status_code == 204
    assert admin.delete("/api/v1/sinks/crm").status_code == 204
    assert admin.delete("/api/v1/sinks/crm").status_code == 404
    history = admin.get("/api/v1/sinks/crm/versions").json()
    assert [(v["version"], v["body"]) for v in history] == [(2, None), (1, {"type": "console"})]


def hook_without_secret(rx: LoopbackReceiver) -> dict[str, Any]:
    """A webhook sink's body that names no secret."""
    return {"type": "webhook", "config": {"url": f"{rx.url}/hooks"}}


def _signature(secret: str, timestamp: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def test_secrets_are_write_only_and_the_running_sink_uses_them(
    served: tuple[ScriptedBot, ApiServer], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb, api = served
    caplog.set_level(logging.DEBUG)
    admin = api.person("ada@example.com", Role.ADMIN)
    secret = "whsec-4a8f0c2e9b7d"
    with LoopbackReceiver() as rx:
        rx.default = ScriptedResponse(200, b'{"id": "c-1"}')
        hook = {"type": "webhook", "config": {"url": f"{rx.url}/hooks", "secret": secret}}
        answer = admin.put("/api/v1/sinks/hook", json=hook)
        assert answer.status_code == 200, answer.text
        shown = admin.get("/api/v1/sinks/hook").json()
        assert shown["body"]["config"]["secret"] == "********"
        # A client sends back what it read with one change: the stored secret is kept.
        shown["body"]["concurrency"] = 3
        assert admin.put("/api/v1/sinks/hook", json=shown["body"]).status_code == 200
        # One that leaves the secret out keeps it too.
        assert (
            admin.put("/api/v1/sinks/hook", json={**hook_without_secret(rx), "concurrency": 2}).status_code
            == 200
        )
        assert admin.get("/api/v1/sinks/hook").json()["version"] == 3
        campaign = {"sources": ["src"], "routes": [{"name": "all", "deliver_to": ["hook"]}]}
        assert admin.put("/api/v1/campaigns/spring", json=campaign).status_code == 200
        sb.set_events([{"seq": 1, "name": "Anna", "email": "anna@example.com"}])
        sb.bot.runner.poll("src")
        assert sb.bot.dispatcher.dispatch_due().delivered == 1
        [request] = rx.wait_for(1)
        timestamp = request.header("X-Socialleads-Timestamp") or ""
        assert request.header("X-Socialleads-Signature") == _signature(secret, timestamp, request.body)
        assert sb.bot.config.sinks["hook"].concurrency == 2
        everything = [
            admin.get("/api/v1/sinks").text,
            admin.get("/api/v1/sinks/hook/versions").text,
            admin.get("/api/v1/audit").text,
            caplog.text,
        ]
        assert not any(secret in text for text in everything)
    monkeypatch.setenv("TEST_HOOK_SECRET_REF", "from-the-environment-77")
    reference = {"$env": "TEST_HOOK_SECRET_REF"}
    by_reference = {"type": "webhook", "config": {"url": "http://127.0.0.1:9/", "secret": reference}}
    assert admin.put("/api/v1/sinks/hook", json=by_reference).status_code == 200
    assert admin.get("/api/v1/sinks/hook").json()["body"]["config"]["secret"] == reference
    running = sb.bot.sinks["hook"].config.secret  # type: ignore[attr-defined]
    assert running.get_secret_value() == "from-the-environment-77"


def test_a_masked_secret_sent_back_inside_a_map_keeps_the_stored_value(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    sb, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    key = "k-5d1f8e2a9c4b7e60"
    with LoopbackReceiver() as rx:
        hook = {"type": "webhook", "config": {"url": f"{rx.url}/hooks", "headers": {"X-Api-Key": key}}}
        assert admin.put("/api/v1/sinks/hook", json=hook).status_code == 200
        shown = admin.get("/api/v1/sinks/hook").json()["body"]
        assert shown["config"]["headers"] == {"X-Api-Key": "********"}
        shown["concurrency"] = 2  # what a client read, sent back with one change
        assert admin.put("/api/v1/sinks/hook", json=shown).status_code == 200
        campaign = {"sources": ["src"], "routes": [{"name": "all", "deliver_to": ["hook"]}]}
        assert admin.put("/api/v1/campaigns/spring", json=campaign).status_code == 200
        sb.set_events([{"seq": 1, "name": "Anna", "email": "anna@example.com"}])
        sb.bot.runner.poll("src")
        assert sb.bot.dispatcher.dispatch_due().delivered == 1
        [request] = rx.wait_for(1)
        assert request.header("X-Api-Key") == key  # the stored value, never the mask


def _wait_for(condition: Any, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_source_added_through_the_api_is_polled_and_a_deleted_one_stops(
    served: tuple[ScriptedBot, ApiServer], tmp_path: Path
) -> None:
    sb, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    script = tmp_path / "second.json"
    write_script(script, [{"seq": 1, "name": "Cara", "email": "cara@example.com"}])
    stop = threading.Event()
    jobs, waker = scheduler.build_scheduler(sb.bot, stop)
    jobs.start()
    try:
        body = {"type": "scripted", "every": "1h", "config": {"script": str(script)}}
        assert admin.put("/api/v1/sources/second", json=body).status_code == 200
        poll = jobs.get_job("poll:second")
        assert poll is not None and poll.trigger.interval.total_seconds() == 3600

        def stored() -> bool:
            with sb.bot.engine.connect() as conn:
                return "second" in set(conn.execute(select(touches.c.source)).scalars())

        assert _wait_for(stored), "the new source was not polled"
        assert admin.put("/api/v1/sources/second", json={**body, "every": "2h"}).status_code == 200
        assert jobs.get_job("poll:second").trigger.interval.total_seconds() == 7200
        assert admin.delete("/api/v1/sources/second").status_code == 204
        assert jobs.get_job("poll:second") is None and jobs.get_job("check:second") is None
        assert "second" not in sb.bot.sources and "second" not in sb.bot.runner.sources
        assert jobs.get_job("poll:src") is not None  # the others keep theirs
    finally:
        stop.set()
        waker.release()
        jobs.shutdown(wait=True)


def test_every_change_is_audited_with_before_and_after(served: tuple[ScriptedBot, ApiServer]) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    token = "xoxb-not-a-real-token-123"
    calls = [
        admin.put("/api/v1/teams/north", json={"members": ["bo@example.com"]}),
        admin.put("/api/v1/sinks/chat", json={"type": "console"}),
        admin.put("/api/v1/sources/second", json={"type": "scripted", "config": {"script": "/nonexistent"}}),
        admin.put("/api/v1/campaigns/spring", json={"owner_team": "north"}),
        admin.put("/api/v1/campaigns/spring", json={"owner_team": "north", "intent_threshold": 0.5}),
        admin.put(
            "/api/v1/sinks/hook",
            json={"type": "webhook", "config": {"url": "http://127.0.0.1:9/", "authorization": token}},
        ),
        admin.delete("/api/v1/campaigns/spring"),
        admin.delete("/api/v1/sources/second"),
    ]
    assert [c.status_code for c in calls] == [200] * 6 + [204, 204]
    entries = admin.get("/api/v1/audit").json()
    assert [(e["action"], e["target"], e["actor"]) for e in reversed(entries)] == [
        ("team.put", "team:north", "ada@example.com"),
        ("sink.put", "sink:chat", "ada@example.com"),
        ("source.put", "source:second", "ada@example.com"),
        ("campaign.put", "campaign:spring", "ada@example.com"),
        ("campaign.put", "campaign:spring", "ada@example.com"),
        ("sink.put", "sink:hook", "ada@example.com"),
        ("campaign.delete", "campaign:spring", "ada@example.com"),
        ("source.delete", "source:second", "ada@example.com"),
    ]
    by_action = list(reversed(entries))
    assert by_action[4]["before"] == {"version": 1, "body": {"owner_team": "north"}}
    assert by_action[4]["after"] == {"version": 2, "body": {"owner_team": "north", "intent_threshold": 0.5}}
    assert by_action[0]["before"] is None
    assert by_action[6]["after"] is None and by_action[6]["before"]["version"] == 2
    # ``authorization`` is a secret of the webhook sink's model, whatever its name says.
    assert by_action[5]["after"]["body"]["config"]["authorization"] == "********"
    assert token not in str(entries)


def test_each_role_may_change_only_its_part(served: tuple[ScriptedBot, ApiServer]) -> None:
    _, api = served
    sales = api.person("sam@example.com", Role.SALES)
    manager = api.person("max@example.com", Role.MANAGER)
    admin = api.person("ada@example.com", Role.ADMIN)
    campaign = {"routes": [{"name": "all", "deliver_to": ["first"]}]}
    assert api.anonymous().put("/api/v1/campaigns/spring", json=campaign).status_code == 401
    assert api.anonymous().get("/api/v1/campaigns").status_code == 401
    assert sales.get("/api/v1/campaigns").status_code == 200
    assert sales.put("/api/v1/campaigns/spring", json=campaign).status_code == 403
    assert sales.put("/api/v1/teams/north", json={"members": ["bo"]}).status_code == 403
    assert manager.put("/api/v1/campaigns/spring", json=campaign).status_code == 200
    assert manager.put("/api/v1/teams/north", json={"members": ["bo"]}).status_code == 200
    source = {"type": "scripted", "config": {"script": "/nonexistent"}}
    assert manager.put("/api/v1/sources/second", json=source).status_code == 403
    assert manager.get("/api/v1/sources").status_code == 403
    assert manager.put("/api/v1/sinks/crm", json={"type": "console"}).status_code == 403
    assert admin.put("/api/v1/sources/second", json=source).status_code == 200
    browser, csrf = api.signed_in("max@example.com")
    assert browser.put("/api/v1/campaigns/spring", json=campaign).status_code == 403  # no CSRF header
    assert (
        browser.put("/api/v1/campaigns/spring", json=campaign, headers={"X-CSRF-Token": csrf}).status_code
        == 200
    )


ROUTED = {
    "sources": ["src"],
    "routes": [
        {"name": "danes", "when": {"countries": ["DK"]}, "deliver_to": ["second"]},
        {
            "name": "icelanders",
            "when": {"countries": ["IS"]},
            "deliver_to": ["first"],
            "assign": {"team": "north"},
        },
        {"name": "everyone", "deliver_to": ["second"]},
    ],
}
"""A campaign whose second rule takes Icelanders and gives them to team north in turn."""


def _routed_lead(sb: ScriptedBot, api: ApiServer) -> tuple[Caller, int, str | None]:
    """A manager, and an Icelandic lead stored through ``ROUTED`` (its id and owner)."""
    manager = api.person("max@example.com", Role.MANAGER)
    team = manager.put("/api/v1/teams/north", json={"members": ["bo@example.com", "cy@example.com"]})
    assert team.status_code == 200
    assert manager.put("/api/v1/campaigns/spring", json=ROUTED).status_code == 200
    sb.set_events([{"seq": 1, "name": "Anna", "email": "anna@example.com", "country": "IS"}])
    sb.bot.runner.poll("src")
    with sb.bot.engine.connect() as conn:
        lead_id, owner = conn.execute(select(leads.c.id, leads.c.owner)).one()
    return manager, lead_id, owner


def test_routes_test_shows_every_rule_of_a_stored_lead_and_writes_nothing(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    sb, api = served
    manager, lead_id, owner = _routed_lead(sb, api)
    with sb.bot.engine.connect() as conn:
        before = conn.execute(select(deliveries.c.id)).all()
    answer = manager.post("/api/v1/campaigns/spring/routes/test", json={"lead_id": lead_id})
    assert answer.status_code == 200, answer.text
    tested = answer.json()
    assert [(r["rule"], r["matches"], r["decides"]) for r in tested["rules"]] == [
        ("danes", False, False),
        ("icelanders", True, True),
        ("everyone", True, False),  # route_mode first: the first match decides
    ]
    assert tested["rules"][0]["reason"] == "rule danes of spring: no match (country IS not in [DK])"
    assert tested["route"] == "icelanders" and tested["sinks"] == {"first": "icelanders"}
    assert owner == "bo@example.com" and tested["owner"]["owner"] == owner  # assigned once, kept
    with sb.bot.engine.connect() as conn:
        assert conn.execute(select(deliveries.c.id)).all() == before
    assert manager.post("/api/v1/campaigns/spring/routes/test", json={"lead_id": 999999}).status_code == 404


def test_routes_test_takes_a_draft_and_a_campaign_not_saved_yet(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    sb, api = served
    manager, _, _ = _routed_lead(sb, api)
    proposed = {**ROUTED, "route_mode": "all"}
    draft = manager.post(
        "/api/v1/campaigns/spring/routes/test", json={"draft": {"country": "IS"}, "campaign": proposed}
    ).json()
    assert draft["route"] == "icelanders+everyone"
    assert draft["sinks"] == {"first": "icelanders", "second": "everyone"}
    next_owner = {"owner": "cy@example.com", "team": "north", "why": "team north in turn", "by": "icelanders"}
    assert draft["owner"] == next_owner
    again = manager.post("/api/v1/campaigns/spring/routes/test", json={"draft": {"country": "IS"}}).json()
    assert again["route"] == "icelanders"  # the saved campaign is still in force
    assert again["owner"] == next_owner  # the team's turn was peeked at, not taken
    bad = manager.post(
        "/api/v1/campaigns/spring/routes/test", json={"draft": {}, "campaign": {"routes": "x"}}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["key"] == "routes"
    assert manager.post("/api/v1/campaigns/nope/routes/test", json={"draft": {}}).status_code == 404


def test_a_live_check_answers_and_one_that_hangs_times_out(
    served: tuple[ScriptedBot, ApiServer], tmp_path: Path
) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    ok = admin.post("/api/v1/sources/src/check").json()
    assert (ok["state"], ok["summary"]) == ("ok", "script readable")
    assert admin.post("/api/v1/sinks/first/check").json()["state"] == "ok"
    assert admin.post("/api/v1/sources/nope/check").status_code == 404
    fifo = tmp_path / "hangs.json"
    os.mkfifo(fifo)  # reading it waits for a writer: a platform that never answers
    body = {"type": "scripted", "config": {"script": str(fifo)}}
    assert admin.put("/api/v1/sources/slow", json=body).status_code == 200
    started = time.monotonic()
    hung = admin.post("/api/v1/sources/slow/check", params={"timeout": 1})
    assert hung.status_code == 200 and time.monotonic() - started < 10
    assert hung.json() == {
        "kind": "source",
        "name": "slow",
        "state": "failing",
        "summary": "the check did not answer within 1s",
        "details": [],
        "expires_at": None,
    }
    fifo.write_text('{"events": []}')  # lets the abandoned check finish
    disabled = admin.put("/api/v1/sources/slow", json={**body, "enabled": False})
    assert disabled.status_code == 200
    assert admin.post("/api/v1/sources/slow/check").status_code == 409


def test_another_bot_picks_up_a_change_at_its_next_look(
    served: tuple[ScriptedBot, ApiServer], tmp_path: Path, database_url: str
) -> None:
    sb, api = served
    other = build_bot(
        Settings(database_url=database_url, config_dir=sb.bot.settings.config_dir),
        registry=registry_with_scripted(),
        clock=sb.clock,
    )
    try:
        assert not other.refresh_config()  # nothing changed since it started
        manager = api.person("max@example.com", Role.MANAGER)
        campaign = {"sources": ["src"], "routes": [{"name": "all", "deliver_to": ["second"]}]}
        assert manager.put("/api/v1/campaigns/spring", json=campaign).status_code == 200
        assert other.refresh_config()
        assert other.config.campaigns["spring"].routes[0].deliver_to == ("second",)
        assert other.runner.config is other.config
    finally:
        other.close()


def test_export_writes_yaml_that_loads_into_the_same_configuration(
    served: tuple[ScriptedBot, ApiServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    secret = "export-secret-5e1f"
    calls = [
        ("/api/v1/sources/fair", {"type": "csv", "every": "5m", "config": {"folder": str(inbox)}}),
        (
            "/api/v1/sinks/hook",
            {"type": "webhook", "config": {"url": "http://127.0.0.1:9/", "secret": secret}},
        ),
        ("/api/v1/teams/north", {"members": ["bo@example.com"]}),
        (
            "/api/v1/campaigns/autumn",
            {
                "sources": ["fair"],
                "owner_team": "north",
                "starts": "2026-09-01",
                "intent_threshold": 0.6,
                "routes": [
                    {"name": "hot", "when": {"grades": ["A"], "countries": ["NO"]}, "deliver_to": ["hook"]}
                ],
            },
        ),
    ]
    for path, body in calls:
        assert admin.put(path, json=body).status_code == 200
    out = tmp_path / "exported"
    result = CliRunner().invoke(
        cli_app,
        ["--database-url", sb.bot.settings.database_url, "config", "export", "--out", str(out)],
        env={"COLUMNS": "200", "SOCIALLEADS_CONFIG_DIR": str(sb.bot.settings.config_dir)},
    )
    assert result.exit_code == 0, result.output
    assert (
        "sinks.hook.config.secret was stored as a value; the export refers to $HOOK_SECRET" in result.output
    )
    texts = {stem: (out / f"{stem}.yaml").read_text() for stem in ("sources", "sinks", "campaigns")}
    assert not any(secret in text for text in texts.values())
    monkeypatch.setenv("HOOK_SECRET", secret)
    loaded = load_app_config(Settings(config_dir=out), discover())
    assert loaded.campaigns == {"autumn": sb.bot.config.campaigns["autumn"]}
    assert loaded.teams == {"north": ("bo@example.com",)}
    assert loaded.sources == {"fair": sb.bot.config.sources["fair"]}
    assert loaded.sink_configs["hook"] == sb.bot.config.sink_configs["hook"]
