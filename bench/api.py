"""API benchmark: ``GET /api/v1/leads`` (filters, search) and ``GET /api/v1/leads/{id}`` over real HTTP
with 100,000 stored leads, against the ``/healthz`` round trip in the same run.

The leads are written straight into the real tables (raw events, leads, touches, identities,
deliveries, notes) in the shapes ``pipeline/store_step.py`` gives them, through the store's own
``BulkWriter`` (COPY on PostgreSQL): the pipeline would take minutes to store them, and
bench/ingest.py measures that. Eight sources on five platforms feed five campaigns; a quarter of the
people came more than once; comments carry messages in five languages; leads have grades,
statuses, owners in four teams, deliveries and a few notes. PostgreSQL gets ``ANALYZE`` after the
load, as autovacuum would give it.

The bot's real app is served by uvicorn on loopback (as ``socialleads run`` serves it) and called
through one keep-alive ``requests`` session with an admin's API token, and a salesperson's when
sales see their team's leads only. Each round calls every kind once (a list with filters, a search,
a lead, the team's list) and ``/healthz``, the baseline: the same HTTP, routing and JSON with no
work behind it, so a load that comes and goes on this shared machine weighs on both alike. Every
kind cycles through its variants (several filters, sorts and second pages; names, an email, a
phone, product words, a word nobody wrote).

    python bench/api.py [--leads 100000] [--rounds 300] [--postgres URL|none] [--seed 1]

Targets (issue 15): a list with filters or a search p95 <= 100 ms, a lead p95 <= 50 ms.
Prints the figures, then one JSON line. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import threading
import time
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import uvicorn
import yaml
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from socialleads import jsontext
from socialleads.accounts.roles import Role
from socialleads.bot import Bot, build_bot
from socialleads.settings import ApiSettings, Settings, WebSettings
from socialleads.store import accounts
from socialleads.store.bulk import BulkWriter
from socialleads.store.outbox import idempotency_key, lead_key
from socialleads.store.tables import deliveries, identities, lead_notes, leads, raw_events, touches
from socialleads.web.app import create_app

TARGETS_MS = {"list": 100, "search": 100, "lead": 50, "team_list": 100}

# --- the people and what they wrote ---

FIRST = ["Anna", "Gunnar", "Lucía", "Jörg", "Camille", "Mia", "João", "Emily", "Sigrún", "Pablo",
         "Ólafur", "Zoë", "Katrín", "Lars", "Sofie", "Marta", "Henrik", "Chloé", "Noah", "Elena", "Björn",
         "Inés"]  # fmt: skip
LAST = ["Jónsdóttir", "Magnússon", "Fernández", "Müller", "Dubois", "Hansen", "Silva", "Carter", "Berg",
        "Nielsen", "García", "Schmidt", "Laurent", "Olsen", "Costa", "Brown", "Eriksson",
        "Rossi"]  # fmt: skip
PROVIDERS = ["gmail.com", "hotmail.com", "outlook.com", "simnet.is", "gmx.de", "orange.fr", "mail.dk"]
PHONE_PREFIXES = ["+3546", "+3548", "+346", "+4915", "+336", "+1415", "+4520", "+35191"]


@dataclass(frozen=True)
class SourceShape:
    """A configured source: its platform, the kind of events it stores and the campaign it serves."""

    name: str
    platform: str
    kind: str
    campaign: str | None
    weight: float


SOURCES = [
    SourceShape("meta-kitchens", "facebook", "lead_form", "spring-kitchens", 0.22),
    SourceShape("meta-sofas", "instagram", "lead_form", "sofa-sale", 0.14),
    SourceShape("fb-comments", "facebook", "comment", "sofa-sale", 0.16),
    SourceShape("ig-comments", "instagram", "comment", "outdoor-2026", 0.12),
    SourceShape("x-mentions", "x", "mention", "outdoor-2026", 0.10),
    SourceShape("x-search", "x", "post", "bathrooms", 0.08),
    SourceShape("fair-csv", "csv", "import_row", "b2b-office", 0.10),
    SourceShape("webform", "web", "lead_form", None, 0.08),
]
TEAMS = {
    "north": ["anna.sales@example.com", "Björn Berg", "carla@example.com", "dagur@example.com"],
    "south": ["elena@example.com", "Felix Roth", "gudrun@example.com", "hugo@example.com"],
    "b2b": ["ines@example.com", "jon@example.com", "Kari Olsen", "lena@example.com"],
    "web": ["mo@example.com", "nina@example.com", "oskar@example.com", "petra@example.com"],
}
OWNERS = [owner for members in TEAMS.values() for owner in members]
STATUSES = [("new", 0.70), ("contacted", 0.12), ("qualified", 0.08), ("won", 0.04), ("lost", 0.06)]
LOST_REASONS = ["went with a competitor", "no budget this year", "never answered", "wrong number"]
MESSAGES = {
    "en": ["How much would a {item} like this cost? We are redoing the {room} in {month}.",
           "Do you deliver to {city}? Looking for a {item} for our {room}.",
           "Can someone send me a quote for the {item}? Need it before {month}.",
           "Love this {item}! Is it available in {finish}?"],
    "is": ["Hvað kostar {item} eins og þetta? Við erum að gera upp {room} í {month}.",
           "Sendið þið til {city}? Langar í {item}."],
    "es": ["¿Cuánto cuesta un {item} así? Estamos reformando la {room} en {month}.",
           "¿Hacéis envíos a {city}? Busco un {item} para la {room}."],
    "de": ["Was kostet so ein {item}? Wir renovieren die {room} im {month}.",
           "Liefert ihr nach {city}? Suche ein {item} für die {room}."],
    "da": ["Hvad koster en {item} som denne? Vi skal have nyt {room} i {month}."],
}  # fmt: skip
WORDS = {
    "item": ["sofa", "kitchen island", "dining table", "outdoor lounge set", "bathroom cabinet", "desk",
             "wardrobe", "bookshelf", "armchair", "bed frame", "coffee table", "sideboard"],
    "room": ["kitchen", "living room", "bathroom", "office", "terrace", "bedroom", "hallway", "cabin"],
    "month": ["January", "March", "May", "August", "October", "December"],
    "city": ["Reykjavík", "Akureyri", "Madrid", "Berlin", "Aarhus", "Lyon", "Porto", "Bergen", "Malmö"],
    "finish": ["oak", "walnut", "white", "black", "teak", "grey linen"],
}  # fmt: skip
FORM_ANSWERS = ["I want a quote", "Please call me", "Just browsing", "Need it this month", "Budget 5000 EUR"]


def _weighted(rng: random.Random, choices: list[tuple[Any, float]]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def message(rng: random.Random) -> tuple[str, str]:
    """A comment as people write them, and its language."""
    language = _weighted(rng, [("en", 0.5), ("is", 0.15), ("es", 0.15), ("de", 0.12), ("da", 0.08)])
    template = rng.choice(MESSAGES[language])
    return template.format(**{k: rng.choice(v) for k, v in WORDS.items()}), language


@dataclass
class Person:
    """One lead to be: who, how to reach them, when they first came and through which sources."""

    n: int
    first: str
    last: str
    email: str | None
    phone: str | None
    created_at: datetime
    sources: list[SourceShape] = field(default_factory=list)


def people(count: int, seed: int, start: datetime, span: timedelta) -> Iterator[Person]:
    """``count`` people in the order they first reached us, spread over ``span`` from ``start``."""
    rng = random.Random(seed)
    step = span / count
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = unicodedata.normalize("NFKD", f"{first}.{last}".lower()).encode("ascii", "ignore").decode()
        email = None if rng.random() < 0.12 else f"{local}{n}@{rng.choice(PROVIDERS)}"
        # Distinct for every person (37 is prime to 10**6): identities keep one lead per phone.
        digits = f"{(n // len(PHONE_PREFIXES)) * 37 % 1_000_000:06d}"
        phone = None if rng.random() < 0.18 else f"{PHONE_PREFIXES[n % len(PHONE_PREFIXES)]}{digits}"
        visits = _weighted(rng, [(1, 0.75), (2, 0.18), (3, 0.05), (5, 0.02)])
        sources = [_weighted(rng, [(s, s.weight) for s in SOURCES]) for _ in range(visits)]
        yield Person(n, first, last, email, phone, start + step * n, sources)


def quality_of(rng: random.Random, intent: float | None) -> dict[str, Any]:
    """A quality score with every point's reason, as ``qualify.quality`` writes it (a comment's intent
    scored; a form's by construction)."""
    reasons: list[dict[str, Any]] = [{"signal": "base", "detail": "every lead starts here", "points": 20.0}]
    if intent is None:
        reasons.append({"signal": "intent", "detail": "a lead form: a lead by construction", "points": 30.0})
        reasons.append({"signal": "awareness", "detail": "filled in the business's form", "points": 15.0})
    else:
        reasons.append({"signal": "intent", "detail": f"buying intent {intent:.2f}", "points": intent * 40})
    reasons.append(
        {"signal": "consent", "detail": "no consent recorded", "points": rng.choice([-5.0, 0.0, 10.0])}
    )
    reasons.append({"signal": "answers", "detail": "answered a sales question", "points": rng.randint(0, 25)})
    score = max(0, min(100, int(sum(float(r["points"]) for r in reasons))))
    grade = "A" if score >= 80 else "B" if score >= 60 else "C" if score >= 40 else "D"
    return {"score": score, "grade": grade, "reasons": reasons}


