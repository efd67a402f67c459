"""Identity: the same email, E.164 phone or platform handle is the same person, when the evidence agrees.

An email someone gave and a platform account are proof; a phone is proof unless the lead it points to
has a different given email (and another name), or many people gave that number (``SHARED_AT``).
Role mailboxes and placeholder numbers are never keys (``socialleads.identifiers``). Never on a
name alone. Resolution is pure: it takes the keys already known to the store and a
batch of drafts, and says for each draft which lead it belongs to and why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from socialleads.identifiers import SHARED_AT, is_role_mailbox, placeholder_phone
from socialleads.models import Contact, LeadDraft

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
    profile (``draft.hints``) is never a key, nor a role mailbox (``info@``) or a placeholder number
    (``socialleads.identifiers``). A platform's test lead has none: its dummy values must not merge
    testers into one person, or into a real one.
    """
    if draft.test_lead:
        return ()
    keys: list[IdentityKey] = []
    if draft.contact.email and not is_role_mailbox(draft.contact.email):
        keys.append(("email", canonical_email(draft.contact.email)))
    if draft.contact.phone and placeholder_phone(draft.contact.phone) is None:
        keys.append(("phone", draft.contact.phone))
    if draft.handle is not None:
        value = draft.handle.identity_value()
        if value:
            keys.append(("handle", value))
    return tuple(keys)


def name_tokens(
    full_name: str | None, first_name: str | None = None, last_name: str | None = None
) -> frozenset[str]:
    """A name as a set of case-folded words without accents (``Jón Jónsson`` = ``jon jonsson``), for
    telling two people apart; empty when no name was given."""
    text = full_name or " ".join(p for p in (first_name, last_name) if p)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return frozenset(_WORD.findall(text.casefold()))


_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Evidence:
    """What a draft, or a lead so far, says about who the person is, beyond its keys."""

    email: str | None = None
    """The given email, canonical (``canonical_email``); None when none, or a role mailbox."""
    name: frozenset[str] = frozenset()

    @classmethod
    def of(cls, contact: Contact) -> Evidence:
        return cls.of_values(contact.email, contact.full_name, contact.first_name, contact.last_name)

    @classmethod
    def of_values(
        cls, email: str | None, full_name: str | None, first_name: str | None, last_name: str | None
    ) -> Evidence:
        """From a lead row's or a contact's values (no model needed: the store step's hot path)."""
        given = email if email and not is_role_mailbox(email) else None
        return cls(canonical_email(given) if given else None, name_tokens(full_name, first_name, last_name))

    def filled_from(self, other: Evidence) -> Evidence:
        """This evidence with what it lacks taken from ``other``, as a lead's empty fields are filled."""
        return Evidence(self.email or other.email, self.name or other.name)

    def resembles(self, other: Evidence) -> bool:
        """Weaker evidence of one person: a similar name (``A. Berg`` and ``Anna Berg``) or a similar
        address (one typo, or the same name at another domain). Enough to ask a person, never to merge."""
        return _names_alike(self.name, other.name) or _emails_alike(self.email, other.email)

    def contradicts(self, other: Evidence) -> bool:
        """Two given emails that differ, unless the names agree (one person with a work and a home
        address): then a shared phone does not make them one person."""
        emails_differ = self.email is not None and other.email is not None and self.email != other.email
        return emails_differ and not (self.name and self.name == other.name)


def _names_alike(a: frozenset[str], b: frozenset[str]) -> bool:
    """Names that may be one person's: equal, or sharing a word of three letters or more with the
    other words of the shorter name initials of the longer's (``a berg`` and ``anna berg``).
    Names with digits ("Person 12") are never alike but equal."""
    if not a or not b or a == b:
        return a == b and bool(a)
    if not all(w.isalpha() for w in a | b):
        return False
    short, long = sorted((a, b), key=len)
    shared = short & long
    if not shared or max(len(w) for w in shared) < 3:
        return False
    rest, others = short - shared, long - shared
    return bool(rest) and all(len(r) == 1 and any(w.startswith(r) for w in others) for r in rest)


