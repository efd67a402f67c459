"""The Salesforce sink's settings: where the org is, the token, and how lead data maps onto Lead fields."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from socialleads.contracts import ConnectorConfig
from socialleads.models import LeadStatus
from socialleads.settings import PositiveDuration

API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class SalesforceConfig(ConnectorConfig):
    """Where the org is, the access token, and how lead data maps onto Lead fields."""

    model_config = ConfigDict(hide_input_in_errors=True)

    instance_url: str
    """The org's My Domain URL, e.g. ``https://acme.my.salesforce.com`` (OAuth's ``instance_url``)."""
    access_token: SecretStr | None = None
    """An OAuth access token (session id) of an integration user that may edit Leads. Sessions end
    (after the org's timeout, a password reset): set ``refresh_token`` too and the sink gets new ones."""
    refresh_token: SecretStr | None = None
    """The connected app's refresh token, from authorizing it once with the ``refresh_token`` scope:
    when the session is refused the sink asks ``token_url`` for a new one (OAuth refresh token flow)."""
    client_id: str | None = None
    """The connected app's consumer key; needed with ``refresh_token``."""
    client_secret: SecretStr | None = None
    """The connected app's consumer secret, when the app requires it for the refresh token flow."""
    token_url: str = "https://login.salesforce.com/services/oauth2/token"  # noqa: S105 - a URL, not a secret
    """``https://test.salesforce.com/...`` for a sandbox org, or the org's My Domain login host."""
    api_version: str = Field(default="59.0", pattern=r"^\d{2}\.0$")
    external_id_field: str = Field(default="Socialleads_Key__c", pattern=r"^[A-Za-z][A-Za-z0-9_]*__c$")
    """A Text custom field on Lead marked External ID (and Unique), holding the delivery key."""
    lead_source: str | None = "Social"
    unknown_company: str = Field(default="(not given)", min_length=1)
    unknown_last_name: str = Field(default="(unknown)", min_length=1)
    answer_fields: dict[str, str] = Field(default_factory=dict)
    """Form question → Lead field API name (``Budget__c``); questions compare case-insensitively."""
    lead_statuses: dict[LeadStatus, str] = Field(default_factory=dict)
    """Lead status → a value of the org's Lead Status picklist, over the default mapping
    (``mapping.DEFAULT_LEAD_STATUSES``), e.g. ``{qualified: "Qualified"}`` for an org that has it."""
    campaign_member_status: str | None = None
    """CampaignMember Status for new members; None uses the campaign's default (e.g. "Sent")."""
    request_limit_retry: PositiveDuration = timedelta(hours=1)
    """When to try again after ``REQUEST_LIMIT_EXCEEDED`` (Salesforce names no reset time)."""
    timeout: PositiveDuration = timedelta(seconds=30)

    @field_validator("instance_url")
    @classmethod
    def _https_origin(cls, value: str) -> str:
        parts = urlsplit(value)
        # simple-salesforce always speaks https to the host (and port) of instance_url.
        if parts.scheme != "https" or not parts.hostname or parts.path.strip("/") or parts.query:
            raise ValueError("must be the org's https:// address, e.g. https://acme.my.salesforce.com")
        return value.rstrip("/")

    @field_validator("token_url")
    @classmethod
    def _https_token_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(
                "must be an https:// URL, e.g. https://login.salesforce.com/services/oauth2/token"
            )
        return value

    @model_validator(mode="after")
    def _credentials(self) -> SalesforceConfig:
        if self.access_token is None and self.refresh_token is None:
            raise ValueError("set access_token, or refresh_token with client_id to get sessions as needed")
        if self.refresh_token is not None and not self.client_id:
            raise ValueError("refresh_token needs client_id (the connected app's consumer key)")
        return self

    @field_validator("lead_statuses")
    @classmethod
    def _statuses(cls, value: dict[LeadStatus, str]) -> dict[LeadStatus, str]:
        blank = [status.value for status, name in value.items() if not name.strip()]
        if blank:
            raise ValueError(f"a Lead Status value is empty for: {', '.join(blank)}")
        return {status: name.strip() for status, name in value.items()}

    @field_validator("answer_fields")
    @classmethod
    def _api_names(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = [f for f in value.values() if not API_NAME.match(f)]
        if wrong:
            raise ValueError(f"not a field API name: {', '.join(wrong)} (write them like Budget__c)")
        return value
