"""Installing the API on the bot's web app: the routers, problem details, the OpenAPI schema.

The schema is served to signed-in callers only (``GET /api/v1/openapi.json``), or to anyone with
``SOCIALLEADS_WEB__EXPOSE_DOCS=true``; FastAPI's own ``/docs``, ``/redoc`` and ``/openapi.json`` are
off, since the pages load their scripts from a CDN and the console works offline.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi

from socialleads import __version__
from socialleads.api import (
    admin_routes,
    backfill_routes,
    campaign_preview,
    config_routes,
    connector_routes,
    dashboard_stats,
    deliveries,
    events,
    lead_merges,
    leads,
    session_routes,
    stats,
)
from socialleads.api.auth import signed_in
from socialleads.api.problems import install_problem_handlers
from socialleads.bot import Bot

ROUTERS = (
    session_routes.router,
    admin_routes.router,
    leads.router,
    lead_merges.router,
    deliveries.router,
    stats.router,
    dashboard_stats.router,
    events.router,
    config_routes.router,
    campaign_preview.router,
    connector_routes.router,
    backfill_routes.router,
)
"""Every router under /api/v1, in the order the schema lists them."""


_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status", "detail"],
}
_ALWAYS = ("400", "401", "403", "422", "500")
"""Statuses every operation may answer: an unreadable body, no credentials, not allowed, a malformed
request, a crash."""


def _problem_responses(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status in _ALWAYS:
        responses.setdefault(status, {"description": HTTPStatus(int(status)).phrase})
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            if response.get("description") in ("", "Additional Response", "Validation Error"):
                response["description"] = HTTPStatus(int(status)).phrase
            response["content"] = {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }


def openapi_schema(routes: list[Any]) -> dict[str, Any]:
    """The OpenAPI document of the API routes among ``routes`` (errors as problem details)."""
    schema = get_openapi(
        title="socialleads",
        version=__version__,
        routes=routes,
        description="The socialleads REST API (docs/api.md).",
    )
    # The platforms' webhook endpoints are not part of the API.
    schema["paths"] = {path: item for path, item in schema["paths"].items() if path.startswith("/api/v1/")}
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = _PROBLEM
    for name in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(name, None)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "an API token, sl_..."},
        "session": {"type": "apiKey", "in": "cookie", "name": "sl_session"},
    }
    schema["security"] = [{"bearer": []}, {"session": []}]
    for item in schema["paths"].values():
        for operation in item.values():
            _problem_responses(operation)
    return schema


def install_api(app: FastAPI, bot: Bot) -> None:
    """Add ``/api/v1`` to ``app`` for ``bot``."""
    app.state.bot = bot
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.state.api_routes = [route for router in ROUTERS for route in router.routes]

    guard = [] if bot.settings.web.expose_docs else [Depends(signed_in)]

    @app.get("/api/v1/openapi.json", include_in_schema=False, dependencies=guard)
    def openapi() -> dict[str, Any]:
        """The API's OpenAPI schema, for signed-in callers (for anyone when the docs are exposed)."""
        if app.openapi_schema is None:
            app.openapi_schema = openapi_schema(app.routes)
        return app.openapi_schema
