"""Request body limits per path, enforced while the body is read: a pure ASGI middleware.

uvicorn reads no more of a body than the app asks for (it pauses the socket past 64 KiB), and
Starlette's ``request.body()`` keeps all of it: before this limit, an unsigned 400 MB POST to
``/webhooks/meta`` was read whole before its signature was checked. ``BodyLimits`` sits in front of
every route (``socialleads.web.app.create_app`` installs it), so it applies before anything buffers:

- a ``Content-Length`` over the path's limit is answered 413 at once, and nothing is read;
- a body without one (``Transfer-Encoding: chunked``) is read chunk by chunk, and as soon as it
  passes the limit the reading stops and 413 is answered; at most the limit is ever kept;
- a body within the limit is handed to the app as it came (one message), so routes read it as before;
- a body still arriving ``timeout`` seconds after its headers is answered 408 (uvicorn has no such
  deadline of its own: a sender trickling a byte a minute would hold its connection for good).

A 413 or 408 closes the connection (``Connection: close``): the rest of the body is not drained, and a
sender that wants to try again opens a new connection (RFC 9110 sections 15.5.9 and 15.5.14).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from http import HTTPStatus

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OnRefused = Callable[[str, str, str], None]
"""``on_refused(path, kind, reason)``: told of each body refused (``too large``, ``too slow``), to
count and log it; ``reason`` is a fixed phrase (the limit), never the request's own text."""


class BodyLimits:
    """ASGI middleware: bodies of paths starting with a prefix in ``limits`` may hold that many bytes,
    other paths ``default`` bytes. Plain ASGI, as ``console.security.SecurityHeaders`` (streams pass)."""

    def __init__(
        self,
        app: ASGIApp,
        limits: Sequence[tuple[str, int]],
        default: int,
        timeout: float = 30.0,
        on_refused: OnRefused | None = None,
    ) -> None:
        self.app = app
        self.limits = sorted(limits, key=lambda item: len(item[0]), reverse=True)
        self.default = default
        self.timeout = timeout
        self.on_refused = on_refused

    def limit_for(self, path: str) -> int:
        """The most bytes a body sent to ``path`` may hold (the longest matching prefix wins)."""
        return next((limit for prefix, limit in self.limits if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = self.limit_for(path)
        declared, chunked = _framing(scope)
        if declared is None and not chunked and str(scope.get("http_version", "1.1")).startswith("1"):
            # HTTP/1.x without Content-Length or Transfer-Encoding has no body (RFC 9112 section 6.3).
            await self.app(scope, receive, send)
            return
        if declared == 0:
            await self.app(scope, receive, send)
            return
        if declared is not None and declared > limit:
            await self._too_large(path, limit, send)
            return
        body = bytearray()
        try:
            with anyio.fail_after(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # the sender left before it finished: no one to answer
                    chunk = message.get("body", b"")
                    if len(body) + len(chunk) > limit:
                        await self._too_large(path, limit, send)
                        return
                    body += chunk
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            reason = f"a body still arriving after {self.timeout:g} s"
            detail = f"the request body was still arriving after {self.timeout:g} s; send it faster"
            await self._refuse(path, 408, "too slow", reason, detail, send)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _too_large(self, path: str, limit: int, send: Send) -> None:
        reason = f"a body over {limit} bytes"
        detail = f"the request body is larger than {limit} bytes, the most this server takes here"
        await self._refuse(path, 413, "too large", reason, detail, send)

    async def _refuse(self, path: str, status: int, kind: str, reason: str, detail: str, send: Send) -> None:
        """Answer ``status`` with ``detail`` (a problem under ``/api/``) and close the connection."""
        if self.on_refused is not None:
            self.on_refused(path, kind, reason)
        if path.startswith("/api/"):
            media = b"application/problem+json"
            title = HTTPStatus(status).phrase
            document: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
            document["detail"] = detail
        else:
            media, document = b"application/json", {"error": detail}
        content = json.dumps(document).encode()
        headers = [
            (b"content-type", media),
            (b"content-length", str(len(content)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content, "more_body": False})


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """The declared ``Content-Length`` (None when absent) and whether the body is chunked.

    The server (h11, httptools) has already refused a malformed or contradictory length with 400.
    """
    declared: int | None = None
    chunked = False
    for name, value in scope.get("headers", []):
        if name == b"content-length" and value.strip().isdigit():
            declared = max(declared or 0, int(value))
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    return declared, chunked


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` as the whole request, then passes on (to hear a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
