"""Email validation with email-validator, cached per address and per domain. No DNS lookups.

email-validator (2.4, pinned) checks the part before the @ and the domain independently, then the
lengths of the whole; the domain check (IDNA, UTS #46) is most of its cost. Lead lists are
dominated by a few domains (gmail.com, a company's own), so a plain ASCII local part
(RFC 5322 dot-atom, the library's own ``DOT_ATOM_TEXT``) with a domain the library already
accepted is assembled here exactly as ``validate_email`` would assemble it. Everything else, and
every failure, goes through ``validate_email`` itself, so its error messages are the ones shown.
tests/unit/test_emails.py checks the two paths agree.
"""

from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES, DOT_ATOM_TEXT, EMAIL_MAX_LENGTH

from socialleads.pipeline.check_cache import CheckCache


@lru_cache(maxsize=8192)
def _domain(domain: str) -> tuple[str, str] | None:
    """``(domain, ascii_domain)`` as email-validator normalizes ``domain``, or None when it rejects it."""
    try:
        result = validate_email("a@" + domain, check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.domain, result.ascii_domain


def _assembled(raw: str) -> str | None:
    """The normalized address when ``raw`` is a dot-atom local part at a known-good domain, else None."""
    local, at, domain = raw.partition("@")
    if not at or not DOT_ATOM_TEXT.match(local):
        return None
    known = _domain(domain)
    if known is None:
        return None
    normalized_domain, ascii_domain = known
    if local.lower() in CASE_INSENSITIVE_MAILBOX_NAMES:
        local = local.lower()
    normalized = f"{local}@{normalized_domain}"
    longest = max(len(raw.encode()), len(normalized.encode()), len(local) + 1 + len(ascii_domain))
    return normalized if longest <= EMAIL_MAX_LENGTH else None


def check_email(raw: str) -> tuple[str | None, str | None]:
    """``(normalized, None)`` for a valid address, ``(None, problem)`` otherwise."""
    fast = _assembled(raw)
    if fast is not None:
        return fast, None
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        return None, str(exc)
    return result.normalized, None


EMAILS: CheckCache[str, tuple[str | None, str | None]] = CheckCache(check_email, 65536)


def normalize_email(raw: str) -> tuple[str | None, str | None]:
    """``check_email`` of ``raw``, cached."""
    return EMAILS(raw)
