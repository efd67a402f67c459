"""Torture: SIGKILLs, a failing sink and a database outage against ``socialleads run``, on SQLite and
PostgreSQL, counting what was lost, stored twice, and delivered twice (and how late).

The bot is the real process (``socialleads run`` with its own config, data folder and database in a
temporary folder; see README "Running it for real"), delivering to a ``webhook`` sink whose far end
is a loopback receiver in this process: it answers after ``--sink-latency-ms`` and logs every POST
with its ``Idempotency-Key``, the lead's revision and the time it came. A POST of a (key, revision)
the receiver had already answered 2xx is a repeat; its delay is the time since that first answer.

1. ``csv_kills``: a 10,000-lead CSV (distinct people) is dropped in the csv source's folder, and the
   bot is SIGKILLed ``--kills`` times at random moments (seeded), restarted after each; then a clean
   finish (every lead stored and delivered, or ``--finish-timeout``).
2. ``webhook_kills``: the sandbox's Meta world makes lead-form leads (``--webhook-rate`` a minute) and
   sends them to the bot as signed leadgen webhooks, through the same kills; the clean finish's poll
   recovers what the webhooks lost. Lost = leads of the sandbox's truth not stored.
3. ``sink_outage``: the receiver answers 500 for ``--sink-errors-seconds`` (from its first 500), then
   429 with ``Retry-After: --retry-after`` (from its first 429), then 200. Recovery = the first 2xx
   POST minus the end of that Retry-After; POSTs that came inside it (after a short grace for
   requests already in flight) are counted as sent early.
4. ``db_outage``: while deliveries are in flight, the database goes away for ``--db-outage-seconds``:
   on PostgreSQL a TCP proxy between bot and server closes every connection and refuses new ones; on
   SQLite another connection holds ``BEGIN EXCLUSIVE``. Recovery = the first delivery recorded after
   the database's return, minus that return.

Per scenario: stored, lost, stored twice (a raw event, a person's lead or a touch twice), deliveries
repeated, deliveries in flight at the kills (at each kill, the deliveries the receiver got from that
run of the bot that the database, read right after the kill, does not record as delivered: what an
ideal bot may repeat), the longest delay of a repeat, recovery times. A delivery still not recorded
when the finish times out counts as a repeat still awaited, its delay at least the time waited.
Also: helper processes still alive half a second after a kill (``orphans_after_kills``; they are
then ended), the lines the bot logged at ERROR level, its exit code after the finish's SIGTERM.

The kills land at a random moment (seeded) of each run of the bot, drawn from its first POST (or from
two seconds after it answers /healthz, when it has nothing to send), so that deliveries are in flight.
Each start is a fork of a process that imported the bot's code once, then runs ``socialleads run``
exactly (its own session, folder, environment and log): a restart then measures the bot, not this
machine's import time, which a loaded CI machine stretches to 20 s. ``--cold-start`` runs
``python -m socialleads run`` afresh each time instead. The restart times are printed.

    python bench/torture.py [--kills 20] [--leads 10000] [--seed 1] [--scenarios csv_kills,...]
                            [--postgres URL|none] [--backends sqlite,postgresql] [--short]
                            [--keep DIR] [--bot-env SOCIALLEADS_X=Y] [--cold-start]

PostgreSQL runs each scenario in a database of its own, created on the ``--postgres`` server (default
the local one) and dropped afterwards. ``--keep DIR`` keeps the configs, bot logs, SQLite files and,
per scenario, ``record.jsonl``: every POST and every start, kill and stop of the bot, in time order.

``--short`` is the CI version (400 leads, 3 kills, a 5 s outage, short waits). Prints the figures,
then one JSON line: the totals at the top (``lost``, ``stored_twice``, ``repeated_deliveries``,
``in_flight_at_kills``, ``max_repeat_delay_s``, ``db_recovery_s``, ...) and every scenario's figures
under ``backends``. Not a test: it asserts nothing (tests/integration/test_torture_short.py does).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from torture_kit import (
    BotProcess,
    ForkServer,
    Receiver,
    Store,
    TcpProxy,
    bot_environment,
    delivered_in,
    drop_csv,
    first_accepted,
    free_port,
    people,
    postgres_database,
    repeats,
    write_record,
)

from socialleads.sandbox.app import create_app
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.loopback import LoopbackServer
from socialleads.sandbox.meta.webhooks import WebhookSender
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import Rates, World
from socialleads.testing.http_receiver import ScriptedResponse

SCENARIOS = ("csv_kills", "webhook_kills", "sink_outage", "db_outage")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: How long a restarted bot may take to send its first POST before its kill is timed from /healthz.
ANCHOR_WAIT_S = 2.0
#: A POST that arrives this soon after a 429 was already on its way (another worker's): not early.
IN_FLIGHT_GRACE_S = 0.5

FULL = {
    "kills": 20,
    "leads": 10_000,
    "life": (0.5, 6.0),
    "db_outage_seconds": 30.0,
    "sink_errors_seconds": 20.0,
    "retry_after": 10,
    "outage_leads": 2_000,
    "webhook_rate": 300.0,
    "finish_timeout": 600.0,
}
SHORT = {
    "kills": 3,
    "leads": 400,
    "life": (0.3, 1.5),
    "db_outage_seconds": 5.0,
    "sink_errors_seconds": 3.0,
    "retry_after": 3,
    "outage_leads": 100,
    "webhook_rate": 600.0,
    "finish_timeout": 15.0,
}


@dataclass
class Run:
    """What every scenario of one backend gets."""

    backend: str
    admin_url: str | None
    root: Path
    args: argparse.Namespace
    forks: ForkServer | None

    @property
    def bot_env(self) -> dict[str, str]:
        """``--bot-env`` settings, for every bot process."""
        return dict(item.split("=", 1) for item in self.args.bot_env)

    def rng(self, scenario: str) -> random.Random:
        return random.Random(f"{self.args.seed}:{self.backend}:{scenario}")

    def folder(self, scenario: str) -> Path:
        folder = self.root / self.backend / scenario
        (folder / "config").mkdir(parents=True)
        (folder / "data" / "inbox").mkdir(parents=True)
        return folder

    @contextlib.contextmanager
    def database(self, folder: Path, label: str) -> Iterator[str]:
        if self.backend == "sqlite":
            yield f"sqlite:///{folder / 'data' / 'socialleads.db'}"
            return
        assert self.admin_url is not None
        with postgres_database(self.admin_url, label) as url:
            yield url

    def receiver(self) -> Receiver:
        """The sink's far end, answering after ``--sink-latency-ms``; a context manager."""
        return Receiver(self.args.sink_latency_ms / 1000)

    @contextlib.contextmanager
    def scene(
        self,
        folder: Path,
        receiver: Receiver,
        url: str,
        sources: dict[str, Any],
        extra_env: dict[str, str] | None = None,
        bot_url: str | None = None,
    ) -> Iterator[Scene]:
        """Write the config (``sources``, delivering to ``receiver``), then yield the bot (not started; its
        database at ``bot_url``, default ``url``) and a reader of ``url``. On the way out: the record
        (``--keep``), then the bot and whatever it left are ended."""
        write_config(folder, sources, receiver.url)
        port = free_port()
        env = bot_environment(folder, bot_url or url, port, {**(extra_env or {}), **self.bot_env})
        bot = BotProcess(folder, env, port, self.forks)
        store = Store(url)
        try:
            yield Scene(receiver, bot, store, port)
        finally:
            if self.args.keep:
                write_record(folder, receiver, bot)
            bot.close()
            store.close()


