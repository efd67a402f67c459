"""Real X payload shapes through the X sources: tweepy over HTTP against the sandbox's X emulator.

X escapes ``&``, ``<`` and ``>`` in a post's text, edits posts into new ids, cuts long posts (whole text in
``note_tweet``), labels posts ``und``/``qme``/``in``, and people put agents' addresses in their bios and
emoji in their names. Each test writes its posts into a quiet world (no posts of its own), polls the
sources as the runner does, and checks the drafts the connector makes; the last ones store them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import tweepy
from sqlalchemy import Engine, select

from connectors.x.fields import x_text
from socialleads.configuration.models import DefaultRoute
from socialleads.http import new_session
from socialleads.models import EDITED, LeadDraft, ReceivedVia
from socialleads.pipeline.normalize import normalize
from socialleads.pipeline.prepare import SourceBinding, parse_all, qualify_all
from socialleads.pipeline.store_step import store_with_retry
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world.entities import Tweet, XUser
from socialleads.sandbox.world.living import World, snowflake
from socialleads.store.tables import leads, touches
from tests.support.x_sources import BRAND, START, build_mentions, build_search, limits, run_poll, x_world

QUALIFIER = LeadQualifier()


@pytest.fixture
def world() -> World:
    """A world that makes no posts of its own: each test writes the ones it reads."""
    return x_world(seed=5, per_minute=0, history=timedelta(0))


@pytest.fixture
def sandbox(world: World) -> Iterator[SandboxServer]:
    with SandboxServer(world, Chaos(), x_limits=limits(world)) as server:
        yield server


def account(world: World, name: str = "Anna Jónsdóttir", description: str = "Reykjavík", n: int = 1) -> XUser:
    """A person's account in the world."""
    user = XUser(str(1_400_000_000 + n), f"person{n}", name, description, "Reykjavík")
    with world.lock:
        world.x_users[user.id] = user
    return user


def post(world: World, author: XUser, text: str, lang: str = "en", intent: bool = True) -> Tweet:
    """``author`` posts ``text`` (mentioning the store) now, then a second passes."""
    with world.lock:
        tweet = Tweet(
            snowflake(world.now, len(world.tweets)), author.id, text, world.now, lang, "p1", intent, (BRAND,)
        )
        world.tweets.append(tweet)
    world.advance(world.now + timedelta(seconds=1))
    return tweet


def drafts_of(world: World, sandbox: SandboxServer, cursor: Any = None) -> tuple[list[LeadDraft], Any]:
    """One mentions poll: the drafts of what it read, and the cursor after it."""
    source = build_mentions(world, sandbox.url)
    poll = run_poll(source, cursor)
    assert poll.error is None
    return [source.parse(event) for event in poll.events], poll.cursor


def only(drafts: list[LeadDraft]) -> LeadDraft:
    assert len(drafts) == 1, [d.native_id for d in drafts]
    return drafts[0]


# --- 1. HTML entities ---------------------------------------------------------------------------------


def test_text_x_escapes_is_decoded_once_for_the_message_and_the_rules(
    world: World, sandbox: SandboxServer
) -> None:
    written = "@thestore Sofa & armchair <3 -> do you deliver to Akureyri? I typed &lt;3 and &amp; myself"
    post(world, account(world), written)
    source = build_mentions(world, sandbox.url)
    event = run_poll(source, None).events
    assert len(event) == 1
    sent = event[0].payload["post"]["text"]
    assert "Sofa &amp; armchair &lt;3 -&gt;" in sent and "&amp;lt;3 and &amp;amp;" in sent, "X escapes it"
    draft = source.parse(event[0])
    assert draft.message == written, "decoded once: what the author typed, '&lt;3' included"
    verdict = QUALIFIER.qualify(normalize(draft, None), None)
    assert verdict.is_lead and verdict.intent is not None
    assert "&amp;" not in " ".join(r.detail for r in verdict.intent.reasons)


# --- 2. edits and long posts -------------------------------------------------------------------------