# --- the rows ---


@dataclass
class Ids:
    """The next id of each table, allocated up front as ``BulkWriter`` callers do."""

    event: int = 1
    lead: int = 1
    touch: int = 1
    delivery: int = 1


@dataclass
class Rows:
    """One batch of rows per table, in the columns below."""

    events: list[tuple[Any, ...]] = field(default_factory=list)
    leads: list[tuple[Any, ...]] = field(default_factory=list)
    touches: list[tuple[Any, ...]] = field(default_factory=list)
    identities: list[tuple[Any, ...]] = field(default_factory=list)
    deliveries: list[tuple[Any, ...]] = field(default_factory=list)
    notes: list[tuple[Any, ...]] = field(default_factory=list)


EVENT_COLUMNS = ("id", "source", "native_id", "kind", "received_via", "occurred_at", "received_at",
                 "payload", "status", "poll_run_id", "arrivals", "via_poll", "via_webhook")  # fmt: skip
LEAD_COLUMNS = ("id", "key", "campaign", "full_name", "first_name", "last_name", "email", "phone",
                "company", "country", "contact_flags", "intent_score", "intent", "quality_score", "grade",
                "quality", "revision", "touch_count", "owner", "route", "created_at", "updated_at",
                "status", "status_reason", "status_changed_at", "status_changed_by")  # fmt: skip
