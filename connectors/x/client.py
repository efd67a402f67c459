"""The one module that talks to tweepy: an X API v2 client with our session, rate-limit pacing and errors.

tweepy 4.17 hard-codes ``https://api.twitter.com`` and sets no timeout, so ``client.session`` is replaced
by the context's session (sandbox routing, timeouts). ``return_type=dict`` gives the JSON as X sent it
(``data``, ``includes``, ``meta`` with ``next_token``), which is what events keep; the rate-limit headers
tweepy drops are read by a response hook on the session. tweepy only reacts to a 429 (its
``wait_on_rate_limit`` sleeps, without a cap); here a window whose ``x-rate-limit-remaining`` reached 0
stops calls until its reset instead (https://docs.x.com/x-api/fundamentals/rate-limits).
https://github.com/tweepy/tweepy/blob/v4.17.0/tweepy/client.py
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import tweepy
from pydantic import SecretStr

from connectors.x.errors import classify_http_error, classify_request_error, rate_limited, reset_time
from socialleads.errors import ConfigurationError
from socialleads.http_failures import retry_after

#: The endpoints called, by path (ids and usernames replaced), with the names messages use.
ENDPOINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/2/tweets/search/recent$"), "search"),
    (re.compile(r"^/2/users/me$"), "me"),
    (re.compile(r"^/2/users/\d+/mentions$"), "mentions"),
    (re.compile(r"^/2/users/by/username/[^/]+$"), "users"),
    (re.compile(r"^/2/users/\d+$"), "users"),
)
_BEARER = re.compile(r"(Bearer\s+)[^'\"\s,}]+")


class _MaskBearer(logging.Filter):
    """tweepy logs every request's headers at DEBUG, the bearer token with them: mask it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "Bearer" in record.msg:
            record.msg = _BEARER.sub(r"\1***", record.msg)
        return True


_TWEEPY_LOG = logging.getLogger("tweepy.client")
if not any(isinstance(f, _MaskBearer) for f in _TWEEPY_LOG.filters):
    _TWEEPY_LOG.addFilter(_MaskBearer())


def endpoint_of(url: str | None) -> str | None:
    """The endpoint name of a request URL (``search``, ``mentions``, ``users``, ``me``), or None."""
    path = urlsplit(url or "").path
    return next((name for pattern, name in ENDPOINTS if pattern.match(path)), None)


@dataclass(frozen=True)
class Window:
    """One endpoint's rate-limit window as its last answer told: allowance, calls left, reset."""

    limit: int
    remaining: int
    reset_at: datetime


class XClient:
    """Calls X with one token; not shared between threads that call at once (the window map is locked)."""

    def __init__(
        self,
        token: SecretStr,
        session: requests.Session,
        clock: Callable[[], datetime],
        credential: str = "bearer_token",
    ) -> None:
        self.clock = clock
        self.credential = credential
        self.windows: dict[str, Window] = {}
        self._lock = threading.Lock()
        self.session = session
        session.hooks["response"].append(self._on_response)
        self._tweepy = tweepy.Client(
            bearer_token=token.get_secret_value(), wait_on_rate_limit=False, return_type=dict
        )
        self._tweepy.session = session

    def _on_response(self, response: requests.Response, *_: Any, **__: Any) -> None:
        """Keep the rate-limit headers of every answer (429s too) as that endpoint's window."""
        endpoint = endpoint_of(response.url)
        headers = response.headers
        try:
            limit = int(headers["x-rate-limit-limit"])
            remaining = int(headers["x-rate-limit-remaining"])
            reset = reset_time(int(headers["x-rate-limit-reset"]))
        except (KeyError, ValueError):
            return
        if endpoint is not None and reset is not None:
            with self._lock:
                self.windows[endpoint] = Window(limit, remaining, reset)

    def _before(self, endpoint: str) -> None:
        """Raise ``RateLimitedError`` instead of calling when the window's last answer left no call."""
        with self._lock:
            window = self.windows.get(endpoint)
        now = self.clock()
        if window is not None and window.remaining <= 0 and window.reset_at > now:
            raise rate_limited(endpoint, window.reset_at, now, window.limit)

    def call(self, endpoint: str, method: Callable[..., Any], *args: Any, **params: Any) -> dict[str, Any]:
        """One tweepy call, paced by the window and classified: raises the ``SourceError`` subclasses."""
        self._before(endpoint)
        try:
            body = method(*args, **params)
        except tweepy.TooManyRequests as exc:
            with self._lock:
                window = self.windows.get(endpoint)
            reset = reset_time(exc.reset_time) or (window.reset_at if window else None)
            raise rate_limited(endpoint, reset, self.clock(), window.limit if window else None) from None
        except tweepy.HTTPException as exc:
            status, now = exc.response.status_code, self.clock()
            wait = retry_after(exc.response.headers.get("Retry-After"), now)
            messages = list(exc.api_messages)
            raise classify_http_error(status, messages, endpoint, self.credential, now, wait) from None
        except (requests.RequestException, ValueError) as exc:
            raise classify_request_error(exc, endpoint) from None
        return body if isinstance(body, dict) else {}

    def search(self, query: str, **params: Any) -> dict[str, Any]:
        """``GET /2/tweets/search/recent`` (https://docs.x.com/x-api/posts/search/api-reference)."""
        return self.call("search", self._tweepy.search_recent_tweets, query, **_given(params))

    def mentions(self, user_id: str, **params: Any) -> dict[str, Any]:
        """``GET /2/users/:id/mentions``; pages with ``pagination_token`` (the answer's key is next_token)."""
        return self.call("mentions", self._tweepy.get_users_mentions, user_id, **_given(params))

    def user_id(self, username: str) -> str:
        """The id of ``@username`` (``GET /2/users/by/username/:username``).

        Raises ``ConfigurationError`` when X knows no such account (a 200 with ``errors``).
        """
        body = self.call("users", self._tweepy.get_user, username=username)
        data = body.get("data")
        if not isinstance(data, dict) or not data.get("id"):
            raise ConfigurationError(f"X has no account @{username}; check the username in accounts:")
        return str(data["id"])

    def me(self) -> dict[str, Any]:
        """The user a user-context token belongs to (``GET /2/users/me``); app-only tokens get 403."""
        body = self.call("me", self._tweepy.get_me, user_auth=False)
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def rate_state(self) -> list[str]:
        """One line per endpoint called so far: calls left in the window and when it resets."""
        with self._lock:
            windows = sorted(self.windows.items())
        return [
            f"{name}: {w.remaining} of {w.limit} calls left until {w.reset_at:%Y-%m-%d %H:%M:%S}Z"
            for name, w in windows
        ]

    def close(self) -> None:
        """Close the session."""
        self.session.close()


def _given(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters with a value (tweepy would send ``since_id=None`` as nothing anyway; be explicit)."""
    return {key: value for key, value in params.items() if value is not None}
