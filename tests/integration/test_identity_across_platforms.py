"""One person across a Meta lead form and a CSV import is one lead; a shared name is not enough, and
neither is an address found in an X bio (anyone can write anyone's address there: it is a hint).

The drafts carry the fields the Meta and X connectors produce; qualification is the real one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from socialleads.configuration.models import DefaultRoute
from socialleads.models import Contact, ContactHint, EventKind, Handle, LeadDraft, RawEvent, ReceivedVia
from socialleads.pipeline.prepare import SourceBinding, parse_all, qualify_all
from socialleads.pipeline.store_step import store_with_retry
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.store.tables import leads, touches

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
QUALIFIER = LeadQualifier()


def store(engine: Engine, source: str, platform: str, draft: LeadDraft, region: str | None = "IS") -> None:
    binding = SourceBinding(name=source, platform=platform, phone_region=region)
    event = RawEvent(
        native_id=draft.native_id, kind=draft.kind, occurred_at=NOW, payload={"id": draft.native_id}
    )
    prepared = qualify_all(binding, parse_all(lambda _: draft, [event]), QUALIFIER)
    store_with_retry(engine, binding, prepared, ReceivedVia.POLL, None, DefaultRoute(), NOW)


def meta_form(email: str, phone: str, name: str = "Anna Jónsdóttir") -> LeadDraft:
    return LeadDraft(
        native_id="9100000000000001",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=NOW,
        contact=Contact(full_name=name, email=email, phone=phone),
        answers={"which_room_would_you_like_help_with": "living_room"},
    )


def x_post(bio_email: str | None, name: str = "Anna J") -> LeadDraft:
    hints = (ContactHint(field="email", value=bio_email, source="X bio of @annaj"),) if bio_email else ()
    return LeadDraft(
        native_id="1861000000000000001",
        kind=EventKind.POST,
        platform="x",
        occurred_at=NOW,
        hints=hints,
        handle=Handle(platform="x", user_id="1400000131", username="annaj", display_name=name),
        message="@thestore how much is the grey corner sofa? can you deliver to Akureyri?",
    )


def csv_row(phone: str, name: str = "Anna Jónsdóttir") -> LeadDraft:
    return LeadDraft(
        native_id="row:abc",
        kind=EventKind.IMPORT_ROW,
        platform="csv",
        occurred_at=NOW,
        contact=Contact(full_name=name, phone=phone),
    )


def people(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            (r.lead_id, r.merge_reason)
            for r in conn.execute(select(touches.c.lead_id, touches.c.merge_reason).order_by(touches.c.id))
        ]


def test_a_form_and_a_csv_row_of_one_person_are_one_lead_and_a_bio_email_joins_nobody(engine: Engine) -> None:
    store(engine, "meta_forms", "facebook", meta_form("Anna.Jons@gmail.com", "+354 611 2345"))
    store(engine, "x_search", "x", x_post("annajons+x@gmail.com"))  # the email in an X bio: a hint only
    store(engine, "fair", "csv", csv_row("611 2345"))  # her phone, written without +354
    touched = people(engine)
    assert len({lead for lead, _ in touched}) == 2
    assert [reason.split(" as ")[0] for _, reason in touched] == ["new person", "new person", "same phone"]
    with engine.connect() as conn:
        assert sorted(conn.execute(select(leads.c.touch_count)).scalars()) == [1, 2]


def test_the_same_name_on_three_platforms_is_three_people(engine: Engine) -> None:
    store(engine, "meta_forms", "facebook", meta_form("anna@example.is", "+354 611 2345"))
    store(engine, "x_search", "x", x_post(None, name="Anna Jónsdóttir"))
    store(engine, "fair", "csv", csv_row("+354 770 1234"))
    assert len({lead for lead, _ in people(engine)}) == 3
