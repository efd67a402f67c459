"""HubSpot's rules as the emulator applies them: error bodies, property validation and search filters.

Error bodies follow HubSpot's documented shape, ``{"status": "error", "message", "correlationId",
"category", ...}`` (https://developers.hubspot.com/docs/api/error-handling). Validation errors
carry the per-property results inside ``message`` as HubSpot does ("Property values were not
valid: [...]"), and also in ``errors[].context.propertyName``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

#: Association type ids HubSpot defines (``HUBSPOT_DEFINED``) between the emulated object types
#: (https://developers.hubspot.com/docs/api/crm/associations/v4#association-type-id-values).
ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("contacts", "deals"): 4,
    ("contacts", "notes"): 201,
    ("deals", "contacts"): 3,
    ("deals", "notes"): 213,
    ("notes", "contacts"): 202,
    ("notes", "deals"): 214,
}
#: Search limits (https://developers.hubspot.com/docs/api/crm/search#limitations).
MAX_FILTER_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS, MAX_SEARCH_LIMIT = 5, 6, 18, 200
#: What an object read returns when no ``properties`` are asked for.
DEFAULT_READ: dict[str, tuple[str, ...]] = {
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "pipeline",
    ),
    "notes": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}
#: Properties a create must set.
REQUIRED_ON_CREATE: dict[str, tuple[str, ...]] = {
    "contacts": (),
    "deals": ("dealname", "dealstage"),
    "notes": ("hs_timestamp",),
}


class HubSpotError(Exception):
    """An error answer: HTTP status, HubSpot's JSON body and extra headers."""

    def __init__(
        self, status: int, category: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})
        self.body: dict[str, Any] = {
            "status": "error",
            "message": message,
            "correlationId": str(uuid.uuid4()),
            **({"category": category} if category else {}),
            **extra,
        }


def not_found() -> HubSpotError:
    """A 404 for an object id that does not exist (or is archived)."""
    return HubSpotError(404, "OBJECT_NOT_FOUND", "resource not found")


def bad_request(message: str) -> HubSpotError:
    """A 400 for a request HubSpot cannot read."""
    return HubSpotError(400, "VALIDATION_ERROR", message)


def _problem(name: str, error: str, message: str) -> dict[str, Any]:
    return {
        "isValid": False,
        "message": message,
        "error": error,
        "name": name,
        "localizedErrorMessage": message,
    }


def invalid_properties(problems: list[dict[str, Any]]) -> HubSpotError:
    """HubSpot's 400 for property values it refuses, each problem naming its property."""
    return HubSpotError(
        400,
        "VALIDATION_ERROR",
        "Property values were not valid: " + json.dumps(problems),
        errors=[
            {"message": p["message"], "code": p["error"], "context": {"propertyName": [p["name"]]}}
            for p in problems
        ],
    )