@dataclass
class Scene:
    """One scenario's parts: the sink's far end, the bot process, its database read from outside, and the
    port the bot serves on."""

    receiver: Receiver
    bot: BotProcess
    store: Store
    port: int


class Ending(NamedTuple):
    """How a scenario's finish went: seconds it took, whether everything was done, the bot's exit code."""

    seconds: float
    finished: bool
    exit_code: int | None


def write_config(folder: Path, sources: dict[str, Any], receiver_url: str) -> None:
    config = folder / "config"
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    sink = {"type": "webhook", "config": {"url": f"{receiver_url}/hooks/leads"}}
    (config / "sinks.yaml").write_text(yaml.safe_dump({"sinks": {"crm": sink}}))
    (config / "campaigns.yaml").write_text(yaml.safe_dump({"default_route": {"deliver_to": ["crm"]}}))


def csv_source(folder: Path) -> dict[str, Any]:
    """The csv source over the inbox; files are moved in whole (``drop_csv``), so they need no settling."""
    config = {"folder": str(folder / "data" / "inbox"), "settle": "0s"}
    return {"fair": {"type": "csv", "every": "1s", "phone_region": "IS", "config": config}}


def all_delivered(store: Store, receiver: Receiver) -> bool:
    """Every delivery recorded at its revision, and the receiver got each one."""
    if store.undelivered():
        return False
    current = store.current()
    return bool(current) and current <= receiver.accepted()