def _emails_alike(a: str | None, b: str | None) -> bool:
    """Addresses that may be one person's: one letter off at the same domain, or the same mailbox
    name at another domain (work and home). Digits that differ (``anna1``, ``anna2``) do not count."""
    if not a or not b or a == b:
        return False
    (local_a, _, domain_a), (local_b, _, domain_b) = a.rpartition("@"), b.rpartition("@")
    if local_a == local_b:
        return len(local_a) >= 4
    return domain_a == domain_b and min(len(local_a), len(local_b)) >= 5 and _one_letter_off(local_a, local_b)


def _one_letter_off(a: str, b: str) -> bool:
    """One letter inserted, deleted, replaced or two swapped, and no digit involved."""
    if abs(len(a) - len(b)) > 1:
        return False
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    tail_a, tail_b = a[start:], b[start:]
    changed = set(tail_a[:2] + tail_b[:2])
    if any(ch.isdigit() for ch in changed):
        return False
    return (
        tail_a[1:] == tail_b[1:]
        or tail_a[1:] == tail_b
        or tail_a == tail_b[1:]
        or (len(tail_a) >= 2 and tail_a[:2] == tail_b[1::-1] and tail_a[2:] == tail_b[2:])
    )


@dataclass(frozen=True)
class NewLead:
    """A lead created by this batch, before it has a row id."""

    index: int


LeadRef = int | NewLead


@dataclass(frozen=True)
class Match:
    """Which lead a draft joins, the keys to record for it, and the merge reason in words.

    ``shared_keys``: known keys this draft gave without joining their lead (a switchboard number
    given by someone else): the store counts one more person for each.
    """

    lead: LeadRef
    new_keys: tuple[IdentityKey, ...]
    reason: str
    shared_keys: tuple[IdentityKey, ...] = ()
    possible: tuple[LeadRef, ...] = ()
    """Leads a phone points to that this draft did not join, though its name or address resembles
    theirs: possibly the same person, for a person to decide (``store.lead_links``)."""
    merge: tuple[int, ...] = ()
    """Stored leads this draft proves to be the person of ``lead`` too (its email is one's, its
    platform account the other's): the store step merges them into ``lead``."""


#: How many of the leads that gave a phone a new one is compared with for possible duplicates.
GIVERS_COMPARED = 50

#: Keys that are proof on their own: an email someone gave, their platform account.
_STRONG = frozenset({"email", "handle"})


