"""The state behind the Salesforce emulator: one org's Leads, Campaigns and CampaignMembers, and its faults.

Validation follows the REST API's documented answers (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm):
required fields, field lengths, unknown and read-only fields, a blocking duplicate rule on Lead email,
the daily API request allocation, and ``Sforce-Limit-Info``. Ids are real-looking 18-character ids with
the case-safe suffix, so a client that shortens or compares them behaves as it would against an org.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from socialleads.contracts import utc_now
from socialleads.sandbox.crm.salesforce.shapes import (
    PREFIX,
    SalesforceFault,
    duplicates_detected,
    missing_fields,
    not_found,
    record_id,
)

#: Writable standard Lead fields and their lengths (Lead object reference, "Fields").
LEAD_FIELDS: dict[str, int] = {
    "FirstName": 40, "LastName": 80, "Company": 255, "Email": 80, "Phone": 40, "MobilePhone": 40,
    "Title": 128, "LeadSource": 255, "Description": 32000, "City": 40, "Country": 80, "Status": 255,
    "Rating": 255, "Industry": 255, "Website": 255, "OwnerId": 18,
}  # fmt: skip
READ_ONLY = frozenset({"Id", "CreatedDate", "LastModifiedDate", "IsConverted", "IsDeleted"})
#: A new org's Lead Status picklist, the first value its default. The picklist is restricted: another
#: value is refused (LeadStatus: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_leadstatus.htm).
DEFAULT_LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
REQUIRED = ("LastName", "Company")
LABELS = {"LastName": "Last Name", "Company": "Company", "FirstName": "First Name", "Email": "Email"}


class OAuthFault(Exception):
    """An OAuth endpoint's refusal: HTTP 400 with ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.body = {"error": error, "error_description": description}


