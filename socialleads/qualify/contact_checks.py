"""Contact-accuracy checks for lead quality: disposable domains, placeholders, implausible names.

Every check is offline (no DNS) and deterministic, and answers with the problem in words a
salesperson understands (reading after the value: "'asdf' *is a placeholder*"), or None when it
finds nothing; ``contact_reasons`` turns them into scored ``Reason``s for ``quality``. Results
are cached per value: the same people arrive many times; the verdicts on valid emails and phones
(``EMAIL_CONCERNS``, ``PHONE_CONCERNS``) can also be computed by the contact-check helper process
beside the validators (``pipeline.contact_check_helper``). ``pipeline.normalize`` has already
validated syntax (emails) and numbering plans (phones); these checks catch values that pass
validation but are not a person's.

The disposable-domain list is the maintained ``disposable-email-domains`` package, read once
into a frozenset.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

from disposable_email_domains import blocklist

from socialleads.models import Contact, LeadDraft, Reason
from socialleads.pipeline.check_cache import CheckCache


@lru_cache(maxsize=8192)
def reason(signal: str, detail: str, points: int) -> Reason:
    """A ``Reason``, shared when identical: most leads give the same few reasons, and building a
    pydantic model for each was most of the cost of scoring a lead."""
    return Reason(signal=signal, detail=detail, points=points)


if TYPE_CHECKING:
    from socialleads.qualify.quality import QualityWeights

#: Domains of throw-away mailboxes (mailinator.com, 10minutemail.com, ...), lower-case ASCII.
DISPOSABLE_DOMAINS: frozenset[str] = frozenset(d.lower() for d in blocklist)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words people type when they do not want to give a real value (names and stand-alone values).
PLACEHOLDER_WORDS = _words(
    "test testing tester teste prueba asdf asdfg asdfgh asdfasdf qwerty qwertz azerty qwer zxcv x "
    "xx xxx xxxx abc abcd xyz foo foobar fake dummy sample example lorem ipsum none null "
    "nil na n/a nobody noname anonymous anon unknown nothing name firstname lastname user "
    "username"
)
#: Local parts (before the @) that are no person's mailbox. Not short words that can be initials or
#: a business's own mailbox (abc@, bar@); runs such as abcd@ are caught separately.
PLACEHOLDER_LOCAL_PARTS = _words(
    "test testing tester asdf asdfg asdfgh asdfasdf qwerty qwertz azerty xxx xxxx foobar fake "
    "dummy sample example none null nobody noemail nomail no-email spam junk trash"
)
_NO_REPLY = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply)")
#: First domain labels that are no one's mail provider (test.com, asdf.com). Not ``example``: the
#: RFC 2606 example domains are used by demos and tests that stand for real people.
PLACEHOLDER_DOMAIN_LABELS = frozenset(
    ("test", "asdf", "qwerty", "xxx", "fake", "dummy", "noemail", "nomail", "none", "null", "invalid")
)
#: Common misspellings of big mail providers and of ``.com``, with the likely intended domain.
DOMAIN_TYPOS: dict[str, str] = {
    "gmial.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gamil.com": "gmail.com",
    "gmaill.com": "gmail.com",
    "gnail.com": "gmail.com",
    "gmal.com": "gmail.com",
    "hotmial.com": "hotmail.com",
    "hotmal.com": "hotmail.com",
    "homail.com": "hotmail.com",
    "hotmai.com": "hotmail.com",
    "yaho.com": "yahoo.com",
    "yahooo.com": "yahoo.com",
    "outlok.com": "outlook.com",
    "outloo.com": "outlook.com",
    "iclud.com": "icloud.com",
}
_TLD_TYPOS = {"con": "com", "cmo": "com", "ocm": "com", "comm": "com", "vom": "com", "xom": "com"}
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "azertyuiop")


def _is_run(text: str, minimum: int = 4) -> bool:
    """True for a keyboard or alphabet run (``asdf``, ``abcd``) or consecutive digits (``1234``, ``4321``).

    Digits may wrap around (``7890123``), as people type them.
    """
    if len(text) < minimum:
        return False
    if text.isdigit():
        steps = {(int(b) - int(a)) % 10 for a, b in pairwise(text)}
        return steps in ({1}, {9})
    return any(text in row or text[::-1] in row for row in _RUNS)


def _repeated(text: str, minimum: int = 2) -> bool:
    """True when ``text`` is one character typed again and again (``aaaa``, ``1111111``)."""
    return len(text) >= minimum and len(set(text)) == 1


@lru_cache(maxsize=16384)
def placeholder_text(value: str) -> str | None:
    """How a stand-alone value (a name, an email or phone as typed) is a placeholder, or None.

    The answer reads after the value: ``'asdf'`` *is a placeholder*.
    """
    lowered = value.strip().lower()
    compact = re.sub(r"[\W_]+", "", lowered)
    if not compact:
        return "is no value at all"
    if all(w.strip(".-_") in PLACEHOLDER_WORDS for w in lowered.split()):
        return "is a placeholder"
    if _repeated(compact, 3):
        return "is one character repeated"
    if _is_run(compact):
        return "is a keyboard or number sequence"
    return None


@lru_cache(maxsize=16384)
def disposable_domain(address: str) -> str | None:
    """The listed disposable domain ``address`` is at (its domain or a parent of it), or None."""
    labels = address.rpartition("@")[2].lower().rstrip(".").split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in DISPOSABLE_DOMAINS:
            return candidate
    return None


@lru_cache(maxsize=16384)
def email_placeholder(address: str) -> str | None:
    """How ``address`` (valid or as typed) is a placeholder (test@test.com, a@a.com, noreply@), or None."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return placeholder_text(address)
    local = local.partition("+")[0]
    first_label = domain.split(".")[0]
    if _NO_REPLY.match(local):
        return "is a no-reply address, which no one reads"
    if local in PLACEHOLDER_LOCAL_PARTS or _is_run(local) or _repeated(local, 3):
        return f"has a placeholder mailbox ('{local}@')"
    if first_label in PLACEHOLDER_DOMAIN_LABELS:
        return f"is at a placeholder domain ({domain})"
    if len(local) == 1 and len(first_label) == 1:
        return "is a one-letter mailbox at a one-letter domain"
    return None


