"""What an X post looks like to the X sources, as pure functions: the fields asked for, one page of an
answer, the raw event kept for each post, and the ``LeadDraft`` parsed from it. Nothing here calls X.

Shapes: https://docs.x.com/x-api/fundamentals/data-dictionary (post and user objects) and
https://docs.x.com/x-api/fundamentals/expansions (``includes``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.x.bio import bio_hints
from socialleads.errors import SkippableRecordError
from socialleads.models import (
    BUSINESS_HANDLES,
    EDITED,
    Contact,
    EventKind,
    Handle,
    LeadDraft,
    RawEvent,
)

EXPANSIONS = ["author_id", "referenced_tweets.id", "entities.mentions.username"]
#: ``edit_history_tweet_ids`` is a default field, asked for anyway so that no change of defaults loses it;
#: ``note_tweet`` holds the whole text of a post longer than 280 characters, which ``text`` cuts.
TWEET_FIELDS = [
    "created_at", "lang", "conversation_id", "in_reply_to_user_id", "referenced_tweets", "entities",
    "author_id", "public_metrics", "edit_history_tweet_ids", "edit_controls", "note_tweet",
]  # fmt: skip
USER_FIELDS = [
    "name",
    "username",
    "description",
    "location",
    "url",
    "verified",
    "public_metrics",
    "created_at",
]
#: Ids are snowflakes: milliseconds since this epoch, shifted left 22 bits
#: (https://docs.x.com/resources/fundamentals/x-ids).
X_EPOCH_MS = 1288834974657
#: X sends a post's text with ``&``, ``<`` and ``>`` escaped as HTML entities, and nothing else
#: (https://github.com/sferik/twitter-ruby/issues/348, https://github.com/FxEmbed/FxEmbed/issues/24).
_X_ENTITY = re.compile(r"&(amp|lt|gt);")
_UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}
#: ``lang`` values that name no language: ``und`` when X could not tell (the ``lang:`` operator of
#: https://docs.x.com/x-api/posts/search/integrate/operators), ``zxx`` (no linguistic content), ``art``,
#: and X's ``q..`` codes (``qme`` media links only, ``qam`` mentions only, ``qht`` hashtags only, ``qst``
#: very short text, ``qct`` cashtags only), which sit in ISO 639-2's range for local use (qaa-qtz).
_NOT_LANGUAGES = frozenset({"und", "zxx", "art", "mis", "mul"})
_LOCAL_USE = re.compile(r"q[a-t][a-z]")
#: X's old codes for languages that have ISO 639-1 ones (that page lists Indonesian ``in``, Hebrew ``iw``).
_X_LANGUAGE_CODES = {"in": "id", "iw": "he"}


def request_fields() -> dict[str, Any]:
    """The expansions and fields every post read asks for."""
    return {"expansions": EXPANSIONS, "tweet_fields": TWEET_FIELDS, "user_fields": USER_FIELDS}


def snowflake_time(post_id: str | int) -> datetime:
    """When the post with ``post_id`` was created, from the id alone (to the millisecond)."""
    return datetime.fromtimestamp(((int(post_id) >> 22) + X_EPOCH_MS) / 1000, UTC)


def x_time(value: Any) -> datetime | None:
    """``2026-11-27T10:30:00.000Z`` as an aware UTC time; None for anything else."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class Page:
    """One answer of search or mentions: its posts, the users and posts it includes, and its ``meta``."""

    posts: list[dict[str, Any]]
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    included: dict[str, dict[str, Any]] = field(default_factory=dict)
    result_count: int = 0
    newest_id: str | None = None
    next_token: str | None = None

    @classmethod
    def of(cls, body: dict[str, Any]) -> Page:
        """Read one JSON answer; an empty page is ``{"meta": {"result_count": 0}}``."""
        posts = [p for p in _list(body.get("data")) if isinstance(p, dict) and p.get("id")]
        includes = _dict(body.get("includes"))
        users = {str(u["id"]): u for u in _list(includes.get("users")) if isinstance(u, dict) and u.get("id")}
        tweets = {
            str(t["id"]): t for t in _list(includes.get("tweets")) if isinstance(t, dict) and t.get("id")
        }
        meta = _dict(body.get("meta"))
        count = meta.get("result_count")
        token = meta.get("next_token")
        newest = meta.get("newest_id") or (posts[0]["id"] if posts else None)
        return cls(
            posts=posts,
            users=users,
            included=tweets,
            result_count=count if isinstance(count, int) else len(posts),
            newest_id=str(newest) if newest else None,
            next_token=token if isinstance(token, str) and token else None,
        )


