"""Console benchmark: the inbox's and a lead page's server time with 100,000 stored leads, and how long a
newly stored lead takes to reach a browser, against the ``/healthz`` round trip in the same run.

The leads are written as ``bench/api.py`` writes them (its ``store_leads``: the real tables, in the
shapes the store step gives them). The bot's real app is served on loopback and called the way the
console's pages call it, with a session cookie from the sign-in form's ``POST /api/v1/session``:

- **inbox first page**: ``GET /inbox`` (the page), ``/api/v1/me``, ``/api/v1/campaigns`` and
  ``/api/v1/leads?limit=50`` (filters cycled: none, a grade, a status, a platform), one after the
  other, as ``static/inbox.js`` asks for them; the figure is the sum, i.e. the server time a browser
  waits for before it can draw the list (static assets are cached and not counted);
- **lead page**: ``GET /leads/{key}``, ``/api/v1/me`` and ``/api/v1/leads/{key}`` (``static/lead.js``);
- **store to browser**: a headless chromium (Debian's, through Playwright) has the inbox open; a CSV
  source's poll stores one new lead; the figure is from the start of that poll to the moment the
  browser's ``EventSource`` receives ``lead.stored`` (the browser's clock and ours are the machine's),
  and, beside it, to the moment the new row is drawn (the inbox fetches its first page again).

    python bench/console.py [--leads 100000] [--rounds 200] [--events 30] [--postgres URL|none]

Targets (issue 16): inbox first page p95 <= 150 ms, lead page p95 <= 100 ms, store-to-browser event
p95 <= 500 ms. Prints the figures, then one JSON line. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import yaml
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api import serve, store_leads, summary, with_postgres_schema

from socialleads.accounts.passwords import hash_password
from socialleads.accounts.roles import Role
from socialleads.bot import Bot, build_bot
from socialleads.settings import Settings, WebSettings
from socialleads.store import accounts
from socialleads.store.tables import leads

TARGETS_MS = {"inbox": 150, "lead": 100, "event": 500}
PASSWORD = "bench console password"
INBOX_FILTERS = ["", "&grade=A", "&status=new", "&platform=facebook"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def bot_on(url: str, folder: Path) -> Bot:
    """A bot on ``url`` with one CSV source (``folder/inbox``), polled by hand, and no sink."""
    config = folder / "config"
    config.mkdir(parents=True, exist_ok=True)
    inbox = folder / "inbox"
    source = {"type": "csv", "every": "1h", "config": {"folder": str(inbox), "settle": "0s"}}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": {"fair": source}}))
    (config / "sinks.yaml").write_text(yaml.safe_dump({"sinks": {}}))
    (config / "campaigns.yaml").write_text(yaml.safe_dump({"campaigns": {}}))
    web = WebSettings(enabled=True, host="127.0.0.1", port=0)
    return build_bot(Settings(database_url=url, config_dir=config, web=web))


def signed_in(bot: Bot, origin: str) -> requests.Session:
    """A keep-alive session holding a console cookie, as the sign-in form leaves the browser."""
    with bot.engine.begin() as conn:
        accounts.add_user(
            conn,
            "bench.sales@example.com",
            name="Bench Sales",
            role=Role.ADMIN,
            team=None,
            password_hash=hash_password(PASSWORD),
            now=bot.clock(),
        )
    session = requests.Session()
    answer = session.post(
        f"{origin}/api/v1/session",
        json={"email": "bench.sales@example.com", "password": PASSWORD},
        timeout=30,
    )
    answer.raise_for_status()
    return session


def timed(session: requests.Session, url: str, accept: str = "application/json") -> float:
    """Milliseconds for one GET; raises on an error status."""
    started = time.perf_counter()
    answer = session.get(url, headers={"Accept": accept}, timeout=30)
    elapsed = (time.perf_counter() - started) * 1000
    answer.raise_for_status()
    return elapsed


def page_rounds(
    session: requests.Session, origin: str, keys: list[str], rounds: int
) -> dict[str, list[float]]:
    """Each round: the inbox's first page, a lead page, and /healthz; milliseconds per round."""
    times: dict[str, list[float]] = {"inbox": [], "lead": [], "healthz": []}
    rng = random.Random(3)
    for n in range(rounds):
        flt = INBOX_FILTERS[n % len(INBOX_FILTERS)]
        times["inbox"].append(
            timed(session, f"{origin}/inbox", "text/html")
            + timed(session, f"{origin}/api/v1/me")
            + timed(session, f"{origin}/api/v1/campaigns")
            + timed(session, f"{origin}/api/v1/leads?limit=50{flt}")
        )
        key = rng.choice(keys)
        times["lead"].append(
            timed(session, f"{origin}/leads/{key}", "text/html")
            + timed(session, f"{origin}/api/v1/me")
            + timed(session, f"{origin}/api/v1/leads/{key}")
        )
        times["healthz"].append(timed(session, f"{origin}/healthz"))
    return times


def _drop(inbox: Path, n: int) -> None:
    """One new CSV file with one person in ``inbox``."""
    inbox.mkdir(parents=True, exist_ok=True)
    part = inbox / f"visit-{n}.csv.part"
    with part.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Name", "Email", "Phone"])
        writer.writerow([f"Visitor {n}", f"visitor{n}@example.com", f"+354 61{n % 10} {1000 + n:04d}"])
    shutil.move(part, inbox / f"visit-{n}.csv")


_LISTEN = """() => {
  window.__arrivals = [];
  const stream = new EventSource("/api/v1/events");
  stream.addEventListener("lead.stored", () => {
    window.__arrivals.push(Date.now());
    document.body.dataset.arrivals = String(window.__arrivals.length);
  });
  return new Promise((ready) => stream.addEventListener("open", () => ready(true)));
}"""


