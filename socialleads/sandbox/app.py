"""The sandbox as one HTTP app: the Meta Graph API under ``/vNN.N/``, the X API v2 under ``/2/``, its
own control and inspection endpoints under ``/_sandbox/``, and (given a ``SalesPipeline``) the
sales-pipeline emulators under ``/hubspot``, ``/slack``, ``/teams``, ``/salesforce``, ``/pipedrive``.

Requests reach it through ``socialleads.http``'s routing (the bot's sessions send graph.facebook.com
and api.twitter.com calls here when ``SOCIALLEADS_SANDBOX_URL`` is set), so paths are the
platforms' own paths; ``socialleads.sandbox.sales`` says how sinks reach their emulators.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from socialleads.http import SANDBOX_HOST_HEADER
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.meta.graph import install as install_meta
from socialleads.sandbox.sales import HOST_PATHS, SalesPipeline
from socialleads.sandbox.world.living import World
from socialleads.sandbox.x.api import XLimits
from socialleads.sandbox.x.api import install as install_x


class HostRouting:
    """ASGI middleware: a request the bot's session routed here (``SANDBOX_HOST_HEADER`` names the host
    it was meant for) is answered by that host's emulator, at its path in ``HOST_PATHS``; a platform
    host (Graph, X) is answered at the root, where its paths are the platform's own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.header = SANDBOX_HOST_HEADER.lower().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = next((v.decode() for k, v in scope["headers"] if k == self.header), None)
            prefix = HOST_PATHS.get(host.split(":")[0]) if host else None
            if prefix and not scope["path"].startswith(prefix + "/"):
                scope = {
                    **scope,
                    "path": prefix + scope["path"],
                    "raw_path": prefix.encode() + (scope.get("raw_path") or scope["path"].encode()),
                }
        await self.app(scope, receive, send)


def create_app(
    world: World,
    chaos: Chaos | None = None,
    x_limits: XLimits | None = None,
    sales: SalesPipeline | None = None,
) -> FastAPI:
    """The sandbox app over ``world``; ``chaos`` (shared with the webhook sender) defaults to none,
    ``x_limits`` to X's real per-15-minute limits; ``sales``, when given, is served too."""
    chaos = chaos or Chaos()
    app = FastAPI(
        title="socialleads sandbox", docs_url="/_sandbox/docs", openapi_url="/_sandbox/openapi.json"
    )
    app.state.world = world
    app.state.chaos = chaos

    @app.get("/_sandbox/world")
    def describe(request: Request) -> dict[str, Any]:
        """Pages, forms, accounts and the tokens that work, and where each sales-pipeline emulator
        answers with the sink settings that reach it (``sinks``); for tests and demos only."""
        described = world.describe()
        if sales is not None:
            described["sinks"] = sales.describe(str(request.base_url))
        return described

    @app.get("/_sandbox/truth")
    def truth() -> list[dict[str, Any]]:
        """Every generated item with its native id, kind, person and intent; never read by the product."""
        return world.truth_json()

    @app.get("/_sandbox/chaos")
    def chaos_state() -> dict[str, Any]:
        """The chaos switches as they are."""
        return vars(chaos.state)

    @app.post("/_sandbox/chaos")
    async def set_chaos(request: Request) -> JSONResponse:
        """Change chaos switches (JSON object: switch → value); ``{"reset": true}`` first breaks nothing."""
        changes = await request.json()
        if not isinstance(changes, dict):
            raise HTTPException(400, "send a JSON object of switch: value")
        if changes.pop("reset", False):
            chaos.reset()
        try:
            return JSONResponse(vars(chaos.update(changes)))
        except (ValueError, TypeError) as exc:
            raise HTTPException(400, str(exc)) from None

    install_meta(app, world, chaos)
    install_x(app, world, chaos, x_limits)
    if sales is not None:
        sales.mount(app)
        app.add_middleware(HostRouting)
    return app
