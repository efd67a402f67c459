"""A seeded generator of trade-show lead lists dropped into an inbox folder, like a person would.

Each drop is a CSV file with a few visitors: names and phones from several countries, some invalid
emails or phones, some people met before (same email, so the bot merges them), and now and then a
malformed row (so the demo shows a dead letter). Files are written under a temporary name and
renamed, so the bot never sees half a file.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from pathlib import Path

PEOPLE = [
    ("Anna Jónsdóttir", "IS", "+354 611 2345"),
    ("Gunnar Magnússon", "IS", "862 4410"),
    ("Lucía Fernández", "ES", "+34 612 345 678"),
    ("Jörg Müller", "DE", "+49 1512 3456789"),
    ("Camille Dubois", "FR", "+33 6 12 34 56 78"),
    ("Mia Hansen", "DK", "+45 20 12 34 56"),
    ("João Silva", "PT", "+351 912 345 678"),
    ("Emily Carter", "US", "+1 415 555 0132"),
    ("Sigrún Pálsdóttir", "IS", "+354 770 1234"),
    ("Pablo Ortega", "ES", "+34 622 111 222"),
]
COMPANIES = ["Hús & Heimili", "Nordic Interiors", "Casa Bonita", "Möbelhaus Berg", "Atelier Lumière", ""]
INTERESTS = ["sofa", "kitchen", "dining table", "lighting", "consultation"]


def _email(name: str, rng: random.Random) -> str:
    first = name.split()[0].lower().translate(str.maketrans("áéíóúöüçãðþæ", "aeiououcadta"))
    return f"{first}.{rng.randint(10, 99)}@example.{rng.choice(['com', 'is', 'de', 'es'])}"


@dataclass
class CsvDropper:
    """Writes numbered CSV drops into ``inbox``; deterministic for a given ``seed``."""

    inbox: Path
    seed: int = 7
    rows_per_drop: int = 5

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.seen: list[dict[str, str]] = []
        self.drops = 0

    def _row(self) -> dict[str, str]:
        rng = self.rng
        if self.seen and rng.random() < 0.25:  # somebody met before, with the same email
            again = dict(rng.choice(self.seen))
            again["Interest"] = rng.choice(INTERESTS)
            return again
        name, _country, phone = rng.choice(PEOPLE)
        row = {
            "Name": name,
            "E-mail": _email(name, rng),
            "Phone": phone,
            "Company": rng.choice(COMPANIES),
            "Interest": rng.choice(INTERESTS),
            "Consent": rng.choice(["yes", "yes", "no"]),
        }
        roll = rng.random()
        if roll < 0.1:
            row["E-mail"] = row["E-mail"].replace("@", "@@")  # a typo the bot must flag, not drop
        elif roll < 0.2:
            row["Phone"] = "12"  # too short to be a phone number
        self.seen.append(row)
        return row

    def drop(self) -> Path:
        """Write the next drop and return its path."""
        self.drops += 1
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer,
            fieldnames=["Name", "E-mail", "Phone", "Company", "Interest", "Consent"],
            lineterminator="\n",
        )
        writer.writeheader()
        for _ in range(self.rows_per_drop):
            writer.writerow(self._row())
        text = buffer.getvalue()
        if self.rng.random() < 0.3:
            text += "Eva Brot,eva@example.com\n"  # two fields where six are expected: dead-lettered
        self.inbox.mkdir(parents=True, exist_ok=True)
        target = self.inbox / f"fair-{self.drops:04d}.csv"
        temporary = target.with_suffix(".csv.part")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
        return target