def wait_for(condition: Callable[[], bool], timeout: float, every: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def delivering_since(receiver: Receiver, moment: float) -> bool:
    return receiver.last_at >= moment


@dataclass
class Kill:
    """One kill of the kill loop: when that run of the bot started, and the database right after."""

    started: float
    recorded: dict[str, int]
    """Per idempotency key, the newest revision recorded as delivered (``Store.recorded``)."""
    undelivered: int


def kill_loop(
    bot: BotProcess,
    store: Store,
    receiver: Receiver,
    rng: random.Random,
    kills: int,
    life: tuple[float, float],
    first_up: Callable[[], None] | None = None,
) -> list[Kill]:
    """Start the bot and SIGKILL it ``kills`` times, each at a random moment of its ``life`` (seconds after
    its first POST), reading the database right after each kill (``in_flight`` counts from it)."""
    done = []
    for n in range(kills):
        started = bot.start()
        up = bot.wait_up()
        if n == 0 and first_up is not None:
            first_up()
        # The moment is drawn from when this run of the bot starts delivering (or ANCHOR_WAIT_S after
        # it answers, when it has nothing to deliver): the kills are to land while deliveries are
        # in flight, not in the seconds an interpreter spends starting.
        left = ANCHOR_WAIT_S - (time.perf_counter() - up)
        wait_for(partial(delivering_since, receiver, started), left, every=0.01)
        anchor = receiver.last_at if receiver.last_at >= started else time.perf_counter()
        bot.sleep_until(anchor + rng.uniform(*life))
        bot.kill()
        store.settle()
        done.append(Kill(started, store.recorded(), store.undelivered()))
        bot.reap()
    return done


def in_flight(receiver: Receiver, kills: list[Kill], finish_started: float) -> list[int]:
    """Per kill, the deliveries the receiver got from that run of the bot (any time before the next run
    started: a loaded receiver may log a request the dead bot had sent a moment after the kill) that the
    database did not record as delivered right after the kill."""
    ends = [kill.started for kill in kills[1:]] + [finish_started]
    return [
        sum(1 for d in receiver.accepted(since=kill.started, until=end) if not delivered_in(kill.recorded, d))
        for kill, end in zip(kills, ends, strict=True)
    ]


def finish(bot: BotProcess, done: Callable[[], bool], timeout: float) -> Ending:
    """The clean finish: start the bot, wait until ``done()`` or ``timeout`` (from when it answers),
    stop it with SIGTERM. Returns the seconds from start to done, whether it was done, the exit code."""
    started = bot.start()
    up = bot.wait_up()
    complete = wait_for(done, timeout - (time.perf_counter() - up))
    seconds = time.perf_counter() - started
    return Ending(seconds, complete, bot.stop())


def delivery_figures(receiver: Receiver, store: Store) -> dict[str, Any]:
    """Repeats and their delays; a delivery the receiver got but the database still does not record
    is a repeat still awaited, whose delay is at least the time since the receiver got it."""
    posts = receiver.log()
    found = repeats(posts)
    recorded = store.recorded()
    now = time.perf_counter()
    awaited = [now - t for d, t in first_accepted(posts).items() if not delivered_in(recorded, d)]
    delays = found.delays + awaited
    return {
        "repeated_deliveries": found.count,
        "repeats_awaited": len(awaited),
        "max_repeat_delay_s": round(max(delays), 2) if delays else 0.0,
        "repeats_within_15s": sum(1 for d in found.delays if d <= 15),
        "posts": len(posts),
        "undelivered": store.undelivered(),
    }


def stored_figures(store: Store) -> dict[str, Any]:
    twice = store.stored_twice()
    return {"stored": store.leads(), "stored_twice": sum(twice.values()), "stored_twice_by_table": twice}


def csv_intake_figures(store: Store, rows: list[dict[str, str]]) -> dict[str, Any]:
    """What became of a CSV's people: stored, stored twice, and lost (an email with no lead)."""
    emails = {row["Email"] for row in rows}
    return {**stored_figures(store), "lost": len(emails - store.lead_emails())}


def closing_figures(scene: Scene, ending: Ending, kills: list[Kill] | None = None) -> dict[str, Any]:
    """The figures every scenario ends with, once its bot has stopped: what was in flight at the
    ``kills`` (none without), the deliveries and their repeats, the restarts (with kills), the finish."""
    figures: dict[str, Any] = {}
    if kills is None:
        figures["in_flight_at_kills"] = 0
    else:
        flying = in_flight(scene.receiver, kills, scene.bot.started_at)
        figures["in_flight_at_kills"] = sum(flying)
        figures["in_flight_per_kill"] = flying
        figures["undelivered_per_kill"] = [kill.undelivered for kill in kills]
    figures.update(delivery_figures(scene.receiver, scene.store))
    if kills is not None:
        figures.update(restart_figures(scene.bot))
    figures["finish_s"] = round(ending.seconds, 1)
    figures["finished"] = ending.finished
    figures["exit_code"] = ending.exit_code
    figures["errors_logged"] = scene.bot.errors_logged()
    return figures


def restart_figures(bot: BotProcess) -> dict[str, Any]:
    r = bot.restarts
    return {
        "restart_median_s": round(statistics.median(r), 2) if r else None,
        "restart_max_s": round(max(r), 2) if r else None,
        "orphans_after_kills": bot.orphans,
    }


# --- 1. kills during a CSV import ------------------------------------------------------------------


def csv_kills(run: Run) -> dict[str, Any]:
    args, folder = run.args, run.folder("csv_kills")
    rows = people(args.leads, args.seed)
    with (
        run.receiver() as receiver,
        run.database(folder, "csv") as url,
        run.scene(folder, receiver, url, csv_source(folder)) as scene,
    ):
        bot, store = scene.bot, scene.store
        drop_csv(folder / "data" / "inbox", "leads.csv", rows)
        kills = kill_loop(bot, store, receiver, run.rng("csv_kills"), args.kills, args.life)
        ending = finish(
            bot,
            lambda: store.cursor_mentions("fair", "leads.csv") and all_delivered(store, receiver),
            args.finish_timeout,
        )
        return {
            "input": len(rows),
            "kills": args.kills,
            **csv_intake_figures(store, rows),
            **closing_figures(scene, ending, kills),
        }


# --- 2. kills during webhook traffic ---------------------------------------------------------------


def meta_source(tokens: fixtures.Tokens) -> tuple[dict[str, Any], dict[str, str]]:
    """The demo's lead-ads source (both pages), its secrets as environment variables."""
    main, outlet = list(tokens.page_tokens.items())
    env = {
        "TORTURE_META_APP_ID": tokens.app_id,
        "TORTURE_META_APP_SECRET": tokens.app_secret,
        "TORTURE_META_VERIFY_TOKEN": tokens.verify_token,
        "TORTURE_META_TOKEN_MAIN": main[1],
        "TORTURE_META_TOKEN_OUTLET": outlet[1],
    }
    source = {
        "leads": {
            "type": "meta_lead_ads",
            "every": "1m",
            "phone_region": "IS",
            "config": {
                "app_id": {"$env": "TORTURE_META_APP_ID"},
                "app_secret": {"$env": "TORTURE_META_APP_SECRET"},
                "verify_token": {"$env": "TORTURE_META_VERIFY_TOKEN"},
                "pages": [
                    {"id": main[0], "token": {"$env": "TORTURE_META_TOKEN_MAIN"}},
                    {"id": outlet[0], "token": {"$env": "TORTURE_META_TOKEN_OUTLET"}},
                ],
            },
        }
    }
    return source, env


class Traffic:
    """Moves the sandbox's world with the wall clock (new leads, hence webhooks) until stopped."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="world-clock", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.world.advance(datetime.now(UTC))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)


def lead_form_world(args: argparse.Namespace) -> tuple[World, Chaos, Any]:
    """The sandbox's Meta world making only lead-form leads (``--webhook-rate`` a minute), its chaos, and
    the sandbox app serving it."""
    rates = Rates(
        leads=args.webhook_rate,
        fb_comments=0,
        ig_comments=0,
        x_posts=0,
        fb_posts_per_hour=0,
        ig_media_per_hour=0,
    )
    world = World(seed=args.seed, rates=rates, history=timedelta(0), population=2000)
    chaos = Chaos()
    app = create_app(world, chaos)
    # An app whose Graph API rate limit this traffic never nears: at the emulator's default (600 calls
    # an hour) the bot rightly stops calling Meta for minutes, which is not what this scenario measures.
    app.state.meta_usage.budget = 1_000_000
    return world, chaos, app


def webhook_kills(run: Run) -> dict[str, Any]:
    args, folder = run.args, run.folder("webhook_kills")
    world, chaos, app = lead_form_world(args)
    traffic = Traffic(world)
    senders: list[WebhookSender] = []
    source, secrets = meta_source(world.tokens)
    with (
        run.receiver() as receiver,
        LoopbackServer(app, name="sandbox") as sandbox,
        run.database(folder, "hooks") as url,
        run.scene(
            folder, receiver, url, source, {"SOCIALLEADS_SANDBOX_URL": sandbox.url, **secrets}
        ) as scene,
    ):
        bot, store = scene.bot, scene.store

        def traffic_on() -> None:
            sender = WebhookSender(world, chaos, f"http://127.0.0.1:{scene.port}/webhooks/meta")
            senders.append(sender)
            if not sender.handshake():
                raise RuntimeError("the bot refused the webhook handshake")
            sender.start()
            traffic.start()

        def truth() -> set[str]:
            return {item["native_id"] for item in world.truth_json() if item["kind"] == "lead_form"}

        try:
            kills = kill_loop(
                bot, store, receiver, run.rng("webhook_kills"), args.kills, args.life, first_up=traffic_on
            )
            traffic.stop()
            ending = finish(
                bot,
                lambda: truth() <= store.native_ids("leads") and all_delivered(store, receiver),
                args.finish_timeout,
            )
            made = truth()
            stats = senders[0].stats if senders else None
            stored = made & store.native_ids("leads")
            return {
                "input": len(made),
                "kills": args.kills,
                **stored_figures(store),
                "stored": len(stored),
                "people": store.leads(),
                "lost": len(made - stored),
                "lost_ids": sorted(made - stored)[:20],
                "webhooks_sent": stats.sent if stats else 0,
                "webhooks_given_up": stats.gave_up if stats else 0,
                **closing_figures(scene, ending, kills),
            }
        finally:
            traffic.stop()
            for sender in senders:
                sender.stop()


# --- 3. the sink fails, then asks to wait, then answers --------------------------------------------


class SinkOutage:
    """The receiver's answers: 500 for ``errors_for`` seconds from the first, then 429 with a
    Retry-After running ``retry_after`` seconds from the first 429, then 200."""

    def __init__(self, receiver: Receiver, errors_for: float, retry_after: int) -> None:
        self.receiver = receiver
        self.errors_for = errors_for
        self.retry_after = retry_after
        self.first_error: float | None = None
        self.first_429: float | None = None
        self.ok_from: float | None = None

    def __call__(self, now: float) -> ScriptedResponse:
        latency = self.receiver.latency
        if self.first_error is None:
            self.first_error = now
        if now < self.first_error + self.errors_for:
            return ScriptedResponse(500, b'{"error": "internal"}', delay=latency)
        if self.first_429 is None:
            self.first_429, self.ok_from = now, now + self.retry_after
        assert self.ok_from is not None
        if now < self.ok_from:
            wait = str(max(1, math.ceil(self.ok_from - now)))
            return ScriptedResponse(429, b'{"error": "slow down"}', {"Retry-After": wait}, delay=latency)
        return self.receiver.ok()


def sink_outage(run: Run) -> dict[str, Any]:
    args, folder = run.args, run.folder("sink_outage")
    rows = people(args.outage_leads, args.seed + 3)
    with run.receiver() as receiver, run.database(folder, "sink") as url:
        outage = SinkOutage(receiver, args.sink_errors_seconds, args.retry_after)
        receiver.answer = outage
        with run.scene(folder, receiver, url, csv_source(folder)) as scene:
            bot, store = scene.bot, scene.store
            started = bot.start()
            bot.wait_up()
            drop_csv(folder / "data" / "inbox", "leads.csv", rows)
            done = wait_for(
                lambda: store.cursor_mentions("fair", "leads.csv") and all_delivered(store, receiver),
                args.finish_timeout + args.sink_errors_seconds + args.retry_after,
            )
            seconds = time.perf_counter() - started
            code = bot.stop()
            posts = receiver.log()
            recovery = None
            if outage.ok_from is not None:
                ok = [p.at for p in posts if p.at >= outage.ok_from and 200 <= p.status < 300]
                recovery = round(min(ok) - outage.ok_from, 2) if ok else None
            last = max(first_accepted(posts).values(), default=None)
            drained = round(last - outage.ok_from, 1) if done and last and outage.ok_from else None
            early = (
                sum(1 for p in posts if outage.first_429 + IN_FLIGHT_GRACE_S < p.at < outage.ok_from)
                if outage.first_429 is not None and outage.ok_from is not None
                else 0
            )
            return {
                "input": len(rows),
                **csv_intake_figures(store, rows),
                "answered_500": sum(1 for p in posts if p.status == 500),
                "answered_429": sum(1 for p in posts if p.status == 429),
                "sent_before_retry_after": early,
                "sink_recovery_s": recovery,
                "all_delivered_s": drained,
                **closing_figures(scene, Ending(seconds, done, code)),
            }


# --- 4. the database goes away ---------------------------------------------------------------------


class SqliteLock:
    """Another connection holding ``BEGIN EXCLUSIVE``: the bot can read (WAL) but never write."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)

    def cut(self) -> None:
        self.conn.execute("BEGIN EXCLUSIVE")

    def recorded(self) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT idempotency_key, delivered_revision FROM deliveries WHERE delivered_revision IS NOT NULL"
        ).fetchall()
        return {str(k): int(r) for k, r in rows}

    def resume(self) -> None:
        self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()


