"""Hostile lead data on every surface that shows or writes it (issue #19): the command line on a real
SQLite database, the CSV and JSON exports, the console sink, the plain-text card, the Slack and Teams
cards and a real email through a loopback SMTP server.

A stranger names themselves ``=HYPERLINK(...)``, ``[/]``, ``[link=...]``, or puts terminal escape
sequences (an OSC window title, a CSI screen clear), C1 controls and bidi overrides in their name,
answers and comment; an operator's ``--by``, a server's error text and a note can carry them too. Each
surface must show the text literally, send no control character but newline and tab, start no
spreadsheet formula, make no link, and not crash. The store keeps the text as it came: the JSON
export gives it back exactly.
"""

from __future__ import annotations

import csv
import email
import io
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update
from typer.testing import CliRunner

from connectors.console.sink import ConsoleConfig, ConsoleSink
from connectors.email.sink import EmailConfig, EmailSink
from connectors.slack.card import (
    render_slack_blocks,
    render_slack_notice,
    render_slack_reply,
    render_slack_text,
)
from connectors.teams.card import render_teams_card, render_teams_notice
from socialleads.card import headline, render_html, render_notice_text, render_text
from socialleads.cli import app
from socialleads.configuration.models import DefaultRoute
from socialleads.contracts import ConnectorContext
from socialleads.models import (
    AdminNotice,
    Contact,
    EventKind,
    Lead,
    LeadDraft,
    LeadNote,
    LeadStatus,
    RawEvent,
    ReceivedVia,
    Touch,
)
from socialleads.pipeline.prepare import SourceBinding, parse_all, qualify_all
from socialleads.pipeline.store_step import store_with_retry
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.sandbox.chat.slack.blocks import block_problems
from socialleads.sandbox.chat.teams import message_problems
from socialleads.store.db import make_engine
from socialleads.store.tables import deliveries, lead_notes, leads
from tests.support.clocks import on_clock
from tests.support.configs import write_config

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

FORMULA = '=HYPERLINK("https://evil.example/x","Click")'
CLOSE_TAG = "Bo [/] Ek"
RICH_LINK = "[link=https://evil.example]Anna[/link]"
OSC_TITLE = "\x1b]0;pwned\x07"
CSI_CLEAR = "\x1b[2J"
#: ESC sequences, an 8-bit CSI (C1), DEL and a right-to-left override in one name.
ESCAPES = f"Gunnar{OSC_TITLE}{CSI_CLEAR}\x9b31m\x7f\u202eabc"
ESCAPES_SHOWN = "Gunnar␛]0;pwned␇␛[2J\ufffd31m␡\ufffdabc"
SLACK_LINK = "<https://evil.example|click> <!channel>"
TEAMS_LINK = "[x](https://evil.example)"
#: What no screen may be handed: C0 but tab and newline, DEL, C1, bidi controls, line separators.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
LeadMaker = Callable[..., Lead]
TouchMaker = Callable[..., Touch]


def assert_screen_safe(text: str) -> None:
    found = UNSAFE.search(text)
    assert found is None, (
        f"{found.group()!r} at {found.start()} in {text[max(found.start() - 40, 0) :][:120]!r}"
    )


