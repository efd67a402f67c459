"""Ingest benchmark: 100,000 raw lead events through normalize → identity → store, against a naive reference.

The pipeline is the real one (``Runner.poll`` on an in-memory source: prepare, identity, raw
events, leads, touches, identities and outbox rows in chunked transactions; with a second CPU, the
next chunk's emails and phones are checked in the helper process while a chunk is stored, as in
``socialleads run``). The reference, timed in the same run on the same input, does only the
unavoidable work, naively: email-validator and phonenumbers on every value (no cache), then one
bare SQLAlchemy Core insert of the final rows.

"The final rows" are every row the pipeline left in the store: the raw event kept verbatim, the
lead, its touch, its identities and its outbox rows. The bot must keep each of them
(``docs/architecture.md``, "The flow", steps 2 and 7), so a reference that skipped some would not
reach the same end state. That is the
headline ``ratio``. The narrower reading, the lead rows only, is printed too (``ratio_lead_rows``):
it compares storing five tables with inserting one.

    python bench/ingest.py [--events 100000] [--postgres URL|none] [--seed 1] [--no-helper] [--runs 5]

``--no-helper`` keeps the contact checks in the bot's process, as on a one-CPU machine: the
reference runs on one core. ``--runs N`` measures SQLite N times, each run in a fresh process (no
cache carried over), and reports the median of each figure: this machine is shared, and one run
can be 20% off the next.

Prints the figures, then one JSON line. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import phonenumbers
import yaml
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Column, Engine, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from socialleads.bot import build_bot
from socialleads.contracts import ConnectorConfig, Cursor, Source
from socialleads.gc_tuning import tune_garbage_collector
from socialleads.models import Checkpoint, Contact, EventKind, Health, HealthState, LeadDraft, RawEvent
from socialleads.registry import PluginInfo, discover
from socialleads.settings import Settings
from socialleads.store.tables import deliveries, identities, leads, raw_events, touches

WRITTEN_TABLES = (raw_events, leads, identities, touches, deliveries)

FIRST = [
    "Anna",
    "Gunnar",
    "Lucía",
    "Jörg",
    "Camille",
    "Mia",
    "João",
    "Emily",
    "Sigrún",
    "Pablo",
    "Ólafur",
    "Zoë",
]
LAST = ["Jónsdóttir", "Magnússon", "Fernández", "Müller", "Dubois", "Hansen", "Silva", "Carter", "Berg"]
REGIONS = ("IS", "ES", "DE", "FR", "US", "DK", "PT")
PROVIDERS = (
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "simnet.is",
    "live.com",
    "gmx.de",
    "web.de",
    "orange.fr",
    "hotmail.es",
    "mail.dk",
)
COMPANY_WORDS = ("hus", "nordic", "casa", "moebel", "atelier", "design", "bygg", "studio", "home", "interior")


def email_domain(rng: random.Random) -> str:
    """Most people use a big provider; the rest one of a few thousand company domains."""
    if rng.random() < 0.6:
        return rng.choice(PROVIDERS)
    tld = rng.choice(["is", "com", "de", "es", "fr", "dk"])
    return f"{rng.choice(COMPANY_WORDS)}{rng.randint(1, 3000)}.{tld}"


def random_phone(rng: random.Random) -> str:
    """A valid mobile number of a random region, written as people write them (+country, spaces)."""
    example = phonenumbers.example_number_for_type(rng.choice(REGIONS), phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    while True:
        digits = national[:2] + "".join(rng.choice("0123456789") for _ in national[2:])
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def make_people(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` lead records: ~60% clean, ~15% with an invalid email or phone, ~25% repeats of earlier people.

    Emails mix big providers and company domains; phones are valid mobile numbers of seven countries.
    """
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    for i in range(n):
        roll = rng.random()
        if records and roll < 0.25:
            again = dict(rng.choice(records))
            again["id"] = f"ev{i}"
            if rng.random() < 0.5:
                again["email"] = None  # the same person by phone only
            records.append(again)
            continue
        first, last = rng.choice(FIRST), rng.choice(LAST)
        record = {
            "id": f"ev{i}",
            "name": f"  {first} {last} ",
            "email": f"{first.lower()}.{i}@example.com",
            "phone": random_phone(rng),
        }
        if roll < 0.33:
            record["email"] = record["email"].replace("@", "@@")
        elif roll < 0.40:
            record["phone"] = "12345"
        records.append(record)
    return records