TOUCH_COLUMNS = ("id", "lead_id", "raw_event_id", "source", "native_id", "platform", "kind",
                 "received_via", "occurred_at", "received_at", "merge_reason", "message", "url", "contact",
                 "handle", "answers", "consents", "context", "flags")  # fmt: skip
IDENTITY_COLUMNS = ("kind", "value", "lead_id", "created_at")
DELIVERY_COLUMNS = ("id", "lead_id", "sink", "idempotency_key", "route", "status", "attempts", "revision",
                    "delivered_revision", "next_attempt_at", "last_error", "external_id", "external_url",
                    "created_at", "updated_at", "delivered_at")  # fmt: skip
NOTE_COLUMNS = ("lead_id", "author", "body", "created_at")


@dataclass
class Visit:
    """One touch being written: who, which time they came, from where, when."""

    person: Person
    lead_id: int
    index: int
    shape: SourceShape
    at: datetime


def add_touch(
    w: BulkWriter, rng: random.Random, v: Visit, ids: Ids, rows: Rows
) -> tuple[str | None, float | None]:
    """Add the touch of ``v`` and its raw event; returns its message's language and intent score."""
    p, shape = v.person, v.shape
    native_id = f"{shape.name}-{p.n}-{v.index}"
    text, language, intent = None, None, None
    if shape.kind in ("comment", "mention", "post"):
        text, language = message(rng)
        intent = round(rng.uniform(0.55, 0.99), 2)
    elif rng.random() < 0.3:
        text = rng.choice(FORM_ANSWERS)
    stamp = w.timestamp(v.at)
    payload = jsontext.dumps({"id": native_id, "name": f"{p.first} {p.last}", "email": p.email, "text": text})
    rows.events.append(
        (
            ids.event,
            shape.name,
            native_id,
            shape.kind,
            "poll",
            stamp,
            stamp,
            payload,
            "lead",
            None,
            1,
            True,
            False,
        )
    )
    social = shape.platform in ("facebook", "instagram", "x")
    url = f"https://www.{shape.platform}.com/p/{p.n}/{v.index}" if social else None
    handle = (
        jsontext.dumps({"platform": shape.platform, "username": f"{p.first.lower()}{p.n}"})
        if intent
        else None
    )
    contact = {"full_name": f"{p.first} {p.last}", "email": p.email, "phone": p.phone}
    reason = "new person" if v.index == 0 else f"same email as lead #{v.lead_id} (seen before)"
    rows.touches.append(
        (ids.touch, v.lead_id, ids.event, shape.name, native_id, shape.platform, shape.kind, "poll", stamp,
         stamp, reason, text, url, jsontext.dumps({k: x for k, x in contact.items() if x}), handle, "{}",
         "[]", "{}", "[]")
    )  # fmt: skip
    ids.event += 1
    ids.touch += 1
    return language, intent