def test_an_edit_is_read_by_the_next_poll_and_names_its_earlier_versions(
    world: World, sandbox: SandboxServer
) -> None:
    original = post(world, account(world), "@thestore how much is the grey corner sofa?")
    first, cursor = drafts_of(world, sandbox)
    assert only(first).native_id == original.id and only(first).revises == ()
    assert EDITED not in only(first).context
    world.advance(world.now + timedelta(minutes=2))
    edit = world.edit_tweet(original.id, "@thestore how much is the grey corner sofa? and the armchair?")
    world.advance(world.now + timedelta(minutes=2))
    again, cursor = drafts_of(world, sandbox, cursor)
    draft = only(again)
    assert (draft.native_id, draft.revises) == (edit.id, (original.id,))
    assert draft.message == edit.text
    assert draft.context[EDITED]["versions"] == [original.id]
    assert draft.context[EDITED]["edited_at"] == draft.occurred_at.isoformat()
    assert draft.context[EDITED]["editable_until"] == (original.created + timedelta(minutes=30)).isoformat()
    world.advance(world.now + timedelta(minutes=1))
    second = world.edit_tweet(edit.id, "@thestore how much is the grey corner sofa? and the armchair? thanks")
    world.advance(world.now + timedelta(minutes=1))
    last = only(drafts_of(world, sandbox, cursor)[0])
    assert (last.native_id, last.revises) == (second.id, (original.id, edit.id))
    fresh = only(drafts_of(world, sandbox)[0])
    assert fresh.native_id == second.id, "search and mentions return only the newest version"


def test_a_long_post_is_read_whole_from_note_tweet(world: World, sandbox: SandboxServer) -> None:
    words = "@thestore is the oak dining table & its 6 chairs still in stock? " + "We host a lot. " * 25
    long = post(world, account(world), words.strip())
    assert len(long.text) > 280
    source = build_search(world, sandbox.url, searches=[{"name": "store", "mentions": [BRAND]}])
    events = run_poll(source, None).events
    assert len(events) == 1
    payload = events[0].payload["post"]
    assert payload["id"] == long.id
    shown = x_text(payload["text"])
    assert len(shown) == 280 and shown.endswith("…") and long.text.startswith(shown[:-1])
    assert payload["note_tweet"]["text"].count("&amp;") == 1
    assert source.parse(events[0]).message == long.text


def test_note_tweet_and_edit_controls_come_only_when_asked(world: World, sandbox: SandboxServer) -> None:
    long = post(world, account(world), "@thestore " + "a long story " * 30)
    client = tweepy.Client(bearer_token=world.tokens.x_bearer, return_type=dict)
    client.session = new_session(sandbox_url=sandbox.url)
    plain = client.search_recent_tweets(f"@{BRAND}")["data"][0]
    assert set(plain) == {"id", "text", "edit_history_tweet_ids"} and plain["id"] == long.id
    asked = client.search_recent_tweets(f"@{BRAND}", tweet_fields=["note_tweet", "edit_controls"])["data"][0]
    assert asked["note_tweet"] == {"text": long.text}
    assert (
        asked["edit_controls"]["is_edit_eligible"] is True and asked["edit_controls"]["edits_remaining"] == 5
    )


# --- 3. bios and 9. display names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bio", "hints"),
    [
        (
            "Reykjavík. Media enquiries: press@agency.example",
            [("press@agency.example", "labelled 'Media enquiries'")],
        ),
        ("Húsavík. Contact: anna.jons@simnet.is.", [("anna.jons@simnet.is", None)]),
        (
            "Business inquiries: anna@hekla-mgmt.example",
            [("anna@hekla-mgmt.example", "labelled 'Business inquiries'")],
        ),
        ("anna[at]gmail.com", []),
        ("Links: anna@gmail.com/links", []),
        ("Mail: anna@gmail.co…", []),
        ("Reykjavik.anna@gmail.com", []),
        ("Mail: anna@gm\u0430il.com", []),
    ],
)
def test_an_email_in_a_bio_is_a_hint_with_its_source_never_the_contact(
    world: World, sandbox: SandboxServer, bio: str, hints: list[tuple[str, str | None]]
) -> None:
    post(world, account(world, description=bio), "@thestore how much is the grey corner sofa?")
    draft = only(drafts_of(world, sandbox)[0])
    assert draft.contact.email is None
    assert [(h.value, h.caution) for h in draft.hints] == hints
    assert all(h.field == "email" and h.source == "X bio of @person1" for h in draft.hints)


def test_a_decorated_display_name_stays_on_the_handle_not_the_contact(
    world: World, sandbox: SandboxServer
) -> None:
    name = "🛋️ Anna | Home & Interiors ✨"
    post(world, account(world, name=name), "@thestore how much is the grey corner sofa?")
    draft = only(drafts_of(world, sandbox)[0])
    assert draft.contact.full_name is None
    assert draft.handle is not None and draft.handle.display_name == name


