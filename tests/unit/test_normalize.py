"""Contact normalization: valid values tidied, invalid ones flagged and kept, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime

from socialleads.models import Contact, EventKind, LeadDraft
from socialleads.pipeline.normalize import normalize, normalize_contact


def test_email_domain_is_lower_cased_and_the_phone_is_e164_for_the_region() -> None:
    contact = normalize_contact(Contact(email=" Anna@Example.COM ", phone="611 2345"), "IS")
    assert (contact.email, contact.phone, contact.flags) == ("Anna@example.com", "+3546112345", ())


def test_an_international_number_ignores_the_default_region() -> None:
    assert normalize_contact(Contact(phone="+34 612 345 678"), "IS").phone == "+34612345678"


def test_an_invalid_email_is_flagged_with_the_raw_value_and_the_problem() -> None:
    contact = normalize_contact(Contact(email="anna@@example.com"), None)
    assert contact.email is None
    [flag] = contact.flags
    assert (flag.field, flag.raw) == ("email", "anna@@example.com")
    assert "invalid characters" in flag.problem


def test_a_number_without_country_code_and_no_region_is_flagged_with_the_fix() -> None:
    [flag] = normalize_contact(Contact(phone="611 2345"), None).flags
    assert flag.problem == "no country code, and no phone_region is configured to assume one"


def test_a_too_short_number_is_flagged() -> None:
    [flag] = normalize_contact(Contact(phone="12"), "IS").flags
    assert flag.field == "phone" and flag.raw == "12"


def test_names_are_trimmed_and_a_full_name_is_built_from_parts() -> None:
    contact = normalize_contact(Contact(first_name="  Sigrún ", last_name=" Pálsdóttir\t"), None)
    assert (contact.first_name, contact.last_name, contact.full_name) == (
        "Sigrún",
        "Pálsdóttir",
        "Sigrún Pálsdóttir",
    )


def test_empty_strings_become_none() -> None:
    contact = normalize_contact(Contact(full_name="   ", company="", city=" Reykjavík "), None)
    assert (contact.full_name, contact.company, contact.city) == (None, None, "Reykjavík")


def test_nul_characters_are_replaced_in_what_the_store_derives_from_a_payload() -> None:
    draft = LeadDraft(
        native_id="1",
        kind=EventKind.COMMENT,
        platform="test",
        occurred_at=datetime.now(UTC),
        message="price?\x00",
        answers={"size\x00": "L"},
        contact=Contact(full_name="A\x00B"),
    )
    clean = normalize(draft, None)
    assert clean.message == "price?\ufffd"
    assert clean.answers == {"size\ufffd": "L"}
    assert clean.contact.full_name == "AB"
