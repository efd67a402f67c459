"""A Slack Web API emulator: the methods the Slack sink calls, with Slack's envelope and failures.

``create_slack_app(workspace)`` serves ``POST /api/{method}`` (point ``slack_sdk.WebClient``'s
``base_url`` at ``<server>/api/``) for ``auth.test``, ``chat.postMessage``, ``chat.update``,
``chat.getPermalink`` and ``conversations.info``
(https://docs.slack.dev/reference/methods/chat.postMessage and siblings). As Slack does:

* arguments come from the query string, a form body or a JSON body; a JSON body needs the token in
  ``Authorization: Bearer``, a form body may carry it as ``token``
  (https://docs.slack.dev/apis/web-api/#authentication);
* an API error is HTTP 200 with ``{"ok": false, "error": "<code>"}`` (``not_authed``,
  ``invalid_auth``, ``token_revoked``, ``channel_not_found``, ``not_in_channel``, ``is_archived``,
  ``no_text``, ``msg_too_long``, ``invalid_blocks``, ``message_not_found``, ``cant_update_message``);
* a rate limit is HTTP 429 with ``Retry-After`` seconds and ``error: ratelimited``
  (https://docs.slack.dev/apis/web-api/rate-limits);
* blocks beyond Block Kit's limits are refused with ``invalid_blocks`` (see ``blocks``).

Controls for tests and demos: ``outage`` (HTTP 5xx for a while), ``fail_next`` (the next N calls
answer 5xx), ``ratelimit_next`` (the next N calls answer 429), ``revoke`` (a token stops working).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from socialleads.sandbox.chat.slack.blocks import block_problems

#: Slack truncates, then refuses, message text longer than this (``msg_too_long``).
MAX_TEXT = 40000
AUTH_ERRORS = ("not_authed", "invalid_auth", "token_revoked")


@dataclass
class SlackChannel:
    """A conversation in the workspace; ``member`` says whether the bot has joined it."""

    id: str
    name: str
    member: bool = True
    archived: bool = False
    private: bool = False


@dataclass
class SlackMessage:
    """A stored message; ``thread_ts`` is set on replies, ``edits`` counts ``chat.update`` calls."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    edits: int = 0
    bot: bool = True


@dataclass
class SlackCall:
    """One API request as received: the method and its arguments (the token left out)."""

    method: str
    args: dict[str, Any]


@dataclass
class SlackWorkspace:
    """The emulated workspace: tokens, channels, messages, calls, and the failure controls."""

    tokens: set[str] = field(default_factory=lambda: {"xoxb-sandbox-0001-bot-token"})
    channels: list[SlackChannel] = field(default_factory=lambda: [SlackChannel("C0SALES001", "sales")])
    url: str = "https://socialleads-sandbox.slack.com/"
    clock: Callable[[], float] = time.time
    """Unix time, for message ``ts`` values and outage windows; tests pass their own."""
    messages: list[SlackMessage] = field(default_factory=list)
    calls: list[SlackCall] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    outage_until: float = 0.0
    outage_status: int = 500
    fail_next: int = 0
    ratelimit_next: int = 0
    retry_after: int = 30
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def token(self) -> str:
        """A token that works (the first one)."""
        return sorted(self.tokens)[0]

    def outage(self, seconds: float, status: int = 500) -> None:
        """Answer every call with HTTP ``status`` for ``seconds`` of the workspace's clock."""
        with self.lock:
            self.outage_until, self.outage_status = self.clock() + seconds, status

    def revoke(self, token: str) -> None:
        """``token`` answers ``token_revoked`` from now on."""
        with self.lock:
            self.revoked.add(token)

    def channel(self, ref: str, by_name: bool = True) -> SlackChannel | None:
        """The channel with id ``ref``, or (``by_name``) named ``ref`` with or without ``#``."""
        name = ref.removeprefix("#")
        return next((c for c in self.channels if c.id == ref or (by_name and c.name == name)), None)

    def top_level(self, channel: str) -> list[SlackMessage]:
        """Messages in ``channel`` that are not thread replies, oldest first."""
        with self.lock:
            return [m for m in self.messages if m.channel == channel and m.thread_ts is None]

    def replies(self, channel: str, ts: str) -> list[SlackMessage]:
        """The thread replies to message ``ts``, oldest first."""
        with self.lock:
            return [m for m in self.messages if m.channel == channel and m.thread_ts == ts]

    def find(self, channel: str, ts: str) -> SlackMessage | None:
        """The message ``ts`` in ``channel``."""
        return next((m for m in self.messages if m.channel == channel and m.ts == ts), None)

    def next_ts(self) -> str:
        """A new, increasing message timestamp in Slack's ``seconds.micro`` form."""
        return f"{int(self.clock())}.{next(self._seq):06d}"


