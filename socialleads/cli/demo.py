"""``socialleads demo``: the whole bot on its embedded defaults, against the built-in sandbox.

The demo starts the platform sandbox (emulated Meta Graph and X APIs over a seeded, living world)
and points the bot at it, and fills a trade-show inbox with a CSV lead list every few seconds; the
bot picks each up, merges people met twice, flags bad contact data, dead-letters malformed rows,
and prints every lead card to the console. The Meta and X connectors (issues #5 and #6) are not
built yet: when they land, config/demo gains their sources and the demo shows their leads too.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select

from socialleads.bot import Bot, build_bot
from socialleads.cli.common import console, errors, fail_on_config_errors
from socialleads.sandbox.csv_drops import CsvDropper
from socialleads.sandbox.runtime import Sandbox, SandboxOptions
from socialleads.sandbox.world import Rates
from socialleads.settings import load_settings
from socialleads.store.tables import dead_letters, delivery_attempts, leads, raw_events, touches

#: A busy world, so that something happens every few seconds of the demo.
DEMO_RATES = Rates(leads=6, fb_comments=6, ig_comments=3, x_posts=10)


def _summary(bot: Bot, data_dir: Path) -> None:
    with bot.engine.connect() as conn:

        def count(table: object, *where: object) -> int:
            query = select(func.count()).select_from(table)  # type: ignore[arg-type]
            for condition in where:
                query = query.where(condition)  # type: ignore[arg-type]
            return int(conn.execute(query).scalar_one())

        n_events, n_leads, n_touches = count(raw_events), count(leads), count(touches)
        n_dead = count(dead_letters, dead_letters.c.kind == "event")
        n_cards = count(delivery_attempts, delivery_attempts.c.outcome == "delivered")
        reasons = conn.execute(
            select(dead_letters.c.reason).where(dead_letters.c.kind == "event").limit(3)
        ).all()
    console.rule("demo summary")
    console.print(
        f"{n_events} rows read → {n_leads} leads ({n_touches - n_leads} repeat touches merged into "
        f"known people), {n_dead} malformed rows dead-lettered, {n_cards} lead cards delivered "
        "(new leads and updates)."
    )
    for (reason,) in reasons:
        console.print(f"  dead letter: {reason}", markup=False)
    url = f"sqlite:///{data_dir / 'socialleads.db'}"
    console.print(
        f"The demo's database stays in {data_dir}. Read it with:\n"
        f"  SOCIALLEADS_DATABASE_URL={url} socialleads leads export --format csv",
        markup=False,
    )


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
    seed: Annotated[int, typer.Option(help="Seed of the simulated visitors.")] = 7,
) -> None:
    """Run the bot on the demo configuration with a simulated trade-show inbox; Ctrl-C stops it."""
    import scheduler

    if not (config_dir / "sources.yaml").is_file():
        errors.print(
            f"{config_dir}/sources.yaml not found: run the demo from the repository root (make demo)"
        )
        raise typer.Exit(2)
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    sandbox = Sandbox(
        SandboxOptions(port=0, seed=seed, history=timedelta(minutes=30), rates=DEMO_RATES)
    ).start()
    try:
        with fail_on_config_errors():
            settings = load_settings(
                config_dir=config_dir,
                data_dir=data_dir,
                sandbox_url=sandbox.url,
                database_url=f"sqlite:///{data_dir / 'socialleads.db'}",
            )
            if not _port_free(settings.web.host, settings.web.port):
                settings.web.port = 0  # the default port is taken: let the system pick one (it is printed)
            bot = build_bot(settings)
        stop = threading.Event()
        dropper = CsvDropper(inbox=data_dir / "inbox", seed=seed)

        def feed() -> None:
            while not stop.is_set():
                dropper.drop()
                stop.wait(every)

        threading.Thread(target=feed, name="demo-feed", daemon=True).start()
        if seconds:
            threading.Timer(seconds, stop.set).start()
        console.print(
            f"socialleads demo: a simulated trade-show inbox in {data_dir / 'inbox'} gets a lead list every "
            f"{every:g}s, and the platform sandbox runs at {sandbox.url} "
            f"(its world: {sandbox.url}/_sandbox/world). "
            "Lead cards appear below. Ctrl-C to stop.",
            markup=False,
        )
        try:
            scheduler.run(bot, stop)
        finally:
            stop.set()
    finally:
        truth = sandbox.world.truth_json()
        sandbox.stop()
    (data_dir / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    _summary(bot, data_dir)
    console.print(
        f"The sandbox's ground truth ({len(truth)} items it generated) is in {data_dir / 'truth.json'}."
    )
