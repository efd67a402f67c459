"""``socialleads leads``: list, show and export stored leads (every touch, with its source and native id;
the status sales set and their notes)."""

from __future__ import annotations

import csv
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.table import Table
from sqlalchemy import Engine, select

from socialleads.card import render_text
from socialleads.card.sections import note_label
from socialleads.cli.common import console, engine_from, errors, say
from socialleads.contracts import utc_now
from socialleads.models import Lead
from socialleads.safe_text import json_text, rich_text, spreadsheet_cell, terminal_text
from socialleads.store import lead_links, outbox
from socialleads.store import leads as lead_store
from socialleads.store.tables import leads

leads_app = typer.Typer(no_args_is_help=True)

EXPORT_LEAD_COLUMNS = (
    "lead_id",
    "campaign",
    "full_name",
    "email",
    "phone",
    "company",
    "job_title",
    "city",
    "country",
    "grade",
    "quality_score",
    "intent_score",
    "lead_created_at",
    "touch_count",
    "status",
    "status_reason",
    "status_changed_at",
    "notes",
)
EXPORT_TOUCH_COLUMNS = (
    "touch_id",
    "touch_source",
    "touch_native_id",
    "touch_platform",
    "touch_kind",
    "touch_received_via",
    "touch_occurred_at",
    "touch_received_at",
    "merge_reason",
    "message",
    "url",
    "answers",
    "consents",
    "flags",
)


class ExportFormat(StrEnum):
    """Export file formats."""

    CSV = "csv"
    JSON = "json"


@leads_app.command("list")
def list_leads(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    campaign: Annotated[str | None, typer.Option(help="Only this campaign.")] = None,
) -> None:
    """The newest leads, one line each."""
    engine = engine_from(ctx)
    with engine.connect() as conn:
        ids = lead_store.list_lead_ids(conn, limit=limit, campaign=campaign)
        found = lead_store.load_leads(conn, ids)
    table = Table("id", "name", "email", "phone", "campaign", "grade", "status", "touches", "created (UTC)")
    for lead_id in ids:
        lead = found[lead_id]
        # rich_text cells: a name or an email from a stranger is never read as rich markup, and its
        # control characters are shown, never sent to the terminal.
        table.add_row(
            str(lead.id),
            rich_text(lead.display_name()),
            rich_text(lead.contact.email or ""),
            rich_text(lead.contact.phone or ""),
            rich_text(lead.campaign or ""),
            lead.quality.grade if lead.quality else "",
            lead.status.value,
            str(len(lead.touches)),
            f"{lead.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)
    console.print(f"{len(ids)} shown")


@leads_app.command("show")
def show(ctx: typer.Context, lead_id: Annotated[int, typer.Argument(help="The lead's id.")]) -> None:
    """One lead as sales see it, then every touch with its source, native id and merge reason, then
    its status and every note (the card shows the latest three)."""
    engine = engine_from(ctx)
    with engine.connect() as conn:
        lead = lead_store.load_lead(conn, lead_id)
    if lead is None:
        errors.print(f"no lead with id {lead_id}")
        raise typer.Exit(1)
    # Every line carries stranger data (the card, a native id, a merge reason, a note): ``say`` prints
    # it literally, control characters shown, never acted on.
    say(render_text(lead))
    say(f"\nTouches ({len(lead.touches)}):")
    for t in lead.touches:
        say(
            f"  #{t.id} {t.received_at:%Y-%m-%d %H:%M}Z {t.platform}/{t.kind.value} "
            f"via {t.received_via.value} "
            f"from {t.source} [{t.native_id}]: {t.merge_reason}"
            + (" (edited since: the message is its latest version)" if t.edited else "")
            + (f" (test lead: {t.test_lead})" if t.test_lead else "")
        )
    _print_links(engine, lead_id)
    say(f"\n{status_line(lead)}")
    say(f"\nNotes ({len(lead.notes)}):" if lead.notes else "\nNo notes.")
    for note in lead.notes:
        say(f"  {note_label(note.author, note.created_at)}")
        say("\n".join(f"    {line}".rstrip() for line in terminal_text(note.body).splitlines()))


def _print_links(engine: Engine, lead_id: int) -> None:
    """Where the lead was merged to, and the leads possibly the same person (``leads duplicates``)."""
    with engine.connect() as conn:
        merged_into = conn.execute(select(leads.c.merged_into).where(leads.c.id == lead_id)).scalar_one()
        links = lead_links.links_of(conn, lead_id)
    if merged_into is not None:
        say(f"\nMerged into lead {merged_into}: its touches are there now.")
    for link in links:
        if link.status == lead_links.POSSIBLE:
            say(f"\nPossibly the same person: lead {link.other_id} ({link.reason})")


def status_line(lead: Lead) -> str:
    """``Status: lost since 2026-03-02 10:00Z (went with a competitor)``, or ``Status: new``."""
    text = f"Status: {lead.status.value}"
    if lead.status_changed_at is not None:
        text += f" since {lead.status_changed_at:%Y-%m-%d %H:%M}Z"
    if lead.status_reason:
        text += f" ({' '.join(lead.status_reason.split())})"
    return text


def lead_rows(lead: Lead) -> list[dict[str, Any]]:
    """One flat row per touch of ``lead`` (the lead's columns repeated), for the CSV export; the
    nested values (notes, answers, consents, flags) as JSON text (``safe_text.json_text``)."""
    base = {
        "lead_id": lead.id,
        "campaign": lead.campaign,
        "full_name": lead.display_name(),
        "email": lead.contact.email,
        "phone": lead.contact.phone,
        "company": lead.contact.company,
        "job_title": lead.contact.job_title,
        "city": lead.contact.city,
        "country": lead.contact.country,
        "grade": lead.quality.grade if lead.quality else None,
        "quality_score": lead.quality.score if lead.quality else None,
        "intent_score": lead.intent.score if lead.intent else None,
        "lead_created_at": lead.created_at.isoformat(),
        "touch_count": len(lead.touches),
        "status": lead.status.value,
        "status_reason": lead.status_reason,
        "status_changed_at": lead.status_changed_at.isoformat() if lead.status_changed_at else None,
        "notes": json_text([n.model_dump(mode="json") for n in lead.notes]) if lead.notes else "",
    }
    rows = []
    for t in lead.touches:
        rows.append(
            {
                **base,
                "touch_id": t.id,
                "touch_source": t.source,
                "touch_native_id": t.native_id,
                "touch_platform": t.platform,
                "touch_kind": t.kind.value,
                "touch_received_via": t.received_via.value,
                "touch_occurred_at": t.occurred_at.isoformat(),
                "touch_received_at": t.received_at.isoformat(),
                "merge_reason": t.merge_reason,
                "message": t.message,
                "url": t.url,
                "answers": json_text(t.answers) if t.answers else "",
                "consents": json_text([c.model_dump(mode="json") for c in t.consents]) if t.consents else "",
                "flags": json_text([f.model_dump() for f in t.flags]) if t.flags else "",
            }
        )
    return rows


def csv_cell(value: Any) -> Any:
    """A CSV export cell: text as a terminal shows it (``safe_text.terminal_text``: the CSV goes to
    stdout when no file is given, and into spreadsheets that would show a bidi override's reordering
    too), never starting a formula (``safe_text.spreadsheet_cell``). The JSON export is the exact data."""
    return spreadsheet_cell(terminal_text(value)) if isinstance(value, str) else value


def write_export(leads: list[Lead], fmt: ExportFormat, out: TextIO) -> None:
    """Write ``leads`` as CSV (one row per touch, every cell safe for spreadsheets and terminals) or
    JSON (leads with nested touches and notes; ``safe_text.json_text`` writes the characters a terminal
    would act on as ``\\uXXXX`` escapes, which JSON readers read back as the same text)."""
    if fmt == ExportFormat.JSON:
        out.write(json_text([lead.model_dump(mode="json") for lead in leads], indent=2))
        out.write("\n")
        return
    writer = csv.DictWriter(out, fieldnames=[*EXPORT_LEAD_COLUMNS, *EXPORT_TOUCH_COLUMNS])
    writer.writeheader()
    for lead in leads:
        writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in lead_rows(lead))


