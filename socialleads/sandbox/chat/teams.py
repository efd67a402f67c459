"""A Microsoft Teams incoming-webhook emulator: Adaptive Card messages in, ``1`` out.

``create_teams_app(tenant)`` serves ``POST /webhookb2/...`` for every webhook the tenant created
(``tenant.add_webhook(name)`` returns the secret path). As Teams does
(https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using):

* the body is ``{"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "content": <AdaptiveCard>}]}``; a stored card answers
  HTTP 200 with the body ``1``;
* a malformed message or card answers 400; a body over 28 KB answers 413; an unknown webhook 404;
* more than 4 posts a second is throttled: HTTP 429 with ``Retry-After``, or (``throttle_style =
  "body"``, as classic connectors do) HTTP 200 with ``Microsoft Teams endpoint returned HTTP error
  429`` in the body, which is why a sender must read the body, not only the status.

Controls: ``outage`` (5xx for a while), ``fail_next``, ``throttle_next``, ``throttle_style``.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
#: "The message size limit is 28 KB" (add-incoming-webhook).
MAX_BYTES = 28 * 1024
ELEMENTS = frozenset(
    {
        "TextBlock",
        "RichTextBlock",
        "FactSet",
        "Image",
        "ImageSet",
        "Container",
        "ColumnSet",
        "ActionSet",
        "Media",
    }
)
ACTIONS = frozenset({"Action.OpenUrl", "Action.ShowCard", "Action.ToggleVisibility", "Action.Execute"})
_VERSION = re.compile(r"^1\.[0-6]$")
_THROTTLED = (
    "Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=sandbox,cv=sandbox.0"
)


@dataclass
class TeamsPost:
    """One stored message: which webhook got it, the JSON body, and the request headers."""

    webhook: str
    payload: dict[str, Any]
    headers: dict[str, str]

    @property
    def card(self) -> dict[str, Any]:
        """The first attachment's Adaptive Card."""
        content: dict[str, Any] = self.payload["attachments"][0]["content"]
        return content


@dataclass
class TeamsTenant:
    """The emulated tenant: its webhooks (secret path → channel name), stored posts, and controls."""

    clock: Callable[[], float] = time.time
    webhooks: dict[str, str] = field(default_factory=dict)
    posts: list[TeamsPost] = field(default_factory=list)
    outage_until: float = 0.0
    outage_status: int = 500
    fail_next: int = 0
    throttle_next: int = 0
    throttle_style: Literal["status", "body"] = "status"
    retry_after: int = 10
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_webhook(self, name: str) -> str:
        """Create an incoming webhook for channel ``name``; returns its path, shaped like Teams' URLs."""
        path = (
            f"/webhookb2/{uuid.uuid4()}@{uuid.uuid4()}/IncomingWebhook/{secrets.token_hex(16)}/"
            f"{uuid.uuid4()}/{secrets.token_urlsafe(24)}"
        )
        with self.lock:
            self.webhooks[path] = name
        return path

    def remove_webhook(self, path: str) -> None:
        """Delete a webhook, as removing the connector from the channel does."""
        with self.lock:
            self.webhooks.pop(path, None)

    def outage(self, seconds: float, status: int = 500) -> None:
        """Answer every post with HTTP ``status`` for ``seconds`` of the tenant's clock."""
        with self.lock:
            self.outage_until, self.outage_status = self.clock() + seconds, status

    def cards(self) -> list[dict[str, Any]]:
        """Every stored Adaptive Card, oldest first."""
        with self.lock:
            return [post.card for post in self.posts]


def _element_problems(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict) or element.get("type") not in ELEMENTS:
        return [f"{where}: unknown element type"]
    kind = element["type"]
    if kind == "TextBlock" and not (isinstance(element.get("text"), str) and element["text"]):
        return [f"{where}: a TextBlock needs text"]
    if kind == "FactSet":
        facts = element.get("facts")
        good = [f for f in facts if isinstance(f, dict)] if isinstance(facts, list) else []
        if (
            not good
            or len(good) != len(facts or [])
            or not all(isinstance(f.get("title"), str) and isinstance(f.get("value"), str) for f in good)
        ):
            return [f"{where}: a FactSet needs facts with a string title and value"]
    if kind == "RichTextBlock":
        inlines = element.get("inlines")
        runs = [i for i in inlines if isinstance(i, dict)] if isinstance(inlines, list) else None
        if not runs or not all(r.get("type") == "TextRun" and isinstance(r.get("text"), str) for r in runs):
            return [f"{where}: a RichTextBlock needs TextRun inlines with text"]
    if kind == "Container":
        items = element.get("items")
        if not isinstance(items, list):
            return [f"{where}: a Container needs items"]
        return [p for i, item in enumerate(items) for p in _element_problems(item, f"{where}.items[{i}]")]
    if kind == "ActionSet":
        return _action_problems(element.get("actions"), f"{where}.actions")
    return []