def add_person(w: BulkWriter, rng: random.Random, p: Person, ids: Ids, rows: Rows) -> None:
    """The rows of one person: a lead, a touch and a raw event per visit, keys, deliveries, a note."""
    lead_id, ids.lead = ids.lead, ids.lead + 1
    best, language, at, last = None, None, p.created_at, p.created_at
    for index, shape in enumerate(p.sources):
        lang, intent = add_touch(w, rng, Visit(p, lead_id, index, shape, at), ids, rows)
        if intent is not None and (best is None or intent > best):
            best, language = intent, lang
        last, at = at, at + timedelta(days=rng.uniform(0.5, 20))
    first = p.sources[0]
    key = lead_key(first.name, f"{first.name}-{p.n}-0")
    quality = quality_of(rng, best)
    reasons = [{"signal": "ask_price", "detail": "asks what it costs", "span": [0, 12]}]
    intent_doc = {"score": best, "is_lead": True, "language": language, "reasons": reasons} if best else None
    status = _weighted(rng, [(s, w_) for s, w_ in STATUSES])
    owner = None if rng.random() < 0.15 else rng.choice(OWNERS)
    created, updated = w.timestamp(p.created_at), w.timestamp(last)
    flags = (
        [{"field": "phone", "raw": "12345", "problem": "not a phone number"}] if rng.random() < 0.05 else []
    )
    worked = status != "new"
    rows.leads.append(
        (lead_id, key, first.campaign, f"{p.first} {p.last}", p.first, p.last, p.email, p.phone, None, None,
         jsontext.dumps(flags), best, jsontext.dumps(intent_doc) if intent_doc else None, quality["score"],
         quality["grade"], jsontext.dumps(quality), len(p.sources), len(p.sources), owner,
         "by-team" if owner else "default", created, updated, status,
         rng.choice(LOST_REASONS) if status == "lost" else None, updated if worked else None,
         owner if worked else None)
    )  # fmt: skip
    for kind, value in (("email", p.email), ("phone", p.phone)):
        if value:
            rows.identities.append((kind, value.lower(), lead_id, created))
    add_deliveries(rng, ids, rows, (lead_id, key, len(p.sources)), created)
    if rng.random() < 0.05:
        rows.notes.append(
            (lead_id, owner or "anna.sales@example.com", "Called, sending a quote Monday.", updated)
        )


def add_deliveries(
    rng: random.Random, ids: Ids, rows: Rows, lead: tuple[int, str, int], created: Any
) -> None:
    """The lead's deliveries: to the CRM, and to chat for half of them; a few failing."""
    lead_id, key, revision = lead
    for sink in ("hubspot", "slack") if rng.random() < 0.5 else ("hubspot",):
        status = _weighted(rng, [("delivered", 0.93), ("pending", 0.03), ("dead", 0.04)])
        done = status == "delivered"
        record = (
            f"https://app.hubspot.com/contacts/1/record/0-1/{lead_id}" if done and sink == "hubspot" else None
        )
        rows.deliveries.append(
            (ids.delivery, lead_id, sink, idempotency_key(key, sink), "default", status,
             1 if done else rng.randint(2, 9), revision, revision if done else None, created,
             None if done else "HTTP 503 from the sink", str(lead_id) if record else None, record, created,
             created, created if done else None)
        )  # fmt: skip
        ids.delivery += 1


