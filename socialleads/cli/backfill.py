"""``socialleads backfill SOURCE --since 90d``: read history a poll would not, resumably, without duplicates.

The source splits the history into parts (a Meta form each); a part read to the end is recorded,
so an interrupted backfill resumes with the parts not done. Events already stored (by polls,
webhooks or an earlier attempt) are absorbed as duplicates, never stored twice.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from socialleads.cli.common import bot_from, console, errors, fail_on_config_errors
from socialleads.errors import SourceError
from socialleads.models import ReceivedVia
from socialleads.settings import parse_duration
from socialleads.store.state import PollCounts, load_state, save_state


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
        instance = bot.sources.get(source)
        parts_of = getattr(instance, "backfill_parts", None)
        if instance is None or not callable(parts_of):
            errors.print(
                f"source {source!r} is not running or cannot backfill "
                f"({bot.unavailable.get(source, 'no backfill_parts')})"
            )
            raise typer.Exit(2)
        start = bot.runner.clock() - parse_duration(since)
        key = f"{source}#backfill"
        with bot.engine.begin() as conn:
            state = load_state(conn, key, instance.name)
        progress_doc = state.cursor or {}
        done: set[str] = (
            set() if restart or progress_doc.get("since") != since else set(progress_doc.get("done", []))
        )
        total = PollCounts()
        current = "the list of parts"
        try:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[stored]}"),
                TimeElapsedColumn(),
                console=console,
            ) as progress:
                for part in parts_of(start):
                    current = part.label
                    if part.key in done:
                        progress.console.print(f"{part.label}: done in an earlier run", markup=False)
                        continue
                    task = progress.add_task(part.label, total=None, stored="")

                    def advance(counts: PollCounts, task_id: TaskID = task) -> None:
                        total.add(counts)
                        progress.update(
                            task_id,
                            advance=counts.events_seen,
                            stored=f"{total.events_seen} read, {total.events_new} new",
                        )

                    bot.runner.ingest(source, part.events(), ReceivedVia.BACKFILL, on_chunk=advance)
                    done.add(part.key)
                    state.cursor = {"since": since, "done": sorted(done)}
                    with bot.engine.begin() as conn:
                        save_state(conn, state)
                    progress.update(task, total=1, completed=1)
        except SourceError as exc:
            errors.print(
                f"backfill stopped in {current}: {exc}. What was read is stored; run the same command "
                "again to resume.",
                markup=False,
            )
            raise typer.Exit(1) from None
        console.print(
            f"backfill of {source} since {start:%Y-%m-%d}: {total.events_seen} read, {total.events_new} new, "
            f"{total.leads_created} new leads, {total.events_seen - total.events_new} already stored"
        )
    finally:
        bot.close()
