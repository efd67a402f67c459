"""``socialleads backfill SOURCE --since 90d``: read history a poll would not, resumably, without duplicates.

The work is ``socialleads.pipeline.backfill`` (the API's backfill jobs use it too): the source splits
the history into parts (a Meta form each); a part read to the end is recorded, so an interrupted
backfill resumes with the parts not done. Events already stored (by polls, webhooks or an earlier
attempt) are absorbed as duplicates, never stored twice. This module draws the progress bar.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from socialleads.cli.common import bot_from, console, errors, fail_on_config_errors, say
from socialleads.contracts import BackfillPart
from socialleads.errors import SourceError
from socialleads.pipeline.backfill import (
    Backfill,
    BackfillListener,
    BackfillProgress,
    CannotBackfill,
    parts_of,
)
from socialleads.safe_text import terminal_text
from socialleads.settings import parse_duration
from socialleads.store.state import PollCounts


def backfill_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The configured source.")],
    since: Annotated[str, typer.Option(help="How far back (e.g. 90d: Meta keeps leads 90 days).")] = "90d",
    restart: Annotated[bool, typer.Option(help="Forget the parts an earlier run finished.")] = False,
) -> None:
    """Read a source's history back to --since, with a progress bar; resumable after an interruption."""
    with fail_on_config_errors():
        bot = bot_from(ctx)
    try:
        try:
            parts = parts_of(bot, source)
        except CannotBackfill as exc:
            say(str(exc), to=errors)
            raise typer.Exit(2) from None
        start = bot.runner.clock() - parse_duration(since)
        progress = Progress(
            # A part's label is a form's or a search's name from the platform: never read as markup.
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            TextColumn("{task.fields[stored]}", markup=False),
            TimeElapsedColumn(),
            console=console,
        )
        backfill = Backfill.resume(bot, source, since, restart, _Bar(progress))
        try:
            with progress:
                total = backfill.read(parts(start))
        except SourceError as exc:
            say(
                f"backfill stopped in {backfill.progress.current or 'the list of parts'}: {exc}. "
                "What was read is stored; run the same command again to resume.",
                to=errors,
            )
            raise typer.Exit(1) from None
        say(
            f"backfill of {source} since {start:%Y-%m-%d}: {total.events_seen} read, {total.events_new} new, "
            f"{total.leads_created} new leads, {total.events_seen - total.events_new} already stored"
        )
    finally:
        bot.close()


class _Bar(BackfillListener):
    """A rich progress bar per part, with the events read and new so far."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def part_skipped(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """Say the part is not read again."""
        say(f"{part.label}: done in an earlier run", to=self.progress.console)

    def part_started(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """A bar for the part."""
        self.task = self.progress.add_task(terminal_text(part.label), total=None, stored="")

    def chunk_stored(self, part: BackfillPart, counts: PollCounts, progress: BackfillProgress) -> None:
        """Advance by the chunk's events; show the totals."""
        if self.task is not None:
            stored = f"{progress.events_read} read, {progress.events_new} new"
            self.progress.update(self.task, advance=counts.events_seen, stored=stored)

    def part_finished(self, part: BackfillPart, progress: BackfillProgress) -> None:
        """Fill the part's bar."""
        if self.task is not None:
            self.progress.update(self.task, total=1, completed=1)