def store_leads(engine: Engine, count: int, seed: int, batch: int = 10_000) -> None:
    """Write ``count`` leads with their touches, events, keys, deliveries and notes, ``batch`` at a time."""
    rng = random.Random(seed + 1)
    ids = Ids()
    everyone = people(count, seed, datetime(2026, 5, 1, tzinfo=UTC), timedelta(days=200))
    done = 0
    while done < count:
        with engine.begin() as conn:
            w = BulkWriter(conn)
            rows = Rows()
            for p in (next(everyone) for _ in range(min(batch, count - done))):
                add_person(w, rng, p, ids, rows)
            w.insert(raw_events, EVENT_COLUMNS, rows.events)
            w.insert(leads, LEAD_COLUMNS, rows.leads)
            w.insert(touches, TOUCH_COLUMNS, rows.touches)
            w.insert(identities, IDENTITY_COLUMNS, rows.identities)
            w.insert(deliveries, DELIVERY_COLUMNS, rows.deliveries)
            w.insert(lead_notes, NOTE_COLUMNS, rows.notes)
            done += len(rows.leads)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in (raw_events, leads, touches, identities, deliveries):
                conn.execute(  # the sequences past the ids written here, as BulkWriter's callers leave them
                    text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - ours
                         f"(SELECT max(id) FROM {table.name}))")
                )  # fmt: skip
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


# --- the server and the calls ---