class SalesforceOrg:
    """One org: records, tokens that work, the external-id fields on Lead, and switches for faults.

    Thread-safe; the emulator app calls it from uvicorn's threads while tests inspect it.
    """

    def __init__(
        self,
        tokens: Iterable[str] = ("sf-sandbox-token",),
        external_id_fields: Iterable[str] = ("Socialleads_Key__c",),
        custom_fields: Iterable[str] = (),
        daily_api_limit: int = 15000,
        duplicate_rule: bool = True,
        clock: Callable[[], datetime] = utc_now,
        instance_url: str = "https://acme.my.salesforce.com",
        lead_statuses: Iterable[str] = DEFAULT_LEAD_STATUSES,
    ) -> None:
        self.tokens = set(tokens)
        self.lead_statuses = tuple(lead_statuses)
        """The Lead Status picklist, its default first."""
        self.instance_url = instance_url
        self.external_id_fields = set(external_id_fields)
        self.fields = {**LEAD_FIELDS, **dict.fromkeys(self.external_id_fields, 255)}
        self.fields.update(dict.fromkeys(custom_fields, 255))
        self.daily_api_limit = daily_api_limit
        self.api_used = 0
        self.duplicate_rule = duplicate_rule
        self.clock = clock
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in PREFIX}
        self.lead_writes: list[str | None] = []
        """The external-id value each Lead write carried, in order (what tests call the delivery keys)."""
        self._outage: tuple[datetime, int] | None = None
        self.apps: dict[str, str | None] = {}
        """Connected apps that may refresh sessions: consumer key → secret (None: no secret required)."""
        self.refresh_tokens: dict[str, str] = {}
        """Refresh token → the consumer key it was issued to."""
        self.refreshes = 0
        self._count = 0
        self._lock = threading.RLock()

    # --- controls ---------------------------------------------------------------------------------

    def outage(self, seconds: float, status: int = 500) -> None:
        """Answer every API call with ``status`` for ``seconds`` of the org's clock."""
        with self._lock:
            self._outage = (self.clock() + timedelta(seconds=seconds), status)

    def connect_app(self, client_id: str, client_secret: str | None, refresh_token: str) -> None:
        """A connected app, authorized once by a person: its refresh token gets new sessions."""
        with self._lock:
            self.apps[client_id] = client_secret
            self.refresh_tokens[refresh_token] = client_id

    def expire_sessions(self) -> None:
        """Every session ends (timeout, a password reset): API calls answer ``INVALID_SESSION_ID``."""
        with self._lock:
            self.tokens.clear()

    def revoke(self, refresh_token: str) -> None:
        """An admin revokes the app's access: its refresh token answers ``invalid_grant``."""
        with self._lock:
            self.refresh_tokens.pop(refresh_token, None)

    def refresh(self, form: dict[str, str]) -> dict[str, Any]:
        """The OAuth 2.0 refresh token flow: a new session for a valid refresh token, as
        ``POST /services/oauth2/token`` answers it (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm).
        Raises ``OAuthFault`` with the platform's ``error`` codes."""
        with self._lock:
            if form.get("grant_type") != "refresh_token":
                raise OAuthFault("unsupported_grant_type", "grant type not supported")
            client_id = form.get("client_id", "")
            if client_id not in self.apps:
                raise OAuthFault("invalid_client_id", "client identifier invalid")
            secret = self.apps[client_id]
            if secret is not None and form.get("client_secret") != secret:
                raise OAuthFault("invalid_client", "invalid client credentials")
            if self.refresh_tokens.get(form.get("refresh_token", "")) != client_id:
                raise OAuthFault("invalid_grant", "expired access/refresh token")
            self.refreshes += 1
            token = f"00D5g000004sbox!AQ0AQsandbox.session.{self.refreshes}"
            self.tokens.add(token)
            issued = str(int(self.clock().timestamp() * 1000))
            return {
                "access_token": token,
                "instance_url": self.instance_url,
                "id": f"https://login.salesforce.com/id/00D5g000004sbox/0055g00000Int{self.refreshes:02d}",
                "token_type": "Bearer",
                "issued_at": issued,
                "signature": "c2FuZGJveA==",
                "scope": "api refresh_token",
            }

    def exhaust_api_limit(self) -> None:
        """Use up the daily allocation: calls answer 403 ``REQUEST_LIMIT_EXCEEDED``."""
        with self._lock:
            self.api_used = self.daily_api_limit

    def add_campaign(self, name: str) -> str:
        """Create an active Campaign; returns its id."""
        return self._insert("Campaign", {"Name": name, "IsActive": True})

    def add_lead(self, **fields: Any) -> str:
        """Create a Lead as a person would in the UI (no rules run); returns its id."""
        return self._insert("Lead", {"IsConverted": False, **fields})

    def convert_lead(self, lead_id: str) -> None:
        """Mark a Lead converted, as the Convert button does; it can no longer be updated."""
        with self._lock:
            self.records["Lead"][lead_id]["IsConverted"] = True

    def delete_lead(self, lead_id: str) -> None:
        """Move a Lead to the recycle bin: reads and updates answer ``ENTITY_IS_DELETED``."""
        with self._lock:
            self.records["Lead"][lead_id]["IsDeleted"] = True

    def leads(self) -> list[dict[str, Any]]:
        """Copies of the Leads that are not deleted, oldest first."""
        with self._lock:
            return [dict(r) for r in self.records["Lead"].values() if not r.get("IsDeleted")]

    def members(self) -> list[dict[str, Any]]:
        """Copies of every CampaignMember."""
        with self._lock:
            return [dict(r) for r in self.records["CampaignMember"].values()]

    # --- what every call goes through ---------------------------------------------------------------

    def admit(self, authorization: str | None) -> None:
        """Outage, then the session, then the daily allocation, as the platform checks them."""
        with self._lock:
            if self._outage is not None:
                until, status = self._outage
                if self.clock() < until:
                    if status == 503:
                        raise SalesforceFault(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable.")
                    raise SalesforceFault(
                        status, "UNKNOWN_EXCEPTION", "An unexpected error occurred. ErrorId: 1183-4471 (-601)"
                    )
                self._outage = None
            token = (authorization or "").removeprefix("Bearer ").removeprefix("OAuth ").strip()
            if token not in self.tokens:
                raise SalesforceFault(401, "INVALID_SESSION_ID", "Session expired or invalid")
            if self.api_used >= self.daily_api_limit:
                raise SalesforceFault(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            self.api_used += 1

    def limit_info(self) -> str:
        """The ``Sforce-Limit-Info`` header value."""
        return f"api-usage={self.api_used}/{self.daily_api_limit}"

    # --- records ------------------------------------------------------------------------------------

    def _insert(self, sobject: str, fields: dict[str, Any]) -> str:
        with self._lock:
            self._count += 1
            new_id = record_id(sobject, self._count)
            stamp = self.clock().isoformat(timespec="milliseconds").replace("+00:00", "+0000")
            self.records[sobject][new_id] = {"Id": new_id, "CreatedDate": stamp, **fields}
            return new_id

    def find(self, sobject: str, ident: str) -> dict[str, Any]:
        """The record with id ``ident`` (15 or 18 characters); raises ``SalesforceFault``."""
        with self._lock:
            for rid, record in self.records.get(sobject, {}).items():
                if ident in (rid, rid[:15]):
                    if record.get("IsDeleted"):
                        raise SalesforceFault(404, "ENTITY_IS_DELETED", "entity is deleted")
                    return record
            raise not_found()

    def by_external_id(self, field: str, value: str) -> list[dict[str, Any]]:
        """Leads whose external-id ``field`` equals ``value``; raises NOT_FOUND for another field."""
        if field not in self.external_id_fields:
            raise SalesforceFault(
                404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}"
            )
        with self._lock:
            return [
                r for r in self.records["Lead"].values() if r.get(field) == value and not r.get("IsDeleted")
            ]

    def _check_fields(self, body: dict[str, Any]) -> None:
        for name, value in body.items():
            if name in READ_ONLY:
                message = f"Unable to create/update fields: {name}."
                raise SalesforceFault(400, "INVALID_FIELD_FOR_INSERT_UPDATE", message, [name])
            if name not in self.fields:
                raise SalesforceFault(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type Lead"
                )
            if name == "Status" and value not in self.lead_statuses:
                message = f"Lead Status: bad value for restricted picklist field: {value}"
                raise SalesforceFault(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message, [name])
            if isinstance(value, str) and len(value) > self.fields[name]:
                label = LABELS.get(name, name)
                message = f"{label}: data value too large: {value[:20]}... (max length={self.fields[name]})"
                raise SalesforceFault(400, "STRING_TOO_LONG", message, [name])

    def _duplicates(self, body: dict[str, Any], version: str) -> None:
        email = str(body.get("Email") or "").lower()
        if not (self.duplicate_rule and email):
            return
        found = [r["Id"] for r in self.leads() if str(r.get("Email") or "").lower() == email]
        if not found:
            return
        raise duplicates_detected(found, version)

    def upsert_lead(self, field: str, value: str, body: dict[str, Any], version: str) -> tuple[str, bool]:
        """Create or update the Lead whose ``field`` is ``value``; returns (id, created)."""
        with self._lock:
            self._check_fields(body)
            found = self.by_external_id(field, value)
            if len(found) > 1:
                raise SalesforceFault(300, "MULTIPLE_CHOICES", f"More than one Lead has {field} = {value}")
            self.lead_writes.append(value)
            if found:
                return self._update(found[0], body), False
            merged = {**body, field: value}
            missing = [name for name in REQUIRED if not merged.get(name)]
            if missing:
                raise missing_fields(missing)
            self._duplicates(merged, version)
            # A Lead created without a status gets the picklist's default, as in an org.
            return self.add_lead(**{"Status": self.lead_statuses[0], **merged}), True

    def update_lead(self, lead_id: str, body: dict[str, Any]) -> str:
        """Update a Lead by id (``PATCH /sobjects/Lead/{id}``); returns the id."""
        with self._lock:
            record = self.find("Lead", lead_id)
            self._check_fields(body)
            self.lead_writes.append(next((body[f] for f in self.external_id_fields if f in body), None))
            return self._update(record, body)

    def _update(self, record: dict[str, Any], body: dict[str, Any]) -> str:
        if record.get("IsConverted"):
            raise SalesforceFault(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
        for name in REQUIRED:
            if name in body and not body[name]:
                raise missing_fields([name])
        record.update(body)
        record["LastModifiedDate"] = self.clock().isoformat(timespec="milliseconds")
        return str(record["Id"])

    def add_member(self, body: dict[str, Any]) -> str:
        """``POST /sobjects/CampaignMember``: a Lead joins a Campaign once."""
        with self._lock:
            campaign, lead = str(body.get("CampaignId") or ""), str(body.get("LeadId") or "")
            if not campaign or not lead:
                raise missing_fields([n for n in ("CampaignId", "LeadId") if not body.get(n)])
            for sobject, ident in (("Campaign", campaign), ("Lead", lead)):
                try:
                    self.find(sobject, ident)
                except SalesforceFault:
                    message = f"invalid cross reference id: {ident}"
                    raise SalesforceFault(400, "INVALID_CROSS_REFERENCE_KEY", message) from None
            for member in self.records["CampaignMember"].values():
                if member["CampaignId"][:15] == campaign[:15] and member["LeadId"][:15] == lead[:15]:
                    raise SalesforceFault(400, "DUPLICATE_VALUE", "Already a campaign member.")
            status = body.get("Status") or "Sent"
            return self._insert("CampaignMember", {"CampaignId": campaign, "LeadId": lead, "Status": status})
