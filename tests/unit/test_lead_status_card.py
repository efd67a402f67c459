"""A lead's status and notes where a lead is shown: the card (text, HTML, Slack, Teams), the CSV export,
and what the CRM sinks map the status to. Status reasons and notes are typed by people and shown next
to strangers' text: every form escapes them like the rest."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from connectors.hubspot.mapping import status_properties
from connectors.salesforce.mapping import lead_fields
from connectors.slack.card import render_slack_blocks
from connectors.teams.card import render_teams_card
from socialleads.card import lead_payload, render_html, render_text
from socialleads.cli.leads import ExportFormat, write_export
from socialleads.models import Contact, Lead, LeadNote, LeadStatus, Touch
from socialleads.safe_text import spreadsheet_cell
from socialleads.sandbox.chat.slack.blocks import block_problems
from socialleads.sandbox.chat.teams import message_problems

LeadMaker = Callable[..., Lead]
SET_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HOSTILE = "<!channel> <https://evil.example|click> *bold* [x](https://evil.example) <script>alert(1)</script>"


def note(minutes: int, body: str, author: str = "ana@example.com") -> LeadNote:
    return LeadNote(author=author, created_at=SET_AT + timedelta(minutes=minutes), body=body)


@pytest.fixture
def lost_lead(make_lead: LeadMaker) -> Lead:
    return make_lead(
        status=LeadStatus.LOST,
        status_reason="went with a competitor",
        status_changed_at=SET_AT,
        notes=(
            note(1, "called, no answer"),
            note(2, "left a voicemail"),
            note(3, "emailed prices"),
            note(4, "lost"),
        ),
    )


def test_a_new_lead_shows_no_status_and_no_notes(make_lead: LeadMaker) -> None:
    text = render_text(make_lead())
    assert "Status" not in text and "Notes" not in text


def test_the_status_shows_with_its_reason_and_since_when(lost_lead: Lead) -> None:
    text = render_text(lost_lead)
    assert "Status: lost\n  Reason: went with a competitor\n  Since: 2026-03-02T10:00:00Z" in text
    assert text.index("Status: lost") < text.index("Quality:")  # right after the contact


def test_the_latest_three_notes_show_newest_first_with_author_and_time(lost_lead: Lead) -> None:
    text = render_text(lost_lead)
    assert "Notes: the latest 3 of 4" in text
    newest, middle, oldest = (
        "ana@example.com, 2026-03-02T10:04:00Z: lost",
        "ana@example.com, 2026-03-02T10:03:00Z: emailed prices",
        "ana@example.com, 2026-03-02T10:02:00Z: left a voicemail",
    )
    assert text.index(newest) < text.index(middle) < text.index(oldest)
    assert "called, no answer" not in text


def test_html_escapes_status_reason_and_notes(make_lead: LeadMaker) -> None:
    lead = make_lead(
        status=LeadStatus.LOST,
        status_reason=HOSTILE,
        status_changed_at=SET_AT,
        notes=(note(1, HOSTILE, HOSTILE),),
    )
    page = render_html(lead)
    assert "<script>" not in page and "<!channel>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3  # reason, note author, note body


def test_slack_card_shows_status_as_a_fact_and_escapes_notes(make_lead: LeadMaker) -> None:
    lead = make_lead(
        status=LeadStatus.LOST,
        status_reason=HOSTILE,
        status_changed_at=SET_AT,
        notes=(note(1, HOSTILE, HOSTILE),),
    )
    blocks = render_slack_blocks(lead)
    assert block_problems(blocks) == []
    fields = [f["text"] for b in blocks if b["type"] == "section" for f in b.get("fields", [])]
    status = next(f for f in fields if f.startswith("*Status*"))
    assert status.startswith("*Status*\nlost: &lt;!channel&gt; &lt;https://evil.example|click&gt;")
    body = json.dumps(blocks)
    assert "<!channel>" not in body and "<https://evil" not in body
    assert "*Notes*" in body and "2026-03-02T10:01:00Z" in body


def test_teams_card_shows_status_and_notes_markdown_escaped(make_lead: LeadMaker) -> None:
    lead = make_lead(
        status=LeadStatus.WON, status_changed_at=SET_AT, notes=(note(1, "[x](https://evil.example) *won*"),)
    )
    message = render_teams_card(lead)
    assert message_problems(message) == []
    body = message["attachments"][0]["content"]["body"]
    facts = {f["title"]: f["value"] for block in body if block["type"] == "FactSet" for f in block["facts"]}
    assert facts["Status"] == "won"
    assert facts["ana@example.com, 2026-03-02T10:01:00Z"] == "\\[x\\](https://evil.example) \\*won\\*"


def test_the_payload_carries_status_and_notes(lost_lead: Lead) -> None:
    lead = lead_payload(lost_lead, "k")["lead"]
    assert (lead["status"], lead["status_reason"], lead["status_changed_at"]) == (
        "lost",
        "went with a competitor",
        "2026-03-02T10:00:00Z",
    )
    assert lead["notes"][0] == {
        "author": "ana@example.com",
        "created_at": "2026-03-02T10:01:00Z",
        "body": "called, no answer",
    }


def export_rows(*leads: Lead) -> list[dict[str, str]]:
    out = io.StringIO()
    write_export(list(leads), ExportFormat.CSV, out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_the_csv_export_has_status_reason_and_notes_columns(lost_lead: Lead) -> None:
    (row,) = export_rows(lost_lead)
    assert (row["status"], row["status_reason"], row["status_changed_at"]) == (
        "lost",
        "went with a competitor",
        "2026-03-02T10:00:00+00:00",
    )
    assert [n["body"] for n in json.loads(row["notes"])] == [
        "called, no answer",
        "left a voicemail",
        "emailed prices",
        "lost",
    ]


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(
    make_lead: LeadMaker, make_touch: Callable[..., Touch]
) -> None:
    formula = '=HYPERLINK("https://evil.example","click")'
    touch = make_touch(message="-2+3+cmd|' /C calc'!A0", answers={"Budget": "@SUM(1+1)"})
    lead = make_lead(
        contact=Contact(full_name=formula, company="+1 555 CALL NOW", phone="+3546112345"),
        status=LeadStatus.LOST,
        status_reason="\tTAB=1",
        status_changed_at=SET_AT,
        touches=(touch,),
    )
    (row,) = export_rows(lead)
    assert row["full_name"] == "'" + formula
    assert row["company"] == "'+1 555 CALL NOW"
    assert row["message"] == "'-2+3+cmd|' /C calc'!A0"
    assert row["status_reason"] == "'\tTAB=1"
    assert row["phone"] == "+3546112345"  # a plain number runs nothing and stays as it is
    assert json.loads(row["answers"]) == {"Budget": "@SUM(1+1)"}  # inside JSON, the cell starts with {


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("@cmd", "'@cmd"),
        ("\rx", "'\rx"),
        ("-5", "-5"),
        ("+354", "+354"),
        ("a=b", "a=b"),
        (3, 3),
    ],
)
def test_spreadsheet_cell_quotes_only_what_starts_a_formula(value: object, safe: object) -> None:
    assert spreadsheet_cell(value) == safe


@pytest.mark.parametrize(
    ("status", "stage", "lead_status", "salesforce"),
    [
        (LeadStatus.NEW, "lead", "NEW", "Open - Not Contacted"),
        (LeadStatus.CONTACTED, "lead", "CONNECTED", "Working - Contacted"),
        (LeadStatus.QUALIFIED, "salesqualifiedlead", "IN_PROGRESS", "Working - Contacted"),
        (LeadStatus.WON, "customer", "", "Closed - Converted"),
        (LeadStatus.LOST, "other", "UNQUALIFIED", "Closed - Not Converted"),
    ],
)
def test_a_status_a_person_set_maps_onto_each_crm(
    make_lead: LeadMaker, status: LeadStatus, stage: str, lead_status: str, salesforce: str
) -> None:
    lead = make_lead(status=status, status_changed_at=SET_AT)
    assert status_properties(lead) == {"lifecyclestage": stage, "hs_lead_status": lead_status}
    fields = lead_fields(lead, lead_source=None, unknown_company="-", unknown_last_name="-", answer_fields={})
    assert fields["Status"] == salesforce


def test_the_status_every_lead_starts_with_is_not_pushed(make_lead: LeadMaker) -> None:
    lead = make_lead()
    assert status_properties(lead) == {}
    assert "Status" not in lead_fields(
        lead, lead_source=None, unknown_company="-", unknown_last_name="-", answer_fields={}
    )