def is_retweet(post: dict[str, Any]) -> bool:
    """A retweet: ``referenced_tweets`` of type ``retweeted``, or (old style) text starting ``RT @``."""
    refs = _list(post.get("referenced_tweets"))
    if any(isinstance(r, dict) and r.get("type") == "retweeted" for r in refs):
        return True
    text = post.get("text")
    return isinstance(text, str) and text.startswith("RT @")


def author_of(post: dict[str, Any], page: Page) -> dict[str, Any]:
    """The post's author from the page's ``includes.users``; ``{}`` when X did not include it."""
    return page.users.get(str(post.get("author_id") or ""), {})


def make_event(
    kind: EventKind,
    post: dict[str, Any],
    page: Page,
    position: dict[str, Any],
    search: str | None = None,
    account: str | None = None,
) -> RawEvent:
    """One post as a raw event: the post and its author as X sent them, and the posts it references."""
    refs = [r for r in _list(post.get("referenced_tweets")) if isinstance(r, dict)]
    referenced = [
        {"type": r.get("type"), "id": str(r.get("id")), "post": page.included.get(str(r.get("id")))}
        for r in refs
    ]
    post_id = str(post["id"])
    return RawEvent(
        native_id=post_id,
        kind=kind,
        occurred_at=x_time(post.get("created_at")) or snowflake_time(post_id),
        payload={
            "post": post,
            "author": author_of(post, page),
            "search": search,
            "account": account,
            "referenced": referenced,
        },
        position=position,
    )


def profile_url(username: str) -> str:
    """The public profile page of ``@username``."""
    return f"https://x.com/{username}"


def x_text(text: str) -> str:
    """A post's text as its author wrote it: ``&amp;``, ``&lt;`` and ``&gt;`` decoded, in one pass, so that
    ``&amp;lt;`` (someone who typed ``&lt;``) stays ``&lt;``. Other entities are the author's own text."""
    return _X_ENTITY.sub(lambda found: _UNESCAPED[found.group(1)], text)


def post_text(post: dict[str, Any]) -> str | None:
    """The whole text of a post, decoded: ``note_tweet.text`` for a post longer than 280 characters
    (whose ``text`` X cuts, https://docs.x.com/x-api/fundamentals/data-dictionary), else ``text``."""
    note = _dict(post.get("note_tweet")).get("text")
    text = note if isinstance(note, str) and note.strip() else post.get("text")
    return x_text(text) if isinstance(text, str) else None


def post_language(value: Any) -> str | None:
    """X's ``lang`` as a language code for the qualifier; None (detect it) for the codes of no language
    (``und``, ``zxx``, ``qme``, ...), ``id`` for X's Indonesian ``in`` and ``he`` for its Hebrew ``iw``."""
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip()
    primary, _, rest = code.lower().partition("-")
    if primary in _NOT_LANGUAGES or _LOCAL_USE.fullmatch(primary):
        return None
    if primary in _X_LANGUAGE_CODES:
        return _X_LANGUAGE_CODES[primary] + (f"-{rest}" if rest else "")
    return code


