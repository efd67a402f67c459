"""Contact-accuracy checks: disposable domains, placeholders, implausible names, all offline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socialleads.models import Contact, EventKind, FieldFlag, Handle, LeadDraft
from socialleads.qualify.contact_checks import (
    DISPOSABLE_DOMAINS,
    contact_reasons,
    disposable_domain,
    email_domain_problem,
    email_placeholder,
    name_problem,
    phone_placeholder,
    placeholder_text,
)
from socialleads.qualify.quality import QualityWeights

WEIGHTS = QualityWeights()


def _draft(contact: Contact, handle: Handle | None = None) -> LeadDraft:
    return LeadDraft(
        native_id="1",
        kind=EventKind.LEAD_FORM,
        platform="facebook",
        occurred_at=datetime(2025, 3, 14, tzinfo=UTC),
        contact=contact,
        handle=handle,
    )


def test_the_blocklist_is_the_maintained_package_as_a_frozenset() -> None:
    assert isinstance(DISPOSABLE_DOMAINS, frozenset) and "mailinator.com" in DISPOSABLE_DOMAINS


def test_an_address_at_a_disposable_domain_names_the_listed_domain() -> None:
    assert disposable_domain("anna@Mailinator.com") == "mailinator.com"


def test_an_address_at_a_subdomain_of_a_disposable_domain_is_disposable() -> None:
    assert disposable_domain("anna@eu.mailinator.com") == "mailinator.com"


def test_a_mainstream_provider_is_not_disposable() -> None:
    assert disposable_domain("anna@gmail.com") is None


@pytest.mark.parametrize(
    "address",
    [
        "test@test.com",
        "a@a.com",
        "noreply@acme.com",
        "no-reply@acme.com",
        "qwerty@gmail.com",
        "1234@acme.com",
    ],
)
def test_placeholder_addresses_are_recognised(address: str) -> None:
    assert email_placeholder(address) is not None


@pytest.mark.parametrize("raw", ["asdf", "test", "n/a", "-", "xxxx"])
def test_placeholder_values_typed_instead_of_an_address_are_recognised(raw: str) -> None:
    assert email_placeholder(raw) is not None


@pytest.mark.parametrize(
    "address", ["anna@gmail.com", "j.smith@example.com", "info@sofar.is", "abc@acme.com", "eva.12@example.de"]
)
def test_ordinary_addresses_are_not_placeholders(address: str) -> None:
    assert email_placeholder(address) is None


def test_a_no_reply_address_is_explained() -> None:
    assert email_placeholder("noreply@acme.com") == "is a no-reply address, which no one reads"


def test_a_misspelt_provider_names_the_likely_domain() -> None:
    assert email_domain_problem("anna@gmial.com") == "has a domain that looks like a typo of gmail.com"


def test_a_dot_con_domain_is_a_typo_of_dot_com() -> None:
    assert email_domain_problem("anna@acme.con") == "ends in .con, a typo of .com"


def test_a_one_letter_top_level_domain_is_no_domain() -> None:
    assert email_domain_problem("a@b.c") == "ends in '.c', which is no top-level domain"


@pytest.mark.parametrize("address", ["anna@gmail.com", "anna@sófar.is", "anna@example.xn--p1ai"])
def test_real_domain_shapes_pass(address: str) -> None:
    assert email_domain_problem(address) is None


@pytest.mark.parametrize(
    "number", ["1111111", "+3541111111", "1234567", "+34612345678", "0987654", "000 00 00"]
)
def test_repeated_or_consecutive_digits_are_placeholder_numbers(number: str) -> None:
    assert phone_placeholder(number) is not None


@pytest.mark.parametrize("number", ["+3546901234", "+34612987654", "611 2345", "12"])
def test_ordinary_numbers_are_not_placeholders(number: str) -> None:
    assert phone_placeholder(number) is None


def test_a_phone_typed_as_a_word_is_a_placeholder() -> None:
    assert phone_placeholder("none") == "is a placeholder"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("test test", "is a placeholder"),
        ("asdf", "is a placeholder"),
        ("xxx", "is a placeholder"),
        ("A", "is a single letter"),
        ("aaaa", "is one character repeated"),
        ("Aa", "is one letter repeated"),
        ("anna@example.com", "is an email address, not a name"),
        ("12345", "has no letters"),
        ("J0hn", "has digits in it"),
        ("Qwertyuiop", "is a keyboard or number sequence"),
    ],
)
def test_implausible_names_say_why(name: str, problem: str) -> None:
    assert name_problem(name) == problem


@pytest.mark.parametrize(
    "name", ["Anna Jónsdóttir", "Li Na", "王伟", "Anne-Marie O'Brien", "Malcolm X", "Jo"]
)
def test_plausible_names_pass(name: str) -> None:
    assert name_problem(name) is None


def test_a_value_of_punctuation_only_is_no_value() -> None:
    assert placeholder_text(" - ") == "is no value at all"


def test_a_valid_email_and_phone_are_usable() -> None:
    _, usable = contact_reasons(_draft(Contact(email="anna@gmail.com", phone="+3546901234")), WEIGHTS)
    assert usable


def test_a_disposable_email_alone_is_not_usable() -> None:
    _, usable = contact_reasons(_draft(Contact(email="anna@mailinator.com")), WEIGHTS)
    assert not usable


def test_an_invalid_email_costs_the_invalid_weight_and_quotes_the_problem() -> None:
    flag = FieldFlag(field="email", raw="anna@@gmail.com", problem="bad @")
    [reason], _ = contact_reasons(_draft(Contact(flags=(flag,))), WEIGHTS)
    assert (reason.signal, reason.points, reason.detail) == (
        "email",
        WEIGHTS.email_invalid,
        "one was given but is not valid (bad @)",
    )


def test_a_flag_of_another_field_carries_no_points() -> None:
    flag = FieldFlag(field="zip_code", raw="??", problem="not a postcode")
    reasons, _ = contact_reasons(_draft(Contact(email="anna@gmail.com", flags=(flag,))), WEIGHTS)
    assert [r.signal for r in reasons] == ["email"]


def test_no_email_or_phone_but_a_handle_is_reachable_on_the_platform() -> None:
    handle = Handle(platform="instagram", username="anna.j")
    [reason], _ = contact_reasons(_draft(Contact(), handle), WEIGHTS)
    assert reason.detail == "no email or phone: reachable only on instagram as @anna.j"


def test_no_email_phone_or_handle_is_unreachable() -> None:
    [reason], _ = contact_reasons(_draft(Contact()), WEIGHTS)
    assert (reason.signal, reason.points) == ("reach", WEIGHTS.unreachable)
