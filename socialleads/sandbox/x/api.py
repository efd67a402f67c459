"""The X API v2 emulator: recent search, mentions and user lookup, as tweepy 4.17 calls them.

Routes (``install`` adds them to the sandbox app):

- ``GET /2/tweets/search/recent`` (https://docs.x.com/x-api/posts/search/introduction): the query
  language of ``query``, only posts of the last 7 days of the world's clock, ``next_token`` paging.
- ``GET /2/users/{id}/mentions`` (https://docs.x.com/x-api/posts/timelines/introduction): paging with
  ``pagination_token`` (the response's meta key is still ``next_token``); only the 800 most recent
  mentions are reachable, and when more than 800 came after ``since_id`` it is forced to the oldest
  reachable id.
- ``GET /2/users/by/username/{username}``, ``GET /2/users/{id}``, ``GET /2/users/me`` (user context only:
  the world's ``x_user_token`` stands in for an OAuth 2.0 user token; app-only gets 403).

Every response carries ``x-rate-limit-limit``, ``-remaining`` and ``-reset`` (Unix seconds), 429s too:
tweepy's ``wait_on_rate_limit`` loops without pause when the reset is missing. Windows are 15 minutes
per endpoint and token (https://docs.x.com/x-api/fundamentals/rate-limits). Parameters are checked as
the API does (unknown ones, ranges, RFC 3339 times) and answer 400 with the problem body; a user that
does not exist is a 200 with ``errors``. Chaos: ``x_token_expired`` → 401, ``x_throttle`` → 429,
``fail_5xx`` → 503, ``slow_ms``, ``short_pages``.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI, Request, Response

from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.world.living import World
from socialleads.sandbox.x.lists import XLists
from socialleads.sandbox.x.shapes import (
    APP_ONLY_FORBIDDEN,
    RATE_LIMIT_DOCS,
    RATE_LIMIT_V2,
    BadRequest,
    invalid_request,
    plain_problem,
)

CONTENT_TYPE = "application/json; charset=utf-8"
Endpoint = Literal["search", "mentions", "users", "me"]
Caller = Literal["app", "user"]


@dataclass(frozen=True)
class XLimits:
    """Requests per window, per endpoint and token (app-only and user-context limits differ)."""

    search: int = 450
    mentions: int = 450
    users: int = 300
    me: int = 75
    user_search: int = 300
    user_mentions: int = 300
    user_users: int = 900
    window_seconds: float = 900.0
    clock: Callable[[], float] = time.time
    """Unix time for the windows and ``x-rate-limit-reset``; tests pass their own."""
    body_429: Literal["alternate", "docs", "v2"] = "alternate"
    """Which 429 body: the docs' ``errors[code 88]``, the v2 problem one, or each in turn."""

    def limit(self, endpoint: Endpoint, caller: Caller) -> int:
        """The allowance of ``endpoint`` per window for an app-only or a user-context token."""
        if caller == "user" and endpoint != "me":
            return int(getattr(self, f"user_{endpoint}"))
        return int(getattr(self, endpoint))


class _Windows:
    """Fixed 15-minute windows per (endpoint, token), opened by the first request."""

    def __init__(self, limits: XLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._used: dict[tuple[str, str], tuple[float, int]] = {}
        self._throttled = 0

    def take(
        self, endpoint: Endpoint, token: str, caller: Caller, count: bool = True
    ) -> tuple[int, int, int]:
        """``(limit, remaining, reset)`` after counting this request (``count=False`` only looks)."""
        now = self.limits.clock()
        limit = self.limits.limit(endpoint, caller)
        with self._lock:
            start, used = self._used.get((endpoint, token), (now, 0))
            if now >= start + self.limits.window_seconds:
                start, used = now, 0
            if count:
                used += 1
                self._used[(endpoint, token)] = (start, used)
        return limit, limit - used, math.ceil(start + self.limits.window_seconds)

    def body_429(self) -> dict[str, Any]:
        """The next 429 body, as ``XLimits.body_429`` says."""
        with self._lock:
            self._throttled += 1
            turn = self._throttled
        choice = self.limits.body_429
        if choice == "docs" or (choice == "alternate" and turn % 2 == 1):
            return RATE_LIMIT_DOCS
        return RATE_LIMIT_V2


def respond(status: int, body: dict[str, Any], rate: tuple[int, int, int]) -> Response:
    """A JSON response with the rate-limit headers."""
    limit, remaining, reset = rate
    headers = {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(max(remaining, 0)),
        "x-rate-limit-reset": str(reset),
    }
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status, headers=headers, media_type=CONTENT_TYPE)


Handler = Callable[[Request, Caller], dict[str, Any]]


def install(app: FastAPI, world: World, chaos: Chaos, limits: XLimits | None = None) -> None:
    """Add the X API v2 routes over ``world`` to ``app``."""
    windows = _Windows(limits or XLimits())
    lists = XLists(world, chaos)
    tokens = world.tokens

    def serve(endpoint: Endpoint, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            state = chaos.state
            if state.slow_ms > 0:
                await asyncio.sleep(state.slow_ms / 1000)
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            callers: dict[str, Caller] = {tokens.x_bearer: "app", tokens.x_user_token: "user"}
            caller = callers.get(token) if scheme.lower() == "bearer" and not state.x_token_expired else None
            look = windows.take(endpoint, token if caller else "", caller or "app", count=False)
            if chaos.take_5xx():
                return respond(503, plain_problem(503, "Service Unavailable"), look)
            if caller is None:
                return respond(401, plain_problem(401, "Unauthorized"), look)
            rate = windows.take(endpoint, token, caller)
            if state.x_throttle:
                now = windows.limits.clock()
                return respond(429, windows.body_429(), (rate[0], 0, math.ceil(now + state.throttle_seconds)))
            if rate[1] < 0:
                return respond(429, windows.body_429(), rate)
            if endpoint == "me" and caller != "user":
                return respond(403, APP_ONLY_FORBIDDEN, rate)
            try:
                return respond(200, handler(request, caller), rate)
            except BadRequest as exc:
                return respond(400, invalid_request(exc.problems), rate)

        return route

    def me(request: Request, caller: Caller) -> dict[str, Any]:
        return lists.user_by(request, "me", world.brand.id)

    routes: list[tuple[str, Endpoint, Handler]] = [
        ("/2/tweets/search/recent", "search", lists.search),
        ("/2/users/me", "me", me),
        ("/2/users/by/username/{username}", "users", lambda r, c: lists.user_by(r, "username", None)),
        ("/2/users/{id}/mentions", "mentions", lists.mentions),
        ("/2/users/{id}", "users", lambda r, c: lists.user_by(r, "id", None)),
    ]
    for path, endpoint, handler in routes:
        app.add_api_route(path, serve(endpoint, handler), methods=["GET"], name=f"x:{path}")
