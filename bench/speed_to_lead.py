"""Speed to lead: from a Meta leadgen webhook arriving at the bot to the sink receiving the lead.

The platforms and the CRM are other machines in production, so here they run in another process:
the sandbox (Graph API and the webhook sender) and the sink (a loopback HTTP receiver) are started
by this script in a child process, and the bot in this one. The sandbox sends N signed leadgen
webhooks to the bot's /webhooks/meta, one lead at a time; the world sometimes makes two leads in
the same instant, and Meta then puts both in one webhook: such leads are counted (``shared_webhook``)
and measured like the rest. The bot stores the delivery, fetches the lead through facebook-sdk,
stores and qualifies it, and the dispatcher (woken in-process, its timer set to a minute so a timer
tick cannot help) POSTs it to the webhook sink. The bot runs as ``socialleads run`` runs it
(scheduler, web server, collector tuned); a few webhook leads go first, unmeasured, to warm it up.
Measured in the same run, from the bot's process and at the pace the leads came: the two round
trips the path cannot avoid, the Graph fetch of one lead and one sink POST.

Both processes read ``time.perf_counter()``, which on Linux is CLOCK_MONOTONIC, one clock for the
whole machine (checked at start), so the child's receive times compare with the bot's arrivals.

    python bench/speed_to_lead.py [--leads 200]

Prints the figures, then one JSON line. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

import scheduler
from connectors.meta.graph import GraphClient
from connectors.meta.lead_fields import LEAD_FIELDS
from connectors.webhook.sink import WebhookConfig, WebhookSink
from socialleads.bot import build_bot
from socialleads.contracts import ConnectorContext
from socialleads.gc_tuning import tune_garbage_collector
from socialleads.http import new_session
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.meta.webhooks import WebhookSender
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import Rates, World
from socialleads.settings import DispatchSettings, Settings, WebSettings
from socialleads.testing.http_receiver import LoopbackReceiver
from socialleads.testing.kit import sample_lead

SEED = 3
#: Seconds between one lead's webhook being answered and the next lead (and between the round trips
#: timed for comparison): one lead at a time measures latency, not throughput.
PACE = 0.03
#: Webhook leads sent before the measured ones.
WARM_UP = 5
#: World time per step: short enough that a step rarely makes two leads, so a webhook carries one
#: lead, as the measurement wants (one lead a second over all forms: a step of a second put two or
#: more in a quarter of the webhooks, and their last lead waited for the others).
STEP = timedelta(milliseconds=100)
FORM = "880000000000101"  # the consultation form: every lead of it is one webhook, one fetch, one delivery


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0-1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(action: Callable[[], Any], times: int) -> list[float]:
    """Milliseconds each of ``times`` calls of ``action`` took, one every PACE seconds like the leads.

    Back to back, each call finds the CPU caches, the connection and both processes warm, and takes
    a third of the time the same call takes at the leads' pace; the path never gets that, so the
    comparison would be with a best case nobody is served by.
    """
    spent = []
    for _ in range(times):
        time.sleep(PACE)
        started = time.perf_counter()
        action()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def check_shared_clock() -> None:
    """perf_counter must be the machine-wide monotonic clock, or two processes' times do not compare."""
    gap = abs(time.perf_counter() - time.clock_gettime(time.CLOCK_MONOTONIC))
    if gap > 0.01:
        raise SystemExit(f"time.perf_counter() is not CLOCK_MONOTONIC here (off by {gap:.3f}s)")


def bench_world(start: datetime) -> World:
    """A world of lead forms only, with a minute of history (the same in both processes)."""
    return World(
        seed=SEED,
        start=start,
        history=timedelta(minutes=1),
        population=500,
        rates=Rates(
            leads=60, fb_comments=0, ig_comments=0, x_posts=0, fb_posts_per_hour=0, ig_media_per_hour=0
        ),
    )