class BenchConfig(ConnectorConfig):
    """Nothing to configure: the records live in the process."""


class BenchCursor(Cursor):
    """The count of records read."""

    read: int = 0

    def advance(self, position: Mapping[str, Any]) -> BenchCursor:
        return BenchCursor(read=max(self.read, int(position["n"])))


RECORDS: list[dict[str, Any]] = []
WHEN = datetime(2026, 11, 27, tzinfo=UTC)


class BenchSource(Source[BenchConfig, BenchCursor]):
    """Yields the module's RECORDS as lead-form events."""

    name: ClassVar[str] = "bench"
    platform: ClassVar[str] = "bench"
    config_model = BenchConfig
    cursor_model = BenchCursor

    def check(self) -> Health:
        return Health(state=HealthState.OK, summary="in memory")

    def fetch(self, since: BenchCursor | None) -> Iterator[RawEvent | Checkpoint]:
        for n, record in enumerate(RECORDS[since.read if since else 0 :], start=1):
            yield RawEvent(
                native_id=record["id"],
                kind=EventKind.LEAD_FORM,
                occurred_at=WHEN,
                payload=record,
                position={"n": n},
            )

    def parse(self, event: RawEvent) -> LeadDraft:
        p = event.payload
        return LeadDraft(
            native_id=event.native_id,
            kind=EventKind.LEAD_FORM,
            platform="bench",
            occurred_at=event.occurred_at or WHEN,
            contact=Contact(full_name=p["name"], email=p["email"], phone=p["phone"]),
        )


def run_pipeline(url: str, workdir: Path, helper: bool = True) -> tuple[float, Engine]:
    """Seconds to poll every record through the real pipeline into ``url``; ``helper=False`` keeps
    every check in this process, as on a machine with one CPU."""
    config_dir = workdir / f"config-{uuid.uuid4().hex[:6]}"
    config_dir.mkdir()
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": {"bench": {"type": "bench"}}}))
    (config_dir / "sinks.yaml").write_text(yaml.safe_dump({"sinks": {"console": {"type": "console"}}}))
    (config_dir / "campaigns.yaml").write_text(yaml.safe_dump({"default_route": {"deliver_to": ["console"]}}))
    registry = discover()
    registry.add(PluginInfo(kind="source", name="bench", target="bench", cls=BenchSource))
    bot = build_bot(Settings(database_url=url, config_dir=config_dir), registry=registry)
    bot.runner.helper.usable = bot.runner.helper.usable and helper
    started = time.perf_counter()
    outcome = bot.runner.poll("bench")
    elapsed = time.perf_counter() - started
    assert outcome.status == "ok", outcome
    bot.close()
    return elapsed, bot.engine


def validate_every_value() -> float:
    """Seconds for the validators alone on every value of every record, naively (no cache)."""
    started = time.perf_counter()
    for record in RECORDS:
        with contextlib.suppress(EmailNotValidError):
            validate_email(record["email"] or "", check_deliverability=False)
        try:
            number = phonenumbers.parse(record["phone"], None)
            if phonenumbers.is_valid_number(number):
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
    return time.perf_counter() - started