def take_database_away(
    scene: Scene, proxy: TcpProxy | None, closing: contextlib.ExitStack, seconds: float
) -> tuple[float, int, int]:
    """The outage: the proxy cuts PostgreSQL off, or (SQLite) a lock closed by ``closing`` keeps the bot
    from writing, for ``seconds``; then the database is back. Returns when it went away, the deliveries
    the receiver got that the database does not record as delivered (in flight), and how many it
    records."""
    lock: SqliteLock | None = None
    if proxy is not None:
        proxy.cut()
    else:
        assert scene.store.sqlite_path is not None
        lock = SqliteLock(scene.store.sqlite_path)
        closing.callback(lock.close)
        lock.cut()
    cut = time.perf_counter()
    time.sleep(seconds)
    recorded = lock.recorded() if lock is not None else scene.store.recorded()
    sent = scene.receiver.accepted(until=time.perf_counter())
    in_flight = sum(1 for d in sent if not delivered_in(recorded, d))
    base = sum(1 for _ in recorded)
    if proxy is not None:
        proxy.resume()
    elif lock is not None:
        lock.resume()
    return cut, in_flight, base


def db_outage(run: Run) -> dict[str, Any]:
    args, folder = run.args, run.folder("db_outage")
    rows = people(args.leads, args.seed + 4)
    with (
        run.receiver() as receiver,
        run.database(folder, "dbout") as url,
        contextlib.ExitStack() as closing,
    ):
        proxy = None
        bot_url = url
        if run.backend == "postgresql":
            parsed = make_url(url)
            proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
            closing.callback(proxy.close)  # after the bot is ended (run.scene), as the lock below
            bot_url = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        with run.scene(folder, receiver, url, csv_source(folder), bot_url=bot_url) as scene:
            bot, store = scene.bot, scene.store
            bot.start()
            bot.wait_up()
            drop_csv(folder / "data" / "inbox", "leads.csv", rows)
            # Deliveries in flight: the import done (its poll is not what this measures), some sent.
            wait_for(
                lambda: store.cursor_mentions("fair", "leads.csv") and len(receiver.accepted()) > 0,
                args.finish_timeout + 60,
                every=0.05,
            )
            pending_at_cut = store.undelivered()
            cut, in_flight, base = take_database_away(scene, proxy, closing, args.db_outage_seconds)
            back = time.perf_counter()
            recovered = wait_for(
                lambda: store.delivered_count() > base,
                args.finish_timeout + args.db_outage_seconds,
                every=0.05,
            )
            recovery = round(time.perf_counter() - back, 2) if recovered else None
            complete = wait_for(lambda: all_delivered(store, receiver), args.finish_timeout)
            last = max(first_accepted(receiver.log()).values(), default=back)
            seconds = time.perf_counter() - cut
            code = bot.stop()
            return {
                "input": len(rows),
                **csv_intake_figures(store, rows),
                "outage_s": args.db_outage_seconds,
                "pending_at_outage": pending_at_cut,
                "in_flight_at_outage": in_flight,
                "db_recovery_s": recovery,
                "all_delivered_s": round(last - back, 1) if complete else None,
                **closing_figures(scene, Ending(seconds, complete, code)),
            }


