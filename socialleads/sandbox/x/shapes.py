"""The X API v2 JSON of the sandbox's posts and accounts, and of its error bodies.

Shapes follow the official samples (https://docs.x.com/x-api/posts/search/quickstart/recent-search,
https://docs.x.com/x-api/fundamentals/response-codes-and-errors) with the fixes tweepy needs: posts
always carry ``id``, ``text`` and ``edit_history_tweet_ids`` (tweepy warns without it), users always
``id``, ``name`` and ``username`` (tweepy raises ``KeyError`` without ``name``, which the docs sample
lacks), and times always have milliseconds (tweepy parses ``%Y-%m-%dT%H:%M:%S.%f%z``). As real X does,
texts come with ``&``, ``<`` and ``>`` escaped, a post longer than 280 characters is cut (its whole text in
``note_tweet`` when asked for), and an edit carries the ids of its earlier versions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from socialleads.sandbox.world.entities import Tweet, XUser
from socialleads.sandbox.x.query import Searchable

PROBLEMS = "https://api.x.com/2/problems"
#: Every tweet.fields value the real API accepts; those the sandbox has no data for are left out.
TWEET_FIELDS = (
    "article", "attachments", "author_id", "card_uri", "community_id", "context_annotations",
    "conversation_id", "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids",
    "entities", "geo", "id", "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics",
    "note_tweet", "organic_metrics", "possibly_sensitive", "promoted_metrics", "public_metrics",
    "referenced_tweets", "reply_settings", "scopes", "source", "text", "withheld",
)  # fmt: skip
USER_FIELDS = (
    "affiliation", "connection_status", "created_at", "description", "entities", "id", "location",
    "most_recent_tweet_id", "name", "pinned_tweet_id", "profile_banner_url", "profile_image_url",
    "protected", "public_metrics", "receives_your_dm", "subscription_type", "url", "username",
    "verified", "verified_type", "withheld",
)  # fmt: skip
TWEET_EXPANSIONS = (
    "attachments.media_keys", "attachments.poll_ids", "author_id", "edit_history_tweet_ids",
    "entities.mentions.username", "geo.place_id", "in_reply_to_user_id", "referenced_tweets.id",
    "referenced_tweets.id.author_id",
)  # fmt: skip
USER_EXPANSIONS = ("affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id")
#: Posts are editable for 30 minutes, 5 times (https://docs.x.com/x-api/fundamentals/edit-posts).
EDIT_WINDOW = timedelta(minutes=30)
EDITS = 5


#: X cuts the ``text`` of a longer post to this many characters, the last an ellipsis, and gives the
#: whole text in ``note_tweet.text`` when ``tweet.fields`` asks for ``note_tweet``.
MAX_TEXT = 280


def escaped(text: str) -> str:
    """``text`` as X sends it: ``&``, ``<`` and ``>`` as HTML entities, nothing else escaped
    (https://github.com/sferik/twitter-ruby/issues/348)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def visible(text: str) -> str:
    """The part of a post ``text`` shows: all of it up to 280 characters, else 279 and an ellipsis."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def x_time(when: datetime) -> str:
    """``2026-11-27T10:30:00.000Z``: always UTC, always milliseconds."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _number(seed: str, what: str, top: int) -> int:
    """A stable pseudo-random count in [0, top) for metrics the world does not model."""
    digest = hashlib.sha256(f"{seed}:{what}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % top


def _positions(text: str, sign: str, names: Iterable[str]) -> list[tuple[int, int, str]]:
    """Where ``@name`` / ``#name`` occurs in ``text`` (code point offsets, end exclusive), in text order."""
    found: list[tuple[int, int, str]] = []
    for name in dict.fromkeys(names):
        pattern = re.compile(rf"{re.escape(sign + name)}(?!\w)", re.IGNORECASE)
        found += [(m.start(), m.end(), m.group()[1:]) for m in pattern.finditer(text)]
    return sorted(found)


def tags(tweet: Tweet) -> tuple[str, ...]:
    """The post's hashtags without ``#``."""
    return tuple(tag.lstrip("#") for tag in tweet.hashtags)


class XJson:
    """Renders posts and users of one world; ``users`` maps id → account (the world's ``x_users``)."""

    def __init__(self, users: Mapping[str, XUser], epoch: datetime) -> None:
        self.users = users
        self.by_name = {user.username.lower(): user for user in users.values()}
        self.epoch = epoch

    def searchable(self, tweet: Tweet) -> Searchable:
        """What the query language sees of ``tweet``."""
        author = self.users.get(tweet.author_id)
        reply_to = self.users.get(tweet.in_reply_to_user_id or "")
        return Searchable(
            text=tweet.text,
            lang=tweet.lang.lower(),
            author_id=tweet.author_id,
            author_username=author.username.lower() if author else "",
            author_verified=bool(author and author.verified),
            mentions=tuple(name.lower() for name in tweet.mentions),
            hashtags=tuple(tag.lower() for tag in tags(tweet)),
            is_retweet=tweet.retweet_of is not None,
            in_reply_to_username=reply_to.username.lower() if reply_to else None,
        )

    def tweet(self, tweet: Tweet, fields: set[str], replied_to: str | None = None) -> dict[str, Any]:
        """The post as the API shows it with ``tweet.fields=fields``: text escaped and cut as X does,
        ``edit_history_tweet_ids`` always (oldest first, its own id last), the rest only when asked."""
        body: dict[str, Any] = {
            "id": tweet.id,
            "text": escaped(visible(tweet.text)),
            "edit_history_tweet_ids": [*tweet.edit_history, tweet.id],
        }
        if "note_tweet" in fields and len(tweet.text) > MAX_TEXT:
            body["note_tweet"] = self.note(tweet, fields)
        if "edit_controls" in fields:
            body["edit_controls"] = self.edit_controls(tweet)
        if "created_at" in fields:
            body["created_at"] = x_time(tweet.created)
        if "author_id" in fields:
            body["author_id"] = tweet.author_id
        if "lang" in fields:
            body["lang"] = tweet.lang
        if "conversation_id" in fields:
            body["conversation_id"] = tweet.conversation_id or replied_to or tweet.id
        if "in_reply_to_user_id" in fields and tweet.in_reply_to_user_id:
            body["in_reply_to_user_id"] = tweet.in_reply_to_user_id
        if "referenced_tweets" in fields:
            refs = self.references(tweet, replied_to)
            if refs:
                body["referenced_tweets"] = [{"type": kind, "id": ref} for kind, ref in refs]
        if "entities" in fields:
            entities = self.entities(tweet)
            if entities:
                body["entities"] = entities
        if "public_metrics" in fields:
            body["public_metrics"] = {
                "retweet_count": _number(tweet.id, "rt", 20),
                "reply_count": _number(tweet.id, "re", 5),
                "like_count": _number(tweet.id, "like", 80),
                "quote_count": _number(tweet.id, "q", 3),
            }
        if "possibly_sensitive" in fields:
            body["possibly_sensitive"] = False
        if "reply_settings" in fields:
            body["reply_settings"] = "everyone"
        return body

    def note(self, tweet: Tweet, fields: set[str]) -> dict[str, Any]:
        """``note_tweet`` of a long post: its whole text, escaped, and the entities found in it."""
        note: dict[str, Any] = {"text": escaped(tweet.text)}
        entities = self.entities(tweet, tweet.text) if "entities" in fields else {}
        if entities:
            note["entities"] = entities
        return note

    def edit_controls(self, tweet: Tweet) -> dict[str, Any]:
        """Whether the post may still be edited: 30 minutes from its first version, 5 edits at most;
        retweets and replies to others never (https://docs.x.com/x-api/fundamentals/edit-posts)."""
        first = tweet.first_posted or tweet.created
        eligible = tweet.retweet_of is None and tweet.in_reply_to_user_id is None
        return {
            "edits_remaining": max(EDITS - len(tweet.edit_history), 0) if eligible else 0,
            "is_edit_eligible": eligible,
            "editable_until": x_time(first + EDIT_WINDOW),
        }

    def references(self, tweet: Tweet, replied_to: str | None) -> list[tuple[str, str]]:
        """``(type, id)`` of the posts this one retweets or replies to."""
        if tweet.retweet_of:
            return [("retweeted", tweet.retweet_of)]
        if tweet.in_reply_to_user_id and replied_to:
            return [("replied_to", replied_to)]
        return []

    def entities(self, tweet: Tweet, text: str | None = None) -> dict[str, Any]:
        """Mentions (with the user's id when the account exists) and hashtags found in ``text`` (the part
        ``text`` shows unless given), at their places in the unescaped text."""
        text = visible(tweet.text) if text is None else text
        entities: dict[str, Any] = {}
        mentions = []
        for start, end, name in _positions(text, "@", tweet.mentions):
            user = self.by_name.get(name.lower())
            if user is not None:
                mentions.append({"start": start, "end": end, "username": user.username, "id": user.id})
        if mentions:
            entities["mentions"] = mentions
        hashtags = [{"start": s, "end": e, "tag": tag} for s, e, tag in _positions(text, "#", tags(tweet))]
        if hashtags:
            entities["hashtags"] = hashtags
        return entities

    def mentioned_ids(self, tweet: Tweet) -> list[str]:
        """Ids of the existing accounts the post mentions."""
        users = (self.by_name.get(name.lower()) for name in tweet.mentions)
        return [user.id for user in users if user is not None]

    def user(self, user: XUser, fields: set[str]) -> dict[str, Any]:
        """The account as the API shows it with ``user.fields=fields``."""
        body: dict[str, Any] = {"id": user.id, "name": user.name, "username": user.username}
        if "created_at" in fields:
            created = user.created or self.epoch - timedelta(days=30 + _number(user.id, "age", 3000))
            body["created_at"] = x_time(created)
        if "description" in fields:
            body["description"] = user.description
        if "location" in fields and user.location:
            body["location"] = user.location
        if "url" in fields:
            body["url"] = user.url
        if "verified" in fields:
            body["verified"] = user.verified
        if "protected" in fields:
            body["protected"] = False
        if "public_metrics" in fields:
            body["public_metrics"] = {
                "followers_count": _number(user.id, "followers", 2000),
                "following_count": _number(user.id, "following", 800),
                "tweet_count": 1 + _number(user.id, "tweets", 5000),
                "listed_count": _number(user.id, "listed", 30),
            }
        return body


# --- error bodies ----------------------------------------------------------------------------------


class BadRequest(Exception):
    """Answer 400: ``problems`` are ``(parameter, value, message)``, one ``errors`` entry each."""

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        super().__init__("; ".join(message for _, _, message in problems))
        self.problems = problems


def plain_problem(status: int, title: str) -> dict[str, Any]:
    """``{"title","type":"about:blank","status","detail"}``: what v2 answers for 401, 429 and 503."""
    return {"title": title, "type": "about:blank", "status": status, "detail": title}


#: The 429 body of the docs (https://docs.x.com/x-api/fundamentals/rate-limits).
RATE_LIMIT_DOCS: dict[str, Any] = {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
#: The 429 body v2 endpoints really send (github.com/geduldig/TwitterAPI/issues/180).
RATE_LIMIT_V2 = plain_problem(429, "Too Many Requests")
#: ``/2/users/me`` with an app-only token (it needs user context).
APP_ONLY_FORBIDDEN: dict[str, Any] = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
    "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "type": f"{PROBLEMS}/unsupported-authentication",
    "status": 403,
}


def invalid_request(problems: list[tuple[str, str, str]]) -> dict[str, Any]:
    """A 400 body: one ``errors`` entry per ``(parameter, value, message)``, then the problem fields.

    The ``errors`` list is how v2 names each bad parameter
    (https://twittercommunity.com/t/questions-about-error-response-structure/151746).
    """
    return {
        "errors": [{"parameters": {name: [value]}, "message": message} for name, value, message in problems],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": f"{PROBLEMS}/invalid-request",
    }


def not_found(resource_type: str, parameter: str, value: str) -> dict[str, Any]:
    """A partial error of a 200 response: the asked-for user (or post) does not exist."""
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": f"{PROBLEMS}/resource-not-found",
    }