def strings_in(value: Any) -> Iterator[str]:
    """Every string (keys too) in a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


# --- the command line on a real database -------------------------------------------------------

HOSTILE_DRAFTS = (
    LeadDraft(
        native_id="h1",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=AT,
        contact=Contact(full_name=FORMULA, email="formula@example.com"),
        message="\t=cmd|' /C calc'!A0",
        answers={"Budget": "@SUM(1+1)"},
    ),
    LeadDraft(
        native_id="h2",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=AT,
        contact=Contact(full_name=CLOSE_TAG, email="close@example.com"),
        answers={"[bold]Q[/]": RICH_LINK},
    ),
    LeadDraft(
        native_id="h3",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=AT,
        contact=Contact(full_name=RICH_LINK, email="link@example.com"),
    ),
    LeadDraft(
        native_id=f"h4{CSI_CLEAR}",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=AT,
        contact=Contact(full_name=ESCAPES, email="esc@example.com", city="\u202eReykjavík"),
        message=f"hello{OSC_TITLE}\r\nsecond line\rFREE\x9b2J",
        answers={f"Budget{CSI_CLEAR}": f"300k\x1b[8m{OSC_TITLE}"},
    ),
)


@pytest.fixture
def hostile_db(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real SQLite database holding four hostile leads (ids 1-4, in ``HOSTILE_DRAFTS``' order), each
    with a delivery whose last error quotes a hostile server, a hostile note and status reason."""
    url = f"sqlite:///{tmp_path / 'socialleads.db'}"
    config = write_config(
        tmp_path / "config", sources={}, sinks={"console": {"type": "console"}}, campaigns={}
    )
    env = {"SOCIALLEADS_CONFIG_DIR": str(config), "SOCIALLEADS_DATABASE_URL": url}
    assert invoke(env, "leads", "list")[0] == 0  # migrates the database
    engine = make_engine(url)
    binding = SourceBinding(name="fb", platform="facebook")
    for draft in HOSTILE_DRAFTS:
        event = RawEvent(native_id=draft.native_id, kind=draft.kind, occurred_at=AT, payload={})
        prepared = qualify_all(binding, parse_all(lambda _, d=draft: d, [event]), LeadQualifier())
        store_with_retry(
            engine, binding, prepared, ReceivedVia.POLL, None, DefaultRoute(deliver_to=("console",)), AT
        )
    with engine.begin() as conn:
        conn.execute(update(deliveries).values(last_error=f"HTTP 500: [/] {OSC_TITLE}<b>{RICH_LINK}"))
        conn.execute(
            update(leads)
            .where(leads.c.id == 4)
            .values(status="lost", status_reason=f"went [red]elsewhere[/] {CSI_CLEAR}", status_changed_at=AT)
        )
        conn.execute(update(leads).where(leads.c.id == 2).values(campaign="spring [/]"))
        conn.execute(update(leads).where(leads.c.id == 1).values(status="lost", status_reason="  =1+1"))
        conn.execute(
            insert(lead_notes).values(
                lead_id=4,
                author=f"ana{OSC_TITLE}@example.com",
                body=f"called\n[/]{CSI_CLEAR}\u202eok",
                created_at=AT,
            )
        )
    engine.dispose()
    yield env


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    with on_clock(AT):
        result = CliRunner().invoke(app, list(args), env={"COLUMNS": "250", **env})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_leads_list_prints_every_hostile_name_literally(hostile_db: dict[str, str]) -> None:
    code, out = invoke(hostile_db, "leads", "list")
    assert code == 0, out
    assert_screen_safe(out)
    for shown in (FORMULA, CLOSE_TAG, RICH_LINK, ESCAPES_SHOWN):
        assert shown in out
    assert "4 shown" in out


@pytest.mark.parametrize("lead_id", [1, 2, 3, 4])
def test_leads_show_prints_the_card_touches_status_and_notes_literally(
    hostile_db: dict[str, str], lead_id: int
) -> None:
    code, out = invoke(hostile_db, "leads", "show", str(lead_id))
    assert code == 0, out
    assert_screen_safe(out)
    shown = {1: FORMULA, 2: CLOSE_TAG, 3: RICH_LINK, 4: ESCAPES_SHOWN}[lead_id]
    assert f"Name: {shown}" in out
    if lead_id == 2:
        assert f"[bold]Q[/]: {RICH_LINK}" in out
    if lead_id == 4:
        assert "  > hello␛]0;pwned␇\n  > second line\n  > FREE\ufffd2J" in out  # CR is a line break
        assert "[h4␛[2J]" in out  # the native id on the touch line
        assert "(went [red]elsewhere[/] ␛[2J)" in out
        assert "ana␛]0;pwned␇@example.com, 2026-03-02T10:00:00Z\n    called\n    [/]␛[2J\ufffdok" in out


def test_the_csv_export_starts_no_formula_and_sends_no_control_character(hostile_db: dict[str, str]) -> None:
    code, out = invoke(hostile_db, "leads", "export", "--format", "csv")
    assert code == 0, out
    assert_screen_safe(out.replace("\r\n", "\n"))  # the csv module ends rows with CRLF
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(out))}
    formula = rows["formula@example.com"]
    assert formula["full_name"] == "'" + FORMULA
    assert formula["status_reason"] == "'  =1+1"  # spaces before a formula: still quoted
    assert formula["message"] == "'\t=cmd|' /C calc'!A0"
    assert json.loads(formula["answers"]) == {"Budget": "@SUM(1+1)"}  # inside JSON the cell starts with {
    escapes = rows["esc@example.com"]
    assert escapes["full_name"] == ESCAPES_SHOWN
    assert escapes["message"] == "hello␛]0;pwned␇\nsecond line\nFREE\ufffd2J"
    # The nested JSON keeps the exact text, its controls written as JSON escapes.
    assert json.loads(escapes["answers"]) == {f"Budget{CSI_CLEAR}": f"300k\x1b[8m{OSC_TITLE}"}
    assert rows["close@example.com"]["campaign"] == "spring [/]"