@dataclass
class IdentityResolver:
    """Resolves drafts in order against ``known`` keys (from the store) and keys seen earlier in the batch.

    ``people``: how many distinct people gave each known key (absent: one); a key given by
    ``SHARED_AT`` or more is no longer matched on. ``evidence``: what each known lead says about
    its person (its given email and name), for telling people apart on a phone match.
    """

    known: dict[IdentityKey, LeadRef]
    people: dict[IdentityKey, int] = field(default_factory=dict)
    evidence: dict[LeadRef, Evidence | Callable[[], Evidence]] = field(default_factory=dict)
    """What each lead says about its person, or how to read it when first needed (most never are)."""
    givers: dict[IdentityKey, list[LeadRef]] = field(default_factory=dict)
    """Leads that gave each phone (the newest ``GIVERS_COMPARED`` stored ones, then this batch's), for
    finding possible duplicates among the people of a shared number."""
    new_leads: int = 0
    _batch_keys: set[IdentityKey] = field(default_factory=set)

    def resolve(
        self, keys: Sequence[IdentityKey], evidence: Evidence | Callable[[], Evidence] | None = None
    ) -> Match:
        """Attach a draft with these ``identity_keys`` to the lead the evidence agrees on, or to a new one.

        ``evidence``: the draft's, or how to read it (only a phone match or a giver of its phone needs it).
        """
        draft_evidence = _Once(evidence or Evidence())
        matches = [(key, self.known[key]) for key in keys if key in self.known]
        agreed = {key for key, ref in matches if self._agrees(key, ref, draft_evidence)}
        accepted = [(key, ref) for key, ref in matches if key in agreed]
        if accepted:
            (kind, _), lead = accepted[0]
            where = "earlier in this batch" if accepted[0][0] in self._batch_keys else "seen before"
            reason = f"same {kind} as {_describe(lead)} ({where})"
        else:
            lead = NewLead(self.new_leads)
            self.new_leads += 1
            reason = "new person" if keys else "new person (no email, phone or handle to match on)"
        merge = self._provably_same(lead, matches, agreed)
        if merge:
            reason += (
                f"; {', '.join(_describe(ref) for ref in merge)} merged into it (the same person's keys)"
            )
        others = [(key, ref) for key, ref in matches if ref != lead and ref not in merge]
        reason += "".join(
            f"; not merged: {note}"
            for note in dict.fromkeys(self._why_apart(k, r, agreed) for k, r in others)
        )
        shared = tuple(key for key, _ in others if key not in agreed)
        possible = self._resembling(keys, lead, draft_evidence)
        for key in shared:
            self.people[key] = self.people.get(key, 1) + 1
        new_keys = tuple(key for key in keys if key not in self.known)
        for key in new_keys:
            self.known[key] = lead
            self._batch_keys.add(key)
        before = self.evidence.get(lead)
        if before is None:
            self.evidence[lead] = draft_evidence
        else:
            self.evidence[lead] = _Once(lambda: _read(before).filled_from(draft_evidence()))
        return Match(lead, new_keys, reason, shared, possible, merge)

    def _resembling(self, keys: Sequence[IdentityKey], lead: LeadRef, evidence: _Once) -> tuple[LeadRef, ...]:
        """Other leads that gave one of these phones and whose name or address resembles this draft's;
        this draft's lead joins the phones' givers."""
        found: dict[LeadRef, None] = {}
        for key in keys:
            if key[0] in _STRONG:
                continue
            givers = self.givers.setdefault(key, [])
            for ref in givers[-GIVERS_COMPARED:]:
                if ref != lead and evidence().resembles(self._evidence_of(ref)):
                    found[ref] = None
            if lead not in givers:
                givers.append(lead)
        return tuple(found)

    def _provably_same(
        self, lead: LeadRef, matches: list[tuple[IdentityKey, LeadRef]], agreed: set[IdentityKey]
    ) -> tuple[int, ...]:
        """Other stored leads an email or platform account of this draft points to, when ``lead`` is a
        stored one: they are this person too. Their keys point to ``lead`` from now on."""
        if not isinstance(lead, int):
            return ()
        merge = tuple(
            dict.fromkeys(
                ref
                for key, ref in matches
                if isinstance(ref, int) and ref != lead and key in agreed and key[0] in _STRONG
            )
        )
        if not merge:
            return ()
        for key, ref in list(self.known.items()):
            if ref in merge:
                self.known[key] = lead
        for ref in merge:
            if ref in self.evidence:
                gone = _read(self.evidence.pop(ref))
                self.evidence[lead] = self._evidence_of(lead).filled_from(gone)
        return merge

    def _agrees(self, key: IdentityKey, ref: LeadRef, evidence: _Once) -> bool:
        """Whether ``key`` leading to ``ref`` is enough: strong keys are; a phone is unless many people
        gave it or the lead's given email and name say it is someone else."""
        if key[0] in _STRONG:
            return True
        if self.people.get(key, 1) >= SHARED_AT:
            return False
        return ref not in self.evidence or not evidence().contradicts(self._evidence_of(ref))

    def _evidence_of(self, ref: LeadRef) -> Evidence:
        """A lead's evidence, read now if it was only known how to read it; empty when unknown."""
        found = self.evidence.get(ref)
        if found is None:
            return Evidence()
        read = _read(found)
        self.evidence[ref] = read
        return read

    def _why_apart(self, key: IdentityKey, ref: LeadRef, agreed: set[IdentityKey]) -> str:
        """Why the lead ``key`` points to was not joined, in words."""
        if key in agreed:
            return f"{_describe(ref)} also shares a key (a lead of this batch: merge it by hand)"
        if self.people.get(key, 1) >= SHARED_AT:
            return f"its {key[0]} is shared: {self.people.get(key, 1)} people gave it"
        return f"its {key[0]} is {_describe(ref)}'s, whose given email and name differ"


class _Once:
    """Evidence read at most once, when first needed."""

    __slots__ = ("_read", "_value")

    def __init__(self, source: Evidence | Callable[[], Evidence]) -> None:
        self._value = source if isinstance(source, Evidence) else None
        self._read = None if isinstance(source, Evidence) else source

    def __call__(self) -> Evidence:
        if self._value is None:
            assert self._read is not None
            self._value = self._read()
        return self._value


def _read(source: Evidence | Callable[[], Evidence]) -> Evidence:
    return source if isinstance(source, Evidence) else source()


def _describe(ref: LeadRef) -> str:
    return f"lead #{ref}" if isinstance(ref, int) else "a new lead"
