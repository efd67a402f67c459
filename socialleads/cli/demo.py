"""``socialleads demo``: the whole bot on its embedded defaults, against the built-in sandbox.

The demo starts the sandbox (emulated Meta Graph and X APIs over a seeded, living world, and the
emulated HubSpot portal and Slack workspace of the sales pipeline), points the bot at it with
``config/demo/``, and fills a trade-show inbox with a CSV lead list every few seconds. The bot reads
the lead ads (by webhook and poll), the comments, the posts on X that mention the store or name a
product, and the inbox; it merges people met twice, flags bad contact data, dead-letters malformed
rows, prints every lead card with its reasons, and delivers each lead to HubSpot (and the hot ones
to Slack). The sandbox's credentials reach the bot as ``DEMO_*`` environment variables, which
``config/demo/`` refers to. At the end it prints what each source caught, what the outbox delivered
per sink, and what the HubSpot and Slack emulators received (read from their own state), and leaves
the database and the sandbox's ground truth (``truth.json``) in the data directory.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import requests
import typer
from sqlalchemy import func, select

from socialleads.accounts.passwords import hash_password
from socialleads.accounts.roles import Role
from socialleads.bot import Bot, build_bot
from socialleads.cli.common import console, errors, fail_on_config_errors, say
from socialleads.models import EventStatus
from socialleads.sandbox.runtime import Sandbox, SandboxOptions
from socialleads.sandbox.world.csv_drops import CsvDropper
from socialleads.sandbox.world.living import Rates
from socialleads.settings import load_settings
from socialleads.store import accounts
from socialleads.store.tables import (
    dead_letters,
    deliveries,
    delivery_attempts,
    leads,
    raw_events,
    touches,
)

#: The console account the demo makes, with a password printed once.
DEMO_ADMIN = "demo@socialleads.invalid"
#: A busy world, so that something happens every few seconds of the demo.
DEMO_RATES = Rates(leads=4, fb_comments=5, ig_comments=2, x_posts=10)


def _demo_environment(sandbox: Sandbox, inbox: Path) -> None:
    """The sandbox's credentials and addresses, and the inbox, under the names config/demo/*.yaml use."""
    tokens = sandbox.world.tokens
    main, outlet = list(tokens.page_tokens.values())
    sinks = sandbox.sinks()
    os.environ.update(
        {
            "DEMO_META_APP_ID": tokens.app_id,
            "DEMO_META_APP_SECRET": tokens.app_secret,
            "DEMO_META_VERIFY_TOKEN": tokens.verify_token,
            "DEMO_META_TOKEN_MAIN": main,
            "DEMO_META_TOKEN_OUTLET": outlet,
            "DEMO_X_BEARER": tokens.x_bearer,
            "DEMO_HUBSPOT_URL": sinks["hubspot"]["base_url"],
            "DEMO_HUBSPOT_TOKEN": sinks["hubspot"]["access_token"],
            "DEMO_SLACK_URL": sinks["slack"]["base_url"],
            "DEMO_SLACK_TOKEN": sinks["slack"]["token"],
            "DEMO_INBOX": str(inbox),
        }
    )


def _webhooks_when_up(sandbox: Sandbox, port: int, stop: threading.Event) -> None:
    """Once the bot answers on ``port``, point the sandbox's Meta webhooks at it."""
    if _answers(port, stop):
        sandbox.send_webhooks_to(f"http://127.0.0.1:{port}/webhooks/meta")


def _console_line_when_up(port: int, line: str, stop: threading.Event) -> None:
    """Print how to open the console once the bot answers on ``port``: a link printed before the web
    server listens is refused to whoever opens it at once (a person, or the browser test)."""
    if _answers(port, stop):
        console.print(line, markup=False)


def _answers(port: int, stop: threading.Event) -> bool:
    """Wait until the bot answers ``/healthz`` on ``port``; False when ``stop`` is set first."""
    while not stop.is_set():
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
        except requests.RequestException:
            stop.wait(0.2)
            continue
        return True
    return False


#: How the summary words each status of a source's raw events, in its order.
_STATUS_WORDS = {
    EventStatus.LEAD: "became leads",
    EventStatus.IGNORED: "ignored (no buying intent)",
    EventStatus.DEAD: "dead-lettered",
    EventStatus.RECEIVED: "deliveries received",
}


