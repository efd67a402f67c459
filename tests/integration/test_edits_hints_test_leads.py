"""The store step's share of real payloads: edits revise their touch, found contact data is a hint and
never an identity key, a platform's test lead is kept and shown but delivered only where asked.

The drafts carry what the X and Meta connectors produce (their own tests cover the parsing, through
the SDKs against the sandbox); normalize, qualify and store are the real ones, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from socialleads.card.render import render_text
from socialleads.configuration.models import Campaign, DefaultRoute
from socialleads.models import (
    EDITED,
    Contact,
    ContactHint,
    EventKind,
    Handle,
    LeadDraft,
    RawEvent,
    ReceivedVia,
)
from socialleads.pipeline.prepare import SourceBinding, parse_all, qualify_all
from socialleads.pipeline.store_step import store_with_retry
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.store import leads as lead_store
from socialleads.store.tables import deliveries, leads, raw_events, touches

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
QUALIFIER = LeadQualifier()
TO_CRM = DefaultRoute(deliver_to=("crm",))
ANNA = Handle(platform="x", user_id="1400000131", username="annaj", display_name="🛋️ Anna J | sofas ✨")


def store(
    engine: Engine, drafts: list[LeadDraft], campaign: Campaign | None = None, at: datetime = NOW
) -> None:
    binding = SourceBinding(
        name="x_search", platform="x", campaign_name="c" if campaign else None, campaign=campaign
    )
    by_id = {d.native_id: d for d in drafts}
    events = [
        RawEvent(native_id=d.native_id, kind=d.kind, occurred_at=at, payload={"id": d.native_id})
        for d in drafts
    ]
    prepared = qualify_all(binding, parse_all(lambda e: by_id[e.native_id], events), QUALIFIER)
    store_with_retry(engine, binding, prepared, ReceivedVia.POLL, None, TO_CRM, at)


def post(native_id: str, text: str, revises: tuple[str, ...] = (), **extra: object) -> LeadDraft:
    return LeadDraft(
        native_id=native_id,
        kind=EventKind.POST,
        platform="x",
        occurred_at=NOW,
        handle=ANNA,
        message=text,
        revises=revises,
        **extra,  # type: ignore[arg-type]
    )


ORIGINAL = "@thestore how much is the grey corner sofa? can you deliver to Akureyri?"
EDITED_TEXT = "@thestore how much is the grey corner sofa in velvet? can you deliver to Akureyri next week?"


def counts(engine: Engine) -> tuple[int, int, int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(leads)).scalar_one(),
            conn.execute(select(func.count()).select_from(touches)).scalar_one(),
            conn.execute(select(func.count()).select_from(deliveries)).scalar_one(),
            conn.execute(select(func.count()).select_from(raw_events)).scalar_one(),
        )


def test_an_edit_updates_its_touch_and_the_lead_is_delivered_as_an_update(engine: Engine) -> None:
    store(engine, [post("100", ORIGINAL)])
    store(engine, [post("101", EDITED_TEXT, revises=("100",))], at=NOW + timedelta(minutes=3))
    assert counts(engine) == (1, 1, 1, 2)  # one lead, one touch, one delivery row; both versions kept
    with engine.connect() as conn:
        touch = conn.execute(select(touches)).mappings().one()
        lead = conn.execute(select(leads)).mappings().one()
        delivery = conn.execute(select(deliveries)).mappings().one()
        edit_event = conn.execute(select(raw_events).where(raw_events.c.native_id == "101")).mappings().one()
        loaded = lead_store.load_lead(conn, lead["id"])
    assert touch["native_id"] == "100" and touch["message"] == EDITED_TEXT
    assert touch["context"][EDITED]["versions"] == ["100", "101"]
    assert touch["context"][EDITED]["previous_message"] == ORIGINAL
    assert lead["revision"] == 2 and lead["touch_count"] == 1
    assert delivery["revision"] == 2  # the same delivery row, due again: an update, not a new lead
    assert edit_event["status_reason"].startswith("an edit of 100")
    assert loaded is not None and loaded.touches[0].edited
    assert "edited after it was first seen" in render_text(loaded)


def test_a_second_edit_revises_the_same_touch(engine: Engine) -> None:
    store(engine, [post("100", ORIGINAL)])
    store(engine, [post("101", EDITED_TEXT, revises=("100",))])
    store(engine, [post("102", EDITED_TEXT + " thanks!", revises=("100", "101"))])
    assert counts(engine)[:3] == (1, 1, 1)
    with engine.connect() as conn:
        touch = conn.execute(select(touches)).mappings().one()
    assert touch["message"].endswith("thanks!")
    assert touch["context"][EDITED]["versions"] == ["100", "101", "102"]


def test_an_original_and_its_edit_in_one_poll_make_one_touch_with_the_newest_text(engine: Engine) -> None:
    store(engine, [post("101", EDITED_TEXT, revises=("100",)), post("100", ORIGINAL)])
    assert counts(engine) == (1, 1, 1, 2)
    with engine.connect() as conn:
        touch = conn.execute(select(touches)).mappings().one()
        original = conn.execute(select(raw_events).where(raw_events.c.native_id == "100")).mappings().one()
    assert touch["native_id"] == "101" and touch["message"] == EDITED_TEXT
    assert original["status"] == "ignored" and "edited since" in original["status_reason"]


def test_an_edit_whose_original_made_no_lead_is_a_new_lead(engine: Engine) -> None:
    store(engine, [post("100", "nice weather today")])  # not a lead: kept as an ignored event
    store(engine, [post("101", EDITED_TEXT, revises=("100",))])
    assert counts(engine)[:3] == (1, 1, 1)


def test_a_bio_email_is_a_hint_and_never_merges_two_people(engine: Engine) -> None:
    """Anyone can write someone else's address in their bio: it must not attach them to that person."""
    victim = LeadDraft(
        native_id="form-1",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=NOW,
        contact=Contact(full_name="Bo Berg", email="bo@example.is"),
    )
    hint = ContactHint(
        field="email", value="bo@example.is", source="X bio of @annaj", caution="labelled 'Media enquiries'"
    )
    store(engine, [victim, post("100", ORIGINAL, hints=(hint,))])
    with engine.connect() as conn:
        rows = conn.execute(select(leads.c.id, leads.c.email, leads.c.full_name).order_by(leads.c.id)).all()
        x_lead = lead_store.load_lead(conn, rows[1].id)
    assert len(rows) == 2, "the bio's email merged the X author into the form's lead"
    assert rows[1].email is None and rows[1].full_name is None  # found data never fills the contact
    assert x_lead is not None and x_lead.hints == (hint,)
    card = render_text(x_lead)
    assert "bo@example.is, found in the X bio of @annaj (labelled 'Media enquiries')" in card
    assert "Anna J (X display name)" in card  # the decorated display name, cleaned and marked


