"""The Meta Graph API emulator: Lead Ads, Page feed and comments, Instagram comments, tokens.

``install(app, world, chaos)`` adds the Graph routes to the sandbox app, under any version prefix
(``/v26.0/``, ``/v27.0/``) and without one. The real facebook-sdk runs its normal code paths against
it: tokens in the query (or the POST body), errors as HTTP 400 with Meta's envelope
(https://developers.facebook.com/docs/graph-api/guides/error-handling), JSON with
``Content-Type: application/json; charset=UTF-8`` (facebook-sdk fails without a content type), the
``facebook-api-version`` header, and the usage headers as JSON strings
(https://developers.facebook.com/docs/graph-api/overview/rate-limiting). Lead Ads behaviour follows
https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving/, comments
https://developers.facebook.com/docs/graph-api/reference/object/comments/, Instagram comments
https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments,
subscriptions https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-leadgen.

Every ``chaos`` switch of Meta's is honoured on every call: ``slow_ms``, ``fail_5xx`` (503, code 1),
``meta_token_expired`` (190/463), ``meta_throttle_code``, ``permissions_removed`` (200 or 10),
``unsubscribed_pages`` and ``short_pages``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response

from socialleads.sandbox.chaos import Chaos, ChaosState
from socialleads.sandbox.meta import errors
from socialleads.sandbox.meta.account import Token, expired_at
from socialleads.sandbox.meta.edges import Edges
from socialleads.sandbox.meta.errors import GraphError
from socialleads.sandbox.meta.index import Index
from socialleads.sandbox.world.living import World

DEFAULT_VERSION = "v26.0"
#: Throttles of the Platform limits (counted in ``X-App-Usage``); the others are Business Use Case ones.
PLATFORM_THROTTLES = (4, 17, 32, 613)


class _Version(Convertor[str]):
    regex = r"v\d+\.\d+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class _Node(Convertor[str]):
    """Ids (``104000000000001``, ``104000000000001_5000000001``), ``me`` and ``debug_token``: unversioned
    paths must not swallow the other emulators' paths (``/2/tweets``, ``/_sandbox/world``)."""

    regex = r"me|debug_token|\d{6,}(?:_\d+)?"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class MetaUsage:
    """Calls per hour (of world time) per app and per page; ``budget`` calls an hour make 100 %."""

    def __init__(self, budget: int = 600) -> None:
        self.budget = budget
        self._lock = threading.Lock()
        self._calls: dict[tuple[str, int], int] = {}

    def hit(self, key: str, hour: int) -> int:
        """Count one call for ``key`` and return its usage in percent (at most 100)."""
        with self._lock:
            calls = self._calls.get((key, hour), 0) + 1
            self._calls[(key, hour)] = calls
        return min(100, math.ceil(calls * 100 / max(1, self.budget)))


@dataclass
class _Call:
    """What the response headers need to know about a call."""

    version: str
    page_id: str | None = None
    usage_type: str = "pages"
    throttle_code: int | None = None


