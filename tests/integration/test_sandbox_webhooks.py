"""The sandbox's Meta webhook sender against a real HTTP receiver on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.meta.webhooks import WebhookSender, sign
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.entities import Comment, CommentEdit, IgComment, Lead
from socialleads.sandbox.world.living import Rates, World
from socialleads.testing.http_receiver import LoopbackReceiver, ReceivedRequest, ScriptedResponse

START = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)
SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "meta_webhooks"
QUIET = {"leads": 0.0, "fb_comments": 0.0, "ig_comments": 0.0, "x_posts": 0.0}
SenderMaker = Callable[..., WebhookSender]


def make_world(seed: int = 11, **rates: float) -> World:
    """A small world where only the streams named in ``rates`` are busy (per minute)."""
    return World(
        seed, start=START, rates=Rates(**{**QUIET, **rates}), history=timedelta(minutes=5), population=80
    )


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and value types, list items by their distinct shapes."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        shapes: list[Any] = []
        for item in value:
            if shape(item) not in shapes:
                shapes.append(shape(item))
        return shapes
    return type(value).__name__


def single_changes(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each change of ``payload`` in an envelope of its own, as the samples are."""
    for entry in payload["entry"]:
        for change in entry["changes"]:
            yield {"object": payload["object"], "entry": [{**entry, "changes": [change]}]}


def changes(requests: list[ReceivedRequest], field: str | None = None) -> list[dict[str, Any]]:
    """Every change value received (of ``field``), in order."""
    return [
        change["value"]
        for request in requests
        for entry in request.json()["entry"]
        for change in entry["changes"]
        if field is None or change["field"] == field
    ]


