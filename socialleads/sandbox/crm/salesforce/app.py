"""The Salesforce REST API emulator: what the Salesforce sink (through simple-salesforce) calls.

Routes, under ``/services/data/vXX.X/`` with ``Authorization: Bearer <session id>``
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_rest_resources.htm):

- ``PATCH /sobjects/Lead/{ExternalIdField}/{value}``: upsert. 201 ``{"id", "success", "errors",
  "created": true}`` on create; on update 200 with ``"created": false`` from API v46.0, 204 before
  (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm).
- ``PATCH /sobjects/Lead/{id}``: update by id, 204. ``GET /sobjects/{Lead|Campaign|CampaignMember}/{id}``
  and ``GET /sobjects/Lead/{ExternalIdField}/{value}``.
- ``POST /sobjects/CampaignMember``: 201; a second membership of the same Lead is ``DUPLICATE_VALUE``.
- ``GET /query?q=``: the SOQL subset ``SELECT f1, f2 FROM Obj [WHERE Field = 'literal'] [LIMIT n]``.
- ``GET /limits``: ``DailyApiRequests``.
- ``POST /services/oauth2/token`` (the login host's): the refresh token flow for connected apps
  registered with ``SalesforceOrg.connect_app``; sessions end with ``expire_sessions``.

Errors are Salesforce's JSON list ``[{"message", "errorCode", "fields"}]``: ``INVALID_SESSION_ID`` 401,
``REQUEST_LIMIT_EXCEEDED`` 403, ``REQUIRED_FIELD_MISSING``/``INVALID_FIELD``/``STRING_TOO_LONG``/
``DUPLICATES_DETECTED``/``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`` (a Lead ``Status`` the org's
picklist lacks; a new Lead without one gets the picklist's default) 400,
``NOT_FOUND``/``ENTITY_IS_DELETED`` 404, 5xx during an outage. Controls:
``SalesforceOrg`` methods, or ``POST /_sandbox/salesforce`` with ``{"outage_seconds", "outage_status",
"exhaust_api_limit", "duplicate_rule"}``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from socialleads.sandbox.crm.salesforce.org import OAuthFault, SalesforceOrg
from socialleads.sandbox.crm.salesforce.shapes import SalesforceFault, not_found

_VERSION = re.compile(r"^v(\d{2})\.0$")
_SOQL = re.compile(
    r"^\s*SELECT\s+(?P<fields>\w+(?:\s*,\s*\w+)*)\s+FROM\s+(?P<obj>\w+)"
    r"(?:\s+WHERE\s+(?P<field>\w+)\s*=\s*'(?P<value>(?:[^'\\]|\\.)*)')?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE,
)
_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")


def _version(text: str) -> str:
    """The path's version (``v59.0``); unknown versions are NOT_FOUND, as on a real instance."""
    match = _VERSION.match(text)
    if not match or not 31 <= int(match.group(1)) <= 66:
        raise not_found()
    return text


def _attributes(sobject: str, record: dict[str, Any], version: str) -> dict[str, Any]:
    url = f"/services/data/{version}/sobjects/{sobject}/{record['Id']}"
    return {"attributes": {"type": sobject, "url": url}}