RUNNERS: dict[str, Callable[[Run], dict[str, Any]]] = {
    "csv_kills": csv_kills,
    "webhook_kills": webhook_kills,
    "sink_outage": sink_outage,
    "db_outage": db_outage,
}
TITLES = {
    "csv_kills": "kills during a CSV import",
    "webhook_kills": "kills during webhook traffic",
    "sink_outage": "sink outage (500s, 429 + Retry-After, 200)",
    "db_outage": "database outage",
}


def describe(backend: str, scenario: str, f: dict[str, Any]) -> str:
    """One scenario's figures, for people."""
    parts = [
        f"{backend} · {TITLES[scenario]}: {f['stored']} stored of {f['input']}, {f['lost']} lost, "
        f"{f['stored_twice']} stored twice"
    ]
    delivered = (
        f"{f['repeated_deliveries']} deliveries repeated (longest delay {f['max_repeat_delay_s']:.1f}s"
        + (f", {f['repeats_awaited']} still awaited" if f["repeats_awaited"] else "")
        + ")"
    )
    if "kills" in f:
        delivered += f", {f['in_flight_at_kills']} in flight at the {f['kills']} kills"
    if "in_flight_at_outage" in f:
        delivered += f", {f['in_flight_at_outage']} in flight at the outage"
    parts.append(delivered)
    if "db_recovery_s" in f:
        parts.append(
            f"recovery {fmt(f['db_recovery_s'])} after the database's return "
            f"(all delivered {fmt(f['all_delivered_s'])} after it)"
        )
    if "sink_recovery_s" in f:
        parts.append(
            f"recovery {fmt(f['sink_recovery_s'])} after the Retry-After ended, all delivered "
            f"{fmt(f['all_delivered_s'])} after it ({f['answered_500']} answered 500, "
            f"{f['answered_429']} answered 429, "
            f"{f['sent_before_retry_after']} sent before the Retry-After ended)"
        )
    if f.get("restart_median_s") is not None:
        parts.append(f"restart {f['restart_median_s']}s median, {f['restart_max_s']}s max")
    if f.get("orphans_after_kills"):
        parts.append(f"{f['orphans_after_kills']} helper processes outlived a kill")
    ending = f"finished in {f['finish_s']}s" if f["finished"] else f"NOT finished after {f['finish_s']}s"
    parts.append(f"{ending} ({f['undelivered']} undelivered); {f['seconds']:.0f}s in all")
    return "; ".join(parts)


