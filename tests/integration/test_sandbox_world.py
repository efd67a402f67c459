"""The sandbox's world: deterministic for a seed, living over time, and inspectable over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.living import Rates, World

START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_the_same_seed_makes_the_same_world() -> None:
    first, second = World(seed=11, start=START), World(seed=11, start=START)
    first.advance(START + timedelta(minutes=30))
    second.advance(START + timedelta(minutes=30))
    assert first.truth_json() == second.truth_json()
    assert [c.message for c in first.comments] == [c.message for c in second.comments]
    assert first.tokens == second.tokens


def test_another_seed_makes_another_world() -> None:
    assert World(seed=11, start=START).truth_json() != World(seed=12, start=START).truth_json()


def test_the_world_keeps_producing_activity_at_its_rates() -> None:
    world = World(
        seed=3,
        start=START,
        rates=Rates(leads=6, fb_comments=6, ig_comments=6, x_posts=6),
        history=timedelta(0),
    )
    made = world.advance(START + timedelta(minutes=10))
    kinds = {type(item).__name__ for item in made}
    assert {"Lead", "Comment", "IgComment", "Tweet"} <= kinds
    assert 150 < len(world.truth) < 330  # about 4 x 60 items in ten minutes
    assert world.advance(START + timedelta(minutes=10)) == []  # nothing new without time passing


def test_the_truth_tells_people_and_intent_and_repeats_exist() -> None:
    world = World(seed=5, start=START)
    comments = [t for t in world.truth if t.kind in ("fb_comment", "ig_comment", "x_post") and t.person]
    assert {True, False} <= {t.intent for t in comments}
    people = [t.person for t in world.truth if t.person]
    assert len(people) > len(set(people))  # the same person shows up more than once
    assert all(t.intent is True for t in world.truth if t.kind == "lead_form")


def test_tweet_ids_grow_with_time() -> None:
    world = World(seed=5, start=START)
    ordered = sorted(world.tweets, key=lambda t: t.created)
    assert [int(t.id) for t in ordered] == sorted(int(t.id) for t in ordered)


def test_world_truth_and_chaos_are_served_over_http() -> None:
    world = World(seed=9, start=START, history=timedelta(minutes=20))
    with SandboxServer(world) as sandbox:
        described = requests.get(f"{sandbox.url}/_sandbox/world", timeout=5).json()
        assert {p["id"] for p in described["pages"]} == set(world.pages)
        assert described["x"]["bearer_token"] == world.tokens.x_bearer
        truth = requests.get(f"{sandbox.url}/_sandbox/truth", timeout=5).json()
        assert [t["native_id"] for t in truth] == [t.native_id for t in world.truth]
        changed = requests.post(
            f"{sandbox.url}/_sandbox/chaos", json={"meta_throttle_code": 80001}, timeout=5
        )
        assert changed.json()["meta_throttle_code"] == 80001
        assert sandbox.chaos.state.meta_throttle_code == 80001
        wrong = requests.post(f"{sandbox.url}/_sandbox/chaos", json={"no_such_switch": 1}, timeout=5)
        assert wrong.status_code == 400 and "no_such_switch" in wrong.text
        requests.post(f"{sandbox.url}/_sandbox/chaos", json={"reset": True}, timeout=5)
        assert sandbox.chaos.state.meta_throttle_code is None


def test_a_running_sandbox_shakes_hands_then_sends_the_test_payload_then_live_webhooks() -> None:
    from socialleads.sandbox.runtime import Sandbox, SandboxOptions
    from socialleads.testing.http_receiver import LoopbackReceiver

    with LoopbackReceiver() as callback:
        options = SandboxOptions(
            port=0,
            seed=4,
            history=timedelta(0),
            tick=0.05,
            callback_url=callback.url,
            rates=Rates(leads=600, fb_comments=0, ig_comments=0, x_posts=0),
        )
        with Sandbox(options):
            requests_seen = callback.wait_for(3, timeout=10)
        handshake, test_payload, live = requests_seen[:3]
        assert handshake.method == "GET" and "hub.mode=subscribe" in handshake.path
        assert test_payload.json()["entry"][0]["id"] == "0"
        assert live.json()["entry"][0]["changes"][0]["field"] == "leadgen"
        assert (live.header("X-Hub-Signature-256") or "").startswith("sha256=")
