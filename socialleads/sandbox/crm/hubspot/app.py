"""A HubSpot CRM v3 emulator: the calls the HubSpot sink makes, answered as HubSpot documents them.

Routes (https://developers.hubspot.com/docs/api/crm/understanding-the-crm), for ``contacts``, ``deals``
and ``notes`` (also by object type id, ``0-1``, ``0-3``, ``0-46``):

- ``POST /crm/v3/objects/{type}``: create, with ``associations``; 409 ``CONFLICT`` "Contact already
  exists. Existing ID: N" for a taken email (or a taken value of a ``hasUniqueValue`` property).
- ``GET`` / ``PATCH /crm/v3/objects/{type}/{id}`` (``idProperty``, ``properties``); 404 when absent.
- ``POST /crm/v3/objects/{type}/batch/upsert``: by a unique ``idProperty`` (``email`` for contacts).
- ``POST /crm/v3/objects/{type}/search``: ``filterGroups`` (OR of ANDs), EQ/NEQ/IN/HAS_PROPERTY/...,
  paging by ``after``; new records can be kept out of search for a while (``Switches.search_lag``).
- ``GET /crm/v3/properties/{type}``: the seeded definitions (``schema``).

Every API call needs ``Authorization: Bearer <token>`` of a token the store knows (401
``INVALID_AUTHENTICATION``) with the call's scope (403 ``MISSING_SCOPES``); unknown or read-only
properties and bad options are 400 ``VALIDATION_ERROR`` naming the property; a ``lifecyclestage``
that would move a record back is ignored, the answer showing the stage kept, unless it was cleared
("") first (https://knowledge.hubspot.com/records/use-lifecycle-stages). Failures to simulate
(``HubSpotStore.gate``: ``fail``, ``outage``, ``rate_limit``) give 5xx, or 429 with ``Retry-After``
and HubSpot's rate-limit body (https://developers.hubspot.com/docs/api/usage-details#error-responses).

Control and inspection, without auth: ``GET /_hubspot/objects/{type}`` (every record, all values and
associations), ``GET /_hubspot/writes`` (the journal), ``POST /_hubspot/failures`` with
``{"fail_next": N, "status": 500}``, ``{"outage_seconds": 600}``, ``{"rate_limit_next": N,
"retry_after": 10}``, ``{"search_lag_seconds": 5}`` or ``{"recover": true}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from socialleads.sandbox.crm.hubspot.rules import HubSpotError, bad_request
from socialleads.sandbox.crm.hubspot.schema import OBJECT_TYPES
from socialleads.sandbox.crm.hubspot.store import HubSpotStore
from socialleads.sandbox.loopback import LoopbackServer

_BY_ID = {type_id: name for name, type_id in OBJECT_TYPES.items()}
Work = Callable[[dict[str, Any]], tuple[int, Any]]


def _object_type(name: str) -> str:
    return _BY_ID.get(name, name)


def _scope(object_type: str, write: bool) -> str:
    # Notes have no scope of their own: they need the scope of the records they are logged on.
    owner = "contacts" if object_type == "notes" else object_type
    return f"crm.objects.{owner}.{'write' if write else 'read'}"


def _names(request: Request) -> list[str] | None:
    """``properties`` as repeated parameters (what hubspot-api-client sends) or comma-separated."""
    names = [n for value in request.query_params.getlist("properties") for n in value.split(",") if n]
    return names or None


def install(app: FastAPI, store: HubSpotStore) -> None:
    """Add the HubSpot routes and the ``/_hubspot`` controls for ``store`` to ``app``."""
    _install_queries(app, store)
    _install_records(app, store)
    _install_controls(app, store)


async def _run(store: HubSpotStore, request: Request, scope: str, work: Work) -> Response:
    """Check the token and scope, read the JSON body, and answer what ``work`` returns, or HubSpot's error."""
    try:
        store.gate.check(request.headers.get("authorization"), scope)
        body: dict[str, Any] = {}
        if request.method in ("POST", "PATCH"):
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError:
                raise bad_request("Invalid input JSON on line 1") from None
            if not isinstance(body, dict):
                raise bad_request("Invalid input JSON: expected an object")
        status, answer = work(body)
    except HubSpotError as exc:
        return JSONResponse(exc.body, exc.status, headers=exc.headers)
    return JSONResponse(answer, status)


