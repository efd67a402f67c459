"""Dispatch throughput: 10,000 pending deliveries drained to a sink emulator, against its own ceiling.

The sink emulator is a minimal webhook receiver (uvicorn, HTTP/1.1 keep-alive, answers 200 with a
record id) in its own process, so it does not share the GIL with the bot. The ceiling is a plain
loop of POSTs of the same bodies through one ``requests`` session: what a client that stores
nothing, retries nothing and records nothing could do. It is measured in the same run against the
same receiver, in slices that alternate with the drain (a second of draining, then as many plain
POSTs as it delivered), so a load that comes and goes on a shared machine weighs on both alike.
The bot drains the outbox with the real dispatcher and the real webhook sink (signed bodies,
idempotency keys, an attempt row per delivery, outcomes committed as they come, in groups of up to
``record_batch`` or every ``record_every``, leases renewed while held), once with concurrency 1
(like for like with the loop) and once with the default concurrency. Both run after
``tune_garbage_collector()``, as ``socialleads run`` does.

    python bench/dispatch.py [--deliveries 10000] [--postgres URL]

Prints the figures, then one JSON line. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests
import yaml
from sqlalchemy import func, select, text

from socialleads.bot import build_bot
from socialleads.card import lead_payload
from socialleads.gc_tuning import tune_garbage_collector
from socialleads.settings import Settings
from socialleads.store import leads as lead_store
from socialleads.store.db import checkpoint_wal, make_engine
from socialleads.store.tables import deliveries

RECEIVER = """
import itertools, json, sys, uvicorn
ids = itertools.count(1)
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    body = json.dumps({"id": str(next(ids))}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
config = uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                        access_log=False, lifespan="off")
uvicorn.Server(config).run()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_receiver() -> tuple[subprocess.Popen[bytes], str]:
    """The sink emulator in its own process; returns it and its URL once it answers."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])  # noqa: S603 - our own code
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            requests.post(f"{url}/ready", timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the receiver did not start")


def write_leads(inbox: Path, count: int) -> None:
    with (inbox / "leads.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Full Name", "Email", "Phone", "Company"])
        for n in range(count):
            writer.writerow([f"Person {n}", f"person{n}@example.com", f"+354 6{n:06d}", "Heimili ehf."])


def prepared_bot(url: str, work: Path, receiver: str, deliveries_wanted: int, concurrency: int) -> Any:
    """A bot whose outbox holds ``deliveries_wanted`` pending deliveries to the webhook sink."""
    folder = work / f"run-{uuid.uuid4().hex[:6]}"
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    write_leads(inbox, deliveries_wanted)
    (folder / "sources.yaml").write_text(
        yaml.safe_dump(
            {"sources": {"fair": {"type": "csv", "config": {"folder": str(inbox), "settle": "0s"}}}}
        )
    )
    sink = {"type": "webhook", "concurrency": concurrency, "config": {"url": f"{receiver}/hooks/leads"}}
    (folder / "sinks.yaml").write_text(yaml.safe_dump({"sinks": {"crm": sink}}))
    (folder / "campaigns.yaml").write_text(yaml.safe_dump({"default_route": {"deliver_to": ["crm"]}}))
    bot = build_bot(Settings(database_url=url, config_dir=folder, phone_region="IS"))
    tune_garbage_collector()  # as ``socialleads run`` does once the bot is built
    assert bot.runner.poll("fair").status == "ok"
    return bot


#: Seconds of draining between two slices of the plain loop.
SLICE_S = 1.0


def sample_bodies(bot: Any) -> list[bytes]:
    """JSON bodies like the sink's, for the plain loop (the same sizes and content)."""
    with bot.engine.connect() as conn:
        leads = lead_store.load_leads(conn, lead_store.list_lead_ids(conn, limit=200))
    return [json.dumps(lead_payload(lead, f"key-{lead.id}")).encode() for lead in leads.values()]