def event_rounds(
    bot: Bot, origin: str, session: requests.Session, folder: Path, count: int
) -> dict[str, Any]:
    """Store ``count`` leads one at a time with the inbox open in chromium; milliseconds to the event
    and to the drawn row. Empty figures when no browser can be started."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed"}
    executable = os.environ.get("SOCIALLEADS_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        return {"skipped": "no chromium on this machine"}
    cookie = session.cookies.get("sl_session")
    to_event: list[float] = []
    to_row: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.add_cookies([{"name": "sl_session", "value": cookie or "", "url": origin}])
        page = context.new_page()
        page.goto(f"{origin}/inbox")
        page.locator("#lead-rows tr").first.wait_for()
        page.locator("body[data-live='on']").wait_for()  # (the page's CSP forbids wait_for_function)
        page.evaluate(_LISTEN)
        for n in range(count + 3):  # the first three warm up (the poll's own first calls)
            _drop(folder / "inbox", n)
            started = time.time() * 1000
            bot.runner.poll("fair")
            page.locator(f"body[data-arrivals='{n + 1}']").wait_for(state="attached")
            page.locator("#lead-rows tr", has_text=f"Visitor {n}").wait_for()
            drawn = time.time() * 1000
            arrived = page.evaluate(f"window.__arrivals[{n}]")
            if n >= 3:
                to_event.append(arrived - started)
                to_row.append(drawn - started)
        browser.close()
    return {"event": summary(to_event), "row": summary(to_row)}


def measure(
    label: str, url: str, work: Path, count: int, rounds: int, events: int, seed: int
) -> dict[str, Any]:
    """Store ``count`` leads on ``url``, serve the console, and time its pages and a new lead's event."""
    folder = work / label
    bot = bot_on(url, folder)
    started = time.perf_counter()
    store_leads(bot.engine, count, seed)
    print(f"{label}: {count} leads stored in {time.perf_counter() - started:.1f}s", flush=True)
    with bot.engine.connect() as conn:
        keys = [k for (k,) in conn.execute(select(leads.c.key).order_by(leads.c.id.desc()).limit(2000))]
    server, thread, origin = serve(bot)
    try:
        session = signed_in(bot, origin)
        page_rounds(session, origin, keys, 20)  # warm up: caches, pools, the planner's statistics
        times = page_rounds(session, origin, keys, rounds)
        live = event_rounds(bot, origin, session, folder, events)
    finally:
        server.should_exit = True
        thread.join(10)
        bot.close()
    return report(label, times, live)


def report(label: str, times: dict[str, list[float]], live: dict[str, Any]) -> dict[str, Any]:
    """Print one database's figures; returns them with each page's ratio to /healthz (p95 over p95)."""
    base = summary(times["healthz"])
    figures: dict[str, Any] = {"healthz": base}
    print(f"{label}: /healthz p50 {base['p50_ms']} ms, p95 {base['p95_ms']} ms (the baseline)")
    for kind in ("inbox", "lead"):
        s = summary(times[kind])
        s["ratio"] = round(s["p95_ms"] / base["p95_ms"], 1)
        s["meets_target"] = s["p95_ms"] <= TARGETS_MS[kind]
        figures[kind] = s
        print(f"  {kind:6} page p50 {s['p50_ms']:6.1f}  p95 {s['p95_ms']:6.1f}  p99 {s['p99_ms']:6.1f} ms "
              f"(target p95 <= {TARGETS_MS[kind]}; {s['ratio']}x /healthz)")  # fmt: skip
    if "skipped" in live:
        print(f"  store to browser: skipped ({live['skipped']})")
        figures["event"] = live
        return figures
    event, row = live["event"], live["row"]
    event["meets_target"] = event["p95_ms"] <= TARGETS_MS["event"]
    figures["event"], figures["row"] = event, row
    print(
        f"  store to browser event p50 {event['p50_ms']} p95 {event['p95_ms']} ms "
        f"(target p95 <= {TARGETS_MS['event']}); row drawn p50 {row['p50_ms']} p95 {row['p95_ms']} ms"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200, help="page loads of each kind per database")
    parser.add_argument("--events", type=int, default=30, help="leads stored one by one with the inbox open")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "SOCIALLEADS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL URL (the run uses its own schema, dropped after), or 'none' to skip",
    )
    args = parser.parse_args()
    result: dict[str, Any] = {"bench": "console", "leads": args.leads, "targets_p95_ms": TARGETS_MS}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run = (args.leads, args.rounds, args.events, args.seed)
        result["sqlite"] = measure("SQLite", f"sqlite:///{work / 'bench.db'}", work, *run)
        if args.postgres != "none":
            pg = with_postgres_schema(args.postgres, lambda url: measure("PostgreSQL", url, work, *run))
            if pg is not None:
                result["postgresql"] = pg
    measured = [result[db] for db in ("sqlite", "postgresql") if db in result]
    for kind in ("inbox", "lead"):
        result[f"{kind}_p95_ms"] = max(f[kind]["p95_ms"] for f in measured)
        result[f"{kind}_ratio"] = max(f[kind]["ratio"] for f in measured)
    events = [f["event"] for f in measured if "p95_ms" in f["event"]]
    if events:
        result["event_p95_ms"] = max(e["p95_ms"] for e in events)
    result["meets_targets"] = all(
        f[kind].get("meets_target", False) for f in measured for kind in ("inbox", "lead", "event")
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
