"""What makes the sandbox's X read like real X: the shapes of posts and profiles a connector must handle.

Real X sends texts with ``&``, ``<`` and ``>`` escaped; edits posts (each edit a new id carrying the ids
of the earlier versions, https://docs.x.com/x-api/fundamentals/edit-posts); cuts posts longer than 280
characters and gives their whole text in ``note_tweet``; labels posts it cannot place ``und`` or with a
code of no language (``qme``, ``qam``, ``zxx``...) and Indonesian ``in``
(https://docs.x.com/x-api/posts/search/integrate/operators, ``lang:``). People decorate their display
names with emoji and put other people's addresses in their bios ("Media enquiries: press@...").

The living world draws these from its own generator per post (``shape_rng``), so adding them leaves
the draws of its streams, and so every other item of a seed's world, as they were.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialleads.sandbox.world.entities import Person, XUser
from socialleads.sandbox.world.people import ascii_fold

#: Shares of the X stream's items: an edit of a recent post, an odd post (no language, or Indonesian).
EDIT_SHARE = 0.04
ODD_SHARE = 0.03
#: Shares of the ordinary posts: long (more than 280 characters), with ``&<>``, labelled ``und`` by X.
LONG_SHARE = 0.02
ESCAPED_SHARE = 0.06
UND_SHARE = 0.04
#: Posts are editable for 30 minutes after the first version, at most 5 times.
EDIT_WINDOW = timedelta(minutes=30)
MOST_EDITS = 5
#: A post becomes long only when its own words leave room for the mention to stay in the first 280.
LONG_FROM = 200

#: What people add when they edit a post (never words that change what it asks).
EDIT_ENDINGS = (" 🙏", " 😊", " 🙂", " 👍", "!!")
#: Endings with the characters X escapes; ``&lt;3`` is someone who typed the entity itself.
ESCAPED_ENDINGS = (" <3", " (A & J)", " >_<", " <3 <3", " &lt;3")
#: Neutral paragraphs that make a post long, per language: no buying signal, no refusal either.
FILLERS: dict[str, tuple[str, ...]] = {
    "en": (
        "Long week here. The kids were home with a cold, work was busy, and the rain has not stopped since "
        "Monday. Writing this with a cup of tea while the house is finally quiet.",
        "Side note: the bus was late again this morning and I missed the first meeting. Anyway, back to "
        "work, the coffee is getting cold and the inbox is not getting any shorter.",
    ),
    "is": (
        "Löng vika að baki. Krakkarnir voru heima með kvef, mikið að gera í vinnunni og það hefur rignt "
        "síðan á mánudag. Skrifa þetta með kaffibolla á meðan húsið er loksins hljótt.",
        "Annars er allt gott að frétta héðan. Veðrið er búið að vera skrítið, snjór á mánudaginn og "
        "rigning á þriðjudaginn, og helgin fer í rólegheit með fjölskyldunni.",
    ),
    "de": (
        "Lange Woche hier. Die Kinder waren erkältet zu Hause, im Büro war viel los und es regnet seit "
        "Montag ununterbrochen. Ich schreibe das mit einer Tasse Tee, während es im Haus endlich ruhig ist.",
        "Ansonsten gibt es hier nicht viel Neues. Das Wetter spielt verrückt, gestern Schnee und heute "
        "Regen, und das Wochenende verbringen wir ruhig mit der Familie.",
    ),
    "es": (
        "Semana larga por aquí. Los niños han estado en casa con catarro, mucho trabajo en la oficina y no "
        "ha parado de llover desde el lunes. Escribo esto con un café mientras la casa por fin está en "
        "silencio.",
        "Por lo demás, poca novedad. El tiempo está loco, ayer hacía sol y hoy llueve sin parar, y el fin "
        "de semana lo pasaremos tranquilos en familia.",
    ),
    "fr": (
        "Longue semaine ici. Les enfants étaient à la maison avec un rhume, beaucoup de travail au bureau "
        "et il pleut sans arrêt depuis lundi. J'écris ceci avec une tasse de thé pendant que la maison est "
        "enfin calme.",
        "Sinon, rien de bien nouveau. La météo est folle, du soleil hier et de la pluie aujourd'hui, et le "
        "week-end se passera tranquillement en famille.",
    ),
}


@dataclass(frozen=True)
class OddPost:
    """A post X labels with no language, or in a language the store's rules do not read; never a lead."""

    template: str
    lang: str
    """X's ``lang``."""
    written_in: str
    """What the truth records as its language."""
    hashtags: tuple[str, ...] = ()


