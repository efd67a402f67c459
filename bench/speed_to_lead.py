"""Speed to lead: from a Meta leadgen webhook arriving at the bot to the sink receiving the lead.

The sandbox sends N signed leadgen webhooks, one lead each, to the bot's /webhooks/meta; the bot
stores the delivery, fetches the lead through facebook-sdk, stores and qualifies it, and the
dispatcher (woken in-process, its timer set to a minute so a timer tick cannot help) POSTs it to a
webhook sink on loopback. Measured in the same run, on the same machine: the two round trips the
path cannot avoid, the Graph fetch of one lead and one sink POST.

    python bench/speed_to_lead.py [--leads 200]

Prints the figures, then one JSON line. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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
from socialleads.http import new_session
from socialleads.sandbox import fixtures
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.meta_webhooks import WebhookSender
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import Rates, World
from socialleads.settings import DispatchSettings, Settings, WebSettings
from socialleads.testing.http_receiver import LoopbackReceiver
from socialleads.testing.kit import sample_lead


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0-1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(action: Callable[[], Any], times: int) -> list[float]:
    """Milliseconds each of ``times`` calls of ``action`` took."""
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def write_config(folder: Path, world: World, sink_url: str) -> None:
    t = world.tokens
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
                "pages": [
                    {
                        "id": fixtures.MAIN_PAGE,
                        "token": {"$env": "BENCH_META_TOKEN"},
                        "forms": ["880000000000101"],
                    }
                ],
            },
        }
    }
    (folder / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    (folder / "sinks.yaml").write_text(
        yaml.safe_dump({"sinks": {"crm": {"type": "webhook", "config": {"url": sink_url}}}})
    )
    (folder / "campaigns.yaml").write_text(yaml.safe_dump({"default_route": {"deliver_to": ["crm"]}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200)
    args = parser.parse_args()
    # Only the consultation form: every lead of it is one webhook, one fetch, one delivery.
    world = World(
        seed=3,
        start=datetime.now(UTC),
        history=timedelta(minutes=1),
        population=500,
        rates=Rates(
            leads=60, fb_comments=0, ig_comments=0, x_posts=0, fb_posts_per_hour=0, ig_media_per_hour=0
        ),
    )
    arrived: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        SandboxServer(world, Chaos()) as sandbox,
        LoopbackReceiver() as sink,
    ):
        folder = Path(tmp)
        write_config(folder / "config", world, f"{sink.url}/leads")
        port = scheduler_port()
        bot = build_bot(
            Settings(
                database_url=f"sqlite:///{folder / 'bench.db'}",
                config_dir=folder / "config",
                sandbox_url=sandbox.url,
                web=WebSettings(port=port),
                dispatch=DispatchSettings(every=timedelta(minutes=1)),
            )
        )
        receiver = bot.webhooks["meta"]
        accept = receiver.accept

        def timed_accept(body: bytes, headers: Any) -> Any:  # when the bot holds the whole delivery
            now = time.perf_counter()
            for entry in json.loads(body).get("entry", []):
                for change in entry.get("changes", []):
                    arrived.setdefault(str(change["value"].get("leadgen_id")), now)
            return accept(body, headers)

        receiver.accept = timed_accept  # type: ignore[method-assign]
        stop = threading.Event()
        jobs, waker = scheduler.build_scheduler(bot, stop)
        web = scheduler.start_web(bot)
        jobs.start()
        time.sleep(2)  # the first poll reads the minute of history; not measured
        sink.requests.clear()
        form = "880000000000101"
        with WebhookSender(
            world, Chaos(), f"http://127.0.0.1:{port}/webhooks/meta", batch_window=0.0, retry_delays=(0.0,)
        ) as sender:
            made = 0
            while made < args.leads:
                made += sum(
                    1
                    for item in world.advance(world.now + timedelta(seconds=1))
                    if getattr(item, "form_id", None) == form
                )
                sender.flush(timeout=10)
                time.sleep(0.03)  # one lead at a time: latency, not throughput
        deadline = time.monotonic() + 30
        wanted = {i for i in arrived if i in {lead.id for lead in world.leads if lead.form_id == form}}
        delivered: dict[str, float] = {}
        while time.monotonic() < deadline and not wanted <= set(delivered):
            for request in list(sink.requests):
                touches = request.json()["lead"]["touches"]
                delivered.setdefault(touches[-1]["native_id"], request.received_at)
            time.sleep(0.05)
        latencies = [(delivered[i] - arrived[i]) * 1000 for i in wanted if i in delivered]

        # The round trips the path cannot avoid, measured now on the same machine.
        graph = GraphClient(
            SecretStr(world.tokens.page_tokens[fixtures.MAIN_PAGE]),
            "v26.0",
            new_session(sandbox_url=sandbox.url),
            lambda: datetime.now(UTC),
        )
        some_lead = next(lead.id for lead in world.leads if lead.form_id == form)
        fetch = timed(lambda: graph.get(some_lead, fields=LEAD_FIELDS), len(latencies))
        post_sink = WebhookSink(WebhookConfig(url=f"{sink.url}/direct"), ConnectorContext(instance="bench"))
        lead = sample_lead()
        post = timed(lambda: post_sink.deliver(lead, "bench-key"), len(latencies))
        stop.set()
        waker.release()
        jobs.shutdown(wait=True)
        if web is not None:
            web[0].should_exit = True
            web[1].join(10)
        bot.close()

    unavoidable_p99 = percentile(fetch, 0.99) + percentile(post, 0.99)
    figures = {
        "bench": "speed_to_lead",
        "leads": len(latencies),
        "missing": len(wanted) - len(latencies),
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
        f"p99 {figures['p99_ms']} ms ({figures['missing']} not delivered)"
    )
    print(
        f"unavoidable round trips: Graph fetch p50 {figures['graph_fetch_p50_ms']} / p99 "
        f"{figures['graph_fetch_p99_ms']} ms, sink POST p50 {figures['sink_post_p50_ms']} / p99 "
        f"{figures['sink_post_p99_ms']} ms; end-to-end p99 is {figures['ratio_p99']}x their sum"
    )
    print(json.dumps(figures))


def scheduler_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()