def _action_problems(actions: Any, where: str) -> list[str]:
    if actions is None:
        return []
    if not isinstance(actions, list):
        return [f"{where}: must be a list"]
    problems = []
    for i, action in enumerate(actions):
        if not isinstance(action, dict) or action.get("type") not in ACTIONS:
            problems.append(f"{where}[{i}]: unsupported action (incoming webhooks cannot use Action.Submit)")
        elif action["type"] == "Action.OpenUrl":
            url = action.get("url")
            if not isinstance(url, str) or not url.lower().startswith(
                ("https://", "http://", "mailto:", "tel:")
            ):
                problems.append(f"{where}[{i}]: Action.OpenUrl needs an absolute url")
    return problems


def message_problems(payload: Any) -> list[str]:
    """What Teams would reject in a webhook message; an empty list when it would show the card."""
    if not isinstance(payload, dict) or payload.get("type") != "message":
        return ['the body must be a JSON object with "type": "message"']
    attachments = payload.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return ["attachments must be a non-empty list"]
    problems: list[str] = []
    for n, attachment in enumerate(attachments):
        where = f"attachments[{n}]"
        if not isinstance(attachment, dict) or attachment.get("contentType") != ADAPTIVE:
            problems.append(f"{where}: contentType must be {ADAPTIVE}")
            continue
        card = attachment.get("content")
        if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
            problems.append(f'{where}.content: "type" must be "AdaptiveCard"')
            continue
        if not _VERSION.match(str(card.get("version", ""))):
            problems.append(f"{where}.content.version: must be an Adaptive Cards version from 1.0 to 1.6")
        body = card.get("body", [])
        if not isinstance(body, list):
            problems.append(f"{where}.content.body: must be a list")
            continue
        for i, element in enumerate(body):
            problems += _element_problems(element, f"{where}.content.body[{i}]")
        problems += _action_problems(card.get("actions"), f"{where}.content.actions")
    return problems


def _interrupted(tenant: TeamsTenant) -> Response | None:
    with tenant.lock:
        if tenant.clock() < tenant.outage_until or tenant.fail_next > 0:
            tenant.fail_next = max(tenant.fail_next - 1, 0)
            return PlainTextResponse("Service Unavailable", tenant.outage_status)
        if tenant.throttle_next > 0:
            tenant.throttle_next -= 1
            if tenant.throttle_style == "body":
                return PlainTextResponse(f"Webhook message delivery failed with error: {_THROTTLED}", 200)
            return PlainTextResponse(_THROTTLED, 429, headers={"Retry-After": str(tenant.retry_after)})
    return None


def create_teams_app(tenant: TeamsTenant) -> FastAPI:
    """The emulator app over ``tenant``; inspect and steer the tenant object directly."""
    app = FastAPI(title="socialleads Teams emulator", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/webhookb2/{rest:path}")
    async def receive(rest: str, request: Request) -> Response:
        """One incoming-webhook post."""
        path = f"/webhookb2/{rest}"
        if path not in tenant.webhooks:
            return PlainTextResponse("Webhook not found", 404)
        interrupted = _interrupted(tenant)
        if interrupted is not None:
            return interrupted
        raw = await request.body()
        if len(raw) > MAX_BYTES:
            return PlainTextResponse("Microsoft Teams endpoint returned HTTP error 413", 413)
        if "application/json" not in request.headers.get("content-type", "").lower():
            return PlainTextResponse("Bad payload received by generic incoming webhook: not JSON", 400)
        try:
            payload = json.loads(raw)
        except ValueError:
            return PlainTextResponse("Bad payload received by generic incoming webhook.", 400)
        problems = message_problems(payload)
        if problems:
            return PlainTextResponse(
                "Bad payload received by generic incoming webhook: " + "; ".join(problems), 400
            )
        with tenant.lock:
            tenant.posts.append(TeamsPost(tenant.webhooks[path], payload, dict(request.headers)))
        return PlainTextResponse("1", 200)

    return app


__all__ = ["TeamsPost", "TeamsTenant", "create_teams_app", "message_problems"]