def added(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The feed change values of new comments (not of edits)."""
    return [value for value in values if value["verb"] == "add"]


def verifies(body: bytes, header: str | None, secret: str) -> bool:
    """How a receiver checks a delivery: HMAC over the raw bytes, compared in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return header is not None and hmac.compare_digest(expected, header)


@pytest.fixture
def rx() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as receiver:
        yield receiver


@pytest.fixture
def make_sender(rx: LoopbackReceiver) -> Iterator[SenderMaker]:
    """``make_sender(world, chaos=None, **options)``: a started sender posting to ``rx``, stopped after."""
    started: list[WebhookSender] = []

    def make(world: World, chaos: Chaos | None = None, **options: Any) -> WebhookSender:
        options = {"retry_delays": (0.0, 0.05), "batch_window": 0.05, **options}
        sender = WebhookSender(
            world, chaos or Chaos(), options.pop("url", f"{rx.url}/webhooks/meta"), **options
        )
        started.append(sender.start())
        return sender

    yield make
    for sender in started:
        sender.stop()


# --- handshake -----------------------------------------------------------------------------------


def test_handshake_sends_the_hub_parameters_and_accepts_the_echoed_challenge(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world()
    sender = make_sender(world)
    rx.script(ScriptedResponse(200, b"1158201444", {"Content-Type": "text/plain"}))

    assert sender.handshake(challenge=1158201444) is True

    [request] = rx.requests
    query = parse_qs(urlsplit(request.path).query)
    assert request.method == "GET"
    assert query == {
        "hub.mode": ["subscribe"],
        "hub.challenge": ["1158201444"],
        "hub.verify_token": [world.tokens.verify_token],
    }


@pytest.mark.parametrize(
    "answer",
    [
        ScriptedResponse(200, b"1158201445"),
        ScriptedResponse(200, b'{"hub.challenge": 1158201444}'),
        ScriptedResponse(403, b"1158201444"),
    ],
    ids=["other-number", "json", "forbidden"],
)
def test_handshake_fails_unless_the_challenge_comes_back_exactly(
    rx: LoopbackReceiver, make_sender: SenderMaker, answer: ScriptedResponse
) -> None:
    sender = make_sender(make_world())
    rx.script(answer)
    assert sender.handshake(challenge=1158201444) is False


def test_handshake_fails_when_nobody_listens(make_sender: SenderMaker, closed_port: int) -> None:
    sender = make_sender(make_world(), url=f"http://127.0.0.1:{closed_port}/webhooks/meta")
    assert sender.handshake() is False


# --- leadgen ---------------------------------------------------------------------------------------


def test_a_new_lead_arrives_as_a_signed_leadgen_change(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world(leads=1.0)
    sender = make_sender(world)
    made = [item for item in world.advance(at(10)) if isinstance(item, Lead)]
    assert made
    assert sender.flush(5)

    [request] = rx.requests
    assert request.method == "POST"
    assert request.header("Content-Type") == "application/json"
    assert request.header("User-Agent") == "facebookexternalua"
    header = request.header("X-Hub-Signature-256")
    assert header == sign(request.body, world.tokens.app_secret)
    assert verifies(request.body, header, world.tokens.app_secret)
    tampered = bytes([request.body[0] ^ 1]) + request.body[1:]
    assert not verifies(tampered, header, world.tokens.app_secret)
    assert request.json()["object"] == "page"
    assert sorted(value["leadgen_id"] for value in changes([request], "leadgen")) == sorted(
        lead.id for lead in made
    )


def test_organic_leads_have_no_ad_ids_and_paid_leads_both(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world(leads=3.0)
    sender = make_sender(world)
    made = {item.id: item for item in world.advance(at(20)) if isinstance(item, Lead)}
    assert sender.flush(5)

    values = changes(rx.requests, "leadgen")
    assert sorted(value["leadgen_id"] for value in values) == sorted(made)
    organic = [value for value in values if made[value["leadgen_id"]].ad is None]
    paid = [value for value in values if made[value["leadgen_id"]].ad is not None]
    assert organic and paid
    assert all("ad_id" not in value and "adgroup_id" not in value for value in organic)
    for value in paid:
        ad = made[value["leadgen_id"]].ad
        assert ad is not None
        assert value["ad_id"] == value["adgroup_id"] == ad.ad_id


def test_ids_are_strings_and_times_are_ints(rx: LoopbackReceiver, make_sender: SenderMaker) -> None:
    world = make_world(leads=2.0, fb_comments=2.0, ig_comments=2.0)
    sender = make_sender(world)
    world.advance(at(10))
    assert sender.flush(5)

    seen: dict[str, set[type]] = {}

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        else:
            seen.setdefault(key, set()).add(type(value))

    for request in rx.requests:
        walk(request.json())
    id_keys = {key for key in seen if key == "id" or key.endswith("_id")}
    assert {"id", "leadgen_id", "page_id", "form_id", "comment_id", "post_id"} <= id_keys
    assert all(seen[key] == {str} for key in id_keys)
    assert seen["time"] == seen["created_time"] == {int}


def test_updates_within_the_batch_window_share_one_post_with_several_entries_and_changes(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world(leads=4.0, fb_comments=2.0)
    sender = make_sender(world, batch_window=0.5)
    made = world.advance(at(5)) + world.advance(at(10))  # two world ticks, one window
    assert sender.flush(5)

    [request] = rx.requests
    payload = request.json()
    entries = {entry["id"]: entry for entry in payload["entry"]}
    assert len(payload["entry"]) == len(entries) == 2
    assert set(entries) == {fixtures.MAIN_PAGE, fixtures.OUTLET_PAGE}
    main = [change["field"] for change in entries[fixtures.MAIN_PAGE]["changes"]]
    assert main.count("leadgen") > 1 and "feed" in main
    assert len(changes([request])) == len(made)


def test_no_batch_mixes_objects(rx: LoopbackReceiver, make_sender: SenderMaker) -> None:
    world = make_world(leads=2.0, ig_comments=2.0)
    sender = make_sender(world)
    world.advance(at(10))
    assert sender.flush(5)

    assert sorted(request.json()["object"] for request in rx.requests) == ["instagram", "page"]


# --- comments --------------------------------------------------------------------------------------


def test_a_page_comment_arrives_as_a_feed_change_of_the_documented_shape(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world(fb_comments=4.0)
    sender = make_sender(world)
    made = [item for item in world.advance(at(30)) if isinstance(item, Comment)]
    assert sender.flush(5)

    values = {value["comment_id"]: value for value in added(changes(rx.requests, "feed"))}
    assert list(values) == [comment.id for comment in made]
    reply = next(comment for comment in made if comment.parent_id is not None)
    top = next(comment for comment in made if comment.parent_id is None)
    page_id, number = reply.post_id.split("_")
    assert values[reply.id] == {
        "item": "comment",
        "verb": "add",
        "comment_id": reply.id,
        "post_id": reply.post_id,
        "parent_id": reply.parent_id,
        "from": {"id": reply.author_id, "name": reply.author_name},
        "post": {
            "status_type": "mobile_status_update",
            "is_published": True,
            "updated_time": reply.created.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink_url": f"https://www.facebook.com/{page_id}/posts/{number}",
            "promotion_status": "inactive",
            "id": reply.post_id,
        },
        **({"photo": reply.photo} if reply.photo else {}),
        "message": reply.message,
        "created_time": int(reply.created.timestamp()),
    }
    assert "parent_id" not in values[top.id]
    photo = next(comment for comment in made if comment.photo)
    assert values[photo.id]["photo"] == photo.photo
    assert all(request.json()["entry"][0]["id"] == top.post_id.split("_")[0] for request in rx.requests)


def test_an_instagram_comment_arrives_as_a_comments_change_of_the_documented_shape(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world(ig_comments=4.0)
    sender = make_sender(world)
    made = [item for item in world.advance(at(30)) if isinstance(item, IgComment)]
    assert sender.flush(5)

    assert {request.json()["object"] for request in rx.requests} == {"instagram"}
    assert {entry["id"] for request in rx.requests for entry in request.json()["entry"]} == {
        fixtures.IG_ACCOUNT
    }
    values = {value["id"]: value for value in changes(rx.requests, "comments")}
    assert list(values) == [comment.id for comment in made]
    media = {m.id: m for m in world.ig_media}
    reply = next(comment for comment in made if comment.parent_id is not None)
    assert values[reply.id] == {
        "from": {"id": reply.user_id, "username": reply.username},
        "media": {"id": reply.media_id, "media_product_type": media[reply.media_id].media_product_type},
        "id": reply.id,
        "parent_id": reply.parent_id,
        "text": reply.text,
    }
    assert all("parent_id" not in values[c.id] for c in made if c.parent_id is None)


def test_non_ascii_text_is_escaped_with_lowercase_hex_and_still_verifies(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world(fb_comments=4.0)
    sender = make_sender(world)
    made = [item for item in world.advance(at(30)) if isinstance(item, Comment)]
    assert sender.flush(5)
    icelandic = [c for c in made if "ð" in c.message + c.author_name]
    assert icelandic, "the seed should give an Icelandic comment"

    for request in rx.requests:
        assert request.body.isascii()
        assert re.findall(rb"\\u[0-9a-fA-F]{4}", request.body) == re.findall(rb"\\u[0-9a-f]{4}", request.body)
        assert verifies(request.body, request.header("X-Hub-Signature-256"), world.tokens.app_secret)
    body = b"".join(request.body for request in rx.requests)
    assert b"\\u00f0" in body
    received = {value["comment_id"]: value for value in added(changes(rx.requests, "feed"))}
    for comment in icelandic:
        assert received[comment.id]["message"] == comment.message
        assert received[comment.id]["from"]["name"] == comment.author_name


def test_an_edited_comment_arrives_as_an_edited_feed_change_of_the_sample_shape(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world(fb_comments=6.0)
    sender = make_sender(world)
    edits = [item for item in world.advance(at(60)) if isinstance(item, CommentEdit)]
    assert edits, "the seed should give an edit within the hour"
    assert sender.flush(5)

    edited = [value for value in changes(rx.requests, "feed") if value["verb"] == "edited"]
    assert [value["comment_id"] for value in edited] == [edit.comment.id for edit in edits]
    for value, edit in zip(edited, edits, strict=True):
        assert value["message"] == edit.comment.message != edit.previous_message
        assert value["created_time"] == int(edit.at.timestamp()) > int(edit.comment.created.timestamp())
    expected = sample("page_feed_comment_edited_webhook.derived.json")
    for request in rx.requests:
        for payload in single_changes(request.json()):
            if payload["entry"][0]["changes"][0]["value"]["verb"] == "edited":
                assert shape(trimmed(payload)) == shape(trimmed(expected))


def test_instagram_login_changes_come_as_entries_with_field_and_value(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world(ig_comments=4.0)
    sender = make_sender(world, instagram_login_share=1.0)
    made = [item for item in world.advance(at(20)) if isinstance(item, IgComment)]
    assert sender.flush(5)

    entries = [entry for request in rx.requests for entry in request.json()["entry"]]
    assert [entry["value"]["id"] for entry in entries] == [comment.id for comment in made]
    expected = sample("instagram_comments_webhook.instagram_login.json")
    for request in rx.requests:
        for entry in request.json()["entry"]:
            value = {k: v for k, v in entry["value"].items() if k != "parent_id"}
            assert shape({"object": "instagram", "entry": [{**entry, "value": value}]}) == shape(expected)


def test_a_testing_tool_lead_is_announced_like_any_lead(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world()
    sender = make_sender(world)
    lead = world.testing_tool_lead("880000000000102")
    assert sender.flush(5)

    assert changes(rx.requests, "leadgen") == [
        {
            "leadgen_id": lead.id,
            "page_id": fixtures.MAIN_PAGE,
            "form_id": "880000000000102",
            "created_time": int(lead.created.timestamp()),
        }
    ]


# --- delivery --------------------------------------------------------------------------------------


def test_a_failed_delivery_is_retried_with_the_same_body_and_signature(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    rx.script(ScriptedResponse(500), ScriptedResponse(500))
    world = make_world(leads=1.0)
    sender = make_sender(world, retry_delays=(0.0, 0.05, 0.1))
    world.advance(at(10))
    assert sender.flush(5)

    first, second, third = rx.requests
    assert first.body == second.body == third.body
    assert (
        first.header("X-Hub-Signature-256")
        == second.header("X-Hub-Signature-256")
        == third.header("X-Hub-Signature-256")
    )
    stats = sender.stats
    assert (stats.sent, stats.retried, stats.delivered, stats.gave_up) == (3, 2, 1, 0)


def test_a_delivery_is_given_up_after_the_last_retry(rx: LoopbackReceiver, make_sender: SenderMaker) -> None:
    rx.default = ScriptedResponse(503)
    world = make_world(leads=1.0)
    sender = make_sender(world, retry_delays=(0.0, 0.02))
    made = [item.id for item in world.advance(at(10)) if isinstance(item, Lead)]
    assert sender.flush(5)

    assert len(rx.requests) == 3
    stats = sender.stats
    assert (stats.sent, stats.retried, stats.delivered, stats.gave_up) == (3, 2, 0, 1)
    assert sorted(stats.gave_up_leadgen_ids) == sorted(made)


def test_a_callback_nobody_listens_on_is_retried_then_given_up(
    make_sender: SenderMaker, closed_port: int
) -> None:
    world = make_world(leads=1.0)
    sender = make_sender(world, url=f"http://127.0.0.1:{closed_port}/", retry_delays=(0.0,))
    world.advance(at(10))
    assert sender.flush(10)

    stats = sender.stats
    assert (stats.sent, stats.retried, stats.delivered, stats.gave_up) == (2, 1, 0, 1)


def test_dropped_deliveries_are_never_sent_and_are_counted(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    chaos = Chaos()
    chaos.update({"drop_webhooks": 1.0})
    world = make_world(leads=1.0)
    sender = make_sender(world, chaos)
    made = []
    for minute in (10, 20, 30):
        made += [item.id for item in world.advance(at(minute)) if isinstance(item, Lead)]
        assert sender.flush(5)

    assert rx.requests == []
    stats = sender.stats
    assert (stats.sent, stats.dropped) == (0, 3)
    assert sorted(stats.dropped_leadgen_ids) == sorted(made)


def test_duplicated_deliveries_are_sent_twice(rx: LoopbackReceiver, make_sender: SenderMaker) -> None:
    chaos = Chaos()
    chaos.update({"duplicate_webhooks": 1.0})
    world = make_world(leads=1.0)
    sender = make_sender(world, chaos)
    for minute in (10, 20):
        world.advance(at(minute))
        assert sender.flush(5)

    bodies = [request.body for request in rx.requests]
    assert len(bodies) == 4
    assert bodies[0] == bodies[1] != bodies[2] == bodies[3]
    stats = sender.stats
    assert (stats.sent, stats.delivered, stats.duplicated) == (4, 4, 2)


def test_a_share_of_drops_is_reproducible_and_polling_can_recover_exactly_those(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    def run() -> tuple[list[str], list[str], list[str]]:
        chaos = Chaos()
        chaos.update({"drop_webhooks": 0.5})
        world = make_world(leads=1.0)
        sender = make_sender(world, chaos)
        before = len(rx.requests)
        made: list[str] = []
        for minute in range(5, 65, 5):
            made += [item.id for item in world.advance(at(minute)) if isinstance(item, Lead)]
            assert sender.flush(5)
        delivered = [value["leadgen_id"] for value in changes(rx.requests[before:], "leadgen")]
        return made, sender.stats.dropped_leadgen_ids, delivered

    made, dropped, delivered = run()
    assert dropped and delivered
    assert sorted(dropped + delivered) == sorted(made)
    assert not set(dropped) & set(delivered)
    assert run()[1] == dropped


def test_unsubscribed_pages_get_nothing(rx: LoopbackReceiver, make_sender: SenderMaker) -> None:
    chaos = Chaos()
    chaos.update({"unsubscribed_pages": [fixtures.OUTLET_PAGE]})
    world = make_world(leads=3.0)
    sender = make_sender(world, chaos)
    made = [item for item in world.advance(at(20)) if isinstance(item, Lead)]
    assert {lead.page_id for lead in made} == {fixtures.MAIN_PAGE, fixtures.OUTLET_PAGE}
    assert sender.flush(5)

    values = changes(rx.requests, "leadgen")
    assert {value["page_id"] for value in values} == {fixtures.MAIN_PAGE}
    assert len(values) == sum(lead.page_id == fixtures.MAIN_PAGE for lead in made)


def test_an_unsubscribed_page_gets_no_comments_of_its_instagram_account(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    chaos = Chaos()
    chaos.update({"unsubscribed_pages": [fixtures.MAIN_PAGE]})
    world = make_world(ig_comments=3.0)
    sender = make_sender(world, chaos)
    assert any(isinstance(item, IgComment) for item in world.advance(at(20)))
    assert sender.flush(5)

    assert rx.requests == []


# --- shapes against the collected samples ---------------------------------------------------------


def test_send_test_sends_the_dashboard_test_payload(rx: LoopbackReceiver, make_sender: SenderMaker) -> None:
    world = make_world()
    sender = make_sender(world)
    sender.send_test()
    assert sender.flush(5)

    [request] = rx.requests
    assert verifies(request.body, request.header("X-Hub-Signature-256"), world.tokens.app_secret)
    payload, expected = request.json(), sample("leadgen_webhook.dashboard_test_sample.json")
    assert shape(payload) == shape(expected)
    now = int(world.now.timestamp())
    expected["entry"][0]["time"] = expected["entry"][0]["changes"][0]["value"]["created_time"] = now
    assert payload == expected


def test_every_payload_matches_the_samples_field_for_field(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world(leads=2.0, fb_comments=3.0, ig_comments=3.0)
    sender = make_sender(world)
    world.advance(at(30))
    assert sender.flush(5)

    paid = shape(sample("leadgen_webhook.dashboard_test_sample.json"))
    organic = shape(sample("leadgen_webhook.fbsamples_postman_organic.json"))
    feed = sample("page_feed_comment_webhook.derived.json")
    instagram = sample("instagram_comments_webhook.derived.json")
    kinds: set[str] = set()
    for request in rx.requests:
        for payload in single_changes(request.json()):
            change = payload["entry"][0]["changes"][0]
            kinds.add(change["field"])
            if change["field"] == "leadgen":
                assert shape(payload) in (paid, organic)
            elif change["field"] == "feed":
                assert shape(payload) == shape(trimmed(feed, change["value"]))
            else:
                assert shape(payload) == shape(without_parent(instagram, "parent_id" in change["value"]))
    assert kinds == {"leadgen", "feed", "comments"}


def test_envelopes_and_values_match_the_dashboard_samples(
    rx: LoopbackReceiver, make_sender: SenderMaker
) -> None:
    world = make_world(fb_comments=3.0, ig_comments=3.0)
    sender = make_sender(world)
    world.advance(at(30))
    assert sender.flush(5)

    status = sample("page_feed_webhook.dashboard_test_sample.json")
    live = sample("instagram_comments_webhook.dashboard_sample_value.json")
    for request in rx.requests:
        for payload in single_changes(request.json()):
            entry = payload["entry"][0]
            assert shape({k: v for k, v in entry.items() if k != "changes"}) == shape(
                {k: v for k, v in status["entry"][0].items() if k != "changes"}
            )
            value = entry["changes"][0]["value"]
            if payload["object"] == "page":
                common = {"from", "post_id", "verb", "created_time", "message"}
                sample_value = status["entry"][0]["changes"][0]["value"]
                assert shape({k: value[k] for k in common}) == shape({k: sample_value[k] for k in common})
            else:
                assert shape({k: v for k, v in value.items() if k != "parent_id"}) == shape(live["value"])


def trimmed(payload: dict[str, Any], value: dict[str, Any] | None = None) -> dict[str, Any]:
    """``payload`` (one feed change) without the value's ``parent_id`` and ``photo`` where ``value`` has
    none (without them at all when no ``value`` is given)."""
    copy: dict[str, Any] = json.loads(json.dumps(payload))
    for optional in ("parent_id", "photo"):
        if value is None or optional not in value:
            copy["entry"][0]["changes"][0]["value"].pop(optional, None)
    return copy


def without_parent(payload: dict[str, Any], keep: bool) -> dict[str, Any]:
    """``payload`` (one change) without the value's ``parent_id`` unless ``keep``."""
    if keep:
        return payload
    copy: dict[str, Any] = json.loads(json.dumps(payload))
    del copy["entry"][0]["changes"][0]["value"]["parent_id"]
    return copy