def serve_emulators(start: datetime) -> None:
    """The child process: the sandbox and the sink, driven by one JSON command per line on stdin."""
    check_shared_clock()
    world = bench_world(start)
    with SandboxServer(world, Chaos()) as sandbox, LoopbackReceiver() as sink:
        print(json.dumps({"sandbox": sandbox.url, "sink": sink.url}), flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            if "send" in command:  # one lead at a time: latency, not throughput
                sent: list[str] = []
                with WebhookSender(
                    world, Chaos(), command["send"], batch_window=0.0, retry_delays=(0.0,)
                ) as sender:
                    while len(sent) < command["leads"]:
                        made = world.advance(world.now + STEP)
                        if not made:
                            continue
                        sent += [str(item.id) for item in made if getattr(item, "form_id", None) == FORM]
                        sender.flush(timeout=10)
                        time.sleep(PACE)
                print(json.dumps({"sent": sent}), flush=True)
            elif "report" in command:  # when each lead reached the sink, by the Meta lead id
                received: dict[str, float] = {}
                for request in sink.requests:
                    if request.path.endswith("/leads"):
                        touches = request.json()["lead"]["touches"]
                        received.setdefault(touches[-1]["native_id"], request.received_at)
                print(json.dumps({"received": received}), flush=True)
            else:
                return


class Emulators:
    """The child process, seen from the bot's side."""

    def __init__(self, start: datetime) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - this very script
            [sys.executable, __file__, "--serve-emulators", start.isoformat()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        urls = self.ask(None)
        self.sandbox_url, self.sink_url = urls["sandbox"], urls["sink"]

    def ask(self, command: dict[str, Any] | None) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        if command is not None:
            self.process.stdin.write(json.dumps(command) + "\n")
            self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("the emulators' process ended early")
        return dict(json.loads(answer))

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(15)


def write_config(folder: Path, sink_url: str) -> None:
    t = fixtures.Tokens.for_seed(SEED)
    os.environ.update(
        {
            "BENCH_META_SECRET": t.app_secret,
            "BENCH_META_VERIFY": t.verify_token,
            "BENCH_META_TOKEN": t.page_tokens[fixtures.MAIN_PAGE],
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    sources = {
        "leads": {
            "type": "meta_lead_ads",
            "every": "1h",
            "config": {
                "app_secret": {"$env": "BENCH_META_SECRET"},
                "verify_token": {"$env": "BENCH_META_VERIFY"},
                "pages": [{"id": fixtures.MAIN_PAGE, "token": {"$env": "BENCH_META_TOKEN"}, "forms": [FORM]}],
            },
        }
    }
    (folder / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    (folder / "sinks.yaml").write_text(
        yaml.safe_dump({"sinks": {"crm": {"type": "webhook", "config": {"url": sink_url}}}})
    )
    (folder / "campaigns.yaml").write_text(yaml.safe_dump({"default_route": {"deliver_to": ["crm"]}}))


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--serve-emulators", metavar="START", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_emulators:
        serve_emulators(datetime.fromisoformat(args.serve_emulators))
        return
    check_shared_clock()
    start = datetime.now(UTC).replace(microsecond=0)
    arrived: dict[str, float] = {}
    shared: set[str] = set()  # leads whose webhook carried other leads too
    emulators = Emulators(start)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_config(folder / "config", f"{emulators.sink_url}/leads")
            port = free_port()
            bot = build_bot(
                Settings(
                    database_url=f"sqlite:///{folder / 'bench.db'}",
                    config_dir=folder / "config",
                    sandbox_url=emulators.sandbox_url,
                    web=WebSettings(port=port),
                    dispatch=DispatchSettings(every=timedelta(minutes=1)),
                )
            )
            receiver = bot.webhooks["meta"]
            accept = receiver.accept

            def timed_accept(body: bytes, headers: Any) -> Any:  # when the bot holds the whole delivery
                now = time.perf_counter()
                ids = [
                    str(change["value"].get("leadgen_id"))
                    for entry in json.loads(body).get("entry", [])
                    for change in entry.get("changes", [])
                ]
                for lead_id in ids:
                    arrived.setdefault(lead_id, now)
                if len(ids) > 1:
                    shared.update(ids)
                return accept(body, headers)

            receiver.accept = timed_accept  # type: ignore[method-assign]
            stop = threading.Event()
            jobs, waker = scheduler.build_scheduler(bot, stop)  # as scheduler.run does
            web = scheduler.start_web(bot)
            tune_garbage_collector()
            jobs.start()
            try:
                time.sleep(2)  # the first poll reads the minute of history; not measured
                callback = f"http://127.0.0.1:{port}/webhooks/meta"
                # Not measured either: the first webhook leads of a run pay one-time costs (threads
                # started, statements compiled, connections opened) that no later lead pays.
                emulators.ask({"send": callback, "leads": WARM_UP})
                sent = emulators.ask({"send": callback, "leads": args.leads})
                wanted = {i for i in sent["sent"] if i in arrived}
                delivered: dict[str, float] = {}
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and not wanted <= set(delivered):
                    time.sleep(0.2)
                    delivered = emulators.ask({"report": True})["received"]
                latencies = [(delivered[i] - arrived[i]) * 1000 for i in wanted if i in delivered]

                # The round trips the path cannot avoid, measured now from the bot's process.
                graph = GraphClient(
                    SecretStr(fixtures.Tokens.for_seed(SEED).page_tokens[fixtures.MAIN_PAGE]),
                    "v26.0",
                    new_session(sandbox_url=emulators.sandbox_url),
                    lambda: datetime.now(UTC),
                )
                some_lead = sent["sent"][0]
                fetch = timed(lambda: graph.get(some_lead, fields=LEAD_FIELDS), len(latencies))
                post_sink = WebhookSink(
                    WebhookConfig(url=f"{emulators.sink_url}/direct"), ConnectorContext(instance="bench")
                )
                lead = sample_lead()
                post = timed(lambda: post_sink.deliver(lead, "bench-key"), len(latencies))
            finally:  # an error must not leave the scheduler and the web server running
                stop.set()
                waker.release()
                jobs.shutdown(wait=True)
                if web is not None:
                    web[0].should_exit = True
                    web[1].join(10)
                bot.close()
    finally:
        emulators.close()

    unavoidable_p99 = percentile(fetch, 0.99) + percentile(post, 0.99)
    figures = {
        "bench": "speed_to_lead",
        "leads": len(latencies),
        "missing": len(wanted) - len(latencies),
        "shared_webhook": len(wanted & shared),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "graph_fetch_p50_ms": round(statistics.median(fetch), 2),
        "graph_fetch_p99_ms": round(percentile(fetch, 0.99), 2),
        "sink_post_p50_ms": round(statistics.median(post), 2),
        "sink_post_p99_ms": round(percentile(post, 0.99), 2),
        "unavoidable_p99_ms": round(unavoidable_p99, 2),
        "ratio_p99": round(percentile(latencies, 0.99) / unavoidable_p99, 2),
    }
    print(
        f"{figures['leads']} leads, webhook arrival to sink: p50 {figures['p50_ms']} ms, "
        f"p99 {figures['p99_ms']} ms ({figures['missing']} not delivered; "
        f"{figures['shared_webhook']} came in a webhook with other leads)"
    )
    print(
        f"unavoidable round trips: Graph fetch p50 {figures['graph_fetch_p50_ms']} / p99 "
        f"{figures['graph_fetch_p99_ms']} ms, sink POST p50 {figures['sink_post_p50_ms']} / p99 "
        f"{figures['sink_post_p99_ms']} ms; end-to-end p99 is {figures['ratio_p99']}x their sum"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