def _usage(percent: int) -> dict[str, int]:
    return {"call_count": percent, "total_time": (percent + 1) // 2, "total_cputime": (percent + 2) // 3}


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class _Graph:
    def __init__(self, world: World, chaos: Chaos) -> None:
        self.world = world
        self.chaos = chaos
        self.index = Index(world)
        self.edges = Edges(world, chaos, self.index)
        self.usage = MetaUsage()
        t = world.tokens
        self._tokens = {t.user_token: Token("user", t.user_token)}
        self._tokens |= {v: Token("page", v, page) for page, v in t.page_tokens.items()}
        app_token = f"{t.app_id}|{t.app_secret}"
        self._tokens[app_token] = Token("app", app_token)

    async def handle(self, request: Request) -> Response:
        call = _Call(request.path_params.get("version") or DEFAULT_VERSION)
        body: dict[str, Any]
        status, error = 200, None
        try:
            state = self.chaos.state
            if state.slow_ms > 0:
                await asyncio.sleep(state.slow_ms / 1000)
            if self.chaos.take_5xx():
                raise errors.server_error()
            query = request.query_params.multi_items()
            sent = parse_qsl((await request.body()).decode(errors="replace"), keep_blank_values=True)
            params = dict([*query, *(sent if request.method == "POST" else [])])
            token = self._authenticate(params, state)
            node_id, edge = request.path_params.get("node"), request.path_params.get("edge")
            if request.path_params.get("rest") is not None:
                raise errors.unknown_path(request.path_params["rest"])
            if node_id is None:
                raise errors.bad_param("Multi-ID requests (ids=) are not available to this app")
            url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
            with self.world.lock:
                self.index.refresh()
                call.page_id, call.usage_type = self.edges.classify(node_id, edge, token)
                if state.meta_throttle_code is not None:
                    call.throttle_code = state.meta_throttle_code
                    raise errors.throttled(state.meta_throttle_code)
                body = self.edges.dispatch(request.method, node_id, edge, params, query, url, token, state)
        except GraphError as exc:
            error, status, body = exc, exc.status, exc.body()
        return self._respond(call, body, status, error)

    def _authenticate(self, params: dict[str, str], state: ChaosState) -> Token:
        """The token of the call; 190 when missing or unknown, 190/463 when chaos expired it."""
        token = self._tokens.get(params.get("access_token", ""))
        if token is None:
            raise errors.invalid_token()
        proof = params.get("appsecret_proof")
        if proof is not None:
            secret = self.world.tokens.app_secret.encode()
            expected = hmac.new(secret, token.value.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(proof.lower(), expected):
                raise errors.bad_proof()
        if state.meta_token_expired and token.kind != "app":
            with self.world.lock:
                raise errors.expired_token(expired_at(self.world), self.world.now)
        return token

    def _respond(self, call: _Call, body: dict[str, Any], status: int, error: GraphError | None) -> Response:
        with self.world.lock:
            hour = int(self.world.now.timestamp() // 3600)
        throttle = call.throttle_code
        app_percent = self.usage.hit("app", hour)
        if throttle in PLATFORM_THROTTLES:
            app_percent = 100
        headers = {
            "facebook-api-version": call.version,
            "x-fb-trace-id": error.fbtrace_id if error else secrets.token_urlsafe(8),
            "X-App-Usage": _compact(_usage(app_percent)),
        }
        if call.page_id is not None:
            page_percent = self.usage.hit(f"page:{call.page_id}", hour)
            kind_percent = self.usage.hit(f"{call.usage_type}:{call.page_id}", hour)
            if throttle is not None:
                page_percent = kind_percent = 100
            wait = math.ceil(self.chaos.state.throttle_seconds / 60) if throttle is not None else 0
            usage = {"type": call.usage_type, **_usage(kind_percent), "estimated_time_to_regain_access": wait}
            headers["X-Business-Use-Case-Usage"] = _compact({call.page_id: [usage]})
            headers["X-Page-Usage"] = _compact(_usage(page_percent))
        if error is not None and error.is_token_error:
            headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{error.message}"'
        # Graph writes compact ASCII JSON with slashes escaped ("https:\/\/www.facebook.com\/...").
        content = json.dumps(body, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")
        return Response(content, status, headers, media_type="application/json; charset=UTF-8")


def install(app: FastAPI, world: World, chaos: Chaos) -> None:
    """Add the Graph API routes for ``world`` to ``app``; ``app.state.meta_usage`` is the usage counter."""
    register_url_convertor("graph_version", _Version())
    register_url_convertor("graph_node", _Node())
    graph = _Graph(world, chaos)
    app.state.meta_usage = graph.usage
    for path in (
        "/{version:graph_version}",
        "/{version:graph_version}/",
        "/{version:graph_version}/{node}",
        "/{version:graph_version}/{node}/{edge}",
        "/{version:graph_version}/{node}/{edge}/{rest:path}",
        "/{node:graph_node}",
        "/{node:graph_node}/{edge}",
    ):
        app.router.add_route(path, graph.handle, methods=["GET", "POST", "DELETE"], include_in_schema=False)