ODD_POSTS = (
    OddPost("Keren banget tokonya {mention} 😍", "in", "id"),
    OddPost("Mantap! Sudah lama saya follow {mention} 👍", "in", "id"),
    OddPost("{mention} 😍🔥", "qam", "und"),
    OddPost("{mention} https://t.co/{code}", "qme", "und"),
    OddPost("{mention} #heimili #hygge", "qht", "und", ("#heimili", "#hygge")),
    OddPost("{mention} ok", "qst", "und"),
    OddPost("{mention} 😍😍😍 !!!", "und", "und"),
    OddPost("https://t.co/{code}", "zxx", "und"),
)

#: Display names as people decorate them; the bot must not take them for a person's name.
NAME_STYLES = (
    "{first} {last} 🌸",
    "🛋️ {first} | Home & Interiors",
    "{first} ✨ {initial}.",
    "★ {first} {last} ★",
    "{first} 🏡 (she/her)",
)
#: Bios that give someone else's address (an agent, a press office).
THIRD_PARTY_BIOS = (
    "Media enquiries: press@{agency}.example",
    "Business inquiries: {local}@{agency}-mgmt.example",
    "Bookings via my agent: bookings@{agency}.example",
    "PR: pr@{agency}.example",
    "Contact my team: team@{agency}.example",
)
#: Bios whose address a careful reader would not trust: obfuscated, run on, cut, glued, look-alike.
MANGLED_BIOS = (
    "{local}[at]{domain}",
    "Links: {local}@{domain}/links",
    "Mail: {local}@{domain}…",
    "Reykjavik.{local}@{domain}",
    "Mail: {local}@{lookalike}",
)
AGENCIES = ("northlight", "fjordmedia", "bluestudio", "hekla-agency")


def shape_rng(seed: int, at: datetime) -> random.Random:
    """The generator of one X stream item's shape (the stream's items have distinct times)."""
    return random.Random(f"{seed}:x_shape:{at.isoformat()}")


def x_account(seed: int, person: Person) -> XUser:
    """The person's X account: some display names decorated, some bios with an agent's or a mangled
    address."""
    rng = random.Random(f"{seed}:x_account:{person.key}")
    name = person.name
    if rng.random() < 0.12:
        style = rng.choice(NAME_STYLES)
        name = style.format(first=person.first, last=person.last, initial=person.last[:1])
    bio = person.x_bio
    local = ascii_fold(person.first) or "hello"
    domain = person.email.split("@")[-1] if "." in person.email.split("@")[-1] else "gmail.com"
    roll = rng.random()
    if roll < 0.06:
        third_party = rng.choice(THIRD_PARTY_BIOS).format(agency=rng.choice(AGENCIES), local=local)
        bio = f"{person.city}. {third_party}"
    elif roll < 0.09:
        lookalike = domain.replace("a", "\u0430", 1) if "a" in domain else "gm\u0430il.com"  # a Cyrillic a
        mangled = rng.choice(MANGLED_BIOS).format(local=local, domain=domain, lookalike=lookalike)
        bio = f"{person.city}. {mangled}"
    return XUser(person.x_user_id, person.x_username, name, bio, person.city)


def dressed(rng: random.Random, text: str, lang: str) -> tuple[str, str]:
    """An ordinary post's text and X's ``lang`` for it: sometimes long, with ``&<>``, or labelled ``und``."""
    if rng.random() < ESCAPED_SHARE:
        text += rng.choice(ESCAPED_ENDINGS)
    if rng.random() < LONG_SHARE and len(text) <= LONG_FROM:
        text = long_text(rng, text, lang)
    x_lang = "und" if rng.random() < UND_SHARE else lang
    return text, x_lang


def long_text(rng: random.Random, text: str, lang: str) -> str:
    """``text`` followed by neutral paragraphs in ``lang`` until it is longer than 280 characters."""
    fillers = list(FILLERS.get(lang, FILLERS["en"]))
    rng.shuffle(fillers)
    for filler in fillers:
        text = f"{text}\n\n{filler}"
        if len(text) > 280:
            break
    return text


def edited_text(rng: random.Random, text: str) -> str:
    """The text of an edit: the same words, and what people add when they look again."""
    return text + rng.choice(EDIT_ENDINGS)


def odd_text(rng: random.Random, odd: OddPost, mention: str) -> str:
    """The text of an odd post, with the store's ``@mention`` and a made-up t.co link."""
    code = "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
    return odd.template.format(mention=mention, code=code)