def plain_loop(session: requests.Session, receiver: str, bodies: list[bytes]) -> float:
    """Seconds for one session to POST every body in turn: the ceiling."""
    headers = {"Content-Type": "application/json"}
    started = time.perf_counter()
    for body in bodies:
        session.post(f"{receiver}/hooks/leads", data=body, headers=headers, timeout=10).raise_for_status()
    return time.perf_counter() - started


def drain_for(bot: Any, seconds: float) -> tuple[float, bool]:
    """Let the dispatcher work through the outbox for about ``seconds``; returns the time it took and
    whether the outbox is empty. A batch cut short gives its untried deliveries back, as a stopping
    bot does: that costs the bot, never the ceiling."""
    started = time.perf_counter()
    deadline = started + seconds
    report = bot.dispatcher.dispatch_due(should_stop=lambda: time.perf_counter() >= deadline)
    checkpoint_wal(bot.engine)  # the scheduler's "checkpoint" job does this every 2 s on SQLite
    finished = time.perf_counter()
    return finished - started, finished < deadline and report.paused == 0


def delivered_count(bot: Any) -> int:
    with bot.engine.connect() as conn:
        query = select(func.count()).select_from(deliveries).where(deliveries.c.status == "delivered")
        return int(conn.execute(query).scalar_one())


def interleaved(bot: Any, receiver: str, bodies: list[bytes]) -> tuple[float, float, int]:
    """Drain the outbox in slices of ``SLICE_S``, each followed by as many plain-loop POSTs as the bot
    delivered in it; returns the seconds the bot drained, the seconds the loop ran and how many
    bodies the loop sent. The machine is shared: a load that comes and goes weighs on both alike."""
    session = requests.Session()
    drained = looped = 0.0
    sent = delivered = 0
    done = False
    while not done:
        seconds, done = drain_for(bot, SLICE_S)
        drained += seconds
        now_delivered = delivered_count(bot)
        part = [bodies[(sent + n) % len(bodies)] for n in range(max(now_delivered - delivered, 1))]
        delivered = now_delivered
        looped += plain_loop(session, receiver, part)
        sent += len(part)
    session.close()
    return drained, looped, sent


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def measure(label: str, url: str, work: Path, receiver: str, count: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for concurrency in (1, 4):
        if url.startswith("postgresql"):
            reset_postgres(url)
        db = url if url.startswith("postgresql") else f"sqlite:///{work}/{label}-{concurrency}.db"
        bot = prepared_bot(db, work, receiver, count, concurrency)
        bodies = sample_bodies(bot)
        seconds, looped, sent = interleaved(bot, receiver, bodies)
        delivered = delivered_count(bot)
        bot.close()
        rate, ceiling = delivered / seconds, sent / looped
        results[f"c{concurrency}"] = {
            "deliveries_per_s": round(rate),
            "ceiling_per_s": round(ceiling),
            "ratio": round(rate / ceiling, 3),
            "delivered": delivered,
        }
        print(
            f"{label}, concurrency {concurrency}: {delivered} delivered in {seconds:.2f}s = {rate:,.0f}/s; "
            f"plain POST loop {ceiling:,.0f}/s; ratio {rate / ceiling:.2f}"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--postgres", help="also run on this PostgreSQL URL (its schema is dropped)")
    args = parser.parse_args()
    process, receiver = start_receiver()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            figures = {"sqlite": measure("sqlite", "sqlite", work, receiver, args.deliveries)}
            if args.postgres:
                figures["postgresql"] = measure("postgresql", args.postgres, work, receiver, args.deliveries)
    finally:
        process.terminate()
        process.wait(10)
    headline = figures["sqlite"]["c4"]
    print(
        json.dumps(
            {
                "bench": "dispatch",
                "deliveries": args.deliveries,
                "deliveries_per_s": headline["deliveries_per_s"],
                "ceiling_per_s": headline["ceiling_per_s"],
                "ratio": headline["ratio"],
                "details": figures,
            }
        )
    )


if __name__ == "__main__":
    main()
