"""Identity that never swallows people (#18): a shared phone, a placeholder number and a team's mailbox
are kept but not matched on; one person with two emails is still one person.

Drafts as the Meta lead-ads connector makes them; normalize, qualify and the store step are the real
ones, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from socialleads.card.render import render_text
from socialleads.configuration.models import DefaultRoute
from socialleads.models import Contact, EventKind, Handle, LeadDraft, RawEvent, ReceivedVia
from socialleads.pipeline.prepare import SourceBinding, parse_all, qualify_all
from socialleads.pipeline.store_step import store_with_retry
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.store import leads as lead_store
from socialleads.store.tables import deliveries, identities, leads, touches

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
QUALIFIER = LeadQualifier()
BINDING = SourceBinding(name="meta_forms", platform="facebook", phone_region="US")
SWITCHBOARD = "+1 415 392 8000"


def form(n: int, email: str | None, phone: str | None, name: str | None = None) -> LeadDraft:
    return LeadDraft(
        native_id=f"91000000{n:08d}",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=NOW,
        contact=Contact(full_name=name or f"Person {n}", email=email, phone=phone),
    )


def store(engine: Engine, drafts: list[LeadDraft], chunk: int = 200) -> None:
    for start in range(0, len(drafts), chunk):
        part = drafts[start : start + chunk]
        by_id = {d.native_id: d for d in part}
        events = [RawEvent(native_id=d.native_id, kind=d.kind, occurred_at=NOW, payload={}) for d in part]
        parsed = parse_all(lambda e, found=by_id: found[e.native_id], events)
        prepared = qualify_all(BINDING, parsed, QUALIFIER)
        store_with_retry(
            engine, BINDING, prepared, ReceivedVia.WEBHOOK, None, DefaultRoute(deliver_to=("crm",)), NOW
        )


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_three_thousand_people_who_typed_one_switchboard_number_are_three_thousand_leads(
    engine: Engine,
) -> None:
    store(engine, [form(n, f"person{n}@mail{n % 7}.example", SWITCHBOARD) for n in range(3000)])
    assert count(engine, leads) == 3000
    assert count(engine, deliveries) == 3000  # each one delivered
    with engine.connect() as conn:
        people = conn.execute(select(identities.c.people).where(identities.c.kind == "phone")).scalar_one()
        last = conn.execute(select(func.max(leads.c.id))).scalar_one()
        lead = lead_store.load_lead(conn, last)
        reason = conn.execute(select(touches.c.merge_reason).where(touches.c.lead_id == last)).scalar_one()
    assert people == 3000
    assert lead is not None
    assert lead.identifier_notes == (
        "phone +14153928000: a shared number, 3000 people gave it; not used to match people",
    )
    assert "a shared number, 3000 people gave it" in render_text(lead)
    assert "not merged: its phone is shared" in reason


def test_the_same_person_giving_the_number_again_with_their_email_is_still_one_lead(engine: Engine) -> None:
    store(engine, [form(1, "ann@mail.example", SWITCHBOARD), form(2, "bo@mail.example", SWITCHBOARD)])
    store(engine, [form(3, "Ann@Mail.example", SWITCHBOARD, name="Person 1")])
    assert count(engine, leads) == 2
    assert count(engine, touches) == 3


def test_one_person_with_a_work_and_a_home_email_and_one_phone_is_one_lead(engine: Engine) -> None:
    store(engine, [form(1, "anna@acme.example", "+1 415 555 2671", name="Anna Berg")])
    store(engine, [form(2, "anna.berg@gmail.com", "+1 (415) 555-2671", name="anna  BERG")])
    assert count(engine, leads) == 1


def test_two_people_with_their_own_emails_and_one_family_phone_are_two_leads(engine: Engine) -> None:
    store(engine, [form(1, "anna@mail.example", "+1 415 555 2671", name="Anna Berg")])
    store(engine, [form(2, "bo@mail.example", "+1 415 555 2671", name="Bo Berg")])
    assert count(engine, leads) == 2
    with engine.connect() as conn:
        loaded = lead_store.load_leads(conn, [1, 2])
    assert all("a shared number, 2 people gave it" in lead.identifier_notes[0] for lead in loaded.values())


def test_a_phone_without_an_email_still_finds_its_person(engine: Engine) -> None:
    store(engine, [form(1, "anna@mail.example", "+1 415 555 2671", name="Anna Berg")])
    store(engine, [form(2, None, "415 555 2671", name="A. Berg")])  # a CSV row, a call note
    assert count(engine, leads) == 1


def test_a_placeholder_number_is_kept_flagged_and_never_matched_on(engine: Engine) -> None:
    store(engine, [form(n, None, placeholder) for n, placeholder in enumerate(["+1 415 555 0123"] * 3)])
    store(engine, [form(10 + n, None, "+1 212 111 1111") for n in range(3)])
    assert count(engine, leads) == 6
    assert count(engine, identities) == 0
    with engine.connect() as conn:
        lead = lead_store.load_lead(conn, 1)
    assert lead is not None
    assert lead.identifier_notes == (
        "phone +14155550123: a placeholder (a fictional number (North America's 555 range)); "
        "not used to match people",
    )


def test_a_team_mailbox_is_kept_flagged_and_never_matched_on(engine: Engine) -> None:
    store(engine, [form(n, "info@acme.example", f"+1 415 392 {8100 + n}") for n in range(3)])
    assert count(engine, leads) == 3
    with engine.connect() as conn:
        lead = lead_store.load_lead(conn, 2)
        emails = conn.execute(select(func.count()).where(identities.c.kind == "email")).scalar_one()
    assert emails == 0
    assert lead is not None and lead.contact.email == "info@acme.example"
    assert "email info@acme.example: a team's mailbox" in render_text(lead)


def test_a_touch_with_one_leads_email_and_the_others_account_merges_the_two(engine: Engine) -> None:
    """Two known leads a new touch proves to be one person are merged, not left apart."""
    handle = Handle(platform="x", user_id="1400000131", username="annaj")
    post = LeadDraft(
        native_id="1861000000000000001",
        kind=EventKind.POST,
        platform="x",
        occurred_at=NOW,
        handle=handle,
        message="@thestore how much is the grey corner sofa? can you deliver to Akureyri?",
    )
    store(engine, [form(1, "anna@mail.example", None, name="Anna Berg")])
    store(engine, [post])
    assert count(engine, leads) == 2
    both = form(2, "anna@mail.example", None, name="Anna Berg").model_copy(update={"handle": handle})
    store(engine, [both])
    with engine.connect() as conn:
        rows = conn.execute(
            select(leads.c.id, leads.c.merged_into, leads.c.touch_count).order_by(leads.c.id)
        ).all()
        owners = set(conn.execute(select(identities.c.lead_id)).scalars())
        reason = conn.execute(
            select(touches.c.merge_reason).order_by(touches.c.id.desc()).limit(1)
        ).scalar_one()
    assert [tuple(r) for r in rows] == [(1, None, 3), (2, 1, 0)]
    assert owners == {1}
    assert "lead #2 merged into it" in reason
