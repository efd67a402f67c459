"""The Pipedrive API v1 emulator: what the Pipedrive sink calls, with Pipedrive's envelope and limits.

Routes under ``/v1/`` (and ``/api/v1/``, the company-domain form), authenticated by the ``api_token``
query parameter or the ``x-api-token`` header (https://pipedrive.readme.io/docs/core-api-concepts-authentication):

- ``GET /persons/search?term=&fields=email|phone|name&exact_match=``, ``GET /persons/{id}``,
  ``POST /persons``, ``PUT /persons/{id}`` (https://developers.pipedrive.com/docs/api/v1/Persons).
- ``POST /leads`` (``title``, ``person_id``, ``label_ids``, custom deal-field keys), ``GET /leads``
  (``person_id``, ``archived_status``), ``GET /leads/{id}``, ``PATCH /leads/{id}``; JSON bodies only
  (https://developers.pipedrive.com/docs/api/v1/Leads). ``GET /leadLabels``, ``POST /leadLabels``
  (``name``, ``color``: https://developers.pipedrive.com/docs/api/v1/LeadLabels).
- ``POST /notes`` on a ``lead_id`` or ``person_id`` (https://developers.pipedrive.com/docs/api/v1/Notes).

Answers are ``{"success": true, "data": ..., "additional_data": ...}``; errors ``{"success": false,
"error": ..., "error_info": ...}``: 400 validation, 401 ``unauthorized access``, 404, 429 with
``Retry-After`` and ``x-ratelimit-reset``, 5xx during an outage. Controls: ``PipedriveAccount``
methods, or ``POST /_sandbox/pipedrive`` with ``{"outage_seconds", "outage_status", "throttle_seconds"}``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from socialleads.sandbox.crm.pipedrive.account import (
    ERROR_INFO,
    PipedriveAccount,
    PipedriveFault,
    digits,
    person_changes,
)

SEARCH_FIELDS = frozenset({"custom_fields", "email", "notes", "phone", "name"})


def _ok(data: Any, status: int = 200, additional: Any = None) -> JSONResponse:
    return JSONResponse({"success": True, "data": data, "additional_data": additional}, status_code=status)


def _error(fault: PipedriveFault) -> Response:
    if fault.status == 401:
        body: dict[str, Any] = {
            "success": False,
            "error": "unauthorized access",
            "errorCode": 401,
            "error_info": "Please check developers.pipedrive.com",
        }
    elif fault.status >= 502:  # gateway errors come from the edge, not the API: no envelope
        return PlainTextResponse("upstream connect error or disconnect/reset before headers", fault.status)
    else:
        body = {
            "success": False,
            "error": fault.error,
            "errorCode": fault.status,
            "error_info": ERROR_INFO,
            "data": None,
            "additional_data": None,
        }
    return JSONResponse(body, status_code=fault.status, headers=fault.headers)


def _search(account: PipedriveAccount, params: dict[str, str]) -> JSONResponse:
    term, exact = params.get("term", ""), params.get("exact_match", "").lower() in ("true", "1")
    fields = [f for f in params.get("fields", "email,phone,name,notes,custom_fields").split(",") if f]
    if len(term) < (1 if exact else 2):
        raise PipedriveFault(400, "Search term must be at least 2 characters long")
    if set(fields) - SEARCH_FIELDS:
        raise PipedriveFault(
            400, f"Invalid field(s) to search: {', '.join(sorted(set(fields) - SEARCH_FIELDS))}"
        )

    def hit(value: str, field: str) -> bool:
        if field == "phone":
            mine, wanted = digits(value), digits(term)
            return bool(wanted) and (mine == wanted if exact else wanted in mine)
        return value.casefold() == term.casefold() if exact else term.casefold() in value.casefold()

    items = []
    for person in account.persons.values():
        values = {
            "email": [e["value"] for e in person["email"] if e["value"]],
            "phone": [p["value"] for p in person["phone"] if p["value"]],
            "name": [person["name"]],
        }
        if any(hit(v, f) for f in fields for v in values.get(f, [])):
            item = {
                **{"id": person["id"], "type": "person", "name": person["name"]},
                **{"phones": values["phone"], "emails": values["email"], "visible_to": 3},
                **{"owner": {"id": 1}, "organization": None, "custom_fields": [], "notes": []},
                "update_time": person["update_time"],
            }
            items.append({"result_score": 1.0 if exact else 0.5, "item": item})
    pagination = {"start": 0, "limit": 100, "more_items_in_collection": False}
    return _ok({"items": items}, additional={"pagination": pagination})


def _dispatch(
    account: PipedriveAccount, method: str, parts: list[str], params: dict[str, str], body: Any
) -> Response:
    """One admitted call, routed on the method and the path segments after ``v1``."""
    now = account.clock().isoformat(timespec="milliseconds").replace("+00:00", "Z")
    match method, parts:
        case "GET", ["persons", "search"]:
            return _search(account, params)
        case "GET", ["persons", ident] if ident.isdigit() and int(ident) in account.persons:
            return _ok(account.persons[int(ident)])
        case "POST", ["persons"]:
            changes = person_changes(body, creating=True)
            person_id = account.add_person(changes["name"])
            account.persons[person_id].update(changes)
            return _ok(account.persons[person_id], 201)
        case "PUT", ["persons", ident] if ident.isdigit() and int(ident) in account.persons:
            person = account.persons[int(ident)]
            person.update({**person_changes(body, creating=False), "update_time": account.stamp()})
            return _ok(person)
        case "GET", ["leadLabels"]:
            return _ok(list(account.labels.values()))
        case "POST", ["leadLabels"]:
            return _ok(account.create_label(body))
        case "GET", ["leads"]:
            leads = list(account.leads.values())
            if "person_id" in params:
                leads = [x for x in leads if str(x["person_id"]) == params["person_id"]]
            archived = params.get("archived_status", "all")
            if archived != "all":
                leads = [x for x in leads if x["is_archived"] == (archived == "archived")]
            return _ok(
                leads,
                additional={"pagination": {"start": 0, "limit": 100, "more_items_in_collection": False}},
            )
        case "POST", ["leads"]:
            fields = account.check_lead(body, creating=True)
            lead_id = str(uuid.uuid4())
            account.leads[lead_id] = {
                **{"id": lead_id, "owner_id": 1, "creator_id": 1, "label_ids": [], "person_id": None},
                **{"organization_id": None, "source_name": "API", "origin": "API", "is_archived": False},
                **{"was_seen": False, "value": None, "expected_close_date": None, "next_activity_id": None},
                **{"add_time": now, "update_time": now, "visible_to": "3"},
                **fields,
            }
            return _ok(account.leads[lead_id], 201)
        case "GET", ["leads", lead_id]:
            return _ok(account.lead(lead_id))
        case "PATCH", ["leads", lead_id]:
            lead = account.lead(lead_id)
            lead.update({**account.check_lead(body, creating=False), "update_time": now})
            return _ok(lead)
        case "POST", ["notes"]:
            return _ok(account.add_note(body), 201)
        case _, ["persons", _, *_]:
            raise PipedriveFault(404, "Person not found")
    raise PipedriveFault(404, "Unknown method .")


def create_pipedrive_app(account: PipedriveAccount) -> FastAPI:
    """The emulator app over ``account``; serve it with ``socialleads.sandbox.loopback.LoopbackServer``."""
    app = FastAPI(title="Pipedrive emulator", docs_url=None, redoc_url=None, openapi_url=None)

    async def answer(request: Request, path: str) -> Response:
        params = dict(request.query_params)
        token = params.pop("api_token", None) or request.headers.get("x-api-token")
        parts = [p for p in path.split("/") if p]
        headers: dict[str, str] = {}
        try:
            headers = account.admit(token, request.method, "/" + "/".join(parts))
            raw = await request.body()
            is_json = request.headers.get("content-type", "").startswith("application/json")
            if request.method in ("POST", "PATCH") and parts[:1] == ["leads"] and not is_json:
                raise PipedriveFault(415, "Leads accept JSON bodies only (Content-Type: application/json)")
            body = json.loads(raw) if raw and is_json else dict(parse_qsl(raw.decode()))
            if not isinstance(body, dict):
                raise PipedriveFault(400, "Malformed JSON body: expected an object")
            with account.lock:
                response = _dispatch(account, request.method, parts, params, body)
        except PipedriveFault as fault:
            response = _error(fault)
        except ValueError:
            response = _error(PipedriveFault(400, "Malformed JSON body"))
        response.headers.update(headers)
        return response

    for prefix in ("/v1", "/api/v1"):
        app.add_api_route(prefix + "/{path:path}", answer, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])

    @app.post("/_sandbox/pipedrive")
    async def control(request: Request) -> dict[str, Any]:
        """Switch faults on: an outage of N seconds (with a status), or 429 for N seconds."""
        changes = json.loads(await request.body() or b"{}")
        if "outage_seconds" in changes:
            account.outage(float(changes["outage_seconds"]), int(changes.get("outage_status", 500)))
        if "throttle_seconds" in changes:
            account.throttle(float(changes["throttle_seconds"]))
        return {"ok": True}

    return app


__all__ = ["PipedriveAccount", "PipedriveFault", "create_pipedrive_app"]