def _query(org: SalesforceOrg, soql: str, version: str) -> dict[str, Any]:
    match = _SOQL.match(soql or "")
    if not match:
        raise SalesforceFault(400, "MALFORMED_QUERY", f"unexpected token: '{(soql or '').split()[:1]}'")
    sobject = next((s for s in org.records if s.lower() == match["obj"].lower()), None)
    if sobject is None:
        raise SalesforceFault(400, "INVALID_TYPE", f"sObject type '{match['obj']}' is not supported.")
    known = {"Id", "Name", "IsActive", "CampaignId", "LeadId", "Status", *org.fields}
    wanted = [f.strip() for f in match["fields"].split(",")]
    for name in [*wanted, *([match["field"]] if match["field"] else [])]:
        if name not in known:
            raise SalesforceFault(400, "INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'.")
    value = re.sub(r"\\(.)", r"\1", match["value"]) if match["field"] else None
    rows = [r for r in org.records[sobject].values() if not r.get("IsDeleted")]
    if match["field"]:
        rows = [r for r in rows if str(r.get(match["field"], "")) == value]
    rows = rows[: int(match["limit"])] if match["limit"] else rows
    records = [{**_attributes(sobject, r, version), **{f: r.get(f) for f in wanted}} for r in rows]
    return {"totalSize": len(records), "done": True, "records": records}


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise SalesforceFault(400, "JSON_PARSER_ERROR", "Unexpected character in request body") from None
    if not isinstance(body, dict):
        raise SalesforceFault(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of SObject from array")
    return body


def _record(org: SalesforceOrg, sobject: str, rest: list[str], version: str) -> dict[str, Any]:
    if sobject not in org.records:
        raise SalesforceFault(404, "NOT_FOUND", f"The requested resource does not exist: {sobject}")
    if len(rest) == 2 and sobject == "Lead":
        found = org.by_external_id(rest[0], rest[1])
        if not found:
            raise not_found()
        if len(found) > 1:
            raise SalesforceFault(300, "MULTIPLE_CHOICES", "More than one record matches")
        record = found[0]
    elif len(rest) == 1 and _ID.match(rest[0]):
        record = org.find(sobject, rest[0])
    else:
        raise not_found()
    return {**_attributes(sobject, record, version), **record}


def _dispatch(
    org: SalesforceOrg, method: str, parts: list[str], version: str, request_body: bytes
) -> Response:
    """One API call after admission: routes by method and path segments below the version."""
    if method == "GET" and parts == ["limits"]:
        remaining = org.daily_api_limit - org.api_used
        return JSONResponse({"DailyApiRequests": {"Max": org.daily_api_limit, "Remaining": remaining}})
    if method == "GET" and parts == ["query"]:
        raise not_found()  # reached only without ?q=; the route below handles queries
    if len(parts) < 2 or parts[0] != "sobjects":
        raise not_found()
    sobject, rest = parts[1], parts[2:]
    if method == "GET" and rest:
        return JSONResponse(_record(org, sobject, rest, version))
    if method == "POST" and sobject == "CampaignMember" and not rest:
        new_id = org.add_member(_body(request_body))
        return JSONResponse({"id": new_id, "success": True, "errors": []}, status_code=201)
    if method == "PATCH" and sobject == "Lead" and len(rest) == 2:
        lead_id, created = org.upsert_lead(rest[0], rest[1], _body(request_body), version)
        answer = {"id": lead_id, "success": True, "errors": [], "created": created}
        if created:
            return JSONResponse(answer, status_code=201)
        if int(version[1:3]) >= 46:
            return JSONResponse(answer, status_code=200)
        return Response(status_code=204)
    if method == "PATCH" and sobject == "Lead" and len(rest) == 1:
        org.update_lead(rest[0], _body(request_body))
        return Response(status_code=204)
    if method in ("GET", "POST", "PATCH") and sobject in org.records:
        raise SalesforceFault(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed.")
    raise not_found()


def create_salesforce_app(org: SalesforceOrg) -> FastAPI:
    """The emulator app over ``org``; serve it with ``socialleads.sandbox.loopback.LoopbackServer``."""
    app = FastAPI(title="Salesforce emulator", docs_url=None, redoc_url=None, openapi_url=None)

    async def answer(request: Request, version: str, parts: list[str]) -> Response:
        headers = {"Sforce-Limit-Info": org.limit_info()}
        try:
            checked = _version(version)
            org.admit(request.headers.get("Authorization"))
            if request.method == "GET" and parts == ["query"] and "q" in request.query_params:
                response: Response = JSONResponse(_query(org, request.query_params["q"], checked))
            else:
                response = _dispatch(org, request.method, parts, checked, await request.body())
        except SalesforceFault as fault:
            response = JSONResponse(fault.body, status_code=fault.status)
        response.headers.update({**headers, "Sforce-Limit-Info": org.limit_info()})
        return response

    @app.api_route("/services/data/{version}/{path:path}", methods=["GET", "POST", "PATCH", "DELETE"])
    async def api(version: str, path: str, request: Request) -> Response:
        """Every REST call: version, outage, session and allocation checks, then the resource."""
        return await answer(request, version, [p for p in path.split("/") if p])

    @app.post("/services/oauth2/token")
    async def token(request: Request) -> Response:
        """The refresh token flow: a form-encoded POST, a JSON answer (400 with ``error`` on refusal)."""
        form = {
            k: v[-1] for k, v in parse_qs((await request.body()).decode(), keep_blank_values=True).items()
        }
        try:
            return JSONResponse(org.refresh(form))
        except OAuthFault as fault:
            return JSONResponse(fault.body, status_code=400)

    @app.post("/_sandbox/salesforce")
    async def control(request: Request) -> dict[str, Any]:
        """Switch faults on: an outage of N seconds, the daily allocation used up, the duplicate rule."""
        changes = _body(await request.body())
        if "outage_seconds" in changes:
            org.outage(float(changes["outage_seconds"]), int(changes.get("outage_status", 500)))
        if changes.get("exhaust_api_limit"):
            org.exhaust_api_limit()
        if "duplicate_rule" in changes:
            org.duplicate_rule = bool(changes["duplicate_rule"])
        return {"api_usage": org.limit_info(), "duplicate_rule": org.duplicate_rule}

    return app


__all__ = ["SalesforceFault", "SalesforceOrg", "create_salesforce_app"]
