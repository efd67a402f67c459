"""The ``socialleads`` command line (typer): run, poll, sources, leads, deliveries, doctor, demo, version."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from socialleads import __version__
from socialleads.cli import lead_merges  # noqa: F401 - registers leads merge|split|duplicates|different
from socialleads.cli.backfill import backfill_command
from socialleads.cli.common import CliState, bot_from, console, errors, fail_on_config_errors, labelled
from socialleads.cli.config import config_app
from socialleads.cli.connector import connector_app
from socialleads.cli.deliveries import deliveries_app
from socialleads.cli.demo import demo_command
from socialleads.cli.doctor import doctor_command
from socialleads.cli.intent import intent_app
from socialleads.cli.leads import leads_app
from socialleads.cli.routes import routes_app
from socialleads.cli.sandbox import sandbox_command
from socialleads.cli.sources import sources_app
from socialleads.cli.users import tokens_app, users_app
from socialleads.pipeline.runner import PollStatus
from socialleads.redact import LOG_FORMAT, RedactingFormatter

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Turn social-media activity into sales leads, with the reasons, exactly once.",
)
app.add_typer(sources_app, name="sources", help="Installed connectors and configured sources.")
app.add_typer(
    leads_app, name="leads", help="Stored leads: list, show, export, release or reject held, merge, split."
)
app.add_typer(deliveries_app, name="deliveries", help="The outbox: list deliveries, replay dead letters.")
app.add_typer(routes_app, name="routes", help="Routing: explain a lead's route, count leads per route.")
app.add_typer(intent_app, name="intent", help="Buying intent: score texts, explain a verdict.")
app.add_typer(connector_app, name="connector", help="Scaffold a new source or sink package.")
app.add_typer(users_app, name="users", help="People who may sign in to the console and the API.")
app.add_typer(tokens_app, name="tokens", help="API tokens: create (shown once), list, revoke.")
app.add_typer(config_app, name="config", help="Configuration changed through the API: export it as YAML.")
app.command("doctor")(doctor_command)
app.command("backfill")(backfill_command)
app.command("demo")(demo_command)
app.command("sandbox")(sandbox_command)


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record (it changes under test runners)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


#: Loggers kept at WARNING whatever the level: chatty, and urllib3's and uvicorn's access lines show
#: request paths and queries. ``uvicorn.error`` carries the server's tracebacks (at ERROR).
_QUIET_LOGGERS = ("apscheduler", "urllib3", "alembic", "uvicorn.access", "uvicorn.error")


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr through the redacting formatter (no secret, phone or email reaches a log line).

    One handler, on the root logger, writes every line. A logger that got handlers of its own
    loses them and propagates again: uvicorn's default ``log_config`` gives ``uvicorn`` and
    ``uvicorn.access`` their own stream handlers and ``propagate=False``
    (https://www.uvicorn.org/settings/#logging), so its tracebacks would be printed unmasked and
    without a timestamp; the web server is therefore also started with ``log_config=None``.
    """
    handler = _CurrentStderr()
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for known in list(logging.root.manager.loggerDict.values()):
        if isinstance(known, logging.Logger):  # placeholders hold no handlers
            known.handlers.clear()
            known.propagate = True
    logging.getLogger("uvicorn").setLevel(logging.NOTSET)  # uvicorn's config sets INFO: follow ours
    for noisy in _QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.callback()
def _options(
    ctx: typer.Context,
    config_dir: Annotated[Path | None, typer.Option(help="Folder with sources/sinks/campaigns YAML.")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL (overrides the setting).")] = None,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING or ERROR.")] = "INFO",
) -> None:
    overrides: dict[str, object] = {}
    if config_dir is not None:
        overrides["config_dir"] = config_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    ctx.obj = CliState(overrides=overrides)
    configure_logging(log_level)


@app.command()
def run(ctx: typer.Context) -> None:
    """Run the bot: poll every enabled source on its schedule, deliver leads, serve webhooks and /health."""
    import scheduler

    with fail_on_config_errors():
        bot = bot_from(ctx)
    raise typer.Exit(scheduler.run(bot))


@app.command()
def poll(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The configured source name.")],
    once: Annotated[
        bool, typer.Option("--once", help="Poll once and exit; otherwise poll on its interval.")
    ] = False,
    deliver: Annotated[bool, typer.Option(help="Also deliver the leads it stored.")] = True,
) -> None:
    """Poll one source now, ignoring a stored back-off, and print what each poll did."""
    with fail_on_config_errors():
        bot = bot_from(ctx)
    stop = threading.Event()
    try:
        if source not in bot.sources:
            known = ", ".join(sorted(bot.sources)) or "none"
            reason = bot.unavailable.get(source)
            errors.print(
                labelled(
                    f"source {source!r} is not running:",
                    "red",
                    reason or f"configured and enabled sources: {known}",
                )
            )
            raise typer.Exit(2)
        every = bot.config.sources[source].every.total_seconds()
        while True:
            outcome = bot.runner.poll(source, force=True)
            c = outcome.counts
            console.print(
                f"{source}: {outcome.status}; {c.events_seen} events seen, {c.events_new} new, "
                f"{c.leads_created} new leads, {c.leads_merged} merged, {c.ignored} ignored, "
                f"{c.dead_lettered} dead-lettered" + (f" ({outcome.message})" if outcome.message else "")
            )
            if deliver:
                report = bot.dispatcher.dispatch_due(should_stop=stop.is_set)
                console.print(
                    f"deliveries: {report.delivered} delivered, {report.retried} to retry, {report.dead} dead"
                )
            if once:
                if outcome.status not in (PollStatus.OK, PollStatus.SKIPPED):
                    raise typer.Exit(1)
                return
            if stop.wait(every):
                return
    except KeyboardInterrupt:
        stop.set()
    finally:
        bot.close()


@app.command()
def version() -> None:
    """Print the version."""
    console.print(f"socialleads {__version__}")


def main() -> None:
    """Console-script entry point."""
    app()
