"""What makes the sandbox's Meta read like real Meta: the shapes of forms, leads and comments a connector
must handle.

- Forms that ask for the name with a custom question ("Nafn", type ``CUSTOM``) and the email with a
  question whose key says nothing of email, and forms whose keys are upper case (``FULL_NAME``,
  ``EMAIL``, ``PHONE``): a form's questions carry their ``type`` and ``key``
  (https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving/).
- Lead Ads Testing Tool leads: real ids, organic, every answer a dummy ("By default, the lead that gets
  created has dummy data within it", https://developers.facebook.com/docs/marketing-api/guides/lead-ads/
  testing-troubleshooting): ``<test lead: dummy data for full_name>``, the email ``test@fb.com`` or
  ``test@meta.com``. They reach the bot as any lead does: a ``leadgen`` webhook, then ``GET /{lead}``.
  People make them by hand, so the world makes them only when asked (``World.testing_tool_lead``; the
  running sandbox asks now and then).
- Facebook comments edited by their author (a page ``feed`` change with ``verb: edited``; Graph then
  serves the new text under the same id), comments with a photo (``photo`` in the change, an
  ``attachment`` on Graph), and profile names decorated with emoji. Instagram comments cannot be edited.

The living world draws these from a generator of their own per item (``shape_rng``), so adding them leaves
the draws of its streams, and so the people, texts and times of a seed's world, as they were.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from socialleads.sandbox.world.entities import Disclaimer, Form, Person, Question
from socialleads.sandbox.world.fixtures import OUTLET_PAGE

#: Share of the Facebook comment stream's items that are an edit of a recent comment, not a new one.
EDIT_SHARE = 0.05
#: Only comments this recent are edited (people fix a typo soon after posting).
EDIT_WINDOW = timedelta(hours=1)
#: Share of people's Facebook comments that carry a photo.
PHOTO_SHARE = 0.1
#: Share of people whose Facebook profile name is decorated.
DECORATED_SHARE = 0.12
#: What people add when they edit a comment (never words that change what it asks).
EDIT_ENDINGS = (" 🙏", " 😊", " 🙂", " 👍", "!!", "?")
#: The Testing Tool's dummy addresses: Meta's older one, and the one it uses lately.
TEST_EMAILS = ("test@fb.com", "test@meta.com")

RESERVATION_FORM = "880000000000202"
"""Upper-case keys: ``FULL_NAME``, ``EMAIL``, ``PHONE``."""
DELIVERY_FORM = "880000000000203"
"""The name asked by a custom question (``nafn``), the email by one keyed ``hvar_naum_vid_i_thig``."""
#: The Icelandic answers of "Hvenær hentar afhending?", by the English ``when_suits_you`` answer.
WHEN_IS = {
    "weekday_morning": "Virkur dagur, fyrir hádegi",
    "weekday_afternoon": "Virkur dagur, eftir hádegi",
    "weekend": "Um helgi",
}


def shape_rng(seed: int, stream: str, at: datetime) -> random.Random:
    """The generator of one Meta stream item's shape (a stream's items have distinct times)."""
    return random.Random(f"{seed}:meta_shape:{stream}:{at.isoformat()}")


def forms(start: datetime) -> list[Form]:
    """The outlet page's forms as people build them: upper-case keys, and custom questions for contact."""
    created = start - timedelta(days=12)
    contact = Disclaimer(
        "optional_1", "Yes, Heimili Outlet may contact me about my request by phone or email."
    )
    return [
        Form(
            RESERVATION_FORM,
            OUTLET_PAGE,
            "Outlet sofa reservation",
            "en_GB",
            (
                Question("50041", "FULL_NAME", "Full name", "FULL_NAME"),
                Question("50042", "EMAIL", "Email", "EMAIL"),
                Question("50043", "PHONE", "Phone number", "PHONE"),
                Question("50044", "SOFA_MODEL", "Which sofa should we hold for you?", "CUSTOM"),
            ),
            (contact,),
            created,
        ),
        Form(
            DELIVERY_FORM,
            OUTLET_PAGE,
            "Heimsending - tilboð",
            "is_IS",
            (
                Question("50051", "nafn", "Nafn", "CUSTOM"),
                Question("50052", "hvar_naum_vid_i_thig", "Hvar náum við í þig? (netfang)", "CUSTOM"),
                Question("50053", "simanumer", "Símanúmer", "CUSTOM"),
                Question("50054", "hvenaer_hentar_afhending", "Hvenær hentar afhending?", "CUSTOM"),
            ),
            (contact,),
            created + timedelta(days=2),
        ),
    ]


def answers(person: Person, drawn: dict[str, str]) -> dict[str, str]:
    """The answers of ``person`` to every question of the world's forms, from the ones ``drawn`` for them."""
    return {
        **drawn,
        "FULL_NAME": person.name,
        "EMAIL": person.email,
        "PHONE": person.phone,
        "SOFA_MODEL": f"{drawn['which_style_do_you_like'].title()} 3-seater",
        "nafn": person.name,
        "hvar_naum_vid_i_thig": person.email,
        "simanumer": person.phone,
        "hvenaer_hentar_afhending": WHEN_IS[drawn["when_suits_you"]],
    }


def dummy_answer(question: Question, rng: random.Random) -> str:
    """The Testing Tool's value for ``question``: a fixed address for an email, else a placeholder."""
    if question.type in ("EMAIL", "WORK_EMAIL"):
        return rng.choice(TEST_EMAILS)
    return f"<test lead: dummy data for {question.key}>"


def facebook_name(seed: int, person: Person) -> str:
    """The person's Facebook profile name: mostly their name, some decorated with emoji or symbols."""
    rng = random.Random(f"{seed}:facebook_name:{person.key}")
    if rng.random() >= DECORATED_SHARE:
        return person.name
    return rng.choice(
        (
            f"{person.first} 🌸 {person.last}",
            f"✨{person.first}✨",
            f"{person.name} 🇮🇸",
            f"{person.first} ♡ {person.last}",
            f"{person.first} {person.last[0]}. 🏡",
        )
    )


def photo_url(comment_id: str) -> str:
    """Where a photo comment's image is served (a CDN address in Meta's form; nothing is served there)."""
    number = comment_id.split("_")[-1]
    return f"https://scontent.xx.fbcdn.net/v/t39.30808-6/{number}_1{number[-6:]}_n.jpg"


def edited_text(rng: random.Random, text: str) -> str:
    """``text`` as its author edited it: an ending added, what it asks left as it was."""
    return text.rstrip() + rng.choice(EDIT_ENDINGS)