def fmt(seconds: float | str | None) -> str:
    if isinstance(seconds, str):
        return seconds
    return "never" if seconds is None else f"{seconds:.1f}s"


def worst(values: list[Any]) -> Any:
    """The largest figure; None (never happened) is worse than any. "not run" when there is none."""
    if not values:
        return "not run"
    if any(v is None for v in values):
        return None
    return max(values)


def totals(results: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    every = [f for scenarios in results.values() for f in scenarios.values()]
    kills = [f for scenarios in results.values() for s, f in scenarios.items() if "kills" in s]
    return {
        "lost": sum(f["lost"] for f in every),
        "stored_twice": sum(f["stored_twice"] for f in every),
        "repeated_deliveries": sum(f["repeated_deliveries"] for f in every),
        "in_flight_at_kills": sum(f["in_flight_at_kills"] for f in every),
        "in_flight_at_outages": sum(f.get("in_flight_at_outage", 0) for f in every),
        "max_repeat_delay_s": max((f["max_repeat_delay_s"] for f in every), default=0.0),
        "repeats_awaited": sum(f["repeats_awaited"] for f in every),
        "undelivered": sum(f["undelivered"] for f in every),
        "db_recovery_s": worst(
            [f["db_recovery_s"] for s in results.values() for n, f in s.items() if n == "db_outage"]
        ),
        "sink_recovery_s": worst(
            [f["sink_recovery_s"] for s in results.values() for n, f in s.items() if n == "sink_outage"]
        ),
        "sent_before_retry_after": sum(f.get("sent_before_retry_after", 0) for f in every),
        "orphans_after_kills": sum(f.get("orphans_after_kills", 0) for f in kills),
        "all_finished": all(f["finished"] for f in every),
    }


def check_postgres(url: str) -> None:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - say why in one line
        shown = make_url(url).render_as_string(hide_password=True)
        raise SystemExit(
            f"PostgreSQL not reachable at {shown} ({type(exc).__name__}); --postgres none skips it"
        ) from None
    finally:
        engine.dispose()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI version: small and quick")
    parser.add_argument("--kills", type=int)
    parser.add_argument("--leads", type=int, help="leads in the CSV of the kill loop and the database outage")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="comma list of " + ", ".join(SCENARIOS)
    )
    parser.add_argument("--postgres", default=DEFAULT_PG, help="server for the PostgreSQL runs, or none")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--db-outage-seconds", type=float)
    parser.add_argument("--sink-errors-seconds", type=float)
    parser.add_argument("--retry-after", type=int)
    parser.add_argument("--outage-leads", type=int, help="leads delivered through the sink outage")
    parser.add_argument("--webhook-rate", type=float, help="sandbox leads a minute during webhook traffic")
    parser.add_argument("--finish-timeout", type=float, help="seconds a clean finish may take")
    parser.add_argument("--sink-latency-ms", type=float, default=50.0, help="the receiver's answer time")
    parser.add_argument("--cold-start", action="store_true", help="start each bot process from scratch")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="work in DIR (new) and keep it: configs, bot logs, SQLite files",
    )
    parser.add_argument(
        "--bot-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for every bot process, e.g. SOCIALLEADS_DISPATCH__LEASE=30s (repeatable)",
    )
    args = parser.parse_args(argv)
    profile = SHORT if args.short else FULL
    for name, value in profile.items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = sorted(set(args.scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; the scenarios are {', '.join(SCENARIOS)}")
    malformed = [item for item in args.bot_env if "=" not in item]
    if malformed:
        parser.error(f"--bot-env takes NAME=VALUE, got {', '.join(malformed)}")
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.postgres.lower() == "none":
        args.backends = [b for b in args.backends if b != "postgresql"]
    return args


def _stop_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # so the finally blocks end the bots, the proxy and the databases


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    if "postgresql" in args.backends:
        check_postgres(args.postgres)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=False)
            tmp = str(args.keep.resolve())
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="torture-"))
        forks = None if args.cold_start else ForkServer(Path(tmp))
        try:
            for backend in args.backends:
                run = Run(backend, args.postgres if backend == "postgresql" else None, Path(tmp), args, forks)
                results[backend] = {}
                for scenario in args.scenarios:
                    began = time.perf_counter()
                    figures = RUNNERS[scenario](run)
                    figures["seconds"] = round(time.perf_counter() - began, 1)
                    results[backend][scenario] = figures
                    print(describe(backend, scenario, figures), flush=True)
        finally:
            if forks is not None:
                forks.close()
    summary = {
        "bench": "torture",
        "short": args.short,
        "seed": args.seed,
        "kills": args.kills,
        "leads": args.leads,
        "seconds": round(time.perf_counter() - started, 1),
        **totals(results),
        "backends": results,
    }
    print(
        f"total: {summary['lost']} lost, {summary['stored_twice']} stored twice, "
        f"{summary['repeated_deliveries']} deliveries repeated ({summary['in_flight_at_kills']} in flight at "
        f"the kills, {summary['in_flight_at_outages']} at the outages), longest repeat delay "
        f"{summary['max_repeat_delay_s']:.1f}s, database recovery {fmt(summary['db_recovery_s'])}, "
        f"sink recovery {fmt(summary['sink_recovery_s'])}; {summary['seconds']:.0f}s"
    )
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
