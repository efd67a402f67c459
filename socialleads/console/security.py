"""Headers that keep the console's pages safe in a browser: a strict CSP and no sniffing or framing.

The Content-Security-Policy allows scripts, styles, images and connections from our own origin only,
with no inline script or style (every attribute a template writes is data, never code), so a name
or a comment that slipped through an escape still cannot run: https://www.w3.org/TR/CSP3/. Pages and
API answers are not cached (they hold personal data); static assets are, briefly.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
#: Headers every answer of the web app carries, webhooks and API included.
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STATIC_PREFIX = "/static/"


class SecurityHeaders:
    """ASGI middleware adding the headers to every answer; HTML pages also get the CSP and no caching.

    Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``, which would buffer the API's endless
    event stream (``/api/v1/events``) through a task of its own.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(STATIC_PREFIX)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers.setdefault("Cache-Control", "private, max-age=300" if static else "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


def install_security_headers(app: FastAPI) -> None:
    """Wrap ``app`` in ``SecurityHeaders``."""
    app.add_middleware(SecurityHeaders)
