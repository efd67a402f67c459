"""The command line, run in-process with typer's runner against a real database and real files."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, update
from typer.testing import CliRunner

from socialleads.cli import app
from socialleads.configuration.models import DefaultRoute
from socialleads.models import Contact, ContactHint, EventKind, Handle, LeadDraft, RawEvent, ReceivedVia
from socialleads.pipeline.prepare import SourceBinding, parse_all, qualify_all
from socialleads.pipeline.store_step import store_with_retry
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.store.db import make_engine
from socialleads.store.tables import lead_notes, leads
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from tests.support.configs import write_config


@pytest.fixture
def setup(tmp_path: Path, database_url: str) -> tuple[dict[str, str], Path]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = write_config(
        tmp_path / "config",
        sources={
            "fair": {"type": "csv", "phone_region": "IS", "config": {"folder": str(inbox), "settle": "0s"}}
        },
        sinks={"console": {"type": "console"}},
        campaigns={"spring": {"sources": ["fair"], "routes": [{"name": "all", "deliver_to": ["console"]}]}},
    )
    env = {"SOCIALLEADS_CONFIG_DIR": str(config), "SOCIALLEADS_DATABASE_URL": database_url}
    (inbox / "fair.csv").write_text(
        "Name,Email,Phone,Interest\nAnna Jónsdóttir,anna@example.com,611 2345,sofa\n"
        "Anna J,ANNA@example.com,,kitchen\nGunnar,gunnar@example.com,not a phone,lamp\n"
        "broken,row\n"
    )
    return env, tmp_path


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **env})
    return result.exit_code, result.output


def test_poll_once_stores_and_delivers_and_says_what_it_did(setup: tuple[dict[str, str], Path]) -> None:
    env, _ = setup
    code, out = invoke(env, "poll", "fair", "--once")
    assert code == 0, out
    assert "fair: ok; 4 events seen, 4 new, 2 new leads, 1 merged, 0 ignored, 1 dead-lettered" in out
    assert "deliveries: 2 delivered, 0 to retry, 0 dead" in out


def test_the_csv_export_carries_every_touch_with_its_source_and_native_id(
    setup: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, _ = setup
    invoke(env, "poll", "fair", "--once")
    target = tmp_path / "leads.csv"
    code, out = invoke(env, "leads", "export", "--format", "csv", "--output", str(target))
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 3  # two leads, Anna with two touches
    anna = [r for r in rows if r["email"] == "anna@example.com"]
    assert len(anna) == 2
    assert {r["touch_source"] for r in rows} == {"fair"}
    assert all(r["touch_native_id"].startswith("row:") for r in rows)
    assert anna[1]["merge_reason"].startswith("same email")
    gunnar = next(r for r in rows if r["email"] == "gunnar@example.com")
    assert json.loads(gunnar["flags"])[0]["raw"] == "not a phone"
    assert json.loads(gunnar["answers"]) == {"Interest": "lamp"}


def test_the_json_export_nests_the_touches(setup: tuple[dict[str, str], Path]) -> None:
    env, _ = setup
    invoke(env, "poll", "fair", "--once")
    code, out = invoke(env, "leads", "export", "--format", "json")
    assert code == 0
    leads = json.loads(out)
    assert [len(lead["touches"]) for lead in leads] == [2, 1]
    assert leads[0]["contact"]["phone"] == "+3546112345"


def test_leads_list_and_show(setup: tuple[dict[str, str], Path]) -> None:
    env, _ = setup
    invoke(env, "poll", "fair", "--once")
    code, out = invoke(env, "leads", "list")
    assert code == 0 and "Anna Jónsdóttir" in out and "2 shown" in out
    code, out = invoke(env, "leads", "show", "1")
    assert code == 0
    assert "Touches (2):" in out and "same email" in out
    assert invoke(env, "leads", "show", "99")[0] == 1


def test_leads_show_and_list_have_the_status_and_every_note(
    setup: tuple[dict[str, str], Path], database_url: str
) -> None:
    env, _ = setup
    invoke(env, "poll", "fair", "--once")
    engine = make_engine(database_url)
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            update(leads)
            .where(leads.c.id == 1)
            .values(status="lost", status_reason="bought [red]elsewhere[/red]", status_changed_at=at)
        )
        for minutes, body in enumerate(["called\nno answer", "[bold]left[/bold] a voicemail"] * 2):
            conn.execute(
                insert(lead_notes).values(
                    lead_id=1, author="ana@example.com", body=body, created_at=at + timedelta(minutes=minutes)
                )
            )
    engine.dispose()
    code, out = invoke(env, "leads", "show", "1")
    assert code == 0, out
    assert "Status: lost since 2026-03-02 10:00Z (bought [red]elsewhere[/red])" in out
    assert "Notes: the latest 3 of 4" in out  # the card
    assert "Notes (4):" in out and out.count("[bold]left[/bold] a voicemail") == 4  # 2 in the card, 2 here
    assert "  ana@example.com, 2026-03-02T10:00:00Z\n    called\n    no answer\n" in out
    code, out = invoke(env, "leads", "list")
    assert code == 0 and "lost" in out and "new" in out


def test_deliveries_replay_puts_dead_letters_back(tmp_path: Path, database_url: str) -> None:
    with LoopbackReceiver() as receiver:
        receiver.default = ScriptedResponse(500)
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        (inbox / "a.csv").write_text("Name,Email\nAnna,anna@example.com\n")
        config = write_config(
            tmp_path / "config",
            sources={"fair": {"type": "csv", "config": {"folder": str(inbox), "settle": "0s"}}},
            sinks={"crm": {"type": "webhook", "retry": {"max_attempts": 1}, "config": {"url": receiver.url}}},
            default_route=["crm"],
        )
        env = {"SOCIALLEADS_CONFIG_DIR": str(config), "SOCIALLEADS_DATABASE_URL": database_url}
        code, out = invoke(env, "poll", "fair", "--once")
        assert "0 delivered, 0 to retry, 1 dead" in out
        code, out = invoke(env, "deliveries", "list", "--status", "dead")
        assert "HTTP 500" in out and "dead: 1" in out
        assert invoke(env, "deliveries", "replay")[0] == 2  # says which to replay
        receiver.default = ScriptedResponse(200)
        code, out = invoke(env, "deliveries", "replay", "--all")
        assert "1 dead deliveries queued again" in out
        code, out = invoke(env, "poll", "fair", "--once")
        assert code == 0
        assert "deliveries: 1 delivered" in out


def test_sources_list_shows_connectors_and_configured_sources(setup: tuple[dict[str, str], Path]) -> None:
    env, _ = setup
    code, out = invoke(env, "sources", "list")
    assert code == 0
    assert "csv" in out and "webhook" in out and "fair" in out and "spring" in out


def test_doctor_says_all_good_for_a_working_setup(setup: tuple[dict[str, str], Path]) -> None:
    env, _ = setup
    code, out = invoke(env, "doctor")
    assert code == 0, out
    assert "configuration is valid" in out and "database reachable" in out and "all good" in out
    lines = out.splitlines()
    assert any(line.startswith("ok   source fair: ") for line in lines), out
    assert any(line.startswith("ok   sink ") for line in lines), out
    assert "[green]" not in out and "[/" not in out, out  # labels rendered, never printed as markup


def test_a_configuration_error_exits_2_with_the_file_key_and_fix(setup: tuple[dict[str, str], Path]) -> None:
    env, tmp_path = setup
    (tmp_path / "config" / "sinks.yaml").write_text("sinks:\n  console:\n    tpye: console\n")
    code, out = invoke(env, "doctor")
    assert code == 2
    assert "sinks.console.tpye: unknown key 'tpye' (fix: did you mean 'type'?)" in out


def test_sources_report_counts_events_leads_paths_and_duplicates(setup: tuple[dict[str, str], Path]) -> None:
    env, _ = setup
    invoke(env, "poll", "fair", "--once")
    code, out = invoke(env, "sources", "report", "fair")
    assert code == 0, out
    last = out.strip().splitlines()[-2]  # the bold "all" row, above the table's bottom border
    cells = [cell.strip() for cell in last.strip("│┃ ").split("│")]
    # group, events, leads, test leads, edits, ignored, dead, by webhook, poll only
    assert cells[:9] == ["all", "4", "3", "0", "0", "0", "1", "0", "4"]
    assert invoke(env, "sources", "report", "nope")[0] == 2


def test_leads_show_gives_found_contact_data_as_a_hint_with_its_source_and_a_test_lead_as_such(
    setup: tuple[dict[str, str], Path], database_url: str
) -> None:
    env, _ = setup
    invoke(env, "leads", "list")  # migrates the database
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    bio = ContactHint(
        field="email",
        value="press@agency.example",
        source="X bio of @annaj",
        caution="labelled 'Media enquiries'",
    )
    post = LeadDraft(
        native_id="1861000000000000001",
        kind=EventKind.POST,
        platform="x",
        occurred_at=at,
        handle=Handle(platform="x", user_id="14001", username="annaj", display_name="Anna J ✨"),
        message="@thestore how much is the grey corner sofa? can you deliver to Akureyri?",
        hints=(bio,),
    )
    test_lead = LeadDraft(
        native_id="9100000000000077",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=at,
        contact=Contact(full_name="<test lead: dummy data for full_name>", email="test@fb.com"),
        test_lead="Lead Ads Testing Tool dummy data (full_name, email)",
    )
    engine = make_engine(database_url)
    for source, draft in (("x_search", post), ("meta_forms", test_lead)):
        binding = SourceBinding(name=source, platform=draft.platform)
        event = RawEvent(native_id=draft.native_id, kind=draft.kind, occurred_at=at, payload={})
        prepared = qualify_all(binding, parse_all(lambda _, d=draft: d, [event]), LeadQualifier())
        store_with_retry(engine, binding, prepared, ReceivedVia.POLL, None, DefaultRoute(), at)
    engine.dispose()
    code, out = invoke(env, "leads", "show", "1")
    assert code == 0, out
    assert "Found, not given by the person (check before use)" in out
    assert "press@agency.example, found in the X bio of @annaj (labelled 'Media enquiries')" in out
    assert "Anna J (X display name)" in out
    code, out = invoke(env, "leads", "show", "2")
    assert code == 0, out
    assert out.startswith("Test lead:") and "(test lead: Lead Ads Testing Tool dummy data" in out
