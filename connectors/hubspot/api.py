"""The few HubSpot CRM v3 calls the sink makes, through hubspot-api-client, with failures made plain.

Each method returns plain values or raises ``HubSpotFailure`` (HubSpot answered an error: status,
category, message, ``Retry-After``) or ``HubSpotUnreachable`` (no answer). Neither carries the token,
a URL or a request body, and neither chains the client's exception (whose ``str`` prints the whole
response). The client's urllib3 pool retries connection failures only and never sleeps on 429:
urllib3 otherwise honours ``Retry-After`` itself for GETs, blocking the dispatcher's thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

import urllib3
from hubspot import HubSpot
from hubspot.crm import contacts, deals, properties
from hubspot.crm.objects import notes
from urllib3.util.retry import Retry

from socialleads.http_failures import describe_cause, retry_after

T = TypeVar("T")
#: Each generated package of the client has its own exception classes.
_API_ERRORS = (contacts.ApiException, deals.ApiException, notes.ApiException, properties.ApiException)
_CLIENT_ERRORS = (
    contacts.OpenApiException,
    deals.OpenApiException,
    notes.OpenApiException,
    properties.OpenApiException,
    ValueError,
)
#: Seconds to wait per rate-limit policy when a 429 has no Retry-After
#: (https://developers.hubspot.com/docs/api/usage-details#rate-limits).
_POLICY_WAIT = {"SECONDLY": 1.0, "TEN_SECONDLY_ROLLING": 10.0, "DAILY": 3600.0}


class Written(NamedTuple):
    """A contact HubSpot wrote: its id, and the property values its answer carried (not always all)."""

    id: str
    properties: dict[str, str | None]


def _written(record: Any) -> Written:
    return Written(str(record.id), dict(getattr(record, "properties", None) or {}))


class HubSpotFailure(Exception):
    """HubSpot answered with an error status; ``body`` is its parsed JSON (empty when it was not JSON)."""

    def __init__(self, status: int, body: dict[str, Any], retry_after: float | None) -> None:
        self.status = status
        self.body = body
        self.category = str(body.get("category") or body.get("errorType") or "")
        self.message = str(body.get("message") or "")
        self.retry_after = retry_after
        super().__init__(f"HTTP {status} {self.category}".strip())


class HubSpotUnreachable(Exception):
    """No answer from HubSpot: connection refused, timeout, TLS failure, or an unreadable answer."""


def _failure(exc: Any, now: datetime) -> HubSpotFailure:
    status = int(getattr(exc, "status", 0) or 0)
    try:
        body = json.loads(exc.body or b"{}")
    except (TypeError, ValueError):
        body = {}
    body = body if isinstance(body, dict) else {}
    wait = retry_after((exc.headers or {}).get("Retry-After"), now)
    if wait is None and status == 429:
        wait = _POLICY_WAIT.get(str(body.get("policyName") or ""))
    return HubSpotFailure(status, body, wait)


class HubSpotApi:
    """The sink's HubSpot calls over one client; thread-safe (urllib3's pool is)."""

    def __init__(self, token: str, base_url: str, timeout: float, clock: Callable[[], datetime]) -> None:
        retry = Retry(
            total=2,
            connect=2,
            read=0,
            status=0,
            other=0,
            redirect=0,
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        # Every generated package reads ``host`` from this config (DiscoveryBase sets it on each one).
        client = HubSpot(access_token=token, retry=retry, host=base_url.rstrip("/"))
        self._timeout = (timeout, timeout)
        self._clock = clock
        # The discovery properties build a new ApiClient (and connection pool) on every access: keep one each.
        self._contacts_basic = client.crm.contacts.basic_api
        self._contacts_batch = client.crm.contacts.batch_api
        self._contacts_search = client.crm.contacts.search_api
        self._deals = client.crm.deals.basic_api
        self._notes = client.crm.objects.notes.basic_api
        self._properties = client.crm.properties.core_api

    def _call(self, action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return action(*args, _request_timeout=self._timeout, **kwargs)
        except _API_ERRORS as exc:
            failure: Exception = (
                _failure(exc, self._clock())
                if getattr(exc, "status", 0)
                else HubSpotUnreachable(describe_cause(exc))
            )
        except urllib3.exceptions.HTTPError as exc:
            failure = HubSpotUnreachable(describe_cause(exc))
        except _CLIENT_ERRORS as exc:
            failure = HubSpotUnreachable(f"unreadable answer ({type(exc).__name__})")
        # Raised outside the except block so nothing chains the client's exception.
        raise failure

    def upsert_contact(self, id_property: str, value: str, values: Mapping[str, str]) -> Written:
        """Update the contact whose ``id_property`` is ``value``, or create it; returns its id and the
        properties HubSpot answered with."""
        batch = contacts.BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                contacts.SimplePublicObjectBatchInputUpsert(
                    id=value, id_property=id_property, properties=values
                )
            ]
        )
        answer = self._call(self._contacts_batch.upsert, batch)
        if answer is None or not answer.results:
            raise HubSpotUnreachable("unreadable answer to the upsert (no results)")
        errors = getattr(answer, "errors", None)
        if errors:  # a 207 multi-status: HubSpot refused the one input
            first = errors[0]
            raise HubSpotFailure(400, {"category": str(first.category), "message": str(first.message)}, None)
        return _written(answer.results[0])

    def update_contact(self, contact_id: str, values: Mapping[str, str]) -> Written:
        """Set ``values`` on a contact; ``HubSpotFailure`` 404 when it no longer exists."""
        answer = self._call(
            self._contacts_basic.update, contact_id, contacts.SimplePublicObjectInput(properties=values)
        )
        return _written(answer)

    def create_contact(self, values: Mapping[str, str]) -> Written:
        """Create a contact; ``HubSpotFailure`` 409 when a unique value (the email) is taken."""
        answer = self._call(
            self._contacts_basic.create, contacts.SimplePublicObjectInputForCreate(properties=values)
        )
        return _written(answer)

    def contact_values(self, contact_id: str, names: list[str]) -> dict[str, str | None]:
        """The ``names`` properties of a contact as HubSpot holds them now (None: no value)."""
        answer = self._call(self._contacts_basic.get_by_id, contact_id, properties=names)
        found = dict(answer.properties or {})
        return {name: found.get(name) for name in names}

    def search_contacts(
        self, filter_groups: list[list[tuple[str, str]]], names: list[str]
    ) -> list[dict[str, Any]]:
        """Contacts matching any group of (property, value) equalities, with the ``names`` properties."""
        request = contacts.PublicObjectSearchRequest(
            filter_groups=[
                contacts.FilterGroup(
                    filters=[contacts.Filter(property_name=p, operator="EQ", value=v) for p, v in group]
                )
                for group in filter_groups
            ],
            properties=names,
            limit=10,
        )
        answer = self._call(self._contacts_search.do_search, request)
        return [{"id": str(r.id), **dict(r.properties or {})} for r in answer.results]

    def find_deal(self, id_property: str, value: str) -> str | None:
        """The id of the deal whose unique ``id_property`` is ``value``, or None."""
        try:
            answer = self._call(
                self._deals.get_by_id, value, id_property=id_property, properties=[id_property]
            )
        except HubSpotFailure as failure:
            if failure.status == 404:
                return None
            raise
        return str(answer.id)

    def create_deal(self, values: Mapping[str, str], contact_id: str, association_type: int) -> str:
        """Create a deal associated with a contact; returns its id."""
        link = deals.PublicAssociationsForObject(
            to=deals.PublicObjectId(id=contact_id),
            types=[
                deals.AssociationSpec(
                    association_category="HUBSPOT_DEFINED", association_type_id=association_type
                )
            ],
        )
        body = deals.SimplePublicObjectInputForCreate(properties=values, associations=[link])
        return str(self._call(self._deals.create, body).id)

    def create_note(self, values: Mapping[str, str], contact_id: str, association_type: int) -> str:
        """Create a note (an engagement) on a contact's timeline; returns its id."""
        link = notes.PublicAssociationsForObject(
            to=notes.PublicObjectId(id=contact_id),
            types=[
                notes.AssociationSpec(
                    association_category="HUBSPOT_DEFINED", association_type_id=association_type
                )
            ],
        )
        body = notes.SimplePublicObjectInputForCreate(properties=values, associations=[link])
        return str(self._call(self._notes.create, body).id)

    def property_definitions(self, object_type: str) -> dict[str, bool]:
        """Property name → whether it has unique values, for every property of ``object_type``."""
        answer = self._call(self._properties.get_all, object_type)
        return {str(p.name): bool(p.has_unique_value) for p in answer.results}

    def close(self) -> None:
        """Release the pooled connections of every API client."""
        for api in (
            self._contacts_basic,
            self._contacts_batch,
            self._contacts_search,
            self._deals,
            self._notes,
            self._properties,
        ):
            api.api_client.rest_client.pool_manager.clear()


__all__ = ["HubSpotApi", "HubSpotFailure", "HubSpotUnreachable", "Written"]