def test_a_test_lead_is_stored_and_shown_but_not_delivered(engine: Engine) -> None:
    test = LeadDraft(
        native_id="9100000000000077",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=NOW,
        contact=Contact(full_name="<test lead: dummy data for full_name>", email="test@fb.com"),
        test_lead="Lead Ads Testing Tool dummy data (full_name, email)",
    )
    twin = test.model_copy(update={"native_id": "9100000000000078"})
    store(engine, [test, twin])
    assert counts(engine)[:3] == (2, 2, 0)  # two testers stay apart (no identity keys), nothing delivered
    with engine.connect() as conn:
        lead_id = conn.execute(select(leads.c.id).limit(1)).scalar_one()
        loaded = lead_store.load_lead(conn, lead_id)
    assert loaded is not None and loaded.is_test
    assert render_text(loaded).startswith("Test lead:")


def test_a_campaign_that_asks_gets_its_test_leads_delivered(engine: Engine) -> None:
    test = LeadDraft(
        native_id="9100000000000079",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=NOW,
        contact=Contact(email="test@fb.com"),
        test_lead="Lead Ads Testing Tool dummy data (email)",
    )
    store(engine, [test], campaign=Campaign(deliver_test_leads=True))
    assert counts(engine)[:3] == (1, 1, 1)
