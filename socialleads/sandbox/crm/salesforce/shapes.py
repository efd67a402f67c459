"""The Salesforce emulator's wire shapes: error answers, record ids, and a duplicate rule's details.

Errors are a JSON list of ``{"message", "errorCode", "fields"}``
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PREFIX = {"Lead": "00Q", "Campaign": "701", "CampaignMember": "00v"}
#: The key real orgs send a duplicate rule's details under: misspelt in the REST JSON (seen in
#: responses of API v54-v56; the SOAP and Apex type is DuplicateResult). Clients read both spellings.
DUPLICATE_KEY = "duplicateResut"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class SalesforceFault(Exception):
    """An error answer: the HTTP status and Salesforce's list of ``{message, errorCode, fields}``."""

    def __init__(
        self, status: int, code: str, message: str, fields: Iterable[str] = (), **extra: Any
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.body = [{"message": message, "errorCode": code, "fields": list(fields), **extra}]


def not_found() -> SalesforceFault:
    """The answer for a resource or record that does not exist."""
    return SalesforceFault(404, "NOT_FOUND", "The requested resource does not exist")


def missing_fields(names: list[str]) -> SalesforceFault:
    """``REQUIRED_FIELD_MISSING`` naming ``names``, as the API words it."""
    message = f"Required fields are missing: [{', '.join(names)}]"
    return SalesforceFault(400, "REQUIRED_FIELD_MISSING", message, names)


def duplicates_detected(ids: list[str], version: str) -> SalesforceFault:
    """A blocking duplicate rule's answer, listing the matched Lead ids (MatchResult, MatchRecord:
    https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_matchresult.htm)."""
    matches = [
        {
            "additionalInformation": [],
            "fieldDiffs": [],
            "matchConfidence": 100.0,
            "record": {
                "attributes": {"type": "Lead", "url": f"/services/data/{version}/sobjects/Lead/{rid}"},
                "Id": rid,
            },
        }
        for rid in ids
    ]
    result = {
        "entityType": "Lead",
        "errors": [],
        "matchEngine": "ExactMatchEngine",
        "matchRecords": matches,
        "rule": "Standard_Lead_Match_Rule_v1_0",
        "size": len(matches),
        "success": True,
    }
    detail = {
        "allowSave": False,
        "duplicateRule": "Standard_Lead_Duplicate_Rule",
        "duplicateRuleEntityType": "Lead",
        "errorMessage": "Use one of these records?",
        "matchResults": [result],
    }
    return SalesforceFault(400, "DUPLICATES_DETECTED", "Use one of these records?", **{DUPLICATE_KEY: detail})


def record_id(sobject: str, number: int) -> str:
    """An 18-character id: key prefix, pod, a base-62 counter, and the case-safe checksum suffix."""
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _ALPHABET[rest] + digits
    short = (PREFIX[sobject] + "5g" + digits.rjust(10, "0"))[:15]
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(short[start : start + 5]) if "A" <= ch <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return short + suffix
