"""The things the simulated world is made of: people, pages, forms, leads, posts, comments, tweets.

Plain records; the emulators turn them into each platform's JSON. Times are timezone-aware UTC.
Ids are strings of digits, shaped like each platform's (tweet ids grow with time, like snowflakes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Person:
    """Someone who fills in forms, comments and posts; ``key`` ties their items together in the truth."""

    key: str
    lang: str
    first: str
    last: str
    email: str
    phone: str
    city: str
    fb_user_id: str
    ig_user_id: str
    ig_username: str
    x_user_id: str
    x_username: str
    x_bio: str

    @property
    def name(self) -> str:
        """The display name."""
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Question:
    """A lead-form question: ``key`` is the name in ``field_data``."""

    id: str
    key: str
    label: str
    type: str


@dataclass(frozen=True)
class Disclaimer:
    """A custom disclaimer checkbox of a form."""

    key: str
    text: str
    optional: bool = True


@dataclass(frozen=True)
class Form:
    """A lead-ads form of a page."""

    id: str
    page_id: str
    name: str
    locale: str
    questions: tuple[Question, ...]
    disclaimers: tuple[Disclaimer, ...]
    created: datetime
    status: str = "ACTIVE"
    privacy_policy_url: str = "https://example.com/privacy"


@dataclass(frozen=True)
class Ad:
    """The ad (and its ad set and campaign) a paid lead came through."""

    ad_id: str
    ad_name: str
    adset_id: str
    adset_name: str
    campaign_id: str
    campaign_name: str


@dataclass(frozen=True)
class IgAccount:
    """The Instagram business account linked to a page."""

    id: str
    username: str
    page_id: str


@dataclass(frozen=True)
class Page:
    """A Facebook page the store runs."""

    id: str
    name: str
    category: str
    ig_account: IgAccount | None = None


@dataclass(frozen=True)
class Lead:
    """One lead-form submission; ``person_key`` is None for a lead the Lead Ads Testing Tool made."""

    id: str
    form_id: str
    page_id: str
    created: datetime
    person_key: str | None
    field_data: tuple[dict[str, Any], ...]
    ad: Ad | None
    platform: str
    disclaimer_responses: tuple[dict[str, str], ...]
    testing_tool: bool = False
    """Made with the Lead Ads Testing Tool: a real id, organic, dummy values."""

    @property
    def is_organic(self) -> bool:
        """Organic (and preview) leads have no ad."""
        return self.ad is None


@dataclass(frozen=True)
class Post:
    """A post on a page's feed, written by the page."""

    id: str
    page_id: str
    message: str
    created: datetime


@dataclass(frozen=True)
class Comment:
    """A comment on a page post (or a reply to a comment); ``person_key`` is None when the page wrote it."""

    id: str
    post_id: str
    parent_id: str | None
    author_id: str
    author_name: str
    message: str
    created: datetime
    person_key: str | None
    intent: bool | None
    lang: str
    photo: str | None = None
    """The image of a photo comment (where Meta serves it), or None."""


@dataclass(frozen=True)
class CommentEdit:
    """A Facebook comment edited by its author: ``comment`` as it reads now (same id), edited at ``at``."""

    comment: Comment
    at: datetime
    previous_message: str


@dataclass(frozen=True)
class IgMedia:
    """An Instagram post of the store's account."""

    id: str
    account_id: str
    caption: str
    created: datetime
    media_product_type: str = "FEED"


@dataclass(frozen=True)
class IgComment:
    """A comment on an Instagram post."""

    id: str
    media_id: str
    parent_id: str | None
    user_id: str
    username: str
    text: str
    created: datetime
    person_key: str
    intent: bool
    lang: str


@dataclass(frozen=True)
class XUser:
    """An account on X."""

    id: str
    username: str
    name: str
    description: str = ""
    location: str = ""
    url: str = ""
    verified: bool = False
    created: datetime | None = None


@dataclass(frozen=True)
class Tweet:
    """A post on X. ``person_key`` is None for the brand's own posts.

    ``text`` is what the author wrote, in full and unescaped (the emulator escapes it and cuts a post
    longer than 280 characters as X does); ``lang`` is the code X gives it, which may name no language
    (``und``, ``qme``) or be X's own (``in`` for Indonesian).
    """

    id: str
    author_id: str
    text: str
    created: datetime
    lang: str
    person_key: str | None
    intent: bool | None
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    retweet_of: str | None = None
    in_reply_to_user_id: str | None = None
    conversation_id: str | None = None
    edit_history: tuple[str, ...] = ()
    """An edit: the ids of the post's earlier versions, oldest first (each edit is a new post)."""
    first_posted: datetime | None = None
    """An edit: when its first version was posted; the 30-minute edit window runs from there."""

    @property
    def root_id(self) -> str:
        """The id of the post's first version (its own id when never edited)."""
        return self.edit_history[0] if self.edit_history else self.id


@dataclass(frozen=True)
class TruthItem:
    """What the world knows about one item it generated; for tests and demos, never for the product."""

    native_id: str
    kind: str
    """lead_form | fb_comment | ig_comment | x_post"""
    platform: str
    person: str | None
    intent: bool | None
    created_at: datetime
    where: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The JSON document ``GET /_sandbox/truth`` lists."""
        return {
            "native_id": self.native_id,
            "kind": self.kind,
            "platform": self.platform,
            "person": self.person,
            "intent": self.intent,
            "created_at": self.created_at.isoformat(),
            "where": dict(self.where),
        }