def earlier_versions(post: dict[str, Any]) -> tuple[str, ...]:
    """The ids of the earlier versions of an edited post, oldest first; ``()`` for a post never edited.

    Each edit is a new post with a new id whose ``edit_history_tweet_ids`` lists every version oldest
    first, its own id included (https://docs.x.com/x-api/fundamentals/edit-posts). Ids grow with time,
    so the earlier versions are the ids below the post's own.
    """
    own = str(post.get("id") or "")
    if not own.isdigit():
        return ()
    history = {str(i) for i in _list(post.get("edit_history_tweet_ids")) if str(i).isdigit()}
    return tuple(sorted((i for i in history if int(i) < int(own)), key=int))


def _context(event: RawEvent, post: dict[str, Any], author: dict[str, Any]) -> dict[str, Any]:
    """What the draft's context says about the post and its author (None values left out)."""
    metrics = _dict(author.get("public_metrics"))
    context: dict[str, Any] = {
        "lang": post_language(post.get("lang")),
        "conversation_id": post.get("conversation_id"),
        "in_reply_to_user_id": post.get("in_reply_to_user_id"),
        "author_url": author.get("url") or None,
        "verified": author.get("verified"),
        "followers": metrics.get("followers_count"),
        "location": author.get("location") or None,
    }
    for key in ("search", "account"):
        if event.payload.get(key):
            context[key] = event.payload[key]
    return {key: value for key, value in context.items() if value is not None}


def _edited(versions: tuple[str, ...], occurred_at: datetime, post: dict[str, Any]) -> dict[str, Any]:
    """``context[EDITED]`` of an edit: its earlier versions, when it was made, and its edit window."""
    edited: dict[str, Any] = {"versions": list(versions), "edited_at": occurred_at.isoformat()}
    controls = _dict(post.get("edit_controls"))
    until = x_time(controls.get("editable_until"))
    if until is not None:
        edited["editable_until"] = until.isoformat()
    return edited


def _handle(author: dict[str, Any], user_id: Any) -> Handle:
    """The author's account. The display name stays here: a label such as "🛋️ Anna | Interiors" is no
    contact name (the lead's name falls back to it)."""
    username = author.get("username") if isinstance(author.get("username"), str) else None
    name = author.get("name") if isinstance(author.get("name"), str) and author.get("name") else None
    return Handle(
        platform="x",
        user_id=str(user_id) if user_id else None,
        username=username,
        display_name=name,
        profile_url=profile_url(username) if username else None,
    )


def draft_from_event(event: RawEvent, business_handles: Sequence[str] = ()) -> LeadDraft:
    """The draft of one stored post event; raises ``SkippableRecordError`` when the post has no text.

    ``business_handles``: the brand's accounts, so the qualifier reads "@thestore" as addressing
    the seller rather than tagging a friend. An email in the author's bio is a hint, not the contact:
    it is often an agent's or a press office's (``connectors.x.bio``).
    """
    post = _dict(event.payload.get("post"))
    author = _dict(event.payload.get("author"))
    text = post_text(post)
    if text is None or not text.strip():
        raise SkippableRecordError(f"X post {event.native_id} has no text to read intent from")
    handle = _handle(author, author.get("id") or post.get("author_id"))
    url = (
        f"{handle.profile_url}/status/{event.native_id}"
        if handle.profile_url
        else f"https://x.com/i/web/status/{event.native_id}"
    )
    occurred_at = event.occurred_at or snowflake_time(event.native_id)
    context = _context(event, post, author)
    if business_handles:
        context[BUSINESS_HANDLES] = list(business_handles)
    revises = earlier_versions(post)
    if revises:
        context[EDITED] = _edited(revises, occurred_at, post)
    return LeadDraft(
        native_id=event.native_id,
        kind=event.kind,
        platform="x",
        occurred_at=occurred_at,
        message=text,
        url=url,
        handle=handle,
        contact=Contact(),
        context=context,
        hints=bio_hints(author.get("description"), handle.username),
        revises=revises,
    )