@lru_cache(maxsize=16384)
def email_domain_problem(address: str) -> str | None:
    """How the domain of a syntactically valid ``address`` cannot be right (a typo, no real TLD), or None."""
    domain = address.rpartition("@")[2].lower().rstrip(".")
    if domain in DOMAIN_TYPOS:
        return f"has a domain that looks like a typo of {DOMAIN_TYPOS[domain]}"
    tld = domain.rpartition(".")[2]
    if tld in _TLD_TYPOS:
        return f"ends in .{tld}, a typo of .{_TLD_TYPOS[tld]}"
    if not tld.startswith("xn--") and (len(tld) < 2 or not tld.isalpha()):
        return f"ends in '.{tld}', which is no top-level domain"
    return None


@lru_cache(maxsize=16384)
def phone_placeholder(value: str) -> str | None:
    """How a phone number (E.164 or as typed) is made up (1111111, 1234567), or None.

    The last seven digits (the subscriber part in most numbering plans) are checked, and for a
    value as typed without a country code also all its digits.
    """
    digits = "".join(c for c in value if c.isdigit())
    if not digits:
        return placeholder_text(value)
    parts = (digits[-7:],) if value.lstrip().startswith("+") else (digits, digits[-7:])
    if any(_repeated(p, 5) for p in parts):
        return "is the same digit repeated"
    if any(_is_run(p, 5) for p in parts):
        return "is a run of consecutive digits"
    return None


@lru_cache(maxsize=16384)
def name_problem(name: str) -> str | None:
    """How ``name`` is not a plausible person's name (an email, a number, 'test test', 'x'), or None."""
    text = name.strip()
    letters = "".join(c.lower() for c in text if c.isalpha())
    if "@" in text:
        return "is an email address, not a name"
    if not letters:
        return "has no letters"
    if any(c.isdigit() for c in text):
        return "has digits in it"
    if len(letters) == 1:
        return "is a single letter"
    if problem := placeholder_text(text):
        return problem
    return "is one letter repeated" if _repeated(letters) else None


EmailConcern = tuple[str, str] | None


def email_concern(address: str) -> EmailConcern:
    """Why a valid ``address`` cannot be used, as ``(check, answer)``: ``placeholder``, ``disposable``
    (the listed domain) or ``domain``, first found in that order; None when it can be used."""
    if problem := email_placeholder(address):
        return "placeholder", problem
    if listed := disposable_domain(address):
        return "disposable", listed
    if problem := email_domain_problem(address):
        return "domain", problem
    return None