@dataclass
class _Stored:
    """What the demo's database holds at the end, for the summary."""

    per_source: dict[str, Counter[str]]
    """Raw events per source by status, and how many came ``by webhook``."""
    delivered: dict[str, int]
    """Delivered lead cards per sink."""
    people: int
    touches: int
    dead_letters: list[str]
    """The reasons of the first few dead-lettered events."""


def _stored(bot: Bot) -> _Stored:
    per_source = select(
        raw_events.c.source, raw_events.c.status, raw_events.c.via_webhook, func.count()
    ).group_by(raw_events.c.source, raw_events.c.status, raw_events.c.via_webhook)
    per_sink = (
        select(deliveries.c.sink, func.count())
        .select_from(delivery_attempts.join(deliveries, deliveries.c.id == delivery_attempts.c.delivery_id))
        .where(delivery_attempts.c.outcome == "delivered")
        .group_by(deliveries.c.sink)
    )
    reasons = select(dead_letters.c.reason).where(dead_letters.c.kind == "event").limit(3)
    sources: dict[str, Counter[str]] = {}
    with bot.engine.connect() as conn:
        for source, status, webhook, n in conn.execute(per_source).all():
            counts = sources.setdefault(source, Counter())
            counts[status] += n
            counts["by webhook"] += n if webhook else 0
        return _Stored(
            per_source=sources,
            delivered={str(sink): int(n) for sink, n in conn.execute(per_sink).all()},
            people=int(conn.execute(select(func.count()).select_from(leads)).scalar_one()),
            touches=int(conn.execute(select(func.count()).select_from(touches)).scalar_one()),
            dead_letters=[str(reason) for (reason,) in conn.execute(reasons).all()],
        )


def _summary(bot: Bot, data_dir: Path, sandbox: Sandbox) -> None:
    """What was caught and what was ignored, per source; what the outbox delivered, per sink; what the
    HubSpot and Slack emulators received (their own state); and where the results are."""
    stored = _stored(bot)
    console.rule("demo summary")
    for source, counts in sorted(stored.per_source.items()):
        parts = [f"{counts[status]} {words}" for status, words in _STATUS_WORDS.items() if counts[status]]
        via = (
            f" ({counts['by webhook']} by webhook)"
            if counts["by webhook"] and counts[EventStatus.LEAD]
            else ""
        )
        console.print(f"  {source}: {', '.join(parts)}{via}", markup=False)
    delivered = stored.delivered
    console.print(
        f"→ {stored.people} people ({stored.touches - stored.people} repeat touches merged into people "
        f"already known), {sum(delivered.values())} lead cards delivered (new leads and updates): "
        + ", ".join(f"{n} to {sink}" for sink, n in sorted(delivered.items())),
        markup=False,
    )
    _print_emulated_sales(sandbox)
    for reason in stored.dead_letters:
        say(f"  dead letter: {reason}")  # quotes the sandbox's payloads, hostile ones included
    url = f"sqlite:///{data_dir / 'socialleads.db'}"
    console.print(
        f"The demo's database stays in {data_dir}. Read it with:\n"
        f"  SOCIALLEADS_DATABASE_URL={url} socialleads leads export --format csv",
        markup=False,
    )