def test_the_json_export_is_the_exact_data_with_every_control_escaped(hostile_db: dict[str, str]) -> None:
    code, out = invoke(hostile_db, "leads", "export", "--format", "json")
    assert code == 0, out
    assert_screen_safe(out)
    exported = {lead["contact"]["email"]: lead for lead in json.loads(out)}
    escapes = exported["esc@example.com"]
    assert escapes["contact"]["full_name"] == ESCAPES  # the store keeps what came; JSON gives it back
    assert escapes["contact"]["city"] == "\u202eReykjavík"
    assert escapes["touches"][0]["native_id"] == f"h4{CSI_CLEAR}"
    assert escapes["notes"][0]["body"] == f"called\n[/]{CSI_CLEAR}\u202eok"
    assert exported["formula@example.com"]["contact"]["full_name"] == FORMULA


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_file_is_readable_by_its_owner_only(
    hostile_db: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    fresh, existing = tmp_path / f"new.{fmt}", tmp_path / f"old.{fmt}"
    existing.write_text("an older, longer export that must not survive " * 20)
    existing.chmod(0o644)
    for target in (fresh, existing):
        code, out = invoke(hostile_db, "leads", "export", "--format", fmt, "-o", str(target))
        assert code == 0, out
        assert stat.S_IMODE(os.stat(target).st_mode) == 0o600, target
    assert existing.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")  # truncated, rewritten


def test_deliveries_list_shows_a_hostile_server_error_literally(hostile_db: dict[str, str]) -> None:
    code, out = invoke(hostile_db, "deliveries", "list")
    assert code == 0, out
    assert_screen_safe(out)
    assert "HTTP 500: [/] ␛]0;pwned␇<b>[link=https" in out


def test_routes_stats_shows_a_campaign_with_markup_literally(hostile_db: dict[str, str]) -> None:
    code, out = invoke(hostile_db, "routes", "stats")
    assert code == 0, out
    assert "spring [/]" in out


def test_duplicates_shows_who_decided_literally(hostile_db: dict[str, str]) -> None:
    operator = f"[/]ops{OSC_TITLE}\u202e"
    code, out = invoke(hostile_db, "leads", "different", "1", "2", "--by", operator)
    assert code == 0, out
    code, out = invoke(hostile_db, "leads", "duplicates", "1")
    assert code == 0, out
    assert_screen_safe(out)
    assert "[/]ops␛]0;pwned␇\ufffd" in out


# --- sinks and cards, on a hostile lead --------------------------------------------------------


@pytest.fixture
def hostile_lead(make_lead: LeadMaker, make_touch: TouchMaker) -> Lead:
    touch = make_touch(
        kind=EventKind.COMMENT,
        native_id=f"c1{CSI_CLEAR}",
        message=f"{TEAMS_LINK} {SLACK_LINK}\n{FORMULA}\nhi{OSC_TITLE}\rFREE\u202eevil\x9b2J",
        answers={f"Budget{CSI_CLEAR}": f"{RICH_LINK} {SLACK_LINK} {TEAMS_LINK}"},
    )
    return make_lead(
        contact=Contact(
            full_name=f"{ESCAPES} {TEAMS_LINK} {SLACK_LINK} {CLOSE_TAG}",
            email="esc@example.com",
            company=FORMULA,
        ),
        touches=(touch,),
        status=LeadStatus.LOST,
        status_reason=f"went {SLACK_LINK}{OSC_TITLE}",
        status_changed_at=AT,
        notes=(
            LeadNote(author=f"ana{CSI_CLEAR}@example.com", created_at=AT, body=f"call\x1b[8m {TEAMS_LINK}"),
        ),
    )


HOSTILE_NOTICE = AdminNotice(
    subject=f"Page {CLOSE_TAG}{OSC_TITLE} failing",
    body=f"HTTP 500 {SLACK_LINK}\x9b2J\u202e",
    source=f"fb{CSI_CLEAR}",
)


def test_the_plain_text_card_shows_hostile_text_without_its_controls(hostile_lead: Lead) -> None:
    text = render_text(hostile_lead)
    assert_screen_safe(text)
    assert f"Name: {ESCAPES_SHOWN} {TEAMS_LINK} {SLACK_LINK} {CLOSE_TAG}" in text
    assert "  > hi␛]0;pwned␇\n  > FREE\ufffdevil\ufffd2J" in text
    title = headline(hostile_lead)  # an email's subject, a chat card's title
    assert_screen_safe(title)
    assert title.startswith(f"New lead: {ESCAPES_SHOWN} {TEAMS_LINK}") and "\n" not in title
    notice = render_notice_text(HOSTILE_NOTICE)
    assert_screen_safe(notice)
    assert "Page Bo [/] Ek␛]0;pwned␇ failing" in notice and "Source: fb␛[2J" in notice


def test_the_html_card_carries_no_control_or_bidi_character(hostile_lead: Lead) -> None:
    html = render_html(hostile_lead)
    assert_screen_safe(html)
    assert "&lt;https://evil.example|click&gt;" in html  # escaped as before


def test_the_console_sink_prints_hostile_text_without_its_controls(
    hostile_lead: Lead, capsys: pytest.CaptureFixture[str]
) -> None:
    sink = ConsoleSink(ConsoleConfig(), ConnectorContext(instance="console"))
    sink.deliver(hostile_lead, "sl1-hostile")
    sink.send_notice(HOSTILE_NOTICE)
    out = capsys.readouterr().out
    assert_screen_safe(out)
    assert ESCAPES_SHOWN in out and FORMULA in out and "Page Bo [/] Ek␛]0;pwned␇ failing" in out


def test_the_slack_card_makes_no_link_or_mention_and_carries_no_control(hostile_lead: Lead) -> None:
    blocks = render_slack_blocks(hostile_lead, "https://crm.example/1")
    assert block_problems(blocks) == []
    assert blocks[0]["type"] == "header"  # plain_text, which Slack never parses: the rest is mrkdwn
    texts = [*strings_in(blocks[1:]), render_slack_text(hostile_lead), render_slack_reply(hostile_lead)]
    texts.append(render_slack_notice(HOSTILE_NOTICE))
    for text in [*texts, *strings_in(blocks[0])]:
        assert_screen_safe(text)
    mrkdwn = "\n".join(texts)
    assert "<https://evil" not in mrkdwn and "<!channel>" not in mrkdwn
    assert "&lt;https://evil.example|click&gt; &lt;!channel&gt;" in mrkdwn


def test_the_teams_card_makes_no_link_and_carries_no_control(hostile_lead: Lead) -> None:
    message = render_teams_card(hostile_lead, "https://crm.example/1")
    assert message_problems(message) == []
    notice = render_teams_notice(HOSTILE_NOTICE)
    assert message_problems(notice) == []
    for text in [*strings_in(message), *strings_in(notice)]:
        assert_screen_safe(text.replace("\r- ", "\n- "))  # a CR separates list items (the card's own)
    card = message["attachments"][0]["content"]
    markdown = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    markdown += [v for b in card["body"] if b["type"] == "FactSet" for f in b["facts"] for v in f.values()]
    read_as_markdown = "\n".join(markdown)
    assert TEAMS_LINK not in read_as_markdown  # [x](...) would be a link
    assert r"\[x\](https://evil.example)" in read_as_markdown
    # A comment goes in a TextRun, which Teams never reads as markdown: shown as written, controls replaced.
    runs = [i["text"] for b in card["body"] if b["type"] == "RichTextBlock" for i in b["inlines"]]
    assert any(TEAMS_LINK in run and "hi␛]0;pwned␇\nFREE" in run for run in runs)


def test_an_email_subject_and_body_carry_no_control_character(hostile_lead: Lead, smtp_server: Any) -> None:
    config = EmailConfig.model_validate(
        {
            "host": "127.0.0.1",
            "port": smtp_server.port,
            "security": "none",
            "from_address": "Socialleads <bot@example.com>",
            "to": ["sales@example.com"],
            "timeout": "5s",
        }
    )
    EmailSink(config, ConnectorContext(instance="mail")).deliver(hostile_lead, "sl1-hostile")
    [envelope] = smtp_server.envelopes
    message = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    subject = str(message["Subject"])
    assert_screen_safe(subject)
    assert ESCAPES_SHOWN in subject
    for part in message.walk():
        if part.get_content_maintype() == "text":
            body = part.get_content()
            assert_screen_safe(body.replace("\r\n", "\n"))
