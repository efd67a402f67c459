"""``socialleads backfill SOURCE --since 90d``: read history a poll would not, resumably, without duplicates.

The source splits the history into parts (a Meta form each); a part read to the end is recorded,
so an interrupted backfill resumes with the parts not done. Events already stored (by polls,
webhooks or an earlier attempt) are absorbed as duplicates, never stored twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, cast

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from socialleads.bot import Bot
from socialleads.cli.common import bot_from, console, errors, fail_on_config_errors
from socialleads.contracts import BackfillPart
from socialleads.errors import SourceError
from socialleads.models import ReceivedVia
from socialleads.settings import parse_duration
from socialleads.store.state import PollCounts, SourceState, load_state, save_state


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
        parts_of = _parts_of(bot, source)
        start = bot.runner.clock() - parse_duration(since)
        backfill = _Backfill.resume(bot, source, since, restart)
        backfill.read(parts_of(start))
        total = backfill.total
        console.print(
            f"backfill of {source} since {start:%Y-%m-%d}: {total.events_seen} read, {total.events_new} new, "
            f"{total.leads_created} new leads, {total.events_seen - total.events_new} already stored"
        )
    finally:
        bot.close()


def _parts_of(bot: Bot, source: str) -> Callable[[datetime], Iterable[BackfillPart]]:
    """The source's ``backfill_parts``; exits 2 when it is not running or cannot backfill."""
    instance = bot.sources.get(source)
    parts_of = getattr(instance, "backfill_parts", None)
    if instance is None or not callable(parts_of):
        errors.print(
            f"source {source!r} is not running or cannot backfill "
            f"({bot.unavailable.get(source, 'no backfill_parts')})"
        )
        raise typer.Exit(2)
    return cast("Callable[[datetime], Iterable[BackfillPart]]", parts_of)


@dataclass
class _Backfill:
    """One backfill of a source, and the parts done (kept as the cursor of ``<source>#backfill``)."""

    bot: Bot
    source: str
    since: str
    state: SourceState
    done: set[str]
    total: PollCounts = field(default_factory=PollCounts)

    @classmethod
    def resume(cls, bot: Bot, source: str, since: str, restart: bool) -> _Backfill:
        """The parts an earlier run with the same ``since`` finished are done, unless ``restart``."""
        with bot.engine.begin() as conn:
            state = load_state(conn, f"{source}#backfill", bot.sources[source].name)
        progress = state.cursor or {}
        done = set() if restart or progress.get("since") != since else set(progress.get("done", []))
        return cls(bot, source, since, state, done)

    def read(self, parts: Iterable[BackfillPart]) -> None:
        """Store every part not done yet, with a progress bar, recording each when it is read to the end.

        Exits 1 on a ``SourceError`` (printed): what was read is stored, and the same command resumes.
        """
        current = "the list of parts"
        try:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[stored]}"),
                TimeElapsedColumn(),
                console=console,
            ) as progress:
                for part in parts:
                    current = part.label
                    if part.key in self.done:
                        progress.console.print(f"{part.label}: done in an earlier run", markup=False)
                        continue
                    self._read_part(part, progress)
        except SourceError as exc:
            errors.print(
                f"backfill stopped in {current}: {exc}. What was read is stored; run the same command "
                "again to resume.",
                markup=False,
            )
            raise typer.Exit(1) from None

    def _read_part(self, part: BackfillPart, progress: Progress) -> None:
        task = progress.add_task(part.label, total=None, stored="")

        def advance(counts: PollCounts) -> None:
            self.total.add(counts)
            stored = f"{self.total.events_seen} read, {self.total.events_new} new"
            progress.update(task, advance=counts.events_seen, stored=stored)

        self.bot.runner.ingest(self.source, part.events(), ReceivedVia.BACKFILL, on_chunk=advance)
        self.done.add(part.key)
        self.state.cursor = {"since": self.since, "done": sorted(self.done)}
        with self.bot.engine.begin() as conn:
            save_state(conn, self.state)
        progress.update(task, total=1, completed=1)
