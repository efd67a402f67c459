"""Checking the X emulator's query parameters the way v2 does, and its opaque paging tokens.

Bad parameters answer 400 with one ``errors`` entry each (``parameters`` and ``message``), as v2 validation
does (https://twittercommunity.com/t/questions-about-error-response-structure/151746); the recent-search
time limits are those of https://docs.x.com/x-api/posts/search/api-reference/get-tweets-search-recent.
Paging tokens are opaque and mark where the previous page stopped
(https://docs.x.com/x-api/posts/search/integrate/paginate).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request

from socialleads.sandbox.world.living import snowflake
from socialleads.sandbox.x.shapes import TWEET_FIELDS, USER_FIELDS, BadRequest, x_time

ID = re.compile(r"^[0-9]{1,19}$")
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
EXTRA = ("media.fields", "poll.fields", "place.fields")
SEARCH_PARAMS = (
    "query", "start_time", "end_time", "since_id", "until_id", "max_results", "next_token",
    "pagination_token", "sort_order", "expansions", "tweet.fields", "user.fields", *EXTRA,
)  # fmt: skip
MENTIONS_PARAMS = (
    "since_id", "until_id", "start_time", "end_time", "max_results", "pagination_token", "expansions",
    "tweet.fields", "user.fields", *EXTRA,
)  # fmt: skip
USER_PARAMS = ("expansions", "tweet.fields", "user.fields")
MAX_QUERY = 512
SEARCHABLE = timedelta(days=7)
MENTIONS_REACH = 800


class Params:
    """The query string of one request; problems are collected, then ``done()`` raises them all."""

    def __init__(self, request: Request, allowed: tuple[str, ...]) -> None:
        self.values = request.query_params
        self.problems: list[tuple[str, str, str]] = []
        for name, value in self.values.items():
            if name not in allowed:
                self.add(name, value, f"The query parameter [{name}] is not one of [{','.join(allowed)}]")

    def add(self, name: str, value: str, message: str) -> None:
        """Record a bad parameter."""
        self.problems.append((name, value, message))

    def get(self, name: str) -> str | None:
        """The raw value, or None."""
        return self.values.get(name)

    def id(self, name: str, value: str | None = None) -> int | None:
        """A post or user id."""
        value = self.get(name) if value is None else value
        if value is not None and not ID.match(value):
            self.add(
                name, value, f"The `{name}` query parameter value [{value}] does not match ^[0-9]{{1,19}}$"
            )
            return None
        return None if value is None else int(value)

    def time(self, name: str) -> datetime | None:
        """An RFC 3339 time with a zone, e.g. ``2026-11-27T10:30:00Z`` (how tweepy sends datetimes)."""
        value = self.get(name)
        if value is None:
            return None
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            when = None
        if when is None or when.tzinfo is None or "T" not in value:
            self.add(
                name, value, f"The `{name}` query parameter value [{value}] is not a valid RFC 3339 time"
            )
            return None
        return when

    def count(self, name: str, low: int, high: int, default: int) -> int:
        """``max_results``: an integer in [low, high]."""
        value = self.get(name)
        if value is None:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            self.add(
                name, value, f"The `{name}` query parameter value [{value}] is not between {low} and {high}"
            )
            return default
        return int(value)

    def csv(self, name: str, allowed: tuple[str, ...]) -> set[str]:
        """A comma-separated list of known names (``tweet.fields``, ``expansions``, ...)."""
        chosen = {item for item in (self.get(name) or "").split(",") if item}
        for item in sorted(chosen - set(allowed)):
            self.add(
                name, item, f"The `{name}` query parameter value [{item}] is not one of [{','.join(allowed)}]"
            )
        return chosen

    def cursor(self, name: str) -> int | None:
        """The id a paging token says the previous page ended at."""
        token = self.get(name)
        if token is None:
            return None
        try:
            text = base64.b32decode(token.upper() + "=" * (-len(token) % 8)).decode()
        except (binascii.Error, UnicodeDecodeError):
            text = ""
        if not text.startswith("sl1:") or not ID.match(text[4:]):
            self.add(name, token, f"The `{name}` query parameter value [{token}] is not valid")
            return None
        return int(text[4:])

    def done(self) -> None:
        """Raise ``BadRequest`` when any parameter was bad."""
        if self.problems:
            raise BadRequest(self.problems)


def page_token(last_id: str) -> str:
    """The opaque ``next_token`` that continues after ``last_id``."""
    return base64.b32encode(f"sl1:{last_id}".encode()).decode().rstrip("=").lower()


@dataclass(frozen=True)
class View:
    """What the caller asked to see: ``tweet.fields``, ``user.fields`` and ``expansions``."""

    tweet_fields: set[str]
    user_fields: set[str]
    expansions: set[str]

    @classmethod
    def of(cls, params: Params, expansions: tuple[str, ...]) -> View:
        """Read (and check) the three parameters."""
        return cls(
            params.csv("tweet.fields", TWEET_FIELDS),
            params.csv("user.fields", USER_FIELDS),
            params.csv("expansions", expansions),
        )


def check_window(
    p: Params,
    earliest: datetime,
    now: datetime,
    since: int | None,
    start: datetime | None,
    end: datetime | None,
) -> None:
    """Recent search's limits: the last 7 days, ``end_time`` at least 10 s old, ``start`` < ``end``."""
    if start is not None and start < earliest:
        p.add(
            "start_time",
            p.get("start_time") or "",
            f"Invalid 'start_time':'{p.get('start_time')}'. "
            f"'start_time' must be on or after {x_time(earliest)}",
        )
    if end is not None and end > now - timedelta(seconds=10):
        p.add(
            "end_time",
            p.get("end_time") or "",
            f"Invalid 'end_time':'{p.get('end_time')}'. "
            "'end_time' must be a minimum of 10 seconds prior to the request time.",
        )
    if start is not None and end is not None and start >= end:
        p.add("start_time", p.get("start_time") or "", "'start_time' must be before 'end_time'")
    oldest = int(snowflake(earliest, 0))
    if since is not None and since < oldest:
        p.add(
            "since_id",
            str(since),
            f"Invalid 'since_id':'{since}'. 'since_id' must be a tweet id "
            f"created after {x_time(earliest)}. Please use a 'since_id' that is larger than {oldest}",
        )
