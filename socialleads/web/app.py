"""The FastAPI app served in the bot's process: liveness, health, the API, the platforms' webhooks and
the console (``socialleads/console``).

Closed by default: only ``/healthz`` and ``/webhooks/*`` answer strangers in full; ``/health`` tells
them its status alone, and its details (sources, deliveries, what is unavailable) only to signed-in
callers; the API's schema needs a sign-in too unless ``WebSettings.expose_docs``, and FastAPI's docs
pages (``/docs``, ``/redoc``, ``/openapi.json``) are off. Every body is read within its limit
(``socialleads.web.body_limits``: ``WebSettings.webhook_body_limit`` for ``/webhooks/*``,
``WebSettings.body_limit`` for the rest), and refused requests are logged sparingly (``RefusalLog``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from socialleads import __version__
from socialleads.api.app import install_api
from socialleads.api.auth import authenticate
from socialleads.bot import Bot
from socialleads.console.pages import install_console
from socialleads.models import HealthState
from socialleads.pipeline.health import BAD_STATES
from socialleads.store import outbox
from socialleads.store.db import reading
from socialleads.store.state import all_states
from socialleads.web.body_limits import BodyLimits
from socialleads.web.refusals import RefusalLog
from socialleads.web.webhooks import WebhookRoutes

WEBHOOKS = "/webhooks/"


def create_app(bot: Bot) -> FastAPI:
    """The app for ``bot``; called once by the scheduler when the web server is enabled."""
    app = FastAPI(title="socialleads", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    install_api(app, bot)

    @app.get("/healthz", include_in_schema=False)
    def liveness() -> dict[str, str]:
        """The process answers; for service managers and load balancers."""
        return {"status": "ok"}

    @app.get("/health", include_in_schema=False)
    def health(request: Request) -> JSONResponse:
        """``ok``, ``degraded`` (a source failing or a connector unavailable) or ``down`` (no
        database, 503); the details only for a signed-in caller."""
        body = health_details(bot)
        code = 503 if body["status"] == "down" else 200
        if body["status"] == "down" or authenticate(request) is None:
            return JSONResponse({"status": body["status"]}, status_code=code)
        return JSONResponse(body, status_code=code)

    refusals = RefusalLog(logging.getLogger("socialleads.web"), schedule=_call_later)
    webhooks = WebhookRoutes(bot, refusals)
    webhooks.install(app)

    def refused_body(path: str, kind: str, reason: str) -> None:
        if path.startswith(WEBHOOKS):
            webhooks.refused_body(path, kind, reason)
        else:
            refusals.refused("web", kind, reason)

    web = bot.settings.web
    # Added before the console's headers middleware, so a 413 carries those headers too.
    app.add_middleware(
        BodyLimits,
        limits=[(WEBHOOKS, int(web.webhook_body_limit))],
        default=int(web.body_limit),
        timeout=web.body_timeout.total_seconds(),
        on_refused=refused_body,
    )
    install_console(app)
    return app


def _call_later(delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle | None:
    """Run ``callback`` on the event loop in ``delay`` seconds; None outside the loop (the refusal
    summary then waits for the next refusal)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return loop.call_later(delay, callback)


def health_details(bot: Bot) -> dict[str, Any]:
    """Database reachable, each source's health, the outbox by status, and the overall status."""
    body: dict[str, Any] = {"version": __version__, "sources": {}, "unavailable": bot.unavailable}
    try:
        with reading(bot.engine) as conn:
            conn.execute(text("SELECT 1"))
            states = {s.source: s for s in all_states(conn)}
            body["deliveries"] = outbox.count_by_status(conn)
    except Exception as exc:  # noqa: BLE001 - report the database as down, never crash the endpoint
        body["database"] = f"unreachable: {type(exc).__name__}"
        body["status"] = "down"
        return body
    body["database"] = "ok"
    bad = False
    for name in bot.sources:
        state = states.get(name)
        health_state = HealthState(state.health) if state else HealthState.UNKNOWN
        bad = bad or health_state in BAD_STATES
        body["sources"][name] = {
            "health": health_state.value,
            "summary": state.health_summary if state else "not polled yet",
            "last_success_at": state.last_success_at.isoformat() if state and state.last_success_at else None,
        }
    body["status"] = "degraded" if bad or bot.unavailable else "ok"
    return body