def _install_queries(app: FastAPI, store: HubSpotStore) -> None:
    """Property definitions, batch upsert and search."""

    @app.get("/crm/v3/properties/{object_type}")
    async def properties(object_type: str, request: Request) -> Response:
        kind = _object_type(object_type)

        def work(_: dict[str, Any]) -> tuple[int, Any]:
            if kind not in store.properties:
                raise bad_request(f"Unable to infer object type from: {object_type}")
            return 200, {"results": list(store.properties[kind].values())}

        owner = "contacts" if kind == "notes" else kind
        return await _run(store, request, f"crm.schemas.{owner}.read", work)

    @app.post("/crm/v3/objects/{object_type}/batch/upsert")
    async def upsert(object_type: str, request: Request) -> Response:
        kind = _object_type(object_type)

        def work(body: dict[str, Any]) -> tuple[int, Any]:
            started = store.clock()
            done = store.upsert(kind, list(body.get("inputs") or []))
            results = [store.to_json(r, list(r.properties), new=new) for r, new in done]
            stamps = {"startedAt": started.isoformat(), "completedAt": store.clock().isoformat()}
            return 200, {"status": "COMPLETE", "results": results, **stamps}

        return await _run(store, request, _scope(kind, True), work)

    @app.post("/crm/v3/objects/{object_type}/search")
    async def search(object_type: str, request: Request) -> Response:
        kind = _object_type(object_type)

        def work(body: dict[str, Any]) -> tuple[int, Any]:
            page, total, after = store.search(kind, body)
            names = list(body.get("properties") or []) or None
            answer: dict[str, Any] = {"total": total, "results": [store.to_json(r, names) for r in page]}
            if after:
                answer["paging"] = {"next": {"after": str(after)}}
            return 200, answer

        return await _run(store, request, _scope(kind, False), work)


def _install_records(app: FastAPI, store: HubSpotStore) -> None:
    """Create, read and update one record."""

    @app.post("/crm/v3/objects/{object_type}")
    async def create(object_type: str, request: Request) -> Response:
        kind = _object_type(object_type)

        def work(body: dict[str, Any]) -> tuple[int, Any]:
            record = store.create(
                kind, dict(body.get("properties") or {}), list(body.get("associations") or [])
            )
            return 201, store.to_json(record, list(record.properties))

        return await _run(store, request, _scope(kind, True), work)

    @app.get("/crm/v3/objects/{object_type}/{object_id}")
    async def read(object_type: str, object_id: str, request: Request) -> Response:
        kind = _object_type(object_type)

        def work(_: dict[str, Any]) -> tuple[int, Any]:
            record = store.require(store.find(kind, object_id, request.query_params.get("idProperty")))
            return 200, store.to_json(record, _names(request))

        return await _run(store, request, _scope(kind, False), work)

    @app.patch("/crm/v3/objects/{object_type}/{object_id}")
    async def update(object_type: str, object_id: str, request: Request) -> Response:
        kind = _object_type(object_type)

        def work(body: dict[str, Any]) -> tuple[int, Any]:
            record = store.require(store.find(kind, object_id, request.query_params.get("idProperty")))
            record = store.update(kind, record, dict(body.get("properties") or {}))
            return 200, store.to_json(record, list(record.properties))

        return await _run(store, request, _scope(kind, True), work)


def _install_controls(app: FastAPI, store: HubSpotStore) -> None:
    """The ``/_hubspot`` inspection and failure switches (no auth)."""

    @app.get("/_hubspot/objects/{object_type}")
    def inspect(object_type: str) -> list[dict[str, Any]]:
        """Every record of a type with all its values and associated ids (no auth; tests and demos)."""
        kind = _object_type(object_type)
        return [
            {
                **store.to_json(r, sorted(r.properties)),
                "associations": {t: store.associated(kind, r.id, t) for t in OBJECT_TYPES if t != kind},
            }
            for r in store.records(kind)
        ]

    @app.get("/_hubspot/writes")
    def writes() -> list[dict[str, Any]]:
        """Every successful write, oldest first."""
        return [asdict(w) for w in store.writes]

    @app.post("/_hubspot/failures")
    async def failures(request: Request) -> dict[str, Any]:
        """Simulate failures: ``fail_next``, ``outage_seconds``, ``rate_limit_next``, or ``recover``."""
        changes = await request.json()
        if not isinstance(changes, dict):
            changes = {}
        status, gate = int(changes.get("status", 500)), store.gate
        if changes.get("recover"):
            gate.recover()
        if "fail_next" in changes:
            gate.fail(int(changes["fail_next"]), status)
        if "outage_seconds" in changes:
            gate.outage(timedelta(seconds=float(changes["outage_seconds"])), status)
        if "rate_limit_next" in changes:
            gate.rate_limit(int(changes["rate_limit_next"]), int(changes.get("retry_after", 10)))
        if "search_lag_seconds" in changes:
            gate.search_lag(timedelta(seconds=float(changes["search_lag_seconds"])))
        switches: dict[str, Any] = json.loads(json.dumps(asdict(gate.switches), default=str))
        return switches


def create_hubspot_app(store: HubSpotStore) -> FastAPI:
    """A standalone app serving ``store`` as HubSpot's API at its root path."""
    app = FastAPI(title="HubSpot emulator", docs_url="/_hubspot/docs", openapi_url="/_hubspot/openapi.json")
    install(app, store)
    return app


class HubSpotServer(LoopbackServer):
    """``with HubSpotServer(store) as hubspot:`` serves the emulator at ``hubspot.url`` on loopback."""

    def __init__(self, store: HubSpotStore, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = store
        super().__init__(create_hubspot_app(store), host, port, name="hubspot-emulator")


__all__ = ["HubSpotServer", "create_hubspot_app", "install"]
