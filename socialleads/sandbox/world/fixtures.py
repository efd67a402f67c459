"""The fixed part of the simulated world: the store's pages, forms, ads, accounts and tokens.

A furniture store in Reykjavík (the journeys' Anna): a main page with a linked Instagram account
and two lead forms, an outlet page with a newsletter form, and an X account. Tokens are derived
from the seed, so a world and its tokens always match.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialleads.sandbox.world.entities import Ad, Disclaimer, Form, IgAccount, Page, Question, XUser

MAIN_PAGE = "104000000000001"
OUTLET_PAGE = "104000000000002"
IG_ACCOUNT = "17841400000000001"
BRAND_X_ID = "1500000000000000001"
APP_ID = "730000000000001"
PERMISSIONS = (
    "leads_retrieval",
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_metadata",
    "ads_management",
    "pages_manage_ads",
    "instagram_basic",
    "instagram_manage_comments",
)


def _token(seed: int, what: str, prefix: str, length: int) -> str:
    return prefix + hashlib.sha256(f"{seed}:{what}".encode()).hexdigest()[:length]


@dataclass(frozen=True)
class Tokens:
    """The credentials that work in this world (listed by ``GET /_sandbox/world``)."""

    app_id: str
    app_secret: str
    verify_token: str
    user_token: str
    page_tokens: dict[str, str]
    x_bearer: str
    x_user_token: str

    @classmethod
    def for_seed(cls, seed: int) -> Tokens:
        """The tokens of the world with ``seed``."""
        return cls(
            app_id=APP_ID,
            app_secret=_token(seed, "app-secret", "", 32),
            verify_token=_token(seed, "verify", "sl-verify-", 12),
            user_token=_token(seed, "user", "EAAB", 60),
            page_tokens={page: _token(seed, f"page-{page}", "EAAP", 60) for page in (MAIN_PAGE, OUTLET_PAGE)},
            x_bearer=_token(seed, "x-bearer", "AAAAAAAAAAAAAAAAAAAAA", 60),
            x_user_token=_token(seed, "x-user", "XUSR", 40),
        )


def pages() -> list[Page]:
    """The store's pages."""
    return [
        Page(
            MAIN_PAGE,
            "Heimili Húsgögn",
            "Furniture Store",
            IgAccount(IG_ACCOUNT, "heimili.husgogn", MAIN_PAGE),
        ),
        Page(OUTLET_PAGE, "Heimili Outlet", "Outlet Store"),
    ]


def _contact_questions(prefix: str) -> tuple[Question, ...]:
    return (
        Question(f"{prefix}1", "full_name", "Full name", "FULL_NAME"),
        Question(f"{prefix}2", "email", "Email", "EMAIL"),
        Question(f"{prefix}3", "phone_number", "Phone number", "PHONE"),
        Question(f"{prefix}4", "city", "City", "CITY"),
    )


def forms(start: datetime) -> list[Form]:
    """The lead forms: a consultation request, a catalogue download, an outlet newsletter."""
    created = start - timedelta(days=30)
    consent = Disclaimer("optional_1", "Yes, Heimili may contact me about my request by phone or email.")
    offers = Disclaimer("optional_2", "Send me offers and news (you can unsubscribe at any time).")
    return [
        Form(
            "880000000000101",
            MAIN_PAGE,
            "Spring consultation",
            "is_IS",
            (
                *_contact_questions("5001"),
                Question(
                    "50015",
                    "which_room_would_you_like_help_with",
                    "Which room would you like help with?",
                    "CUSTOM",
                ),
                Question("50016", "when_suits_you", "When suits you?", "CUSTOM"),
            ),
            (consent, offers),
            created,
        ),
        Form(
            "880000000000102",
            MAIN_PAGE,
            "Sofa catalogue 2027",
            "en_GB",
            (
                *_contact_questions("5002"),
                Question("50025", "which_style_do_you_like", "Which style do you like?", "CUSTOM"),
            ),
            (offers,),
            created + timedelta(days=3),
        ),
        Form(
            "880000000000201",
            OUTLET_PAGE,
            "Outlet newsletter",
            "is_IS",
            (
                Question("50031", "email", "Email", "EMAIL"),
                Question("50032", "first_name", "First name", "FIRST_NAME"),
            ),
            (offers,),
            created + timedelta(days=10),
        ),
    ]


ADS = (
    Ad(
        "238400000000011",
        "Spring sofas - carousel",
        "238400000000021",
        "Reykjavík 25-55",
        "238400000000031",
        "Spring 2027",
    ),
    Ad(
        "238400000000012",
        "Consultation - video",
        "238400000000022",
        "Iceland interiors",
        "238400000000031",
        "Spring 2027",
    ),
    Ad(
        "238400000000013",
        "Catalogue - lead ad",
        "238400000000023",
        "Nordics lookalike",
        "238400000000032",
        "Catalogue 2027",
    ),
)


def brand_account(start: datetime) -> XUser:
    """The store's account on X."""
    return XUser(
        BRAND_X_ID,
        "thestore",
        "Heimili - The Store",
        "Furniture and interiors, Reykjavík",
        "Reykjavík, Iceland",
        "https://example.com",
        True,
        start - timedelta(days=900),
    )
