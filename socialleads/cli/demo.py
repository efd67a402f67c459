"""``socialleads demo``: the whole bot on its embedded defaults, against the built-in sandbox.

The demo starts the platform sandbox (emulated Meta Graph and X APIs over a seeded, living world)
and points the bot at it, and fills a trade-show inbox with a CSV lead list every few seconds; the
bot picks each up, merges people met twice, flags bad contact data, dead-letters malformed rows,
and prints every lead card to the console. The Meta and X connectors (issues #5 and #6) are not
built yet: when they land, config/demo gains their sources and the demo shows their leads too.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import requests
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
DEMO_RATES = Rates(leads=4, fb_comments=5, ig_comments=2, x_posts=6)


def _demo_environment(sandbox: Sandbox) -> None:
    """The sandbox's credentials, under the names config/demo/sources.yaml refers to."""
    tokens = sandbox.world.tokens
    main, outlet = list(tokens.page_tokens.values())
    os.environ.update(
        {
            "DEMO_META_APP_ID": tokens.app_id,
            "DEMO_META_APP_SECRET": tokens.app_secret,
            "DEMO_META_VERIFY_TOKEN": tokens.verify_token,
            "DEMO_META_TOKEN_MAIN": main,
            "DEMO_META_TOKEN_OUTLET": outlet,
        }
    )


def _webhooks_when_up(sandbox: Sandbox, port: int, stop: threading.Event) -> None:
    """Once the bot answers on ``port``, point the sandbox's Meta webhooks at it."""
    while not stop.is_set():
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
        except requests.RequestException:
            stop.wait(0.2)
            continue
        sandbox.send_webhooks_to(f"http://127.0.0.1:{port}/webhooks/meta")
        return


def _summary(bot: Bot, data_dir: Path) -> None:
    """What was caught and what was ignored, per source, and where the results are."""
    per_source = select(
        raw_events.c.source, raw_events.c.status, raw_events.c.via_webhook, func.count()
    ).group_by(raw_events.c.source, raw_events.c.status, raw_events.c.via_webhook)
    with bot.engine.connect() as conn:
        rows = conn.execute(per_source).all()
        n_leads = int(conn.execute(select(func.count()).select_from(leads)).scalar_one())
        n_touches = int(conn.execute(select(func.count()).select_from(touches)).scalar_one())
        n_cards = int(
            conn.execute(
                select(func.count())
                .select_from(delivery_attempts)
                .where(delivery_attempts.c.outcome == "delivered")
            ).scalar_one()
        )
        reasons = conn.execute(
            select(dead_letters.c.reason).where(dead_letters.c.kind == "event").limit(3)
        ).all()
    console.rule("demo summary")
    sources: dict[str, dict[str, int]] = {}
    for source, status, webhook, n in rows:
        counts = sources.setdefault(source, {})
        counts[status] = counts.get(status, 0) + n
        counts["by webhook"] = counts.get("by webhook", 0) + (n if webhook else 0)
    for source, counts in sorted(sources.items()):
        parts = [f"{counts[k]} {k}" for k in ("lead", "ignored", "dead", "received") if counts.get(k)]
        parts = [
            p.replace(" lead", " became leads")
            .replace(" ignored", " ignored (no buying intent)")
            .replace(" dead", " dead-lettered")
            .replace(" received", " deliveries received")
            for p in parts
        ]
        via = (
            f" ({counts['by webhook']} by webhook)" if counts.get("by webhook") and counts.get("lead") else ""
        )
        console.print(f"  {source}: {', '.join(parts)}{via}", markup=False)
    console.print(
        f"→ {n_leads} people ({n_touches - n_leads} repeat touches merged into people already known), "
        f"{n_cards} lead cards delivered (new leads and updates)."
    )
    for (reason,) in reasons:
        console.print(f"  dead letter: {reason}", markup=False)
    url = f"sqlite:///{data_dir / 'socialleads.db'}"
    console.print(
        f"The demo's database stays in {data_dir}. Read it with:\n"
        f"  SOCIALLEADS_DATABASE_URL={url} socialleads leads export --format csv",
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
        SandboxOptions(port=0, seed=seed, history=timedelta(minutes=5), rates=DEMO_RATES)
    ).start()
    _demo_environment(sandbox)
    try:
        with fail_on_config_errors():
            settings = load_settings(
                config_dir=config_dir,
                data_dir=data_dir,
                sandbox_url=sandbox.url,
                database_url=f"sqlite:///{data_dir / 'socialleads.db'}",
            )
            if not _port_free(settings.web.host, settings.web.port):
                settings.web.port = _free_port()  # the default port is taken: another one (it is printed)
            bot = build_bot(settings)
        stop = threading.Event()
        dropper = CsvDropper(inbox=data_dir / "inbox", seed=seed)

        def feed() -> None:
            while not stop.is_set():
                dropper.drop()
                stop.wait(every)

        threading.Thread(target=feed, name="demo-feed", daemon=True).start()
        threading.Thread(
            target=_webhooks_when_up, args=(sandbox, settings.web.port, stop), daemon=True
        ).start()
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