def check_properties(
    definitions: Mapping[str, Mapping[str, Any]], values: Mapping[str, Any], object_type: str, creating: bool
) -> dict[str, str]:
    """The values as stored strings; raises ``HubSpotError`` 400 listing every refused property."""
    problems: list[dict[str, Any]] = []
    stored: dict[str, str] = {}
    for name, raw in values.items():
        value = "" if raw is None else (str(raw).lower() if isinstance(raw, bool) else str(raw))
        spec = definitions.get(name)
        if spec is None:
            problems.append(_problem(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
            continue
        if spec["modificationMetadata"]["readOnlyValue"]:
            problems.append(
                _problem(name, "READ_ONLY_VALUE", f"{name} is a read only property; its value cannot be set.")
            )
            continue
        allowed = {o["value"] for o in spec["options"]}
        chosen = [v for v in value.split(";") if v] if spec["fieldType"] == "checkbox" else [value]
        if allowed and value and any(v not in allowed for v in chosen):
            text = f"{value} was not one of the allowed options: [{', '.join(sorted(allowed))}]"
            problems.append(_problem(name, "INVALID_OPTION", text))
            continue
        # The emulator is stricter than needed here on purpose: an empty email is a sink bug.
        if object_type == "contacts" and name == "email" and ("@" not in value or value != value.strip()):
            problems.append(_problem(name, "INVALID_EMAIL", f"Email address {value} is invalid"))
            continue
        stored[name] = value.lower() if name == "email" else value
    if creating:
        for name in REQUIRED_ON_CREATE.get(object_type, ()):
            if not stored.get(name) and not any(p["name"] == name for p in problems):
                problems.append(_problem(name, "REQUIRED_FIELD", f"{name} is required"))
    if problems:
        raise invalid_properties(problems)
    return stored


#: The property whose options are stages in order; a write may move a record forward only
#: (https://knowledge.hubspot.com/records/use-lifecycle-stages).
LIFECYCLE_STAGE = "lifecyclestage"


def without_backward_stage(
    definitions: Mapping[str, Mapping[str, Any]], current: Mapping[str, str], values: dict[str, str]
) -> dict[str, str]:
    """``values`` without a ``lifecyclestage`` that would move the record back: HubSpot answers such a
    write with success and keeps the stage it had, unless the stage was cleared first ("" in a request
    of its own). Clearing, and any move forward, is kept."""
    wanted, held = values.get(LIFECYCLE_STAGE), current.get(LIFECYCLE_STAGE)
    spec = definitions.get(LIFECYCLE_STAGE)
    if not wanted or not held or spec is None:
        return values
    order = [o["value"] for o in spec["options"]]
    if wanted in order and held in order and order.index(wanted) < order.index(held):
        return {k: v for k, v in values.items() if k != LIFECYCLE_STAGE}
    return values


def _matches(filter_: Mapping[str, Any], properties: Mapping[str, str]) -> bool:
    operator = filter_.get("operator", "EQ")
    current = properties.get(str(filter_.get("propertyName")), "")
    value = str(filter_.get("value", ""))
    if operator == "HAS_PROPERTY":
        return current != ""
    if operator == "NOT_HAS_PROPERTY":
        return current == ""
    if operator in ("EQ", "NEQ"):
        # String comparisons in search are case-insensitive.
        equal = current.lower() == value.lower() and current != ""
        return equal if operator == "EQ" else not equal
    if operator in ("IN", "NOT_IN"):
        inside = current.lower() in {str(v).lower() for v in filter_.get("values", [])}
        return inside if operator == "IN" else not inside
    if operator == "CONTAINS_TOKEN":
        return value.strip("*").lower() in current.lower()
    raise bad_request(f"Unsupported filter operator {operator}")


def check_search(body: Mapping[str, Any], definitions: Mapping[str, Any]) -> list[list[dict[str, Any]]]:
    """The filter groups of a search request; raises ``HubSpotError`` 400 for what HubSpot refuses."""
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list) or len(groups) > MAX_FILTER_GROUPS:
        raise bad_request(f"Too many filter groups: at most {MAX_FILTER_GROUPS} are allowed")
    parsed = [list(group.get("filters") or []) for group in groups]
    if any(len(f) > MAX_FILTERS_PER_GROUP for f in parsed) or sum(map(len, parsed)) > MAX_FILTERS:
        raise bad_request(
            f"Too many filters: at most {MAX_FILTERS_PER_GROUP} per group, {MAX_FILTERS} in all"
        )
    for filters in parsed:
        for f in filters:
            name = str(f.get("propertyName"))
            if name not in definitions:
                raise invalid_properties(
                    [_problem(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')]
                )
    return parsed


def search_matches(groups: list[list[dict[str, Any]]], properties: Mapping[str, str]) -> bool:
    """True when any group (OR) has all its filters (AND) matching; no groups matches everything."""
    return not groups or any(all(_matches(f, properties) for f in group) for group in groups)


__all__ = [
    "ASSOCIATION_TYPES",
    "DEFAULT_READ",
    "MAX_SEARCH_LIMIT",
    "HubSpotError",
    "bad_request",
    "check_properties",
    "check_search",
    "invalid_properties",
    "not_found",
    "search_matches",
    "without_backward_stage",
]