def bare_insert(url: str, final: dict[Table, list[dict[str, Any]]]) -> float:
    """Seconds for one bare SQLAlchemy Core insert per table of ``final`` rows, into fresh tables
    with the same columns and only a primary key (no other index, no constraint): the naive write."""
    engine = create_engine(url)
    metadata = MetaData()
    copies = {
        table: Table(
            f"ref_{uuid.uuid4().hex[:6]}_{table.name}",
            metadata,
            *(Column(c.name, c.type, primary_key=c.primary_key) for c in table.columns),
        )
        for table in final
    }
    metadata.create_all(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        for table, rows in final.items():
            if rows:
                conn.execute(insert(copies[table]), rows)
    elapsed = time.perf_counter() - started
    metadata.drop_all(engine)
    engine.dispose()
    return elapsed


def measure(label: str, url: str, workdir: Path, helper: bool) -> dict[str, Any]:
    """Pipeline and references on one database, on the same records."""
    pipeline_s, engine = run_pipeline(url, workdir, helper)
    with engine.connect() as conn:
        final = {t: [dict(r) for r in conn.execute(select(t)).mappings()] for t in WRITTEN_TABLES}
    engine.dispose()
    validators_s = validate_every_value()
    leads_only_s = validators_s + bare_insert(url, {leads: final[leads]})
    all_rows_s = validators_s + bare_insert(url, final)
    n = len(RECORDS)
    figures = {
        "events": n,
        "leads": len(final[leads]),
        "rows_written": sum(len(rows) for rows in final.values()),
        "pipeline_s": round(pipeline_s, 2),
        "leads_per_s": round(n / pipeline_s),
        "reference_per_s": round(n / all_rows_s),
        "ratio": round(all_rows_s / pipeline_s, 2),
        "reference_lead_rows_per_s": round(n / leads_only_s),
        "ratio_lead_rows": round(leads_only_s / pipeline_s, 2),
    }
    print(
        f"{label}: {n} lead events -> {figures['leads']} leads, {figures['rows_written']} rows in "
        f"{pipeline_s:.2f}s = {figures['leads_per_s']} events/s"
    )
    print(
        f"  reference, validators + bare insert of every final row (events, leads, touches, identities, "
        f"deliveries): {figures['reference_per_s']}/s; ratio pipeline/reference {figures['ratio']}"
    )
    print(
        f"  reference, validators + bare insert of the lead rows only: "
        f"{figures['reference_lead_rows_per_s']}/s; ratio {figures['ratio_lead_rows']}"
    )
    return figures


def sqlite_runs(runs: int) -> dict[str, Any]:
    """The SQLite figures of ``runs`` separate runs, each in a fresh process (no cache carried over),
    with the median of every figure first."""
    measured = []
    for n in range(1, runs + 1):
        print(f"run {n} of {runs}", flush=True)
        command = [sys.executable, __file__, *sys.argv[1:], "--runs", "1", "--postgres", "none"]
        child = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603 - ourselves
        lines = child.stdout.strip().splitlines()
        print("\n".join(lines[:-1]), flush=True)
        measured.append(json.loads(lines[-1])["sqlite"])
    medians = {key: statistics.median(run[key] for run in measured) for key in measured[0]}
    return {**medians, "runs": measured}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "SOCIALLEADS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL URL, or 'none' to skip PostgreSQL",
    )
    parser.add_argument(
        "--no-helper", action="store_true", help="no helper process: every check in the bot's process"
    )
    parser.add_argument(
        "--runs", type=int, default=1, help="SQLite runs, each in its own process; the figures are medians"
    )
    args = parser.parse_args()
    RECORDS[:] = make_people(args.events, args.seed)
    # As ``socialleads run`` does once built; it also freezes the input, which stands for the
    # platform's data, not the bot's heap, so the collector does not rescan it.
    tune_garbage_collector()
    result: dict[str, Any] = {"bench": "ingest", "helper": not args.no_helper}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.runs > 1:
            result["sqlite"] = sqlite_runs(args.runs)
            print(
                f"SQLite, median of {args.runs} runs: {result['sqlite']['leads_per_s']:.0f} events/s, "
                f"ratio {result['sqlite']['ratio']} (lead rows {result['sqlite']['ratio_lead_rows']})"
            )
        else:
            url = f"sqlite:///{workdir / 'bench.db'}"
            result["sqlite"] = measure("SQLite", url, workdir, not args.no_helper)
        if args.postgres != "none":
            measure_postgresql(args.postgres, workdir, not args.no_helper, result)
    result["leads_per_s"] = result["sqlite"]["leads_per_s"]
    result["ratio"] = result["sqlite"]["ratio"]
    print(json.dumps(result))


def measure_postgresql(admin_url: str, workdir: Path, helper: bool, result: dict[str, Any]) -> None:
    """The PostgreSQL figures into ``result``, in a schema made for the run; skipped when unreachable."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - PostgreSQL is optional for the benchmark
        print(f"PostgreSQL: skipped ({type(exc).__name__})")
        return
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        result["postgresql"] = measure(
            "PostgreSQL", url.render_as_string(hide_password=False), workdir, helper
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
