"""Meta's real payload shapes through the whole bot (issue #17, points 4, 5, 7, 8 and 9).

Signed bodies go to the bot's own ``/webhooks/meta``; leads are fetched and polled with the real
facebook-sdk from the sandbox's Graph emulator; the store is the real one. The world (a fixed start, its
own clock) has forms asking the name with a custom question and forms with upper-case keys, Lead Ads
Testing Tool leads, edited and photo comments, and profile names with emoji
(``socialleads/sandbox/world/meta_shapes.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from connectors.meta import comment_fields as cf
from connectors.meta.lead_fields import draft_from_payload
from socialleads.bot import Bot, build_bot
from socialleads.models import EDITED, EventKind, RawEvent, ReceivedVia
from socialleads.pipeline.emails import normalize_email
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.meta.webhook_payloads import (
    encode,
    feed_comment_value,
    feed_edit_value,
    ig_comment_value,
    leadgen_value,
)
from socialleads.sandbox.meta.webhooks import WebhookSender, sign
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures, meta_shapes
from socialleads.sandbox.world.entities import Comment, CommentEdit, Lead
from socialleads.sandbox.world.living import Rates, World
from socialleads.settings import Settings, WebSettings
from socialleads.store.tables import dead_letters, deliveries, raw_events, touches
from tests.support.configs import write_config
from tests.support.meta_leads import serving_webhooks

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MAIN, OUTLET, IG = fixtures.MAIN_PAGE, fixtures.OUTLET_PAGE, fixtures.IG_ACCOUNT
CONSULTATION = "880000000000101"
ASKS = "How much is this sofa? Can you deliver it to Akureyri next week?"


@dataclass
class Setup:
    world: World
    chaos: Chaos
    bot: Bot
    url: str

    def post(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to the bot signed as Meta signs; the bot's JSON answer."""
        body = encode(payload)
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, self.secret)}
        answer = requests.post(self.url, data=body, headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    @property
    def secret(self) -> str:
        return self.world.tokens.app_secret

    def stored(self, source: str) -> dict[str, Any]:
        """The raw events of ``source`` by native id."""
        query = select(raw_events).where(raw_events.c.source == source)
        with self.bot.engine.connect() as conn:
            return {row.native_id: row for row in conn.execute(query)}

    def wait_for(self, source: str, ids: set[str], timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not ids <= set(stored := self.stored(source)):
            assert time.monotonic() < deadline, f"not stored: {sorted(ids - set(stored))[:5]}"
            time.sleep(0.05)
        return stored

    def touch(self, native_id: str) -> Any:
        with self.bot.engine.connect() as conn:
            return conn.execute(select(touches).where(touches.c.native_id == native_id)).one()

    def touches_of_lead(self, lead_id: int) -> list[Any]:
        with self.bot.engine.connect() as conn:
            return list(conn.execute(select(touches).where(touches.c.lead_id == lead_id)))

    def deliveries_of(self, lead_id: int) -> list[Any]:
        with self.bot.engine.connect() as conn:
            return list(conn.execute(select(deliveries).where(deliveries.c.lead_id == lead_id)))

    def last_delivery_summary(self) -> str:
        query = select(raw_events.c.status_reason).where(raw_events.c.source == "webhook:meta")
        with self.bot.engine.connect() as conn:
            return str(conn.execute(query.order_by(raw_events.c.id.desc()).limit(1)).scalar_one())

    def unrouted(self) -> list[tuple[str, dict[str, Any]]]:
        query = select(dead_letters.c.reason, dead_letters.c.payload).where(dead_letters.c.kind == "unrouted")
        with self.bot.engine.connect() as conn:
            return [(row.reason, json.loads(row.payload)) for row in conn.execute(query)]


def world_for_tests() -> World:
    rates = Rates(
        leads=1.0, fb_comments=2.0, ig_comments=1.0, x_posts=0, fb_posts_per_hour=1.0, ig_media_per_hour=0.5
    )
    return World(seed=13, start=START, history=timedelta(hours=2), population=150, rates=rates)


def sources(world: World, environ: Callable[[str, str], None]) -> dict[str, Any]:
    """Lead ads of both pages, comments of the main page and its Instagram account; secrets as ``$env``."""
    t = world.tokens
    for name, value in (
        ("META_APP_SECRET", t.app_secret),
        ("META_VERIFY_TOKEN", t.verify_token),
        ("META_MAIN_TOKEN", t.page_tokens[MAIN]),
        ("META_OUTLET_TOKEN", t.page_tokens[OUTLET]),
    ):
        environ(name, value)
    secrets = {"app_secret": {"$env": "META_APP_SECRET"}, "verify_token": {"$env": "META_VERIFY_TOKEN"}}
    main = {"id": MAIN, "token": {"$env": "META_MAIN_TOKEN"}}
    outlet = {"id": OUTLET, "token": {"$env": "META_OUTLET_TOKEN"}}
    return {
        "leads": {
            "type": "meta_lead_ads",
            "every": "1h",
            "config": {**secrets, "first_window": "1d", "pages": [main, outlet]},
        },
        "comments": {"type": "meta_comments", "every": "1h", "config": {**secrets, "pages": [main]}},
    }


@pytest.fixture
def setup(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    world, chaos = world_for_tests(), Chaos()
    with SandboxServer(world, chaos) as sandbox:
        config = write_config(
            tmp_path / "config",
            sources=sources(world, monkeypatch.setenv),
            sinks={"console": {"type": "console"}},
            default_route=["console"],
            admin_sinks=["console"],
        )
        settings = Settings(
            database_url=database_url, config_dir=config, sandbox_url=sandbox.url, web=WebSettings(port=0)
        )
        bot = build_bot(settings, clock=lambda: world.now)
        try:
            with serving_webhooks(bot) as url:
                yield Setup(world, chaos, bot, url)
        finally:
            bot.close()


def page_envelope(page_id: str, *changes: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    entry = {"id": page_id, "time": 1795770000, "changes": [{"field": f, "value": v} for f, v in changes]}
    return {"object": "page", "entry": [entry]}


def people_leads(world: World, form_id: str) -> list[Lead]:
    return [lead for lead in world.leads if lead.form_id == form_id and lead.person_key is not None]


def main_post(world: World) -> Any:
    return next(post for post in reversed(world.posts) if post.page_id == MAIN)


def comment_on(world: World, number: int, name: str, message: str = ASKS, **extra: Any) -> Comment:
    """A comment on the main page's newest post, as a person writes it, at the world's now."""
    post = main_post(world)
    return Comment(
        id=f"{post.id.split('_')[1]}_{9_100_000_000 + number}",
        post_id=post.id,
        parent_id=None,
        author_id=f"3199000000{number:04d}",
        author_name=name,
        message=message,
        created=world.now.replace(microsecond=0),
        person_key=None,
        intent=True,
        lang="en",
        **extra,
    )


# --- point 4: names, emails and phones asked by custom questions or under upper-case keys -----------


def assert_contact_of(setup: Setup, lead: Lead) -> dict[str, Any]:
    """The touch of ``lead`` has its person's name and (valid) email, from whatever question asked them."""
    person = setup.world.person[str(lead.person_key)]
    contact = setup.touch(lead.id).contact
    assert contact["full_name"] == person.name, (lead.form_id, contact)
    email, problem = normalize_email(person.email)
    if problem is None:
        assert contact["email"] == email, (lead.form_id, contact)
    return dict(contact)


def test_custom_question_names_and_upper_case_keys_reach_the_contact_when_polled(setup: Setup) -> None:
    assert setup.bot.runner.poll("leads").status == "ok"

    reservations = people_leads(setup.world, meta_shapes.RESERVATION_FORM)
    quotes = people_leads(setup.world, meta_shapes.DELIVERY_FORM)
    assert reservations and quotes
    for lead in reservations + quotes:
        assert_contact_of(setup, lead)
    answers = setup.touch(reservations[0].id).answers
    assert set(answers) == {"Which sofa should we hold for you?"}  # FULL_NAME, EMAIL, PHONE were placed
    assert set(setup.touch(quotes[0].id).answers) == {"Hvenær hentar afhending?"}


def test_a_form_that_cannot_be_read_costs_no_lead_its_answers_placed_by_key_and_shape(setup: Setup) -> None:
    setup.chaos.update({"permissions_removed": ["pages_manage_ads"]})  # forms unreadable, leads readable
    reservation = people_leads(setup.world, meta_shapes.RESERVATION_FORM)[-1]
    quote = people_leads(setup.world, meta_shapes.DELIVERY_FORM)[-1]

    answer = setup.post(
        page_envelope(OUTLET, ("leadgen", leadgen_value(reservation)), ("leadgen", leadgen_value(quote)))
    )

    assert answer["jobs"] == 1
    stored = setup.wait_for("leads", {reservation.id, quote.id})
    assert stored[quote.id].payload["form"]["questions"] == []  # the form was not read
    for lead in (reservation, quote):
        assert_contact_of(setup, lead)


# --- point 5: Instagram comments in the Instagram Login shape ---------------------------------------


def test_instagram_comments_in_both_entry_shapes_are_each_stored_once(setup: Setup) -> None:
    world = setup.world
    before = len(world.ig_comments)
    with WebhookSender(
        world, setup.chaos, setup.url, retry_delays=(0.0, 0.1), batch_window=0.0, instagram_login_share=0.5
    ) as sender:
        for _ in range(20):
            world.advance(world.now + timedelta(minutes=1))
            assert sender.flush(timeout=20)
    new = {comment.id for comment in world.ig_comments[before:]}
    assert len(new) > 8

    setup.wait_for("comments", new)
    with setup.bot.engine.connect() as conn:
        bodies = conn.execute(select(raw_events.c.payload).where(raw_events.c.source == "webhook:meta")).all()
    entries = [entry for (payload,) in bodies for entry in json.loads(payload["body"])["entry"]]
    shapes = {"field" in entry for entry in entries if str(entry["id"]) == IG}
    assert shapes == {True, False}, "both entry shapes were sent"
    assert [reason for reason, _ in setup.unrouted() if "instagram" in reason] == []


def test_an_instagram_login_comment_is_counted_and_fetched(setup: Setup) -> None:
    comment = setup.world.ig_comments[-1]
    media = next(m for m in setup.world.ig_media if m.id == comment.media_id)
    value = {**ig_comment_value(comment, media.media_product_type), "text": ASKS}
    entry = {"id": IG, "time": 1795770000, "field": "comments", "value": value}

    answer = setup.post({"object": "instagram", "entry": [entry]})

    assert answer["jobs"] == 1
    assert "1 instagram comments, 0 other; 1 to fetch, 0 unrouted" in setup.last_delivery_summary()
    setup.wait_for("comments", {comment.id})
    touch = setup.touch(comment.id)
    # Point 9: an Instagram username is a handle, never the contact's name.
    assert touch.contact.get("full_name") is None
    assert (touch.handle["username"], touch.handle["user_id"]) == (comment.username, comment.user_id)


def test_what_no_source_can_place_is_parked_with_its_reason(setup: Setup) -> None:
    media = setup.world.ig_media[-1]
    at = {"id": IG, "time": 1795770000}
    entries = [
        {**at, "messaging": [{"sender": {"id": "1"}, "message": {"text": "hi"}}]},
        {**at, "field": "mentions", "value": {"media_id": media.id, "comment_id": "1"}},
        at,
        {**at, "changes": [{"field": "comments"}]},
        {**at, "field": "comments", "value": {"text": "no id", "media": {"id": media.id}}},
    ]

    answer = setup.post({"object": "instagram", "entry": entries})

    assert answer["jobs"] == 0
    reasons = sorted(reason for reason, _ in setup.unrouted())
    assert reasons == sorted(
        [
            "a messaging entry (direct messages): no source reads messages",
            "no source reads 'mentions' changes of 'instagram' objects",
            "an entry with neither changes nor a field and value: its shape is unknown",
            "a change without a field name and a value object",
            "an instagram comment change without its id",
        ]
    )
    assert "1 instagram comments, 1 other; 0 to fetch, 5 unrouted" in setup.last_delivery_summary()


# --- point 7: what feed webhooks carry; edits and removals ------------------------------------------


def test_a_comment_seen_only_by_webhook_links_to_its_post_and_its_photo(setup: Setup) -> None:
    photo = meta_shapes.photo_url("1_9100000001")
    comment = comment_on(setup.world, 1, "Anna Jónsdóttir", photo=photo)
    post = main_post(setup.world)

    setup.post(page_envelope(MAIN, ("feed", feed_comment_value(comment))))

    setup.wait_for("comments", {comment.id})
    touch = setup.touch(comment.id)
    page_id, number = post.id.split("_")
    assert touch.context["post_permalink"] == f"https://www.facebook.com/{page_id}/posts/{number}"
    assert touch.context["photo"] == photo
    assert (
        touch.url == f"https://www.facebook.com/{MAIN}/posts/{number}/?comment_id={comment.id.split('_')[1]}"
    )
    # Point 9: a profile name that reads as a name is the contact's name too.
    assert touch.contact["full_name"] == "Anna Jónsdóttir"
    assert touch.handle["display_name"] == "Anna Jónsdóttir"


def test_a_profile_name_with_emoji_stays_on_the_handle(setup: Setup) -> None:
    comment = comment_on(setup.world, 2, "✨Sigga✨ 🛋️")

    setup.post(page_envelope(MAIN, ("feed", feed_comment_value(comment))))

    setup.wait_for("comments", {comment.id})
    touch = setup.touch(comment.id)
    assert touch.contact.get("full_name") is None
    assert touch.handle["display_name"] == "✨Sigga✨ 🛋️"


def edit_of(comment: Comment, minutes: int, text: str) -> CommentEdit:
    edited = replace(comment, message=text)
    return CommentEdit(edited, comment.created + timedelta(minutes=minutes), comment.message)


def test_an_edited_comment_is_an_event_of_its_own_that_revises_the_first(setup: Setup) -> None:
    comment = comment_on(setup.world, 3, "Bo Berg")
    edit = edit_of(comment, 4, ASKS + " 🙏")
    setup.post(page_envelope(MAIN, ("feed", feed_comment_value(comment))))
    setup.wait_for("comments", {comment.id})

    answer = setup.post(page_envelope(MAIN, ("feed", feed_edit_value(edit))))

    assert answer["jobs"] == 1
    edit_id = f"{comment.id}@edited@{int(edit.at.timestamp())}"
    row = setup.wait_for("comments", {edit_id})[edit_id]
    event = RawEvent(
        native_id=edit_id,
        kind=EventKind.COMMENT,
        occurred_at=row.occurred_at,
        payload=row.payload,
        received_via=ReceivedVia.WEBHOOK,
    )
    draft = cf.draft(event)
    assert draft.revises == (comment.id,)
    assert draft.message == edit.comment.message
    assert draft.occurred_at == edit.at
    assert draft.context[EDITED]["versions"] == [comment.id]
    assert row.payload["webhook"]["verb"] == "edited"  # the change as received is kept


def test_an_edited_comment_updates_its_one_touch(setup: Setup) -> None:
    comment = comment_on(setup.world, 4, "Bo Berg")
    edit = edit_of(comment, 4, ASKS + " Or to Selfoss?")
    setup.post(page_envelope(MAIN, ("feed", feed_comment_value(comment))))
    setup.wait_for("comments", {comment.id})
    lead_id = setup.touch(comment.id).lead_id

    setup.post(page_envelope(MAIN, ("feed", feed_edit_value(edit))))
    setup.wait_for("comments", {f"{comment.id}@edited@{int(edit.at.timestamp())}"})

    [touch] = setup.touches_of_lead(lead_id)
    assert touch.message == edit.comment.message
    assert touch.context[EDITED]["versions"][0] == comment.id


def test_a_removed_or_hidden_comment_is_ignored_with_its_reason(setup: Setup) -> None:
    comment = comment_on(setup.world, 5, "Bo Berg")
    removed = {**feed_comment_value(comment), "verb": "remove"}
    hidden = {**feed_comment_value(comment), "verb": "hide"}

    answer = setup.post(page_envelope(MAIN, ("feed", removed), ("feed", hidden)))

    assert answer["jobs"] == 0
    summary = setup.last_delivery_summary()
    assert "ignored 1 comment changes with verb 'remove' (only new and edited comments are read)" in summary
    assert "ignored 1 comment changes with verb 'hide'" in summary
    assert setup.unrouted() == []
    assert comment.id not in setup.stored("comments")


# --- point 8: Lead Ads Testing Tool leads -----------------------------------------------------------


def test_a_testing_tool_lead_is_stored_as_a_test(setup: Setup) -> None:
    world = setup.world
    with WebhookSender(world, setup.chaos, setup.url, retry_delays=(0.0,), batch_window=0.0) as sender:
        lead = world.testing_tool_lead(CONSULTATION)
        assert sender.flush(timeout=20)

    row = setup.wait_for("leads", {lead.id})[lead.id]
    draft = draft_from_payload(lead.id, row.payload, None)
    reason = "Lead Ads Testing Tool dummy data (full_name, email, phone_number, city, "
    assert draft.test_lead is not None and draft.test_lead.startswith(reason)
    assert draft.contact.email in meta_shapes.TEST_EMAILS
    truth = next(item for item in world.truth if item.native_id == lead.id)
    assert (truth.kind, truth.where["test"], truth.person) == ("lead_form", "true", None)
    assert setup.touch(lead.id).context["test_lead"] == draft.test_lead


def test_a_testing_tool_lead_is_not_delivered(setup: Setup) -> None:
    world = setup.world
    person_lead = people_leads(world, CONSULTATION)[-1]
    with WebhookSender(world, setup.chaos, setup.url, retry_delays=(0.0,), batch_window=0.0) as sender:
        lead = world.testing_tool_lead(CONSULTATION)
        assert sender.flush(timeout=20)
    setup.post(page_envelope(MAIN, ("leadgen", leadgen_value(person_lead))))
    setup.wait_for("leads", {lead.id, person_lead.id})

    assert setup.deliveries_of(setup.touch(person_lead.id).lead_id), "a person's lead is delivered"
    assert setup.deliveries_of(setup.touch(lead.id).lead_id) == []
