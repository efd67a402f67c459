"""The Pipedrive sink's settings: the API address and token, labels per grade, answer fields."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from socialleads.contracts import ConnectorConfig
from socialleads.models import Grade, LeadStatus
from socialleads.settings import PositiveDuration

#: Hosts where plain http is allowed (an emulator on this machine); anywhere else the token needs TLS.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: A custom field's API key: 40 hexadecimal characters (https://pipedrive.readme.io/docs/core-api-concepts-custom-fields).
DEFAULT_LABELS: dict[Grade, str] = {"A": "Hot", "B": "Warm", "C": "Cold"}
#: Lead status → the lead label that shows it; ``new`` has none.
DEFAULT_STATUS_LABELS: dict[LeadStatus, str] = {
    LeadStatus.CONTACTED: "Contacted",
    LeadStatus.QUALIFIED: "Qualified",
    LeadStatus.WON: "Won",
    LeadStatus.LOST: "Lost",
}
FIELD_KEY = re.compile(r"^[0-9a-f]{40}$")


def _web_address(value: str, example: str) -> str:
    parts = urlsplit(value)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not (secure and parts.hostname) or parts.query:
        raise ValueError(f"must be an https:// address without a query, e.g. {example}")
    return value.rstrip("/")


class PipedriveConfig(ConnectorConfig):
    """Where the company's API is, the API token, and how grades and answers land on leads."""

    model_config = ConfigDict(hide_input_in_errors=True)

    api_token: SecretStr
    """A user's personal API token (Settings → Personal preferences → API)."""
    api_url: str = "https://api.pipedrive.com/v1"
    """The v1 API root: ``https://api.pipedrive.com/v1`` or ``https://<company>.pipedrive.com/api/v1``."""
    app_url: str = "https://app.pipedrive.com"
    """The web app, for links to leads (``https://<company>.pipedrive.com`` works too)."""
    labels: dict[Grade, str] = Field(default_factory=lambda: dict(DEFAULT_LABELS))
    """Quality grade → lead label name; a grade without an entry gets no label."""
    status_labels: dict[LeadStatus, str] = Field(default_factory=lambda: dict(DEFAULT_STATUS_LABELS))
    """Lead status (set by a person) → lead label name; the sink creates a missing one (gray) the first
    time it needs it. A status without an entry (``new``) gets no status label."""
    answer_fields: dict[str, str] = Field(default_factory=dict)
    """Form question → lead custom field key (leads share the deal custom fields)."""
    owner_id: int | None = None
    """The Pipedrive user who owns new persons and leads; None means the token's user."""
    timeout: PositiveDuration = timedelta(seconds=30)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return _web_address(value, "https://api.pipedrive.com/v1")

    @field_validator("app_url")
    @classmethod
    def _app_url(cls, value: str) -> str:
        return _web_address(value, "https://acme.pipedrive.com")

    @field_validator("status_labels")
    @classmethod
    def _status_labels(cls, value: dict[LeadStatus, str]) -> dict[LeadStatus, str]:
        names = {status: name.strip() for status, name in value.items()}
        if any(not name for name in names.values()):
            raise ValueError("a status label name is empty")
        return names

    @model_validator(mode="after")
    def _labels_apart(self) -> PipedriveConfig:
        shared = set(self.labels.values()) & set(self.status_labels.values())
        if shared:
            raise ValueError(
                f"status_labels and labels (grades) share {', '.join(sorted(shared))}: a status change "
                "would take a grade's label away"
            )
        return self

    @field_validator("answer_fields")
    @classmethod
    def _field_keys(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = [key for key in value.values() if not FIELD_KEY.match(key)]
        if wrong:
            raise ValueError(f"not a custom field key (40 hex characters): {', '.join(wrong)}")
        return value
