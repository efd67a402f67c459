"""Deliver leads to Salesforce as Lead records, through simple-salesforce and the REST API.

A first delivery upserts on an External ID text field of Lead (``external_id_field``, value: the
delivery key, stable per lead), so a repeated delivery updates instead of creating a second record
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm). A later
delivery, which knows the Lead Id reported last time (``lead.external_id``), updates that record by
id and never creates one. A lead with a campaign is made a CampaignMember of the Campaign of that
name (found by SOQL, cached); already being a member is success. The status a person set on the lead
is the Lead's ``Status`` (``mapping.DEFAULT_LEAD_STATUSES``, ``lead_statuses``); a change of it is
delivered again as an update (``models_status``). A value the org's picklist lacks is refused
(``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``), a permanent failure naming the field.

Sessions: with ``refresh_token`` (and the connected app's ``client_id``), a session Salesforce refuses
(``INVALID_SESSION_ID``: it timed out, a password was reset) is replaced through the OAuth refresh
token flow and the call tried again; without one, or when the refresh token is refused, the sink
needs an admin (deliveries wait).

Failures: ``INVALID_SESSION_ID`` (not cured by a refresh) needs an admin;
``REQUEST_LIMIT_EXCEEDED``, ``UNABLE_TO_LOCK_ROW``, timeouts and connection errors are retriable; a
duplicate-rule rejection (``DUPLICATES_DETECTED``) is permanent and names the matching records. Any
other answer goes by its status, as the bot's one HTTP failure policy says (``socialleads.http_failures``:
408/423/425/429/5xx retried, 403 needs an admin, other 4xx permanent). simple-salesforce keeps no
response headers in its errors, so a ``Retry-After`` cannot be read there; the token endpoint's is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import SalesforceError, SalesforceResourceNotFound
from simple_salesforce.format import format_external_id, format_soql

from connectors.salesforce.config import SalesforceConfig
from connectors.salesforce.mapping import DEFAULT_LEAD_STATUSES, lead_fields
from socialleads.contracts import ConnectorContext, Sink
from socialleads.errors import (
    AuthError,
    DeliveryError,
    PermanentDeliveryError,
    RetriableDeliveryError,
    SinkNeedsAdminError,
)
from socialleads.http_failures import (
    FailureAction,
    delivery_error,
    describe_cause,
    failure_action,
    retry_after,
)
from socialleads.models import Delivery, Health, HealthState, Lead
from socialleads.redact import MASK, REDACTOR

T = TypeVar("T")
#: Transient lock contention, documented as safe to retry
#: (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm).
RETRIABLE_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW"})
GONE_CODES = frozenset({"NOT_FOUND", "ENTITY_IS_DELETED"})
#: Where Salesforce differs from the core policy: a 300 is no redirect but an upsert whose external id
#: matches more than one record, which only that lead's records can settle
#: (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
SALESFORCE_ACTIONS = {300: FailureAction.PERMANENT}


def _errors(exc: SalesforceError) -> list[dict[str, Any]]:
    content = exc.content
    return [e for e in content if isinstance(e, dict)] if isinstance(content, list) else []


def _matched_ids(error: dict[str, Any]) -> list[str]:
    """The ids a duplicate rule matched; the REST JSON spells the key ``duplicateResut`` in real orgs."""
    detail = error.get("duplicateResult") or error.get("duplicateResut") or {}
    ids: list[str] = []
    for result in detail.get("matchResults") or []:
        for match in result.get("matchRecords") or []:
            record = match.get("record") or {}
            if record.get("Id"):
                ids.append(str(record["Id"]))
    return ids


class SessionRefused(SinkNeedsAdminError):
    """Salesforce refused the session (``INVALID_SESSION_ID``): a refresh may cure it."""


class SalesforceSink(Sink[SalesforceConfig]):
    """Upserts each lead as a Salesforce Lead and adds it to its campaign; safe to share across threads."""

    name = "salesforce"
    config_model = SalesforceConfig
    models_status = True

    def __init__(self, config: SalesforceConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        seconds = config.timeout.total_seconds()
        self._session = context.new_session(timeout=(min(seconds, 10.0), seconds))
        # Without an access token the first call is refused and the sink refreshes (refresh_token).
        self._token = config.access_token.get_secret_value() if config.access_token else ""
        self._sf = self._client(self._token)
        self._refresh_lock = threading.Lock()
        self._host = urlsplit(config.instance_url).hostname or ""
        self._campaigns: dict[str, str] = {}
        self._lock = threading.Lock()

    def _client(self, token: str) -> Salesforce:
        return Salesforce(
            instance_url=self.config.instance_url,
            session_id=token or "none",
            version=self.config.api_version,
            session=self._session,
        )

    def _refresh(self, refused: str) -> None:
        """Get a new session with the refresh token (OAuth 2.0 refresh token flow), unless another
        thread already replaced the ``refused`` one; raises ``SinkNeedsAdminError`` when Salesforce
        refuses the refresh token, ``RetriableDeliveryError`` when it cannot be reached.

        https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
        """
        c = self.config
        assert c.refresh_token is not None and c.client_id is not None
        with self._refresh_lock:
            if self._token != refused:
                return
            form = {"grant_type": "refresh_token", "client_id": c.client_id}
            form["refresh_token"] = c.refresh_token.get_secret_value()
            if c.client_secret is not None:
                form["client_secret"] = c.client_secret.get_secret_value()
            error: DeliveryError
            try:
                response = self._session.post(c.token_url, data=form, headers={"Accept": "application/json"})
            except requests.RequestException as exc:
                error = self._transport(exc, "refresh the access token")
            else:
                with response:
                    try:
                        answer = response.json()
                    except ValueError:
                        answer = {}
                    answer = answer if isinstance(answer, dict) else {}
                    token = answer.get("access_token")
                    if response.status_code == 200 and isinstance(token, str) and token:
                        self._token, self._sf = token, self._client(token)
                        self.context.logger.info("Salesforce %s: the session was refreshed", self._host)
                        return
                    code = str(answer.get("error") or f"HTTP {response.status_code}")
                    why = (
                        f"{code}: {answer['error_description']}" if answer.get("error_description") else code
                    )
                    wait = retry_after(response.headers.get("Retry-After"), self.context.clock())
                    action = failure_action(response.status_code, wait)
                    if action in (FailureAction.RETRY, FailureAction.WAIT):
                        text = self._scrub(f"Salesforce could not refresh the session ({why})")
                        error = delivery_error(action, text, wait)
                    else:  # a refused refresh token, whatever the status: only an admin can get a new one
                        error = SinkNeedsAdminError(
                            self._scrub(
                                f"Salesforce refused to refresh the session ({why}); authorize the "
                                "connected app again and set the sink's refresh_token"
                            )
                        )
        raise error

    def _sobject(self, name: str) -> SFType:
        handler = getattr(self._sf, name)
        assert isinstance(handler, SFType)
        return handler

    def _scrub(self, text: str) -> str:
        return REDACTOR.scrub(text.replace(self._token, MASK) if len(self._token) >= 4 else text)

    def _failure(self, exc: SalesforceError, what: str, record: str | None = None) -> DeliveryError:
        """The delivery error for an API error answer, built from codes and ids, never from URLs."""
        errors = _errors(exc)
        code = str(errors[0].get("errorCode") or "") if errors else ""
        where = f"Salesforce {self._host}"
        if exc.status == 401 or code == "INVALID_SESSION_ID":
            return SessionRefused(
                f"{where} rejected the access token (INVALID_SESSION_ID) while trying to {what}; "
                "renew the token in the sink's access_token, or set refresh_token and client_id"
            )
        if code == "REQUEST_LIMIT_EXCEEDED":
            return RetriableDeliveryError(
                f"{where}: the org's API request limit is used up (REQUEST_LIMIT_EXCEEDED)",
                retry_after=self.config.request_limit_retry.total_seconds(),
            )
        if code in RETRIABLE_CODES:
            return RetriableDeliveryError(f"{where} failed to {what}: HTTP {exc.status} {code}")
        if code == "DUPLICATES_DETECTED":
            ids = [i for e in errors for i in _matched_ids(e)]
            matched = ", ".join(ids) if ids else "records the API did not list"
            return PermanentDeliveryError(
                f"{where}: a duplicate rule blocked the new Lead; it matches existing record(s) {matched}. "
                "Merge or update that record, or let the rule allow the integration user's saves"
            )
        if code in GONE_CODES and record:
            return PermanentDeliveryError(
                f"Lead {record} no longer exists in {where} ({code}: deleted or merged); not created again"
            )
        if code == "CANNOT_UPDATE_CONVERTED_LEAD":
            return PermanentDeliveryError(f"{where}: Lead {record} was converted; update its Contact instead")
        action = failure_action(exc.status, None, SALESFORCE_ACTIONS)
        if action in (FailureAction.RETRY, FailureAction.WAIT):
            return delivery_error(action, f"{where} failed to {what}: HTTP {exc.status} {code}".rstrip())
        details = "; ".join(
            f"{e.get('errorCode')}: {e.get('message')}"
            + (f" ({', '.join(map(str, e['fields']))})" if e.get("fields") else "")
            for e in errors
        )
        text = f"{where} refused to {what}: HTTP {exc.status} {details}"
        if action is FailureAction.NEEDS_ADMIN:  # 403: the integration user's permissions, for every lead
            text += "; check the integration user's profile and permission sets"
        return delivery_error(action, self._scrub(text))

    def _transport(self, exc: requests.RequestException, what: str) -> DeliveryError:
        if isinstance(exc, requests.Timeout):
            return RetriableDeliveryError(f"Salesforce {self._host} timed out trying to {what}")
        why = describe_cause(exc)
        return RetriableDeliveryError(f"cannot reach Salesforce {self._host} to {what}: {why}")

    def _call(self, what: str, action: Callable[[], T], record: str | None = None) -> T:
        """Run one API call (on ``record``, when it is about one), turning what it raises into a
        ``DeliveryError``."""
        error: DeliveryError
        try:
            return action()
        except SalesforceError as exc:
            error = self._failure(exc, what, record)
        except requests.RequestException as exc:
            error = self._transport(exc, what)
        # Raised outside the except block: the library's exceptions carry URLs and response bodies.
        raise error

    def _fields(self, lead: Lead, placeholders: bool) -> dict[str, Any]:
        c = self.config
        return lead_fields(
            lead,
            lead_source=c.lead_source,
            unknown_company=c.unknown_company,
            unknown_last_name=c.unknown_last_name,
            answer_fields=c.answer_fields,
            placeholders=placeholders,
            lead_statuses={**DEFAULT_LEAD_STATUSES, **c.lead_statuses},
        )

    def _upsert(self, lead: Lead, key: str) -> str:
        field, lead_api = self.config.external_id_field, self._sobject("Lead")
        path, fields = format_external_id(field, key), self._fields(lead, True)
        response = self._call("upsert the Lead", lambda: lead_api.upsert(path, fields, raw_response=True))
        if response.status_code in (200, 201):
            try:
                return str(response.json()["id"])
            except (ValueError, KeyError, TypeError):
                pass  # an answer without the id: read it back like a 204
        # Before API v46.0 an update answers 204 without a body: read the id back.
        record = self._call("read the Lead back", lambda: lead_api.get_by_custom_id(field, key))
        return str(record["Id"])

    def _campaign_id(self, name: str) -> str | None:
        with self._lock:
            if name in self._campaigns:
                return self._campaigns[name]
        soql = format_soql("SELECT Id FROM Campaign WHERE Name = {} LIMIT 1", name)
        records = self._call("find the campaign", lambda: self._sf.query(soql)).get("records") or []
        if not records:
            return None
        with self._lock:
            self._campaigns[name] = str(records[0]["Id"])
            return self._campaigns[name]

    def _join_campaign(self, campaign: str, lead_id: str) -> str | None:
        """Make the Lead a member of ``campaign`` once; returns a note when there is no such campaign."""
        campaign_id = self._campaign_id(campaign)
        if campaign_id is None:
            self.context.logger.warning(
                "Salesforce has no Campaign named %r; Lead %s not added", campaign, lead_id
            )
            return f"no Campaign named {campaign!r} in Salesforce: the Lead was not added to a campaign"
        member: dict[str, Any] = {"CampaignId": campaign_id, "LeadId": lead_id}
        if self.config.campaign_member_status:
            member["Status"] = self.config.campaign_member_status
        error: DeliveryError
        try:
            self._sobject("CampaignMember").create(member)
            return None
        except SalesforceError as exc:
            codes = {str(e.get("errorCode")) for e in _errors(exc)}
            if "DUPLICATE_VALUE" in codes:  # already a member: what a repeated delivery expects
                return None
            if "INVALID_CROSS_REFERENCE_KEY" in codes:  # the cached campaign was deleted: look again
                with self._lock:
                    self._campaigns.pop(campaign, None)
                error = RetriableDeliveryError(
                    f"Salesforce campaign {campaign_id} is gone; looking it up again"
                )
            else:
                error = self._failure(exc, "add the Lead to its campaign")
        except requests.RequestException as exc:
            error = self._transport(exc, "add the Lead to its campaign")
        raise error

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """Upsert the Lead (or update the one reported last time by id), then join its campaign.

        A refused session is refreshed once when a refresh token is configured, and the delivery
        tried again (the upsert on the external id makes that safe). Raises
        ``RetriableDeliveryError``, ``PermanentDeliveryError`` or ``SinkNeedsAdminError``; see the
        module docstring.
        """
        session = self._token
        try:
            return self._deliver(lead, key)
        except SessionRefused:
            if self.config.refresh_token is None:
                raise
        self._refresh(session)
        return self._deliver(lead, key)

    def _deliver(self, lead: Lead, key: str) -> Delivery:
        if lead.external_id:
            lead_id = lead.external_id
            fields = {**self._fields(lead, False), self.config.external_id_field: key}
            self._call("update the Lead", lambda: self._sobject("Lead").update(lead_id, fields), lead_id)
        else:
            lead_id = self._upsert(lead, key)
        detail = self._join_campaign(lead.campaign, lead_id) if lead.campaign else None
        url = f"{self.config.instance_url}/lightning/r/Lead/{lead_id}/view"
        return Delivery(external_id=lead_id, url=url, detail=detail)

    def check(self) -> Health:
        """Read the org's API limits and probe the external-id field; raises ``AuthError`` for a bad token.

        A refused session is refreshed first when a refresh token is configured, as ``deliver`` does.
        """
        session = self._token
        try:
            return self._check()
        except AuthError:
            if self.config.refresh_token is None:
                raise
        try:
            self._refresh(session)
        except SinkNeedsAdminError as exc:
            raise AuthError(str(exc)) from None
        except RetriableDeliveryError as exc:
            return Health(state=HealthState.FAILING, summary=str(exc))
        return self._check()

    def _check(self) -> Health:
        problem: SalesforceError | None = None
        limits: dict[str, Any] = {}
        try:
            limits = self._sf.limits()
            self._sobject("Lead").get_by_custom_id(self.config.external_id_field, "socialleads-check")
        except SalesforceResourceNotFound as exc:
            # NOT_FOUND for the probe value is the healthy answer; an unknown field says so in the message.
            if "external ID field" in " ".join(str(e.get("message")) for e in _errors(exc)):
                problem = exc
        except SalesforceError as exc:
            problem = exc
        except requests.RequestException as exc:
            summary = f"cannot reach Salesforce {self._host}: {describe_cause(exc)}"
            return Health(state=HealthState.FAILING, summary=summary)
        if problem is not None:
            codes = " ".join(str(e.get("errorCode")) for e in _errors(problem))
            if problem.status == 401 or "INVALID_SESSION_ID" in codes:
                raise AuthError(
                    f"Salesforce {self._host} rejected the access token: renew access_token, "
                    "or set refresh_token and client_id"
                )
            messages = " ".join(str(e.get("message")) for e in _errors(problem))
            summary = self._scrub(f"Salesforce {self._host}: HTTP {problem.status} {codes}: {messages}")
            return Health(state=HealthState.FAILING, summary=summary)
        daily = limits.get("DailyApiRequests") or {}
        left, most = int(daily.get("Remaining", 0)), int(daily.get("Max", 0))
        summary = f"Salesforce {self._host}: the token works; {left} of {most} daily API requests left"
        state = HealthState.DEGRADED if most and left < most * 0.05 else HealthState.OK
        return Health(state=state, summary=summary)

    def close(self) -> None:
        """Close the HTTP session's pooled connections; called once when the bot stops."""
        self._session.close()