class _Failure(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.body = {"ok": False, "error": error, **extra}


async def _arguments(request: Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query_params)
    raw = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" and raw:
        parsed = json.loads(raw)
        if not isinstance(parsed, dict):
            raise _Failure("invalid_json")
        args.update(parsed)
    elif raw:
        args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        for key in ("blocks", "metadata"):  # JSON-encoded strings in a form body
            if isinstance(args.get(key), str) and args[key]:
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    raise _Failure(
                        "invalid_arguments" if key == "metadata" else "invalid_blocks_format"
                    ) from None
    return args


def _authenticate(ws: SlackWorkspace, request: Request, args: dict[str, Any]) -> None:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else str(args.pop("token", "") or "")
    args.pop("token", None)
    if not token:
        raise _Failure("not_authed")
    if token in ws.revoked:
        raise _Failure("token_revoked")
    if token not in ws.tokens:
        raise _Failure("invalid_auth")


def _postable(ws: SlackWorkspace, ref: str, by_name: bool) -> SlackChannel:
    channel = ws.channel(ref, by_name)
    if channel is None or (channel.private and not channel.member):
        raise _Failure("channel_not_found")
    if channel.archived:
        raise _Failure("is_archived")
    if not channel.member:
        raise _Failure("not_in_channel")
    return channel


def _content(args: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    text, blocks = str(args.get("text") or ""), args.get("blocks") or []
    if not text and not blocks:
        raise _Failure("no_text")
    if len(text) > MAX_TEXT:
        raise _Failure("msg_too_long")
    problems = block_problems(blocks)
    if problems:
        raise _Failure("invalid_blocks", errors=problems, response_metadata={"messages": problems})
    return text, blocks


def _message_json(m: SlackMessage) -> dict[str, Any]:
    out = {"type": "message", "text": m.text, "blocks": m.blocks, "ts": m.ts, "bot_id": "B0SANDBOX01"}
    return out | ({"thread_ts": m.thread_ts} if m.thread_ts else {})


def _post(ws: SlackWorkspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = _postable(ws, str(args.get("channel") or ""), by_name=True)
    text, blocks = _content(args)
    thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
    message = SlackMessage(channel.id, ws.next_ts(), text, blocks, thread_ts, args.get("metadata"))
    ws.messages.append(message)
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": _message_json(message)}


def _update(ws: SlackWorkspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = _postable(ws, str(args.get("channel") or ""), by_name=False)  # chat.update needs an id
    message = ws.find(channel.id, str(args.get("ts") or ""))
    if message is None:
        raise _Failure("message_not_found")
    if not message.bot:
        raise _Failure("cant_update_message")
    message.text, message.blocks = _content(args)
    message.metadata = args.get("metadata", message.metadata)
    message.edits += 1
    return {"ok": True, "channel": channel.id, "ts": message.ts, "text": message.text}


def _permalink(ws: SlackWorkspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channel(str(args.get("channel") or ""), by_name=False)
    if channel is None:
        raise _Failure("channel_not_found")
    message = ws.find(channel.id, str(args.get("message_ts") or ""))
    if message is None:
        raise _Failure("message_not_found")
    link = f"{ws.url}archives/{channel.id}/p{message.ts.replace('.', '')}"
    return {"ok": True, "channel": channel.id, "permalink": link}


def _info(ws: SlackWorkspace, args: dict[str, Any]) -> dict[str, Any]:
    c = ws.channel(str(args.get("channel") or ""), by_name=False)
    if c is None or (c.private and not c.member):
        raise _Failure("channel_not_found")
    about = {"is_private": c.private, "is_archived": c.archived, "is_member": c.member}
    return {"ok": True, "channel": {"id": c.id, "name": c.name, "is_channel": True, **about}}


def _auth_test(ws: SlackWorkspace, args: dict[str, Any]) -> dict[str, Any]:
    ids = {"team_id": "T0SANDBOX1", "user_id": "U0SANDBOX1", "bot_id": "B0SANDBOX01"}
    return {"ok": True, "url": ws.url, "team": "Sandbox", "user": "socialleads", **ids}


METHODS: dict[str, Callable[[SlackWorkspace, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": _auth_test,
    "chat.postMessage": _post,
    "chat.update": _update,
    "chat.getPermalink": _permalink,
    "conversations.info": _info,
}


def _interrupted(ws: SlackWorkspace) -> Response | None:
    """The failure a control asks for, if any (checked before authentication, as a front end would)."""
    with ws.lock:
        if ws.clock() < ws.outage_until or ws.fail_next > 0:
            ws.fail_next = max(ws.fail_next - 1, 0)
            return PlainTextResponse("<html><body>Slack is having trouble</body></html>", ws.outage_status)
        if ws.ratelimit_next > 0:
            ws.ratelimit_next -= 1
            body = {"ok": False, "error": "ratelimited"}
            return JSONResponse(body, 429, headers={"Retry-After": str(ws.retry_after)})
    return None


def create_slack_app(workspace: SlackWorkspace) -> FastAPI:
    """The emulator app over ``workspace``; inspect and steer the workspace object directly."""
    app = FastAPI(title="socialleads Slack emulator", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/api/{method}")
    async def call(method: str, request: Request) -> Response:
        """One Web API method call."""
        interrupted = _interrupted(workspace)
        if interrupted is not None:
            return interrupted
        handler = METHODS.get(method)
        if handler is None:
            return JSONResponse({"ok": False, "error": "unknown_method"}, 404)
        try:
            args = await _arguments(request)
            if "json" in request.headers.get("content-type", "") and "authorization" not in request.headers:
                raise _Failure("not_authed")  # JSON bodies take the token in the header only
            _authenticate(workspace, request, args)
            with workspace.lock:
                workspace.calls.append(SlackCall(method, dict(args)))
                return JSONResponse(handler(workspace, args))
        except _Failure as failure:
            return JSONResponse(failure.body)
        except ValueError:
            return JSONResponse({"ok": False, "error": "invalid_json"})

    return app


__all__ = ["SlackCall", "SlackChannel", "SlackMessage", "SlackWorkspace", "create_slack_app"]
