"""The property definitions the HubSpot emulator starts with: HubSpot's defaults and the sink's custom ones.

Shapes follow ``GET /crm/v3/properties/{objectType}``
(https://developers.hubspot.com/docs/api/crm/properties). Only a useful subset of HubSpot's several
hundred default contact properties is seeded; a property missing here is "unknown" to the emulator
and a write naming it fails with ``PROPERTY_DOESNT_EXIST``, as it would in a portal without it.

The ``socialleads_*`` properties do NOT exist in a real portal: an admin creates them once (Settings >
Properties, or ``POST /crm/v3/properties/{objectType}``); ``connectors.hubspot.mapping`` lists them
and the sink's ``check()`` reports any that are missing.
"""

from __future__ import annotations

from typing import Any

#: Object type names and HubSpot's numeric object type ids (``0-1`` is contacts).
OBJECT_TYPES: dict[str, str] = {"contacts": "0-1", "deals": "0-3", "notes": "0-46"}
_EPOCH = "2020-01-01T00:00:00Z"


def property_json(
    name: str,
    label: str,
    type_: str = "string",
    field_type: str = "text",
    group: str = "contactinformation",
    *,
    options: tuple[str, ...] = (),
    unique: bool = False,
    read_only: bool = False,
    custom: bool = False,
) -> dict[str, Any]:
    """One property definition as HubSpot's properties API returns it."""
    return {
        "name": name,
        "label": label,
        "type": type_,
        "fieldType": field_type,
        "groupName": group,
        "description": "",
        "options": [
            {"label": value, "value": value, "displayOrder": i, "hidden": False}
            for i, value in enumerate(options)
        ],
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": unique,
        "hidden": False,
        "hubspotDefined": not custom,
        "formField": not read_only,
        "archived": False,
        "createdAt": _EPOCH,
        "updatedAt": _EPOCH,
        "modificationMetadata": {
            "archivable": custom,
            "readOnlyDefinition": not custom,
            "readOnlyValue": read_only,
        },
    }


def _texts(group: str, *pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [property_json(name, label, group=group) for name, label in pairs]


def _system(group: str, created: str, modified: str) -> list[dict[str, Any]]:
    return [
        property_json("hs_object_id", "Record ID", "number", "number", group, read_only=True),
        property_json(created, "Create Date", "datetime", "date", group, read_only=True),
        property_json(modified, "Last Modified Date", "datetime", "date", group, read_only=True),
    ]


#: HubSpot's default contact lifecycle stages, earliest first
#: (https://knowledge.hubspot.com/records/use-lifecycle-stages).
LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
#: The default options of the contact property ``hs_lead_status``.
LEAD_STATUSES = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)


def _contacts() -> list[dict[str, Any]]:
    group = "contactinformation"
    props = _texts(
        group,
        ("email", "Email"),
        ("firstname", "First Name"),
        ("lastname", "Last Name"),
        ("phone", "Phone Number"),
        ("mobilephone", "Mobile Phone Number"),
        ("company", "Company Name"),
        ("jobtitle", "Job Title"),
        ("address", "Street Address"),
        ("city", "City"),
        ("state", "State/Region"),
        ("zip", "Postal Code"),
        ("country", "Country/Region"),
        ("website", "Website URL"),
        ("industry", "Industry"),
        ("salutation", "Salutation"),
        ("hs_additional_emails", "Additional email addresses"),
    )
    props += [
        property_json("message", "Message", field_type="textarea", group=group),
        property_json("hubspot_owner_id", "Contact owner", "enumeration", "select", group),
        property_json(
            "lifecyclestage",
            "Lifecycle Stage",
            "enumeration",
            "radio",
            group,
            options=LIFECYCLE_STAGES,
        ),
        property_json(
            "hs_lead_status",
            "Lead Status",
            "enumeration",
            "radio",
            group,
            options=LEAD_STATUSES,
        ),
    ]
    return props + _system(group, "createdate", "lastmodifieddate")


def _deals() -> list[dict[str, Any]]:
    group = "dealinformation"
    props = _texts(group, ("dealname", "Deal Name"), ("dealstage", "Deal Stage"), ("pipeline", "Pipeline"))
    props += [
        property_json("amount", "Amount", "number", "number", group),
        property_json("closedate", "Close Date", "datetime", "date", group),
        property_json("description", "Deal Description", field_type="textarea", group=group),
        property_json("hubspot_owner_id", "Deal owner", "enumeration", "select", group),
    ]
    return props + _system(group, "createdate", "hs_lastmodifieddate")


def _notes() -> list[dict[str, Any]]:
    group = "engagement"
    return [
        property_json("hs_note_body", "Note body", field_type="html", group=group),
        property_json("hs_timestamp", "Activity date", "datetime", "date", group),
        property_json("hubspot_owner_id", "Activity assigned to", "enumeration", "select", group),
        property_json("hs_attachment_ids", "Attached file IDs", "enumeration", "checkbox", group),
        *_system(group, "hs_createdate", "hs_lastmodifieddate"),
    ]


def _socialleads() -> dict[str, list[dict[str, Any]]]:
    group = "socialleads"
    contacts = [
        property_json("socialleads_key", "socialleads key", group=group, custom=True),
        property_json("socialleads_source", "socialleads source", group=group, custom=True),
        property_json("socialleads_campaign", "socialleads campaign", group=group, custom=True),
        property_json(
            "socialleads_intent", "socialleads intent score", "number", "number", group, custom=True
        ),
        property_json(
            "socialleads_grade",
            "socialleads grade",
            "enumeration",
            "select",
            group,
            options=("A", "B", "C", "D"),
            custom=True,
        ),
        property_json(
            "socialleads_score", "socialleads quality score", "number", "number", group, custom=True
        ),
        property_json("socialleads_reasons", "socialleads reasons", "string", "textarea", group, custom=True),
    ]
    deals = [property_json("socialleads_key", "socialleads key", group=group, unique=True, custom=True)]
    return {"contacts": contacts, "deals": deals}


#: The socialleads custom properties a portal needs, per object type (the emulator seeds them by default).
SOCIALLEADS_PROPERTIES: dict[str, tuple[str, ...]] = {
    object_type: tuple(p["name"] for p in props) for object_type, props in _socialleads().items()
}


def default_properties(with_socialleads: bool = True) -> dict[str, dict[str, dict[str, Any]]]:
    """Object type → property name → definition; the sink's custom ones too unless told otherwise."""
    seeded = {"contacts": _contacts(), "deals": _deals(), "notes": _notes()}
    if with_socialleads:
        for object_type, extra in _socialleads().items():
            seeded[object_type] += extra
    return {object_type: {p["name"]: p for p in props} for object_type, props in seeded.items()}


__all__ = ["OBJECT_TYPES", "SOCIALLEADS_PROPERTIES", "default_properties", "property_json"]
