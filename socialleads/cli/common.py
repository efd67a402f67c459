"""What every command shares: settings overrides from the global options, building the bot, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine

from socialleads.bot import Bot, build_bot
from socialleads.errors import ConfigurationError, ConfigurationErrors
from socialleads.safe_text import rich_text, terminal_text
from socialleads.settings import Settings, load_settings
from socialleads.store.db import make_engine, migrate

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def labelled(label: str, style: str, message: str) -> Text:
    """A line that starts with ``label`` in ``style`` (``ok`` in green, say) followed by ``message``
    as it is: the message often carries names, reasons and URLs from outside, so it is never read
    as rich markup (a ``[/]`` in a page name must neither crash the command nor restyle the line),
    and its control characters are shown, never acted on (``safe_text.terminal_text``)."""
    return Text.assemble((label, style), " ", terminal_text(message))


def say(text: str, *, to: Console = console) -> None:
    """Print ``text``, which may carry data from outside (a lead's name, a server's error), as it is:
    never read as rich markup or ``:emoji:`` codes, its control characters shown, never acted on
    (``safe_text.rich_text``). Every command prints lead data through this or ``rich_text`` cells."""
    to.print(rich_text(text))


@dataclass
class CliState:
    """Global options, applied on top of the environment."""

    overrides: dict[str, object] = field(default_factory=dict)


@contextmanager
def fail_on_config_errors() -> Iterator[None]:
    """Print configuration errors for a person (file, key, fix) and exit 2."""
    try:
        yield
    except (ConfigurationError, ConfigurationErrors) as exc:
        found = exc.errors if isinstance(exc, ConfigurationErrors) else [exc]
        errors.print(f"[red]The configuration has {len(found)} problem{'s' if len(found) > 1 else ''}:[/red]")
        for err in found:
            say(f"  • {err}", to=errors)
        raise typer.Exit(2) from None


def settings_from(ctx: typer.Context) -> Settings:
    """Settings from the environment with the command line's overrides."""
    state = ctx.obj if isinstance(ctx.obj, CliState) else CliState()
    with fail_on_config_errors():
        return load_settings(**state.overrides)


def bot_from(ctx: typer.Context) -> Bot:
    """The whole bot (config, connectors, migrated database). Raises ConfigurationErrors."""
    return build_bot(settings_from(ctx))


def engine_from(ctx: typer.Context) -> Engine:
    """Only the database (for commands that read the store and need no connector); its pool is
    closed when the command ends."""
    engine = make_engine(settings_from(ctx).database_url)
    ctx.call_on_close(engine.dispose)
    migrate(engine)
    return engine
