"""``socialleads doctor``: is everything set up? Config, database, every source and sink, in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import typer
from sqlalchemy import text

from socialleads.bot import Bot
from socialleads.cli.common import bot_from, console, fail_on_config_errors, labelled, say
from socialleads.cli.sources import check_connector
from socialleads.contracts import Sink, Source
from socialleads.models import HealthState
from socialleads.settings import unknown_env_warnings
from socialleads.store.state import all_states

#: The label of each doctor line and its colour; what follows the label is printed as it is.
OK, WARN, BAD = ("ok  ", "green"), ("warn", "yellow"), ("FAIL", "red")


def _say(verdict: tuple[str, str], message: str) -> None:
    console.print(labelled(*verdict, message))


def weakened_transport(config: Any) -> list[str]:
    """What a connector's config lets through in the clear (``socialleads.transport``); nothing when
    it keeps the rules. Warned about at every doctor run, since the config load lets it pass."""
    said = []
    if getattr(config, "allow_insecure_transport", False):
        said.append("allow_insecure_transport: true, so it may send leads and tokens in the clear")
    if getattr(config, "verify_tls", True) is False:
        said.append("verify_tls: false, so its server's certificate is not checked")
    return said


def _report(bot: Bot) -> int:
    problems = 0
    files = ", ".join(f"{part}: {path}" for part, path in bot.config.files.items())
    _say(OK, f"configuration is valid ({files})")
    for warning in [*unknown_env_warnings(), *bot.config.warnings]:
        _say(WARN, warning)
    try:
        with bot.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            states = {s.source: s for s in all_states(conn)}
        _say(OK, f"database reachable and migrated ({bot.engine.url.render_as_string(hide_password=True)})")
    except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
        _say(BAD, f"database unreachable: {type(exc).__name__}")
        return 1
    for name, reason in sorted(bot.unavailable.items()):
        problems += 1
        _say(BAD, f"{name} does not run: {reason}")
    groups: tuple[tuple[str, Mapping[str, Source[Any, Any] | Sink[Any]]], ...] = (
        ("source", bot.sources),
        ("sink", bot.sinks),
    )
    for kind, connectors in groups:
        for name, connector in sorted(connectors.items()):
            health = check_connector(connector)
            good = health.state == HealthState.OK
            problems += 0 if good else 1
            _say(OK if good else BAD, f"{kind} {name}: {health.summary}")
            for detail in health.details:
                say(f"        {detail}")
            for weakness in weakened_transport(connector.config):
                _say(WARN, f"{kind} {name} runs with {weakness}")
            state = states.get(name)
            if (
                kind == "source"
                and state
                and state.health not in (HealthState.OK.value, HealthState.UNKNOWN.value)
            ):
                _say(WARN, f"source {name} was {state.health} at its last poll: {state.health_summary}")
    if not bot.sources:
        _say(WARN, "no source is enabled: nothing will be polled")
    if not bot.sinks:
        _say(WARN, "no sink is enabled: leads will be stored but go nowhere")
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
