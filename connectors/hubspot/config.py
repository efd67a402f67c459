"""The HubSpot sink's settings (``sinks.yaml``), checked when the configuration is loaded.

A private app (HubSpot > Settings > Integrations > Private apps) gives the access token; it needs the
scopes ``crm.objects.contacts.read``, ``crm.objects.contacts.write``, ``crm.schemas.contacts.read``
and, when deals are created, ``crm.objects.deals.read``, ``crm.objects.deals.write`` and
``crm.schemas.deals.read`` (https://developers.hubspot.com/docs/api/private-apps).
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr, field_validator

from connectors.hubspot.mapping import OWN_PROPERTIES
from socialleads.contracts import ConnectorConfig
from socialleads.models import Grade
from socialleads.settings import PositiveDuration

#: HubSpot's internal property names: lower case letters, digits and underscores.
_PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.username:
        raise ValueError("must be an http:// or https:// URL with a host name and no query or user")
    return value.rstrip("/")


class HubSpotConfig(ConnectorConfig):
    """Where the portal is, the token, and how answers, owners and deals map onto HubSpot."""

    model_config = ConfigDict(hide_input_in_errors=True)

    access_token: SecretStr
    """The private app's access token (``pat-...``)."""
    portal_id: int = Field(gt=0)
    """The portal (hub) id, the number after ``/contacts/`` in any HubSpot URL; used for record links."""
    base_url: str = "https://api.hubapi.com"
    app_url: str = "https://app.hubspot.com"
    """Where record links point (EU portals: ``https://app-eu1.hubspot.com``)."""
    timeout: PositiveDuration = timedelta(seconds=10)
    answer_properties: dict[str, str] = Field(default_factory=dict)
    """Lead-form question → contact property (internal name); other answers go to the note."""
    owners: dict[str, str] = Field(default_factory=dict)
    """Routing owner (``lead.owner``) → HubSpot owner id, set as ``hubspot_owner_id``."""
    deal_for_grades: tuple[Grade, ...] = ("A",)
    """Grades that get a deal (one per lead); empty for none."""
    deal_pipeline: str = "default"
    deal_stage: str = "appointmentscheduled"

    @field_validator("base_url", "app_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        return _web_url(value)

    @field_validator("answer_properties")
    @classmethod
    def _properties(cls, value: dict[str, str]) -> dict[str, str]:
        for question, prop in value.items():
            if not _PROPERTY_NAME.match(prop):
                raise ValueError(
                    f"{prop!r} (for {question!r}) is not a property's internal name "
                    "(lower case, e.g. 'budget_range'; see Settings > Properties > the property > Details)"
                )
            if prop in OWN_PROPERTIES:
                raise ValueError(f"{prop!r} (for {question!r}) is written by the sink itself")
        return value

    @field_validator("owners")
    @classmethod
    def _owner_ids(cls, value: dict[str, str]) -> dict[str, str]:
        for owner, owner_id in value.items():
            if not owner_id.isdigit():
                raise ValueError(f"the HubSpot owner id for {owner!r} must be a number, got {owner_id!r}")
        return value

    @field_validator("deal_pipeline", "deal_stage")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty (a pipeline or stage id from Settings > Objects > Deals)")
        return value.strip()


__all__ = ["HubSpotConfig"]