def open_private(path: Path) -> TextIO:
    """``path`` opened for writing text, readable by its owner only (0600): an export holds people's
    contact data. A new file is created 0600; an existing one is truncated and tightened to 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchmod"):  # not on Windows before Python 3.13, where modes mean little anyway
            os.fchmod(fd, 0o600)
        return os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        raise


@leads_app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="csv (a row per touch) or json.")
    ] = ExportFormat.CSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; stdout when omitted.")
    ] = None,
    campaign: Annotated[str | None, typer.Option(help="Only this campaign.")] = None,
) -> None:
    """Export every lead with every touch (source and native id included), oldest lead first."""
    engine = engine_from(ctx)
    with engine.connect() as conn:
        ids = list(reversed(lead_store.list_lead_ids(conn, campaign=campaign)))
        found = lead_store.load_leads(conn, ids)
    leads = [found[i] for i in ids]
    if output is None:
        write_export(leads, fmt, sys.stdout)
        return
    with open_private(output) as handle:
        write_export(leads, fmt, handle)
    say(f"exported {len(leads)} leads to {output} (readable by you only)", to=errors)


@leads_app.command("release")
def release(ctx: typer.Context, lead_id: Annotated[int, typer.Argument(help="The held lead's id.")]) -> None:
    """Send a lead a routing rule held for review: its held deliveries become due now."""
    _decide(ctx, lead_id, release=True)


@leads_app.command("reject")
def reject(ctx: typer.Context, lead_id: Annotated[int, typer.Argument(help="The held lead's id.")]) -> None:
    """Never send a lead a routing rule held for review (it stays stored, with its touches)."""
    _decide(ctx, lead_id, release=False)


def _decide(ctx: typer.Context, lead_id: int, release: bool) -> None:
    engine = engine_from(ctx)
    with engine.begin() as conn:
        changed = outbox.decide_held(conn, lead_id, release, utc_now())
    if not changed:
        errors.print(
            f"lead {lead_id} has no held deliveries (see `socialleads deliveries list --status held`)"
        )
        raise typer.Exit(1)
    verb = "released: they are sent at the next dispatch" if release else "rejected: they will not be sent"
    console.print(f"lead {lead_id}: {changed} held deliver{'y' if changed == 1 else 'ies'} {verb}")
