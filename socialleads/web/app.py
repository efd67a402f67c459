"""The FastAPI app served in the bot's process: liveness, health, and the platforms' webhooks."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from socialleads import __version__
from socialleads.bot import Bot
from socialleads.models import HealthState
from socialleads.pipeline.health import BAD_STATES
from socialleads.store import outbox
from socialleads.store.db import reading
from socialleads.store.state import all_states
from socialleads.web.webhooks import WebhookRoutes


def create_app(bot: Bot) -> FastAPI:
    """The app for ``bot``; called once by the scheduler when the web server is enabled."""
    app = FastAPI(
        title="socialleads", version=__version__, docs_url="/api/docs", openapi_url="/api/openapi.json"
    )

    @app.get("/healthz")
    def liveness() -> dict[str, str]:
        """The process answers; for service managers and load balancers."""
        return {"status": "ok"}

    @app.get("/health")
    def health() -> JSONResponse:
        """Database reachable, each source's health, the outbox by status; 503 when something is wrong."""
        body: dict[str, Any] = {"version": __version__, "sources": {}, "unavailable": bot.unavailable}
        try:
            with reading(bot.engine) as conn:
                conn.execute(text("SELECT 1"))
                states = {s.source: s for s in all_states(conn)}
                body["deliveries"] = outbox.count_by_status(conn)
        except Exception as exc:  # noqa: BLE001 - report the database as down, never crash the endpoint
            body["database"] = f"unreachable: {type(exc).__name__}"
            return JSONResponse(body, status_code=503)
        body["database"] = "ok"
        bad = False
        for name in bot.sources:
            state = states.get(name)
            health_state = HealthState(state.health) if state else HealthState.UNKNOWN
            bad = bad or health_state in BAD_STATES
            body["sources"][name] = {
                "health": health_state.value,
                "summary": state.health_summary if state else "not polled yet",
                "last_success_at": state.last_success_at.isoformat()
                if state and state.last_success_at
                else None,
            }
        body["status"] = "degraded" if bad or bot.unavailable else "ok"
        return JSONResponse(body, status_code=200)

    WebhookRoutes(bot).install(app)
    return app