#: ``email_concern`` of normalized addresses, ``phone_placeholder`` of E.164 numbers: one entry per
#: person, so they are sized like the validators' caches, and the helper process may fill them.
EMAIL_CONCERNS: CheckCache[str, EmailConcern] = CheckCache(email_concern, 65536)
PHONE_CONCERNS: CheckCache[str, str | None] = CheckCache(phone_placeholder, 65536)


def quote(text: str, limit: int = 60) -> str:
    """``text`` in double quotes on one line, shortened to ``limit`` characters."""
    text = " ".join(text.split())
    return f'"{text if len(text) <= limit else text[: limit - 1] + "…"}"'


def _email(contact: Contact, w: QualityWeights) -> tuple[Reason | None, bool]:
    """The email's reason, and whether the email is usable."""
    if email := contact.email:
        concern = EMAIL_CONCERNS(email)
        if concern is None:
            return reason(signal="email", detail="a valid address", points=w.email_valid), True
        check, answer = concern
        if check == "placeholder":
            return Reason(
                signal="email", detail=f"{quote(email)} {answer}", points=w.placeholder_value
            ), False
        if check == "disposable":
            detail = f"the address is on a disposable-address list ({answer})"
            return reason(signal="email", detail=detail, points=w.email_disposable), False
        return reason(signal="email", detail=f"the address {answer}", points=w.email_bad_domain), False
    for flag in (f for f in contact.flags if f.field == "email"):
        if problem := email_placeholder(flag.raw):
            return Reason(
                signal="email", detail=f"{quote(flag.raw)} {problem}", points=w.placeholder_value
            ), False
        detail = f"one was given but is not valid ({flag.problem})"
        return reason(signal="email", detail=detail, points=w.email_invalid), False
    return None, False


def _phone(contact: Contact, w: QualityWeights) -> tuple[Reason | None, bool]:
    """The phone's reason, and whether the phone is usable."""
    if contact.phone:
        if problem := PHONE_CONCERNS(contact.phone):
            detail = f"the number {problem}, which looks made up"
            return reason(signal="phone", detail=detail, points=w.placeholder_value), False
        return reason(signal="phone", detail="a valid number for its region", points=w.phone_valid), True
    for flag in (f for f in contact.flags if f.field == "phone"):
        if problem := phone_placeholder(flag.raw):
            detail = f"{quote(flag.raw)} {problem}, which looks made up"
            return reason(signal="phone", detail=detail, points=w.placeholder_value), False
        detail = f"one was given but is not valid ({flag.problem})"
        return reason(signal="phone", detail=detail, points=w.phone_invalid), False
    return None, False


def contact_reasons(draft: LeadDraft, w: QualityWeights) -> tuple[list[Reason], bool]:
    """The contact-accuracy reasons of ``draft`` under ``w``, and whether it has a usable email or phone.

    Signals: ``email``, ``phone``, ``email and phone``, ``name``, ``reach``. Flags of fields other
    than email and phone carry no points.
    """
    contact = draft.contact
    email, email_ok = _email(contact, w)
    phone, phone_ok = _phone(contact, w)
    reasons = [r for r in (email, phone) if r is not None]
    if email_ok and phone_ok:
        reasons.append(reason(signal="email and phone", detail="two ways to reach", points=w.email_and_phone))
    if name := contact.full_name or " ".join(p for p in (contact.first_name, contact.last_name) if p):
        problem = name_problem(name)
        detail = f"{quote(name)} {problem}" if problem else "a plausible name"
        reasons.append(
            reason(signal="name", detail=detail, points=w.name_implausible if problem else w.name_plausible)
        )
    if email is None and phone is None:
        handle = draft.handle
        if handle is not None and (handle.username or handle.user_id or handle.profile_url):
            who = f"@{handle.username.lstrip('@')}" if handle.username else "their account"
            detail = f"no email or phone: reachable only on {handle.platform} as {who}"
            reasons.append(reason(signal="reach", detail=detail, points=w.handle_only))
        else:
            detail = "no email, phone or platform account: no way to reach this person"
            reasons.append(reason(signal="reach", detail=detail, points=w.unreachable))
    return reasons, email_ok or phone_ok