def _print_emulated_sales(sandbox: Sandbox) -> None:
    """What the HubSpot and Slack emulators received, from their own state."""
    contacts, deals = sandbox.sales.hubspot_writes("contacts"), sandbox.sales.hubspot_writes("deals")
    slack = sandbox.sales.slack_messages()
    console.print(
        f"  HubSpot (emulated): {contacts['create']} contacts created, {contacts['update']} updated, "
        f"{deals['create']} deals created\n"
        f"  Slack #sales (emulated): {slack['posted']} messages posted, {slack['edits']} edited on a later "
        f"touch, {slack['replies']} thread replies",
        markup=False,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def demo_command(
    seconds: Annotated[
        float | None, typer.Option(envvar="DEMO_SECONDS", help="Stop after this many seconds.")
    ] = None,
    every: Annotated[float, typer.Option(help="Seconds between two simulated CSV drops.")] = 4.0,
    config_dir: Annotated[Path, typer.Option(help="The demo's configuration.")] = Path("config/demo"),
    data_dir: Annotated[
        Path, typer.Option(help="Where the demo keeps its database and inbox (reset).")
    ] = Path("data/demo"),
    seed: Annotated[int, typer.Option(help="Seed of the sandbox world and the simulated visitors.")] = 7,
) -> None:
    """Run the bot on the demo configuration against the sandbox (Meta, X, and HubSpot and Slack for the
    leads) and a simulated trade-show inbox; Ctrl-C stops it and prints a summary."""
    import scheduler

    _reset_data_dir(config_dir, data_dir)
    sandbox = Sandbox(
        SandboxOptions(port=0, seed=seed, history=timedelta(minutes=5), rates=DEMO_RATES)
    ).start()
    _demo_environment(sandbox, data_dir / "inbox")
    try:
        bot = _demo_bot(config_dir, data_dir, sandbox)
        password = _demo_admin(bot)
        stop = threading.Event()
        _start_visitors(sandbox, bot.settings.web.port, data_dir / "inbox", seed, every, stop)
        if seconds:  # a daemon: Ctrl-C before the time is up must not wait for it
            timer = threading.Timer(seconds, stop.set)
            timer.daemon = True
            timer.start()
        console.print(
            f"socialleads demo: a simulated trade-show inbox in {data_dir / 'inbox'} gets a lead list every "
            f"{every:g}s, and the sandbox runs at {sandbox.url}: Meta and X, and the HubSpot and Slack "
            f"the leads go to (its world: {sandbox.url}/_sandbox/world). "
            "Lead cards appear below. Ctrl-C to stop.",
            markup=False,
        )
        web = bot.settings.web
        line = (
            f"The console: http://{web.host}:{web.port}/ ; sign in as {DEMO_ADMIN} with the one-time "
            f"password {password} (made for this run; the demo's database starts afresh each time)."
        )
        threading.Thread(target=_console_line_when_up, args=(web.port, line, stop), daemon=True).start()
        try:
            scheduler.run(bot, stop)
        finally:
            stop.set()
    finally:
        truth = sandbox.world.truth_json()
        sandbox.stop()
    (data_dir / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    _summary(bot, data_dir, sandbox)
    console.print(
        f"The sandbox's ground truth ({len(truth)} items it generated) is in {data_dir / 'truth.json'}."
    )


def _reset_data_dir(config_dir: Path, data_dir: Path) -> None:
    """Empty ``data_dir``; exits 2 when ``config_dir`` holds no demo configuration (not run from the
    repository's root)."""
    if not (config_dir / "sources.yaml").is_file():
        errors.print(
            f"{config_dir}/sources.yaml not found: run the demo from the repository root (make demo)"
        )
        raise typer.Exit(2)
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)


def _demo_bot(config_dir: Path, data_dir: Path, sandbox: Sandbox) -> Bot:
    """The bot on the demo configuration, pointed at ``sandbox``, with its database in ``data_dir``.

    Exits 2 on a configuration error (printed).
    """
    with fail_on_config_errors():
        settings = load_settings(
            config_dir=config_dir,
            data_dir=data_dir,
            sandbox_url=sandbox.url,
            database_url=f"sqlite:///{data_dir / 'socialleads.db'}",
        )
        if not _port_free(settings.web.host, settings.web.port):
            settings.web.port = _free_port()  # the default port is taken: another one (it is printed)
        return build_bot(settings)


def _demo_admin(bot: Bot) -> str:
    """Make the demo's admin (``DEMO_ADMIN``) with a new random password; returns the password."""
    password = secrets.token_urlsafe(12)
    now = bot.clock()
    with bot.engine.begin() as conn:
        accounts.add_user(
            conn,
            DEMO_ADMIN,
            name="Demo Admin",
            role=Role.ADMIN,
            team=None,
            password_hash=hash_password(password),
            now=now,
        )
    return password


def _start_visitors(
    sandbox: Sandbox, port: int, inbox: Path, seed: int, every: float, stop: threading.Event
) -> None:
    """Start dropping a CSV lead list into ``inbox`` every ``every`` seconds, and point the sandbox's
    webhooks at the bot once it answers on ``port``; both end with ``stop``."""
    dropper = CsvDropper(inbox=inbox, seed=seed)

    def feed() -> None:
        while not stop.is_set():
            dropper.drop()
            stop.wait(every)

    threading.Thread(target=feed, name="demo-feed", daemon=True).start()
    threading.Thread(target=_webhooks_when_up, args=(sandbox, port, stop), daemon=True).start()
