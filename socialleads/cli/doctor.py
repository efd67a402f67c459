"""``socialleads doctor``: is everything set up? Config, database, every source and sink, in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import typer
from sqlalchemy import text

from socialleads.bot import Bot
from socialleads.cli.common import bot_from, console, fail_on_config_errors
from socialleads.cli.sources import check_connector
from socialleads.contracts import Sink, Source
from socialleads.models import HealthState
from socialleads.settings import unknown_env_warnings
from socialleads.store.state import all_states

OK, WARN, BAD = "[green]ok[/green]  ", "[yellow]warn[/yellow]", "[red]FAIL[/red]"


def _report(bot: Bot) -> int:
    problems = 0
    files = ", ".join(f"{part}: {path}" for part, path in bot.config.files.items())
    console.print(f"{OK} configuration is valid ({files})")
    for warning in [*unknown_env_warnings(), *bot.config.warnings]:
        console.print(f"{WARN} {warning}", markup=False)
    try:
        with bot.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            states = {s.source: s for s in all_states(conn)}
        console.print(
            f"{OK} database reachable and migrated ({bot.engine.url.render_as_string(hide_password=True)})"
        )
    except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
        console.print(f"{BAD} database unreachable: {type(exc).__name__}")
        return 1
    for name, reason in sorted(bot.unavailable.items()):
        problems += 1
        console.print(f"{BAD} {name} does not run: {reason}", markup=False)
    groups: tuple[tuple[str, Mapping[str, Source[Any, Any] | Sink[Any]]], ...] = (
        ("source", bot.sources),
        ("sink", bot.sinks),
    )
    for kind, connectors in groups:
        for name, connector in sorted(connectors.items()):
            health = check_connector(connector)
            good = health.state == HealthState.OK
            problems += 0 if good else 1
            console.print(f"{OK if good else BAD} {kind} {name}: {health.summary}", markup=False)
            for detail in health.details:
                console.print(f"        {detail}", markup=False)
            state = states.get(name)
            if (
                kind == "source"
                and state
                and state.health not in (HealthState.OK.value, HealthState.UNKNOWN.value)
            ):
                console.print(
                    f"{WARN} source {name} was {state.health} at its last poll: {state.health_summary}",
                    markup=False,
                )
    if not bot.sources:
        console.print(f"{WARN} no source is enabled: nothing will be polled")
    if not bot.sinks:
        console.print(f"{WARN} no sink is enabled: leads will be stored but go nowhere")
    return problems


def doctor_command(ctx: typer.Context) -> None:
    """Check the configuration, the database, and every source and sink (tokens, folders, servers)."""
    with fail_on_config_errors():
        bot = bot_from(ctx)
    try:
        problems = _report(bot)
    finally:
        bot.close()
    console.print("all good" if not problems else f"{problems} problem{'s' if problems > 1 else ''} found")
    if problems:
        raise typer.Exit(1)
