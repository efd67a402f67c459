"""The cached email path agrees with email-validator on every address, valid or not."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from socialleads.pipeline.emails import normalize_email

LOCAL_CHARS = "abcXYZ019._%+-!#$&'*/=?^`{|}~\"@ ()<>,;:\\[]éÆ\u00a0\u0301"
DOMAINS = [
    "example.com",
    "gmail.com",
    "GMAIL.COM",
    "hús.is",
    "xn--hs-sia.is",
    "localhost",
    "a.test",
    "x.local",
    "-bad.com",
    "bad-.com",
    "a..b.com",
    "123.456",
    "[127.0.0.1]",
    "ex ample.com",
    "sub.domain.co.uk",
    "a" * 63 + ".com",
    "a" * 64 + ".com",
    ("abcdefghij" * 6 + ".") * 4 + "com",
    "münchen.de",
    "example.c",
]


def reference(raw: str) -> tuple[str | None, str | None]:
    try:
        return validate_email(raw, check_deliverability=False).normalized, None
    except EmailNotValidError as exc:
        return None, str(exc)


@settings(max_examples=3000, deadline=None)
@given(local=st.text(alphabet=LOCAL_CHARS, min_size=0, max_size=70), domain=st.sampled_from(DOMAINS))
@example(local="Postmaster", domain="example.com")
@example(local="a" * 64, domain=("abcdefghij" * 6 + ".") * 3 + "com")
@example(local="anna", domain="Hús.IS")
def test_the_cached_path_gives_the_same_answer_as_email_validator(local: str, domain: str) -> None:
    raw = f"{local}@{domain}"
    assert normalize_email(raw) == reference(raw)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_any_text_gives_the_same_answer_as_email_validator(raw: str) -> None:
    assert normalize_email(raw) == reference(raw)
