"""X polling cost: API calls and posts read by ``x_search`` against the least the X API allows.

A sandbox world busy enough that at least 10,000 posts match the bench's search (mentions of the store,
no retweets, not by the store) within recent search's 7 days; the search source reads the backlog in one
poll (``first_window`` reaching back past the oldest post), then a few incremental polls after the world
moves on. Every draft goes through the real qualifier. X bills each post read and returns at most 100
posts per call, so the least a poll can cost is ``max(1, ceil(new posts / 100))`` calls and one read per
new post; the target is within 5% of both.

    python bench/x_poll.py [--posts-per-minute 120] [--hours 3.5] [--polls 3]

Prints the figures, then one JSON line. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from connectors.x.search import XSearchConfig, XSearchCursor, XSearchSource
from socialleads.contracts import ConnectorContext, MemoryMeter
from socialleads.errors import SourceError
from socialleads.http import DEFAULT_TIMEOUT, new_session
from socialleads.models import RawEvent
from socialleads.pipeline.normalize import normalize
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.living import Rates, World
from socialleads.sandbox.x.api import XLimits

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SEARCH = {"name": "store_mentions", "mentions": ["thestore"]}
TARGET = 0.05
METER = "x:default:posts"


def build_world(per_minute: float, hours: float, intent_share: float) -> World:
    """Only X posts, ``hours`` of them already made at ``per_minute``."""
    rates = Rates(
        leads=0,
        fb_comments=0,
        ig_comments=0,
        x_posts=per_minute,
        fb_posts_per_hour=0,
        ig_media_per_hour=0,
        intent_share=intent_share,
    )
    return World(seed=21, start=START, rates=rates, history=timedelta(hours=hours), population=5000)


def matching(world: World) -> set[str]:
    """What the search must find, from the world's own posts: mentions of the store in the last 7 days,
    no retweets, none by the store."""
    since, brand = world.now - timedelta(days=7), world.brand.id
    return {
        t.id
        for t in world.tweets
        if "thestore" in t.mentions and t.retweet_of is None and t.author_id != brand and t.created >= since
    }


def poll_all(world: World, hours: float, polls: int) -> tuple[list[dict[str, Any]], set[str], int]:
    """The backlog poll, then ``polls`` incremental ones two world-minutes apart: one row per poll, every
    new post id, and the leads the real qualifier found."""
    seen: list[requests.Response] = []
    with SandboxServer(world, Chaos(), x_limits=XLimits(search=100_000)) as sandbox:

        def session(timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> requests.Session:
            made = new_session(timeout, sandbox_url=sandbox.url)
            made.hooks["response"].append(lambda response, *_, **__: seen.append(response))
            return made

        meter = MemoryMeter()
        context = ConnectorContext(
            instance="bench", clock=lambda: world.now, new_session=session, meter=meter
        )
        source = XSearchSource(
            XSearchConfig.model_validate(
                {
                    "bearer_token": world.tokens.x_bearer,
                    "searches": [SEARCH],
                    "brand_accounts": ["thestore"],
                    "first_window": f"{math.ceil(hours) + 1}h",
                }
            ),
            context,
        )
        qualifier = LeadQualifier()
        cursor = XSearchCursor()
        rows: list[dict[str, Any]] = []
        new_ids: set[str] = set()
        for poll in range(polls + 1):
            if poll:
                world.advance(world.now + timedelta(minutes=2))
            calls, read = len(seen), meter.used(METER, "2026-11")
            started = time.perf_counter()
            try:
                items = list(source.fetch(cursor))
            except SourceError as exc:
                print(f"poll {poll} failed: {exc}")
                break
            fetched = time.perf_counter() - started
            for item in items:
                cursor = cursor.advance(item.position) if item.position is not None else cursor
            events = [item for item in items if isinstance(item, RawEvent)]
            leads = sum(qualifier.qualify(normalize(source.parse(e), None), None).is_lead for e in events)
            fresh = {e.native_id for e in events} - new_ids
            new_ids |= fresh
            rows.append(
                {
                    "poll": poll,
                    "calls": len(seen) - calls,
                    "min_calls": max(1, math.ceil(len(fresh) / 100)),
                    "read": meter.used(METER, "2026-11") - read,
                    "new": len(fresh),
                    "leads": leads,
                    "fetch_seconds": round(fetched, 2),
                }
            )
        source.close()
    return rows, new_ids, sum(r["leads"] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--posts-per-minute", type=float, default=120.0)
    parser.add_argument("--hours", type=float, default=3.5)
    parser.add_argument("--intent-share", type=float, default=0.5)
    parser.add_argument("--polls", type=int, default=3, help="incremental polls after the backlog")
    args = parser.parse_args()

    began = time.perf_counter()
    world = build_world(args.posts_per_minute, args.hours, args.intent_share)
    backlog = matching(world)
    spent = time.perf_counter() - began
    print(f"world: {len(world.tweets)} posts, {len(backlog)} match the search (made in {spent:.1f}s)")
    rows, new_ids, leads = poll_all(world, args.hours, args.polls)
    expected = matching(world)
    calls, min_calls = sum(r["calls"] for r in rows), sum(r["min_calls"] for r in rows)
    read, new = sum(r["read"] for r in rows), len(new_ids)
    print(f"{'poll':>4} {'calls':>6} {'min':>5} {'read':>7} {'new':>7} {'leads':>6} {'fetch s':>8}")
    for r in rows:
        cells = (r["poll"], r["calls"], r["min_calls"], r["read"], r["new"], r["leads"], r["fetch_seconds"])
        print("{:>4} {:>6} {:>5} {:>7} {:>7} {:>6} {:>8}".format(*cells))
    call_overhead = calls / min_calls - 1 if min_calls else 0.0
    read_overhead = read / new - 1 if new else 0.0
    within = call_overhead <= TARGET and read_overhead <= TARGET
    print(f"found every matching post exactly once: {new_ids == expected} ({new} of {len(expected)})")
    print(
        f"API calls: {calls}, least possible {min_calls} ({call_overhead:+.1%}); {calls / new:.4f}/new post"
    )
    print(
        f"posts read: {read} for {new} new posts ({read_overhead:+.1%}); {read / max(leads, 1):.2f} per lead"
    )
    print(f"leads through the qualifier: {leads} ({leads / new:.1%} of new posts)")
    print(f"within {TARGET:.0%} of the API's minimum: {within}")
    result = {
        "bench": "x_poll",
        "world_posts": len(world.tweets),
        "matching": len(expected),
        "all_found_once": new_ids == expected,
        "api_calls": calls,
        "min_api_calls": min_calls,
        "posts_read": read,
        "new_posts": new,
        "leads": leads,
        "api_calls_per_new_post": round(calls / new, 5),
        "min_api_calls_per_new_post": round(min_calls / new, 5),
        "posts_read_per_lead": round(read / max(leads, 1), 3),
        "min_posts_read_per_lead": round(new / max(leads, 1), 3),
        "call_overhead": round(call_overhead, 4),
        "read_overhead": round(read_overhead, 4),
        "within_target": within,
        "polls": rows,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