# --- 6. languages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "x_lang", "lang", "lead_in"),
    [
        ("@thestore hvað kostar gráa hornsófinn? sendið þið til Akureyrar?", "und", None, "is"),
        ("@thestore 😍🔥", "qam", None, None),
        ("@thestore https://t.co/Ab12Cd34Ef", "qme", None, None),
        ("@thestore #heimili #hygge", "qht", None, None),
        ("@thestore ok", "qst", None, None),
        ("https://t.co/Ab12Cd34Ef @thestore", "zxx", None, None),
        ("Keren banget tokonya @thestore 😍", "in", "id", None),
        ("@thestore how much is the grey corner sofa?", "en", "en", "en"),
    ],
)
def test_codes_of_no_language_leave_the_language_to_detection(
    world: World, sandbox: SandboxServer, text: str, x_lang: str, lang: str | None, lead_in: str | None
) -> None:
    post(world, account(world), text, lang=x_lang, intent=lead_in is not None)
    draft = only(drafts_of(world, sandbox)[0])
    assert draft.context.get("lang") == lang
    verdict = QUALIFIER.qualify(normalize(draft, None), None)
    assert verdict.is_lead is (lead_in is not None)
    assert verdict.intent is not None and verdict.intent.language not in (
        "und",
        "qam",
        "qme",
        "qht",
        "qst",
        "zxx",
    )
    if lead_in:
        assert verdict.intent.language == lead_in


# --- the living world makes every shape ---------------------------------------------------------------


def test_the_living_world_makes_every_shape_and_the_sources_read_them_all() -> None:
    world = x_world(seed=4, history=timedelta(hours=6), per_minute=3)
    tweets = world.tweets
    assert sum(1 for t in tweets if t.edit_history) >= 20
    assert sum(1 for t in tweets if len(t.text) > 280) >= 5
    assert sum(1 for t in tweets if set("&<>") & set(t.text)) >= 20
    assert {"und", "in", "qme", "qam", "qht", "zxx"} <= {t.lang for t in tweets}
    users = world.x_users.values()
    assert any("Media enquiries: press@" in u.description for u in users)
    assert any(
        not u.name.replace(" ", "").replace("-", "").isalpha() for u in users if u.id != world.brand.id
    )
    truth = [item for item in world.truth if item.kind == "x_post"]
    assert sorted(item.native_id for item in truth) == sorted(t.root_id for t in tweets), (
        "an edit is one item"
    )
    with SandboxServer(world, Chaos(), x_limits=limits(world)) as server:
        source = build_mentions(world, server.url, first_window="6h")
        poll = run_poll(source, None)
    assert poll.error is None
    drafts = {event.native_id: source.parse(event) for event in poll.events}
    assert {d.native_id for d in drafts.values() if d.revises} == {
        t.id
        for t in tweets
        if t.edit_history and BRAND in t.mentions and t.created >= START - timedelta(hours=6)
    }
    assert not [d for d in drafts.values() if "&amp;" in (d.message or "") or "&gt;" in (d.message or "")]
    assert all(d.contact.full_name is None and d.contact.email is None for d in drafts.values())


# --- stored: one lead, one touch, updated by the edit -------------------------------------------------


def poll_and_store(engine: Engine, world: World, sandbox: SandboxServer, cursor: Any) -> Any:
    """One mentions poll, parsed, qualified and stored as the runner does; the cursor after it."""
    source = build_mentions(world, sandbox.url)
    poll = run_poll(source, cursor)
    assert poll.error is None and poll.events
    binding = SourceBinding(name="x_mentions", platform="x")
    prepared = qualify_all(binding, parse_all(source.parse, poll.events), QUALIFIER)
    store_with_retry(engine, binding, prepared, ReceivedVia.POLL, None, DefaultRoute(), world.now)
    return poll.cursor


def test_an_edit_updates_the_one_touch_of_its_post(
    engine: Engine, world: World, sandbox: SandboxServer
) -> None:
    original = post(world, account(world), "@thestore how much is the grey corner sofa?")
    cursor = poll_and_store(engine, world, sandbox, None)
    world.advance(world.now + timedelta(minutes=3))
    edit = world.edit_tweet(original.id, "@thestore how much is the grey corner sofa & the armchair?")
    world.advance(world.now + timedelta(minutes=1))
    poll_and_store(engine, world, sandbox, cursor)
    with engine.connect() as conn:
        stored = conn.execute(select(touches.c.message, touches.c.context)).all()
        lead_count = len(conn.execute(select(leads.c.id)).all())
    assert (lead_count, len(stored)) == (1, 1), "an edit is the same post: one lead, one touch"
    message, context = stored[0]
    assert message == edit.text
    assert {original.id, edit.id} <= set(context[EDITED]["versions"])
