"""Identity: the same email, E.164 phone or platform handle is the same person.

Never on a name alone. Resolution is pure: it takes the keys already known to the store and a
batch of drafts, and says for each draft which lead it belongs to and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from socialleads.models import LeadDraft

IdentityKey = tuple[str, str]

# Providers whose mailboxes ignore part of the address. Gmail ignores dots and everything after a
# "+" in the local part, and googlemail.com is the same mailbox
# (https://support.google.com/mail/answer/7436150, /answer/22370); Outlook.com, iCloud, Proton and
# Fastmail deliver "name+tag" to "name" (plus addressing) but dots are part of the name. Elsewhere
# (company domains above all) nothing is assumed: "+" and dots may be significant there.
_DOTS_AND_PLUS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
_PLUS_ONLY = frozenset(
    {
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "hotmail.co.uk",
        "hotmail.es",
        "hotmail.fr",
        "outlook.de",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "fastmail.com",
        "fastmail.fm",
    }
)


def canonical_email(email: str) -> str:
    """The mailbox an address reaches, for matching people: case-folded, provider aliases undone.

    Only for identity; the lead keeps the address as the person wrote it.
    """
    local, _, domain = email.casefold().rpartition("@")
    if domain in _DOTS_AND_PLUS:
        return f"{local.split('+', 1)[0].replace('.', '')}@{_DOTS_AND_PLUS[domain]}"
    if domain in _PLUS_ONLY:
        return f"{local.split('+', 1)[0]}@{domain}"
    return f"{local}@{domain}"


def identity_keys(draft: LeadDraft) -> tuple[IdentityKey, ...]:
    """The keys a normalized draft can be matched on, most trusted first (validated values only).

    Only what the person gave (``draft.contact``) and their platform account: contact data found in a
    profile (``draft.hints``) is never a key. A platform's test lead has none: its dummy values must
    not merge testers into one person, or into a real one.
    """
    if draft.test_lead:
        return ()
    keys: list[IdentityKey] = []
    if draft.contact.email:
        keys.append(("email", canonical_email(draft.contact.email)))
    if draft.contact.phone:
        keys.append(("phone", draft.contact.phone))
    if draft.handle is not None:
        value = draft.handle.identity_value()
        if value:
            keys.append(("handle", value))
    return tuple(keys)


@dataclass(frozen=True)
class NewLead:
    """A lead created by this batch, before it has a row id."""

    index: int


LeadRef = int | NewLead


@dataclass(frozen=True)
class Match:
    """Which lead a draft joins, the keys to record for it, and the merge reason in words."""

    lead: LeadRef
    new_keys: tuple[IdentityKey, ...]
    reason: str


@dataclass
class IdentityResolver:
    """Resolves drafts in order against ``known`` keys (from the store) and keys seen earlier in the batch."""

    known: dict[IdentityKey, LeadRef]
    new_leads: int = 0
    _batch_keys: set[IdentityKey] = field(default_factory=set)

    def resolve(self, keys: Sequence[IdentityKey]) -> Match:
        """Attach a draft with these ``identity_keys`` to the lead its best key points to, or to a new one."""
        matches = [(key, self.known[key]) for key in keys if key in self.known]
        if not matches:
            lead: LeadRef = NewLead(self.new_leads)
            self.new_leads += 1
            reason = "new person" if keys else "new person (no email, phone or handle to match on)"
        else:
            (kind, _), lead = matches[0]
            where = "earlier in this batch" if matches[0][0] in self._batch_keys else "seen before"
            reason = f"same {kind} as {_describe(lead)} ({where})"
            others = {_describe(ref) for _, ref in matches[1:] if ref != lead}
            if others:
                reason += (
                    f"; {', '.join(sorted(others))} also shares a key and was not merged "
                    "(merging two known leads is not built yet)"
                )
        new_keys = tuple(key for key in keys if key not in self.known)
        for key in new_keys:
            self.known[key] = lead
            self._batch_keys.add(key)
        return Match(lead=lead, new_keys=new_keys, reason=reason)


def _describe(ref: LeadRef) -> str:
    return f"lead #{ref}" if isinstance(ref, int) else "a new lead"
