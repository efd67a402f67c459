"""Identity benchmark (issue #18): does "same person" join the right touches and only those?

Generates people whose touches collide the way real ones do, with the truth (a person id per touch)
known, stores every touch through the real pipeline (parse → normalize → qualify →
``store_with_retry``: identity and the store step as they are today), then reads back which lead
each touch joined and scores "same person" over all pairs of touches:

- ``pair_precision``: of the pairs of touches put in one lead, the share that are one person;
- ``pair_recall``: of the pairs of touches of one person, the share put in one lead.

Targets (issue #18): precision ≥ 0.99, recall ≥ 0.95. The bench asserts nothing; it reports.

The world, for ``--people N`` (default 3000; shares of N, the rest ordinary):

- ordinary (about two thirds): 1-4 touches (55/25/13/7%) on a Meta lead form or a fair's CSV
  import; the first gives email and phone, later ones both (70%), the email only or the phone only;
  the email typed with other case, or a Gmail dot/plus variant, the phone as "(415) 555-2671",
  "+1 415 555 2671", "415.555.2671"...; realistic US numbers (real area codes, random digits, no 555);
- shared office phone (N/10): one switchboard number given by every person of one company, each with
  their own work email (the issue's "300 people giving one office number"), 1-2 touches each;
- family phone (N/75 families of 2-5): one home number, each member their own email;
- placeholder phone (N/25): a handful of fake numbers (555-0100..0199 in real area codes, which
  phone libraries accept, and 1234567890, 0000000000, repeated digits, which they reject), each given
  by many people with their own email;
- role mailbox (N/30, in N/150 companies of 2-8): info@, sales@, contact@ or office@ of their
  company; 70% with their own phone (1-2 touches), the rest none (one touch);
- two emails (N/50): work and personal address, same phone, same name, 2-3 touches;
- display-name twins (N/50): groups of 2-3 people with one common name and nothing else in common,
  half the groups with one more namesake who only posts on X under that display name;
- email typo (N/50): 2-3 touches, one of them with the email mistyped (same phone, same name): one
  person that exact matching misses;
- X authors (N/20): 1-3 posts with buying intent from one X account, nothing else;
- bio hints (N/60): X authors whose bio holds an ordinary person's email (a ``ContactHint``: found,
  not given, so it must never merge them).

Sources: "meta_forms" (facebook, lead forms), "fair" (csv, import rows), "x_search" (x, posts), phone
region US. The touches are shuffled, then stored in chunks of 200, one source per chunk, taking the
sources in turn; the clock is fixed (2026-11-27 12:00 UTC) and the generator seeded (``--seed``).

Speed: the same run also stores a baseline, the same people and touches with every shared phone
and mailbox replaced by one of the person's own (no collisions). ``leads_per_s`` is touches stored
per second of ``store_with_retry`` calls only (generation, parse, normalize and qualify not timed),
``baseline_leads_per_s`` the same for the baseline, and ``speed_ratio`` = collisions / baseline: what
identity costs when people collide. Each is stored ``--runs`` times (default 3), baseline and
collisions in turn, each in a fresh database, and the run of median speed is reported: this machine
is shared, and one run of a second and a half can be 30% off the next. The scores are the same in
every run (same input, same order).

    python bench/identity.py [--people 3000] [--seed 7] [--runs 3] [--postgres URL]

Prints the figures, then one JSON line (``pair_precision``, ``pair_recall``, speeds, per kind).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from socialleads.configuration.models import DefaultRoute
from socialleads.gc_tuning import tune_garbage_collector
from socialleads.models import Contact, ContactHint, EventKind, Handle, LeadDraft, RawEvent, ReceivedVia
from socialleads.pipeline.prepare import SourceBinding, parse_all, qualify_all
from socialleads.pipeline.store_step import store_with_retry
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.store.db import make_engine, migrate
from socialleads.store.tables import leads, raw_events, touches

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CHUNK = 200

BINDINGS = {
    "meta_forms": SourceBinding(name="meta_forms", platform="facebook", phone_region="US"),
    "fair": SourceBinding(name="fair", platform="csv", phone_region="US"),
    "x_search": SourceBinding(name="x_search", platform="x", phone_region="US"),
}
EVENT_KIND = {"meta_forms": EventKind.LEAD_FORM, "fair": EventKind.IMPORT_ROW, "x_search": EventKind.POST}


def words(text: str) -> tuple[str, ...]:
    """The words of ``text``: lists of names written as prose."""
    return tuple(text.split())


FIRST = words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark "
    "Sandra Steven Ashley Paul Emily Andrew Donna Joshua Michelle Kevin Carol Brian Amanda George "
    "Melissa Maria Jose Wei Priya Ahmed Fatima Olga Kenji"
)
LAST = words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Chen Patel Kim "
    "Cohen"
)
AREA_CODES = words(
    "415 212 646 718 917 312 773 617 213 310 818 305 512 206 303 404 702 480 503 614 704 720 214 602 "
    "619 215 412 313 615 804"
)
PROVIDERS = (
    ("gmail.com", 45),
    ("yahoo.com", 12),
    ("icloud.com", 9),
    ("outlook.com", 8),
    ("hotmail.com", 7),
    ("aol.com", 3),
    ("comcast.net", 3),
)
COMPANY_WORDS = words("oak maple harbor summit pine river stone bright north cedar union lake crest")
COMPANY_ENDS = words("design group health partners studio homes labs supply realty dental law")
#: Fake numbers people type into forms: 555-0100..0199 is reserved for fiction in every NANP area
#: (phone libraries accept it); the others are rejected as invalid.
PLACEHOLDERS = (
    "2125550100",
    "4155550123",
    "3105550199",
    "6175550142",
    "1234567890",
    "0000000000",
    "5555555555",
    "9999999999",
    "1111111111",
)
ROLES = (("info", 50), ("sales", 20), ("contact", 20), ("office", 10))
POSTS = (
    "@thestore how much is the grey corner sofa? can you deliver?",
    "@thestore do you have the oak dining table in stock? what does it cost?",
    "@thestore is the velvet bed frame available in king size? price please",
    "@thestore can I get a quote for the walnut sideboard delivered to Brooklyn?",
    "@thestore looking to buy a sectional for our new place, what do you have under 2000?",
)
PHONE_STYLES: tuple[Callable[[str], str], ...] = (
    lambda d: f"({d[:3]}) {d[3:6]}-{d[6:]}",
    lambda d: f"+1 {d[:3]} {d[3:6]} {d[6:]}",
    lambda d: f"{d[:3]}-{d[3:6]}-{d[6:]}",
    lambda d: f"{d[:3]}.{d[3:6]}.{d[6:]}",
    lambda d: d,
    lambda d: f"+1{d}",
    lambda d: f"1-{d[:3]}-{d[3:6]}-{d[6:]}",
)
EMAIL_STYLES = ("plain", "title", "upper", "gmail_nodots", "gmail_plus")


@dataclass
class Person:
    """One true person; ``alone_*`` replace a value they share with others in the baseline."""

    pid: int
    kind: str
    name: str
    emails: list[str] = field(default_factory=list)
    phone: str | None = None
    """Ten digits (NANP without the 1), written out per touch in one of ``PHONE_STYLES``."""
    handle: Handle | None = None
    bio_email: str | None = None
    alone_email: str | None = None
    alone_phone: str | None = None


@dataclass(frozen=True)
class TouchSpec:
    """One touch of a person, before it is written out as a draft."""

    pid: int
    source: str
    native_id: str
    email: int | None = None
    """Index into the person's ``emails``; None: no email given."""
    email_style: str = "plain"
    phone_style: int | None = None
    """Index into ``PHONE_STYLES``; None: no phone given."""
    typo: str | None = None
    """A mistyped address given instead of the email."""
    message: str | None = None


