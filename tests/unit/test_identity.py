"""Identity resolution: email, phone or handle make the same person; a name alone never does."""

from __future__ import annotations

from datetime import UTC, datetime

from socialleads.models import Contact, EventKind, Handle, LeadDraft
from socialleads.pipeline.identity import IdentityResolver, NewLead, canonical_email, identity_keys


def draft(n: int, **contact: str) -> LeadDraft:
    handle = contact.pop("handle", None)
    return LeadDraft(
        native_id=str(n),
        kind=EventKind.LEAD_FORM,
        platform="test",
        occurred_at=datetime(2026, 11, 27, 12, tzinfo=UTC),
        contact=Contact(**contact),
        handle=Handle(platform="x", username=handle) if handle else None,
    )


def keys_of(n: int, **contact: str) -> tuple[tuple[str, str], ...]:
    return identity_keys(draft(n, **contact))


def test_keys_are_the_validated_email_phone_and_handle_most_trusted_first() -> None:
    keys = identity_keys(draft(1, email="Anna@Example.com", phone="+3546112345", handle="@Anna"))
    assert keys == (("email", "anna@example.com"), ("phone", "+3546112345"), ("handle", "x:@anna"))


def test_a_known_key_attaches_the_draft_to_that_lead() -> None:
    resolver = IdentityResolver(known={("phone", "+3546112345"): 12})
    match = resolver.resolve(keys_of(1, email="new@example.com", phone="+3546112345"))
    assert match.lead == 12
    assert match.new_keys == (("email", "new@example.com"),)
    assert match.reason == "same phone as lead #12 (seen before)"


def test_two_drafts_in_one_batch_with_the_same_email_are_one_new_lead() -> None:
    resolver = IdentityResolver(known={})
    first = resolver.resolve(keys_of(1, email="a@example.com"))
    second = resolver.resolve(keys_of(2, email="a@example.com", phone="+3546112345"))
    assert first.lead == second.lead == NewLead(0)
    assert second.reason == "same email as a new lead (earlier in this batch)"
    assert resolver.new_leads == 1


def test_the_same_name_alone_is_never_a_match() -> None:
    resolver = IdentityResolver(known={})
    resolver.resolve(keys_of(1, full_name="Jón Jónsson"))
    match = resolver.resolve(keys_of(2, full_name="Jón Jónsson"))
    assert match.lead == NewLead(1)
    assert match.reason == "new person (no email, phone or handle to match on)"


def test_keys_of_two_different_leads_keep_both_and_say_so() -> None:
    resolver = IdentityResolver(known={("email", "a@example.com"): 1, ("phone", "+3546112345"): 2})
    match = resolver.resolve(keys_of(1, email="a@example.com", phone="+3546112345"))
    assert match.lead == 1
    assert match.new_keys == ()
    assert "not merged: lead #2 also shares a key" in match.reason


def test_gmail_dots_plus_tags_and_googlemail_are_the_same_mailbox() -> None:
    assert canonical_email("Anna.Jons+sofas@GoogleMail.com") == canonical_email("annajons@gmail.com")


def test_plus_tags_are_ignored_only_where_the_provider_ignores_them() -> None:
    assert canonical_email("anna+leads@outlook.com") == "anna@outlook.com"
    assert canonical_email("anna.j@outlook.com") != canonical_email("annaj@outlook.com")
    assert canonical_email("sales+is@heimili.is") == "sales+is@heimili.is"  # a company's own rules apply
    assert canonical_email("a.b@heimili.is") == "a.b@heimili.is"