def bot_on(url: str, folder: Path) -> Bot:
    """A bot on ``url`` with no source or sink, the teams above, sales limited to their team's leads."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.yaml").write_text(yaml.safe_dump({"sources": {}}))
    (folder / "sinks.yaml").write_text(yaml.safe_dump({"sinks": {}}))
    (folder / "campaigns.yaml").write_text(yaml.safe_dump({"teams": TEAMS}, allow_unicode=True))
    web = WebSettings(enabled=True, host="127.0.0.1", port=0)
    return build_bot(
        Settings(database_url=url, config_dir=folder, web=web, api=ApiSettings(sales_see="team"))
    )


def serve(bot: Bot) -> tuple[uvicorn.Server, threading.Thread, str]:
    """The bot's app on a free loopback port, as ``scheduler.start_web`` serves it."""
    config = uvicorn.Config(
        create_app(bot),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        access_log=False,
        log_config=None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        thread.join(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def token_for(bot: Bot, email: str, role: Role, team: str | None = None) -> str:
    """An API token of a new user."""
    with bot.engine.begin() as conn:
        user = accounts.add_user(
            conn, email, name=email.split("@")[0], role=role, team=team, password_hash=None, now=bot.clock()
        )
        token, _ = accounts.create_token(
            conn, user, name="bench", role=None, expires_at=None, now=bot.clock()
        )
    return token


@dataclass(frozen=True)
class Call:
    """One request a kind makes: a label for the figures, the path, its query and whose token."""

    label: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    as_sales: bool = False


def sample_facts(engine: Engine, rng: random.Random, count: int) -> dict[str, list[str]]:
    """Existing lead keys, emails and phones, for the lead calls and searches that find one person."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, email, phone FROM leads")).all()
    picked = rng.sample(rows, count)
    return {
        "keys": [r[0] for r in picked],
        "emails": [r[1] for r in picked if r[1]],
        "phones": [r[2] for r in picked if r[2]],
    }


def calls_of(facts: dict[str, list[str]], rng: random.Random) -> dict[str, Iterator[Call]]:
    """Every kind's calls, endlessly, each kind cycling through its variants."""
    after, before = "2026-07-01T00:00:00Z", "2026-07-08T00:00:00Z"
    lists = [
        Call("newest", "/api/v1/leads"),
        Call("campaign", "/api/v1/leads", {"campaign": "sofa-sale"}),
        Call("source", "/api/v1/leads", {"source": "x-search"}),
        Call("platform+kind", "/api/v1/leads", {"platform": "instagram", "kind": "comment"}),
        Call("grade+status", "/api/v1/leads", {"grade": "A", "status": "won"}),
        Call("owner+status", "/api/v1/leads", {"owner": "Kari Olsen", "status": "contacted"}),
        Call("language", "/api/v1/leads", {"language": "da"}),
        Call("created range", "/api/v1/leads", {"created_after": after, "created_before": before}),
        Call("best first", "/api/v1/leads", {"sort": "-quality_score", "campaign": "b2b-office"}),
        Call("recently updated", "/api/v1/leads", {"sort": "-updated_at", "status": "qualified"}),
        Call("oldest, 200", "/api/v1/leads", {"sort": "created_at", "limit": "200"}),
    ]
    words = ["Sigrún", "Eriksson", "sofa", "dining table", "walnut", "zebra", "Reykjavík"]
    searches = [Call(f"q={w}", "/api/v1/leads", {"q": w}) for w in words]
    searches.append(Call("q=armchair+campaign", "/api/v1/leads", {"q": "armchair", "campaign": "sofa-sale"}))

    def people_searches() -> Iterator[Call]:
        while True:
            for variant in range(len(searches) + 2):
                if variant == len(searches):
                    yield Call("q=an email", "/api/v1/leads", {"q": rng.choice(facts["emails"])[:14]})
                elif variant == len(searches) + 1:
                    phone = rng.choice(facts["phones"])
                    yield Call("q=a phone", "/api/v1/leads", {"q": f"{phone[-7:-4]} {phone[-4:]}"})
                else:
                    yield searches[variant]

    team = [Call("team newest", "/api/v1/leads", as_sales=True),
            Call("team contacted", "/api/v1/leads", {"status": "contacted"}, as_sales=True),
            Call("team q=sofa", "/api/v1/leads", {"q": "sofa"}, as_sales=True)]  # fmt: skip
    return {
        "list": _cycle(lists),
        "search": people_searches(),
        "lead": (Call("lead", f"/api/v1/leads/{key}") for key in _cycle(facts["keys"])),
        "team_list": _cycle(team),
    }


def _cycle(items: list[Any]) -> Iterator[Any]:
    while True:
        yield from items


class Client:
    """One keep-alive session, the admin's and the salesperson's tokens; follows a page's cursor once."""

    def __init__(self, origin: str, admin: str, sales: str) -> None:
        self.origin, self.session = origin, requests.Session()
        self.tokens = {False: admin, True: sales}
        self.cursors: dict[str, str] = {}

    def timed(self, call: Call) -> float:
        """Milliseconds of one call; every other time a list is called, its second page is asked for."""
        params = dict(call.params)
        if call.label in self.cursors:
            params["cursor"] = self.cursors.pop(call.label)
        headers = {"Authorization": f"Bearer {self.tokens[call.as_sales]}"}
        started = time.perf_counter()
        answer = self.session.get(self.origin + call.path, params=params, headers=headers, timeout=30)
        spent = (time.perf_counter() - started) * 1000
        answer.raise_for_status()
        cursor = answer.json().get("next_cursor") if "cursor" not in params else None
        if cursor:
            self.cursors[call.label] = cursor
        return spent

    def bare(self, path: str, signed: bool) -> float:
        """Milliseconds of a call with no work behind it: ``/healthz``, or ``/api/v1/me`` (signed)."""
        headers = {"Authorization": f"Bearer {self.tokens[False]}"} if signed else {}
        started = time.perf_counter()
        self.session.get(self.origin + path, headers=headers, timeout=30).raise_for_status()
        return (time.perf_counter() - started) * 1000


# --- measuring ---


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0-1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and the count, in milliseconds."""
    return {
        "p50_ms": round(percentile(values, 0.50), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
        "n": len(values),
    }


def run_rounds(client: Client, kinds: dict[str, Iterator[Call]], rounds: int) -> tuple[Any, Any]:
    """``rounds`` rounds of one call per kind, one /healthz and one /api/v1/me; (times per kind, times
    per call label)."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_label: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        by_kind["healthz"].append(client.bare("/healthz", signed=False))
        by_kind["me"].append(client.bare("/api/v1/me", signed=True))
        for kind, calls in kinds.items():
            call = next(calls)
            spent = client.timed(call)
            by_kind[kind].append(spent)
            by_label[f"{kind}: {call.label}"].append(spent)
    return by_kind, by_label


def measure(label: str, url: str, work: Path, count: int, rounds: int, seed: int) -> dict[str, Any]:
    """Store ``count`` leads on ``url``, serve the API, and time every kind of call."""
    bot = bot_on(url, work / f"config-{label}")
    started = time.perf_counter()
    store_leads(bot.engine, count, seed)
    print(f"{label}: {count} leads stored in {time.perf_counter() - started:.1f}s", flush=True)
    rng = random.Random(seed + 2)
    facts = sample_facts(bot.engine, rng, 500)
    admin = token_for(bot, "bench.admin@example.com", Role.ADMIN)
    sales = token_for(bot, "anna.sales@example.com", Role.SALES, team="north")
    server, thread, origin = serve(bot)
    try:
        client = Client(origin, admin, sales)
        run_rounds(client, calls_of(facts, rng), 20)  # warm up: caches, pools, the planner's statistics
        by_kind, by_label = run_rounds(client, calls_of(facts, rng), rounds)
    finally:
        server.should_exit = True
        thread.join(10)
        bot.close()
    return report(label, by_kind, by_label)


def report(label: str, by_kind: dict[str, list[float]], by_label: dict[str, list[float]]) -> dict[str, Any]:
    """Print the figures of one database; returns them with each kind's ratio to /healthz (p95 over p95)."""
    base, signed = summary(by_kind["healthz"]), summary(by_kind["me"])
    figures: dict[str, Any] = {"healthz": base, "me": signed}
    print(f"{label}: /healthz p50 {base['p50_ms']} ms, p95 {base['p95_ms']} ms (the baseline)")
    print(f"  /api/v1/me p50 {signed['p50_ms']} ms, p95 {signed['p95_ms']} ms (a token, no work)")
    for kind in TARGETS_MS:
        s = summary(by_kind[kind])
        s["ratio"] = round(s["p95_ms"] / base["p95_ms"], 1)
        s["meets_target"] = s["p95_ms"] <= TARGETS_MS[kind]
        figures[kind] = s
        print(
            f"  {kind:10} p50 {s['p50_ms']:6.1f}  p95 {s['p95_ms']:6.1f}  p99 {s['p99_ms']:6.1f} ms "
            f"(target p95 <= {TARGETS_MS[kind]}; {s['ratio']}x /healthz)"
        )
    print("  by call (p50 / p95 ms):")
    for call, values in sorted(by_label.items()):
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"    {call:36} {p50:6.1f} / {p95:6.1f}  (n={len(values)})")
    return figures


def with_postgres_schema(admin_url: str, action: Callable[[str], dict[str, Any]]) -> dict[str, Any] | None:
    """``action`` on a URL whose search_path is a schema made for the run and dropped after; None when
    PostgreSQL cannot be reached."""
    schema = f"bench_api_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - PostgreSQL is optional for the benchmark
        print(f"PostgreSQL: skipped ({type(exc).__name__})")
        return None
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        return action(url.render_as_string(hide_password=False))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300, help="calls of each kind measured per database")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "SOCIALLEADS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL URL (the run uses its own schema, dropped after), or 'none' to skip",
    )
    args = parser.parse_args()
    result: dict[str, Any] = {"bench": "api", "leads": args.leads, "targets_p95_ms": TARGETS_MS}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sqlite_url = f"sqlite:///{work / 'bench.db'}"
        result["sqlite"] = measure("SQLite", sqlite_url, work, args.leads, args.rounds, args.seed)
        if args.postgres != "none":
            pg = with_postgres_schema(
                args.postgres,
                lambda url: measure("PostgreSQL", url, work, args.leads, args.rounds, args.seed),
            )
            if pg is not None:
                result["postgresql"] = pg
    measured = [result[db] for db in ("sqlite", "postgresql") if db in result]
    result["meets_targets"] = all(
        figures[kind]["meets_target"] for figures in measured for kind in TARGETS_MS
    )
    for kind in TARGETS_MS:
        result[f"{kind}_p95_ms"] = max(figures[kind]["p95_ms"] for figures in measured)
        result[f"{kind}_ratio"] = max(figures[kind]["ratio"] for figures in measured)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