def mailbox(address: str) -> str:
    """The mailbox ``address`` reaches: Gmail ignores case, dots and a "+tag" in the name
    (https://support.google.com/mail/answer/7436150); two people never share one by chance."""
    local, _, domain = address.lower().partition("@")
    if domain == "gmail.com":
        local = local.split("+", 1)[0].replace(".", "")
    return f"{local}@{domain}"


def weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    """One of ``options``' values, by weight."""
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


@dataclass
class World:
    """The generated people and touches; ``truth`` maps (source, native id) to the person."""

    rng: random.Random
    people: list[Person] = field(default_factory=list)
    specs: list[TouchSpec] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    names_on: dict[str, set[str]] = field(default_factory=dict)
    """The names given with each shared phone so far."""
    serial: int = 0

    def name(self, last: str | None = None) -> str:
        return f"{self.rng.choice(FIRST)} {last or self.rng.choice(LAST)}"

    def phone(self) -> str:
        """A fresh valid US number nobody else has: a real area code, no 555, no N11 exchange."""
        while True:
            exchange = f"{self.rng.randint(2, 9)}{self.rng.randint(0, 9)}{self.rng.randint(0, 9)}"
            if exchange == "555" or exchange[1:] == "11":
                continue
            digits = f"{self.rng.choice(AREA_CODES)}{exchange}{self.rng.randint(0, 9999):04d}"
            if digits not in self.used and phonenumbers.is_valid_number(phonenumbers.parse(digits, "US")):
                self.used.add(digits)
                return digits

    def company(self) -> str:
        return (
            f"{self.rng.choice(COMPANY_WORDS)}{self.rng.choice(COMPANY_ENDS)}{self.rng.randint(1, 999)}.com"
        )

    def claim(self, address: str) -> bool:
        """Take ``address`` for one person; False when its mailbox is someone else's already."""
        if mailbox(address) in self.used:
            return False
        self.used.add(mailbox(address))
        return True

    def email(self, name: str, domain: str | None = None) -> str:
        """A fresh address nobody else has, at a big provider (or ``domain``)."""
        first, last = name.lower().split(" ", 1)
        domain = domain or (self.company() if self.rng.random() < 0.17 else weighted(self.rng, PROVIDERS))
        while True:
            local = self.rng.choice([f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", first])
            if self.rng.random() < 0.7:
                local += str(self.rng.randint(1, 9999))
            if self.claim(f"{local}@{domain}"):
                return f"{local}@{domain}"

    def person(self, kind: str, name: str | None = None, **values: Any) -> Person:
        person = Person(pid=len(self.people), kind=kind, name=name or self.name(), **values)
        self.people.append(person)
        return person

    def touch(self, person: Person, source: str, **fields: Any) -> None:
        self.serial += 1
        native = {"meta_forms": 9100000000000000, "fair": 0, "x_search": 1861000000000000000}[source]
        native_id = f"row:{self.serial:08d}" if source == "fair" else str(native + self.serial)
        self.specs.append(TouchSpec(person.pid, source, native_id, **fields))

    def contact_touch(self, person: Person, email: int | None = 0, phone: bool = True, **extra: Any) -> None:
        """A lead form (60%) or CSV row (40%) with the email and/or phone written the person's way."""
        source = "meta_forms" if self.rng.random() < 0.6 else "fair"
        style = self.rng.choices(EMAIL_STYLES, (60, 15, 5, 10, 10))[0]
        phone_style = self.rng.randrange(len(PHONE_STYLES)) if phone and person.phone else None
        self.touch(person, source, email=email, email_style=style, phone_style=phone_style, **extra)

    def count(self, weights: tuple[int, ...]) -> int:
        """A number of touches: 1 with ``weights[0]``, 2 with ``weights[1]``..."""
        return self.rng.choices(range(1, len(weights) + 1), weights)[0]


def add_ordinary(world: World, n: int) -> None:
    """People with their own email and phone; later touches may give only one of them."""
    for _ in range(n):
        p = world.person("ordinary")
        p.emails, p.phone = [world.email(p.name)], world.phone()
        world.contact_touch(p)
        for _ in range(world.count((55, 25, 13, 7)) - 1):
            roll = world.rng.random()
            world.contact_touch(p, email=None if roll < 0.15 else 0, phone=not 0.15 <= roll < 0.3)


def add_sharing_phone(world: World, kind: str, phone: str, people: int, last: str | None = None) -> None:
    """``people`` people giving one ``phone``, each with their own email (at one company when ``last``
    is None: a switchboard).

    Never two of one name on one number: with the same number and name, two addresses are one person
    with two emails as far as any evidence goes, so the truth would be a coin toss.
    """
    domain = world.company() if last is None else None
    names = world.names_on.setdefault(phone, set())
    for _ in range(people):
        name = world.name(last)
        while name in names:
            name = world.name(last)
        names.add(name)
        p = world.person(kind, name, phone=phone)
        p.emails, p.alone_phone = [world.email(p.name, domain)], world.phone()
        for _ in range(world.count((70, 30))):
            world.contact_touch(p)


def add_shared_phones(world: World, n: int) -> None:
    """A switchboard, families, and placeholder numbers."""
    add_sharing_phone(world, "shared_office_phone", world.phone(), n // 10)
    for _ in range(n // 75):
        add_sharing_phone(
            world, "family_phone", world.phone(), world.rng.randint(2, 5), world.rng.choice(LAST)
        )
    for _ in range(n // 25):
        add_sharing_phone(
            world, "placeholder_phone", world.rng.choice(PLACEHOLDERS), 1, world.rng.choice(LAST)
        )


def add_role_mailboxes(world: World, n: int) -> None:
    """People of one company giving its info@/sales@/contact@/office@ address."""
    placed = 0
    for _ in range(max(1, n // 150)):
        domain = world.company()
        for _ in range(world.rng.randint(2, 8)):
            if placed >= n // 30:
                return
            placed += 1
            p = world.person("role_mailbox", emails=[f"{weighted(world.rng, ROLES)}@{domain}"])
            p.alone_email = world.email(p.name)
            if world.rng.random() < 0.7:
                p.phone = world.phone()
            for _ in range(world.count((60, 40)) if p.phone else 1):
                world.contact_touch(p)


def add_two_emails(world: World, n: int) -> None:
    """Work and personal address, same phone and name."""
    for _ in range(n // 50):
        p = world.person("two_emails", phone=world.phone())
        p.emails = [world.email(p.name, world.company()), world.email(p.name)]
        world.contact_touch(p, email=0)
        world.contact_touch(p, email=1)
        if world.rng.random() < 0.4:
            world.contact_touch(p, email=world.rng.randint(0, 1))


def mistyped(rng: random.Random, email: str) -> str:
    """``email`` with one slip of a finger in its name part: two letters swapped, one doubled or dropped."""
    local, domain = email.split("@")
    letters = [i for i, ch in enumerate(local) if ch.isalpha()]
    while True:
        i = rng.choice(letters)
        how = rng.choice(("swap", "double", "drop"))
        if how == "swap" and i + 1 < len(local) and local[i + 1].isalpha() and local[i] != local[i + 1]:
            typed = local[:i] + local[i + 1] + local[i] + local[i + 2 :]
        elif how == "double":
            typed = local[:i] + local[i] + local[i:]
        elif how == "drop" and len(letters) > 2:
            typed = local[:i] + local[i + 1 :]
        else:
            continue
        return f"{typed}@{domain}"


def add_typos(world: World, n: int) -> None:
    """One touch with the email mistyped, same phone and name."""
    for _ in range(n // 50):
        p = world.person("email_typo", phone=world.phone())
        p.emails = [world.email(p.name)]
        world.contact_touch(p)
        typo = mistyped(world.rng, p.emails[0])
        while not world.claim(typo):
            typo = mistyped(world.rng, p.emails[0])
        world.contact_touch(p, typo=typo)
        if world.rng.random() < 0.4:
            world.contact_touch(p)


def x_author(world: World, kind: str, name: str | None = None, bio_email: str | None = None) -> None:
    """An X account posting 1-3 times with buying intent."""
    p = world.person(kind, name, bio_email=bio_email)
    first, last = p.name.split(" ", 1)
    username = f"{first.lower()}{last[:1].lower()}{world.rng.randint(1, 99999)}"
    shown = p.name if world.rng.random() < 0.6 else f"🛋️ {p.name} | home & living ✨"
    p.handle = Handle(
        platform="x", user_id=str(world.rng.randint(10**9, 10**19)), username=username, display_name=shown
    )
    for _ in range(world.count((60, 30, 10))):
        world.touch(p, "x_search", message=world.rng.choice(POSTS))


def add_twins(world: World, n: int) -> None:
    """Groups of namesakes with nothing else in common; half with a namesake who only posts on X."""
    made = 0
    while made < n // 50:
        name = f"{world.rng.choice(FIRST[:12])} {world.rng.choice(LAST[:12])}"
        for _ in range(world.rng.randint(2, 3)):
            p = world.person("name_twin", name, phone=world.phone())
            p.emails = [world.email(name)]
            for _ in range(world.count((70, 30))):
                world.contact_touch(p)
            made += 1
        if world.rng.random() < 0.5:
            x_author(world, "name_twin", name)


def build_world(people: int, seed: int) -> World:
    """Every kind of person, in the shares the module docstring gives."""
    world = World(random.Random(seed))
    add_shared_phones(world, people)
    add_role_mailboxes(world, people)
    add_two_emails(world, people)
    add_twins(world, people)
    add_typos(world, people)
    for _ in range(people // 20):
        x_author(world, "x_author")
    add_ordinary(world, max(0, people - len(world.people) - people // 60))
    ordinary_emails = [p.emails[0] for p in world.people if p.kind == "ordinary"]
    for _ in range(people // 60):
        x_author(world, "bio_hint", bio_email=world.rng.choice(ordinary_emails) if ordinary_emails else None)
    return world


def styled_email(email: str, style: str) -> str:
    """``email`` as the person typed it this time."""
    local, domain = email.split("@")
    if style == "title":
        return f"{'.'.join(part.capitalize() for part in local.split('.'))}@{domain.capitalize()}"
    if style == "upper":
        return email.upper()
    if domain == "gmail.com" and style == "gmail_nodots":
        return f"{local.replace('.', '')}@{domain}" if "." in local else f"{local[:1]}.{local[1:]}@{domain}"
    if domain == "gmail.com" and style == "gmail_plus":
        return f"{local}+sofa@{domain}"
    return email


def draft_of(spec: TouchSpec, person: Person, alone: bool) -> LeadDraft:
    """The draft a connector would make of this touch; ``alone``: shared values replaced (baseline)."""
    kind = EVENT_KIND[spec.source]
    platform = BINDINGS[spec.source].platform
    if spec.source == "x_search":
        hints: tuple[ContactHint, ...] = ()
        if person.bio_email and person.handle:
            hints = (
                ContactHint(
                    field="email", value=person.bio_email, source=f"X bio of @{person.handle.username}"
                ),
            )
        return LeadDraft(
            native_id=spec.native_id,
            kind=kind,
            platform=platform,
            occurred_at=NOW,
            handle=person.handle,
            message=spec.message,
            hints=hints,
        )
    email = None
    if spec.typo:
        email = spec.typo
    elif spec.email is not None and person.emails:
        address = person.alone_email if alone and person.alone_email else person.emails[spec.email]
        email = styled_email(address, spec.email_style)
    phone = None
    if spec.phone_style is not None and person.phone:
        digits = person.alone_phone if alone and person.alone_phone else person.phone
        phone = PHONE_STYLES[spec.phone_style](digits)
    contact = Contact(full_name=person.name, email=email, phone=phone)
    return LeadDraft(native_id=spec.native_id, kind=kind, platform=platform, occurred_at=NOW, contact=contact)


def chunks(world: World) -> list[tuple[str, list[TouchSpec]]]:
    """The touches shuffled, then cut in chunks of ``CHUNK`` of one source, the sources taking turns."""
    shuffled = list(world.specs)
    world.rng.shuffle(shuffled)
    by_source: dict[str, list[TouchSpec]] = defaultdict(list)
    for spec in shuffled:
        by_source[spec.source].append(spec)
    queues = {
        s: [specs[i : i + CHUNK] for i in range(0, len(specs), CHUNK)] for s, specs in by_source.items()
    }
    ordered = []
    while any(queues.values()):
        for source in BINDINGS:
            if queues.get(source):
                ordered.append((source, queues[source].pop(0)))
    return ordered


def parser(drafts: dict[str, LeadDraft]) -> Callable[[RawEvent], LeadDraft]:
    """A connector's ``parse`` for events whose drafts are already made: by native id."""
    return lambda event: drafts[event.native_id]


@dataclass
class Timed:
    """Seconds spent per step over a whole run."""

    prepare_s: float = 0.0
    store_s: float = 0.0


def store_world(engine: Engine, world: World, order: list[tuple[str, list[TouchSpec]]], alone: bool) -> Timed:
    """Every touch through parse → normalize → qualify → store; only the store calls count as ``store_s``."""
    qualifier, timed = LeadQualifier(), Timed()
    for source, specs in order:
        binding = BINDINGS[source]
        by_id = {s.native_id: draft_of(s, world.people[s.pid], alone) for s in specs}
        events = [
            RawEvent(
                native_id=s.native_id, kind=EVENT_KIND[source], occurred_at=NOW, payload={"id": s.native_id}
            )
            for s in specs
        ]
        started = time.perf_counter()
        prepared = qualify_all(binding, parse_all(parser(by_id), events), qualifier)
        stored = time.perf_counter()
        store_with_retry(engine, binding, prepared, ReceivedVia.POLL, None, DefaultRoute(), NOW)
        timed.prepare_s += stored - started
        timed.store_s += time.perf_counter() - stored
    return timed


def lead_of_touch(engine: Engine) -> dict[tuple[str, str], int]:
    """The lead each stored touch joined, by its raw event's (source, native id)."""
    query = select(raw_events.c.source, raw_events.c.native_id, touches.c.lead_id).join(
        touches, touches.c.raw_event_id == raw_events.c.id
    )
    with engine.connect() as conn:
        return {(r.source, r.native_id): r.lead_id for r in conn.execute(query)}


def pairs(n: int) -> int:
    return n * (n - 1) // 2


@dataclass
class Placement:
    """Where the stored touches went: per lead, its touches per true person, and the reverse."""

    by_lead: dict[int, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    by_person: dict[int, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))


def placement(world: World, lead_of: dict[tuple[str, str], int]) -> Placement:
    """The stored touches grouped by lead and by true person."""
    placed = Placement()
    for spec in world.specs:
        lead = lead_of.get((spec.source, spec.native_id))
        if lead is not None:
            placed.by_lead[lead][spec.pid] += 1
            placed.by_person[spec.pid][lead] += 1
    return placed


def pair_scores(placed: Placement) -> dict[str, Any]:
    """Pairwise precision and recall of "same person" over every pair of stored touches."""
    true_positive = sum(pairs(n) for counts in placed.by_lead.values() for n in counts.values())
    predicted = sum(pairs(sum(counts.values())) for counts in placed.by_lead.values())
    truth = sum(pairs(sum(counts.values())) for counts in placed.by_person.values())
    return {
        "pair_precision": round(true_positive / predicted, 4) if predicted else 1.0,
        "pair_recall": round(true_positive / truth, 4) if truth else 1.0,
        "same_person_pairs": truth,
        "pairs_joined": predicted,
        "pairs_joined_right": true_positive,
    }


def cross_pairs(counts: list[int]) -> int:
    """Pairs of touches of different people among groups of ``counts`` touches."""
    return (sum(counts) ** 2 - sum(n * n for n in counts)) // 2


def kind_figures(world: World, placed: Placement, kind: str) -> dict[str, int]:
    """For the people of one kind: how many leads they ended in, how many were swallowed with others
    (``swallowed``: share a lead with another person) or split (``split``: in more than one lead), the
    most people found in one lead with one of them, and the pairs of touches joined wrongly or missed."""
    members = {p.pid for p in world.people if p.kind == kind and p.pid in placed.by_person}
    their_leads = {lead for pid in members for lead in placed.by_person[pid]}
    crowded = {lead for lead in their_leads if len(placed.by_lead[lead]) > 1}
    false_pairs = 0
    for lead in their_leads:
        counts = placed.by_lead[lead]
        others = [n for pid, n in counts.items() if pid not in members]
        false_pairs += cross_pairs(list(counts.values())) - cross_pairs(others)
    missed = 0
    for pid in members:
        spread = placed.by_person[pid].values()
        missed += pairs(sum(spread)) - sum(pairs(n) for n in spread)
    return {
        "people": len(members),
        "touches": sum(sum(placed.by_person[pid].values()) for pid in members),
        "leads": len(their_leads),
        "swallowed": sum(1 for pid in members if any(lead in crowded for lead in placed.by_person[pid])),
        "split": sum(1 for pid in members if len(placed.by_person[pid]) > 1),
        "largest_lead_people": max((len(placed.by_lead[lead]) for lead in their_leads), default=0),
        "false_pairs": false_pairs,
        "missed_pairs": missed,
    }


@contextlib.contextmanager
def database(postgres: str | None, workdir: Path, label: str) -> Iterator[Engine]:
    """A migrated, empty database: a SQLite file in ``workdir``, or a fresh schema of ``postgres``."""
    if postgres is None:
        engine = make_engine(f"sqlite:///{workdir / f'{label}.db'}")
        migrate(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    schema = f"bench_identity_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, connect_args={"connect_timeout": 3})
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(
    world: World, order: list[tuple[str, list[TouchSpec]]], engine: Engine, alone: bool
) -> dict[str, Any]:
    """Store the world (``alone``: without collisions) and score where its touches went."""
    timed = store_world(engine, world, order, alone)
    lead_of = lead_of_touch(engine)
    with engine.connect() as conn:
        lead_rows = conn.execute(select(leads.c.id)).all()
    placed = placement(world, lead_of)
    return {
        "touches": len(lead_of),
        "leads": len(lead_rows),
        "true_people": len(placed.by_person),
        **pair_scores(placed),
        "store_s": round(timed.store_s, 3),
        "prepare_s": round(timed.prepare_s, 3),
        "leads_per_s": round(len(world.specs) / timed.store_s) if timed.store_s else 0,
        "placed": placed,
    }


KINDS = (
    "ordinary",
    "shared_office_phone",
    "family_phone",
    "placeholder_phone",
    "role_mailbox",
    "two_emails",
    "name_twin",
    "email_typo",
    "x_author",
    "bio_hint",
)


def report(world: World, measured: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Print the figures; the result for the JSON line."""
    kinds = {kind: kind_figures(world, measured["placed"], kind) for kind in KINDS}
    print(
        f"{len(world.people)} people, {len(world.specs)} touches generated; {measured['touches']} stored "
        f"as touches of {measured['leads']} leads ({measured['true_people']} true people)"
    )
    print(
        f"same person, over pairs of touches: precision {measured['pair_precision']:.4f} "
        f"(target 0.99), recall {measured['pair_recall']:.4f} (target 0.95); "
        f"{measured['pairs_joined']} pairs joined, {measured['pairs_joined_right']} rightly, "
        f"of {measured['same_person_pairs']} same-person pairs"
    )
    print(
        f"{'kind':<20}{'people':>7}{'touches':>8}{'leads':>7}{'swallowed':>10}{'split':>6}"
        f"{'largest':>8}{'false pairs':>12}{'missed':>7}"
    )
    for kind, f in kinds.items():
        print(
            f"{kind:<20}{f['people']:>7}{f['touches']:>8}{f['leads']:>7}{f['swallowed']:>10}{f['split']:>6}"
            f"{f['largest_lead_people']:>8}{f['false_pairs']:>12}{f['missed_pairs']:>7}"
        )
    ratio = round(measured["leads_per_s"] / baseline["leads_per_s"], 3) if baseline["leads_per_s"] else 0
    print(
        f"store speed: {measured['leads_per_s']} touches/s with collisions ({measured['store_s']:.2f}s), "
        f"{baseline['leads_per_s']}/s without ({baseline['store_s']:.2f}s): ratio {ratio}; "
        f"baseline precision {baseline['pair_precision']:.4f}, recall {baseline['pair_recall']:.4f}"
    )
    unstored = len(world.specs) - measured["touches"]
    if unstored:
        print(f"warning: {unstored} generated touches were not stored as touches (not leads?): unscored")
    figures = {k: v for k, v in measured.items() if k != "placed"}
    return {
        "bench": "identity",
        "people": len(world.people),
        "drafts": len(world.specs),
        "unstored_drafts": unstored,
        **figures,
        "baseline_leads_per_s": baseline["leads_per_s"],
        "baseline_store_s": baseline["store_s"],
        "baseline_pair_precision": baseline["pair_precision"],
        "baseline_pair_recall": baseline["pair_recall"],
        "speed_ratio": ratio,
        "kinds": kinds,
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median store time (the slower middle one of an even count)."""
    return sorted(runs, key=lambda r: float(r["store_s"]))[len(runs) // 2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="stores of each world; speeds are medians")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL; default: SQLite in a temp dir")
    args = parser.parse_args(argv)
    world = build_world(args.people, args.seed)
    order = chunks(world)
    # As ``socialleads run`` does once built; it also freezes the generated world, which stands for
    # the platforms' data, not the bot's heap.
    tune_garbage_collector()
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "collisions": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(max(1, args.runs)):
            for label, alone in (("baseline", True), ("collisions", False)):
                with database(args.postgres, Path(tmp), f"{label}-{n}") as engine:
                    runs[label].append(run(world, order, engine, alone))
    result = report(world, median_run(runs["collisions"]), median_run(runs["baseline"]))
    result["runs"] = len(runs["collisions"])
    result["leads_per_s_runs"] = [r["leads_per_s"] for r in runs["collisions"]]
    result["baseline_leads_per_s_runs"] = [r["leads_per_s"] for r in runs["baseline"]]
    result["database"] = "postgresql" if args.postgres else "sqlite"
    sys.stdout.flush()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
