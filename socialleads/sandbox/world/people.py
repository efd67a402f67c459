"""The people of the simulated world: names, emails and phones as people really type them.

About one in twenty has a mistyped email or an impossible phone number (the bot must flag them,
not drop them); Icelanders often leave out the country code; some put their email in their X bio.
"""

from __future__ import annotations

import random
import unicodedata

import phonenumbers

from socialleads.sandbox.world import texts
from socialleads.sandbox.world.entities import Person

#: Language → (region for phones, share of that language among people).
REGIONS = {"is": ("IS", 0.35), "en": ("GB", 0.25), "es": ("ES", 0.15), "de": ("DE", 0.15), "fr": ("FR", 0.10)}
DOMAINS = {
    "is": ("simnet.is", "gmail.com", "internet.is", "visir.is"),
    "en": ("gmail.com", "outlook.com", "yahoo.co.uk"),
    "es": ("gmail.com", "hotmail.es", "yahoo.es"),
    "de": ("gmx.de", "web.de", "gmail.com"),
    "fr": ("orange.fr", "free.fr", "gmail.com"),
}
BAD_EMAILS = ("{first}@@{domain}", "{first}.{last}@", "{first}.{last}@{domain_no_dot}", "asdf", "test@test")
BAD_PHONES = ("12345", "000", "+354 12", "n/a")


def ascii_fold(text: str) -> str:
    """``Jónsdóttir`` → ``jonsdottir``: how people turn their names into email addresses and handles."""
    table = str.maketrans({"þ": "th", "ð": "d", "æ": "ae", "ö": "o", "ø": "o", "ß": "ss"})
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(table))
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in ".-_"))


def _phone(rng: random.Random, region: str) -> str:
    """A valid mobile number of ``region``, written the way people write it."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None, region
    national = str(example.national_number)
    while True:
        digits = national[:2] + "".join(rng.choice("0123456789") for _ in national[2:])
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        if phonenumbers.is_valid_number(number):
            break
    if region == "IS" and rng.random() < 0.5:  # at home, Icelanders skip +354
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def make_person(rng: random.Random, index: int) -> Person:
    """The ``index``-th person of the world, drawn from ``rng``."""
    lang = rng.choices(list(REGIONS), weights=[share for _, share in REGIONS.values()])[0]
    region = REGIONS[lang][0]
    first, last = texts.person_name(rng, lang)
    handle = f"{ascii_fold(first)}{ascii_fold(last)[:6]}{index % 97}"
    domain = rng.choice(DOMAINS[lang])
    email = f"{ascii_fold(first)}.{ascii_fold(last)}{index}@{domain}"
    if rng.random() < 0.05:
        email = rng.choice(BAD_EMAILS).format(
            first=ascii_fold(first),
            last=ascii_fold(last),
            domain=domain,
            domain_no_dot=domain.replace(".", ""),
        )
    phone = rng.choice(BAD_PHONES) if rng.random() < 0.05 else _phone(rng, region)
    city = texts.city(rng, lang)
    bio = f"{city}. Contact: {email}" if rng.random() < 0.1 else city
    return Person(
        key=f"p{index:04d}",
        lang=lang,
        first=first,
        last=last,
        email=email,
        phone=phone,
        city=city,
        fb_user_id=str(3_100_000_000_000 + index * 7919),
        ig_user_id=str(17_841_000_000_000_000 + index),
        ig_username=handle.replace("_", "."),
        x_user_id=str(1_400_000_000 + index * 131),
        x_username=handle[:15],
        x_bio=bio,
    )


def make_people(seed: int, count: int) -> list[Person]:
    """The world's population, the same for the same seed."""
    rng = random.Random(f"{seed}:people")
    return [make_person(rng, index) for index in range(count)]
