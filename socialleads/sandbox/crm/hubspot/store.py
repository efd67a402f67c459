"""The HubSpot emulator's state: CRM objects, associations, tokens, failure switches and a write journal.

Thread-safe (uvicorn runs the routes in a thread pool). Tests hold the store and use it directly to
seed records, break things and look at what the sink wrote; ``socialleads.sandbox.crm.hubspot.app`` serves it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialleads.contracts import utc_now
from socialleads.sandbox.crm.hubspot.gate import HubSpotGate
from socialleads.sandbox.crm.hubspot.rules import (
    ASSOCIATION_TYPES,
    DEFAULT_READ,
    MAX_SEARCH_LIMIT,
    HubSpotError,
    bad_request,
    check_properties,
    check_search,
    not_found,
    search_matches,
    without_backward_stage,
)
from socialleads.sandbox.crm.hubspot.schema import default_properties

CREATED = {"contacts": "createdate", "deals": "createdate", "notes": "hs_createdate"}
MODIFIED = {"contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate", "notes": "hs_lastmodifieddate"}


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class CrmObject:
    """One stored record: its id, property values (all strings) and times."""

    id: str
    object_type: str
    properties: dict[str, str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Write:
    """One successful write, for inspection: what the client sent and which record it touched."""

    operation: str
    object_type: str
    object_id: str
    properties: dict[str, str]


class HubSpotStore:
    """A HubSpot portal in memory; ``tokens``: the valid private-app tokens (or token → scopes, None: all)."""

    def __init__(
        self,
        tokens: Mapping[str, frozenset[str] | None] | Iterable[str] = (),
        portal_id: int = 123456,
        clock: Callable[[], datetime] = utc_now,
        with_socialleads_properties: bool = True,
    ) -> None:
        self.portal_id = portal_id
        self.clock = clock
        self.gate = HubSpotGate(tokens, clock, portal_id)
        """Tokens and failure switches: ``store.gate.outage(timedelta(minutes=10))``."""
        self.properties = default_properties(with_socialleads_properties)
        self.writes: list[Write] = []
        self._objects: dict[str, dict[str, CrmObject]] = {t: {} for t in self.properties}
        self._links: set[tuple[str, str, str, str, int]] = set()
        self._next_id = 1001
        self._lock = threading.RLock()

    # --- objects ----------------------------------------------------------------------------------

    def _type(self, object_type: str) -> str:
        if object_type not in self._objects:
            raise bad_request(f"Unable to infer object type from: {object_type}")
        return object_type

    def find(self, object_type: str, value: str, id_property: str | None = None) -> CrmObject | None:
        """The record whose ``id_property`` (default: the record id) equals ``value``."""
        with self._lock:
            records = self._objects[self._type(object_type)]
            if id_property in (None, "hs_object_id"):
                return records.get(value)
            wanted = value.lower() if id_property == "email" else value
            return next((o for o in records.values() if o.properties.get(id_property or "") == wanted), None)

    def _unique_conflict(self, object_type: str, values: Mapping[str, str], own_id: str | None) -> None:
        for name, value in values.items():
            spec = self.properties[object_type][name]
            if value and (spec["hasUniqueValue"] or (object_type, name) == ("contacts", "email")):
                other = self.find(object_type, value, name)
                if other is not None and other.id != own_id:
                    # The contact/email wording is HubSpot's; the one for other unique values is ours.
                    what = (
                        "Contact"
                        if object_type == "contacts" and name == "email"
                        else f"A {object_type} record"
                    )
                    raise HubSpotError(409, "CONFLICT", f"{what} already exists. Existing ID: {other.id}")

    def create(
        self, object_type: str, values: Mapping[str, Any], associations: Iterable[Any] = ()
    ) -> CrmObject:
        """Create a record (``POST /crm/v3/objects/{type}``); 400: bad values, 409: a taken unique value."""
        with self._lock:
            definitions = self.properties[self._type(object_type)]
            stored = check_properties(definitions, values, object_type, creating=True)
            self._unique_conflict(object_type, stored, None)
            links = [self._check_link(object_type, a) for a in associations]
            now, record_id = self.clock(), str(self._next_id)
            self._next_id += 1
            stamps = {
                "hs_object_id": record_id,
                CREATED[object_type]: _iso(now),
                MODIFIED[object_type]: _iso(now),
            }
            record = CrmObject(record_id, object_type, {**stored, **stamps}, now, now)
            self._objects[object_type][record_id] = record
            for to_type, to_id, type_id in links:
                self._links.add((object_type, record_id, to_type, to_id, type_id))
            self.writes.append(Write("create", object_type, record_id, stored))
            return record

    def update(self, object_type: str, record: CrmObject, values: Mapping[str, Any]) -> CrmObject:
        """Set properties on ``record`` (``PATCH``); an empty string clears a value. A lifecycle stage
        that would move the record back is ignored, as HubSpot does (``rules.without_backward_stage``)."""
        with self._lock:
            definitions = self.properties[object_type]
            stored = check_properties(definitions, values, object_type, creating=False)
            stored = without_backward_stage(definitions, record.properties, stored)
            self._unique_conflict(object_type, stored, record.id)
            record.updated_at = self.clock()
            record.properties.update({**stored, MODIFIED[object_type]: _iso(record.updated_at)})
            self.writes.append(Write("update", object_type, record.id, stored))
            return record

    def upsert(self, object_type: str, inputs: list[Any]) -> list[tuple[CrmObject, bool]]:
        """``POST .../batch/upsert``: update the record whose ``idProperty`` equals ``id``, else create it.

        ``idProperty`` must be a unique property (email, or a custom one with ``hasUniqueValue``);
        the whole batch is refused (400) when an input is (https://developers.hubspot.com/docs/api/crm/contacts).
        """
        with self._lock:
            definitions = self.properties[self._type(object_type)]
            if not 1 <= len(inputs) <= 100:
                raise bad_request("A batch must have between 1 and 100 inputs")
            keys: list[tuple[str, str, dict[str, Any]]] = []
            for item in inputs:
                name, value = str(item.get("idProperty") or ""), str(item.get("id") or "")
                spec = definitions.get(name)
                if spec is None or not (
                    spec["hasUniqueValue"] or (object_type, name) == ("contacts", "email")
                ):
                    raise bad_request(
                        f"idProperty {name!r} is not a unique identifier property of {object_type}"
                    )
                if not value:
                    raise bad_request("Each input needs an id")
                keys.append((name, value, dict(item.get("properties") or {})))
            if len({(n, v.lower()) for n, v, _ in keys}) != len(keys):
                raise bad_request("Duplicate IDs found in batch input")
            for name, value, values in keys:
                check_properties(definitions, {**values, name: value}, object_type, creating=False)
            done: list[tuple[CrmObject, bool]] = []
            for name, value, values in keys:
                found = self.find(object_type, value, name)
                if found is None:
                    done.append((self.create(object_type, {**values, name: value}), True))
                else:
                    done.append((self.update(object_type, found, values), False))
            return done

    def _check_link(self, object_type: str, association: Any) -> tuple[str, str, int]:
        try:
            to_id = str(association["to"]["id"])
            specs = association["types"]
        except (KeyError, TypeError):
            raise bad_request("associations need 'to': {'id': ...} and 'types': [...]") from None
        for to_type, records in self._objects.items():
            type_id = ASSOCIATION_TYPES.get((object_type, to_type))
            if to_id in records and any(s.get("associationTypeId") == type_id for s in specs):
                return to_type, to_id, int(type_id or 0)
        raise bad_request(f"invalid association to object {to_id}: unknown object or association type")

    def search(self, object_type: str, body: Mapping[str, Any]) -> tuple[list[CrmObject], int, int]:
        """(page of matches, total, next offset or 0), as ``POST /crm/v3/objects/{type}/search`` sees them."""
        with self._lock:
            groups = check_search(body, self.properties[self._type(object_type)])
            limit = min(int(body.get("limit") or 10), MAX_SEARCH_LIMIT)
            after = int(body.get("after") or 0)
            visible_until = self.clock() - self.gate.switches.search_lag
            found = [
                o
                for o in self._objects[object_type].values()
                if o.created_at <= visible_until and search_matches(groups, o.properties)
            ]
            page = found[after : after + limit]
            return page, len(found), after + limit if after + limit < len(found) else 0

    def associated(self, object_type: str, object_id: str, to_type: str) -> list[str]:
        """Ids of the ``to_type`` records associated with a record, either direction."""
        with self._lock:
            ids = {
                t_id
                for f, f_id, t, t_id, _ in self._links
                if (f, f_id, t) == (object_type, object_id, to_type)
            }
            ids |= {
                f_id
                for f, f_id, t, t_id, _ in self._links
                if (t, t_id, f) == (object_type, object_id, to_type)
            }
            return sorted(ids, key=int)

    def records(self, object_type: str) -> list[CrmObject]:
        """Every record of a type, oldest first (for tests and ``/_hubspot/objects``)."""
        with self._lock:
            return list(self._objects[self._type(object_type)].values())

    def to_json(
        self, record: CrmObject, names: Iterable[str] | None = None, new: bool | None = None
    ) -> dict[str, Any]:
        """A record as the API returns it: the asked properties (or the defaults), null when unset."""
        wanted = list(names) if names else list(DEFAULT_READ[record.object_type])
        body: dict[str, Any] = {
            "id": record.id,
            "properties": {n: record.properties.get(n) for n in wanted},
            "createdAt": _iso(record.created_at),
            "updatedAt": _iso(record.updated_at),
            "archived": False,
        }
        if new is not None:
            body["new"] = new
        return body

    def require(self, record: CrmObject | None) -> CrmObject:
        """``record``, or a 404 when there is none."""
        if record is None:
            raise not_found()
        return record


__all__ = ["CrmObject", "HubSpotStore", "Write"]
