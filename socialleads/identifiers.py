"""Contact values that do not point to one person: role mailboxes and placeholder phone numbers.

They stay on the lead (sales may still call the switchboard), but identity never matches people on
them (``pipeline.identity``), and cards say why (``identifier_notes``). Numbers many people gave are
noticed by counting (``SHARED_AT``), not by pattern.
"""

from __future__ import annotations

import re

#: Local parts of mailboxes a team reads, not a person: ``info@``, ``sales@`` ... (RFC 2142 names the
#: common ones: https://www.rfc-editor.org/rfc/rfc2142).
ROLE_MAILBOXES = frozenset(
    {
        "accounts", "admin", "billing", "booking", "bookings", "careers", "contact", "customerservice",
        "enquiries", "enquiry", "hello", "help", "hi", "hr", "info", "inquiries", "inquiry", "jobs",
        "kontakt", "mail", "marketing", "media", "no-reply", "noreply", "office", "orders", "post",
        "postmaster", "press", "reception", "sales", "service", "support", "team", "webmaster",
    }
)  # fmt: skip

#: Distinct people who gave the same phone or email before it stops being an identity key: a
#: switchboard, a family number. Two is enough: people who differ in what else they gave are
#: already two.
SHARED_AT = 2


def is_role_mailbox(email: str) -> bool:
    """``info@acme.example`` and the like (plus tags ignored): a team's inbox, not one person's."""
    local = email.casefold().rpartition("@")[0].split("+", 1)[0]
    return local in ROLE_MAILBOXES


# Fictional and placeholder numbers. North America reserves 555-0100..555-0199 for fiction
# (https://www.nationalnanpa.com/number_resource_info/555_numbers.html); Ofcom reserves drama ranges in
# the UK (https://www.ofcom.org.uk/phones-and-broadband/phone-numbers/numbers-for-drama). People also
# type one digit repeated or a run of ascending digits to get past a required field.
_NANP_FICTION = re.compile(r"^\+1\d{3}5550(1\d\d)$|^\+1555")
_UK_DRAMA = re.compile(r"^\+44(7700900\d{3}|20794600\d{2}|1632960\d{3}|1184960\d{3})$")
_RUNS = ("0123456789", "1234567890", "9876543210")


def placeholder_phone(e164: str) -> str | None:
    """Why an E.164 number is a placeholder, or None when it may be a real person's."""
    if _NANP_FICTION.match(e164):
        return "a fictional number (North America's 555 range)"
    if _UK_DRAMA.match(e164):
        return "a fictional number (the UK's drama range)"
    digits = e164.lstrip("+")
    national = digits[-7:]
    if len(set(national)) == 1:
        return "one digit repeated"
    if any(national in run for run in _RUNS):
        return "a run of consecutive digits"
    return None


def identifier_notes(email: str | None, phone: str | None, shared_by: int | None) -> tuple[str, ...]:
    """What sales should know about a lead's email and phone as identifiers, in words.

    ``shared_by``: how many people gave the phone, when two or more did (``store.leads.shared_phones``).
    """
    notes = []
    if phone and shared_by:
        notes.append(f"phone {phone}: a shared number, {shared_by} people gave it; not used to match people")
    elif phone and (why := placeholder_phone(phone)):
        notes.append(f"phone {phone}: a placeholder ({why}); not used to match people")
    if email and is_role_mailbox(email):
        notes.append(f"email {email}: a team's mailbox, not one person's; not used to match people")
    return tuple(notes)
