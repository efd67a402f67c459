"""The FastAPI app served in the bot's process: liveness, health, the API, the platforms' webhooks and
the console (``socialleads/console``).

Only ``/healthz`` and ``/webhooks/*`` answer strangers in full; ``/health`` tells them its status
alone, and its details (sources, deliveries, what is unavailable) only to signed-in callers.
"""

from __future__ import annotations

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
from socialleads.web.webhooks import WebhookRoutes


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

    WebhookRoutes(bot).install(app)
    install_console(app)
    return app


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
