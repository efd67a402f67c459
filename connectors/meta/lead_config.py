"""The ``meta_lead_ads`` source's config and cursor: which pages and forms to read, and how far.

``MetaLeadAdsConfig`` is validated when ``sources.yaml`` is loaded (raises ``ValidationError``);
``MetaLeadsCursor`` is folded by the runner from the positions a poll reports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from socialleads.contracts import ConnectorConfig, Cursor
from socialleads.settings import Duration, PositiveDuration

_VERSION = re.compile(r"v\d+\.\d+")


def _id_text(value: Any) -> Any:
    """YAML reads an unquoted id (``104000000000001``) as a number: ids are always text here."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list | tuple):
        return tuple(_id_text(item) for item in value)
    return value


GraphId = Annotated[str, BeforeValidator(_id_text), Field(pattern=r"^\d+$")]


class PageConfig(BaseModel):
    """One Facebook page: its id, its long-lived page access token, and the forms to read."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: GraphId
    token: SecretStr
    forms: Annotated[Literal["all"] | tuple[GraphId, ...], BeforeValidator(_id_text)] = "all"
    """``all``: every form of the page (archived ones too), new forms included at the next poll."""

    @field_validator("forms")
    @classmethod
    def _some_forms(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        if isinstance(value, tuple) and not value:
            raise ValueError("name at least one form id, or write forms: all")
        return value


class MetaLeadAdsConfig(ConnectorConfig):
    """A set of pages whose Lead Ads forms are read; validated when ``sources.yaml`` is loaded."""

    graph_version: str = "v26.0"
    """Pin a current version: https://developers.facebook.com/docs/graph-api/changelog/versions/"""
    app_id: GraphId | None = None
    """The app that must be subscribed to each page's leadgen webhooks; None: the page token's own app."""
    app_secret: SecretStr | None = None
    """Signs every call (appsecret_proof) and checks webhook signatures."""
    verify_token: SecretStr | None = None
    """The webhook handshake's token; set it when the pages' leadgen webhooks come to this bot."""
    pages: tuple[PageConfig, ...] = Field(min_length=1)
    lookback: Duration = timedelta(minutes=10)
    """Each poll re-reads this much before the newest lead seen (Meta may list a lead late)."""
    first_window: PositiveDuration = timedelta(days=1)
    """How far back the first poll of a form reads (backfill reads more)."""
    page_size: int = Field(default=100, ge=1, le=100)
    slow_down_at: float = Field(default=90.0, gt=0, le=100)
    """Percent of Meta's usage budget at which calls stop until the budget recovers."""
    timeout: PositiveDuration = timedelta(seconds=20)
    expiry_warning: Duration = timedelta(days=7)
    """``check()`` reports DEGRADED when a page token expires sooner than this."""

    @field_validator("graph_version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        text = str(value).strip() if isinstance(value, str | int | float) else value
        if isinstance(text, str) and not text.startswith("v"):
            text = "v" + text
        if not (isinstance(text, str) and _VERSION.fullmatch(text)):
            raise ValueError(f"{value!r} is not a Graph API version; write it like v26.0")
        return text

    @field_validator("lookback", "expiry_warning")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("cannot be negative")
        return value

    @model_validator(mode="after")
    def _distinct_pages(self) -> Self:
        ids = [page.id for page in self.pages]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"page {', '.join(repeated)} is listed twice; list each page once")
        return self

    def page(self, page_id: str) -> PageConfig | None:
        """The configured page with ``page_id`` (a string or a number), or None."""
        return next((p for p in self.pages if p.id == str(page_id)), None)


class MetaLeadsCursor(Cursor):
    """Per form id, the newest ``created_time`` (unix seconds) stored; ``MetaLeadsCursor()`` is the start.

    A form read to the end also reports the start of the window it read, so a form that has no lead yet
    keeps its first window instead of sliding past time the bot was down.
    """

    forms: dict[str, int] = Field(default_factory=dict)

    def advance(self, position: Mapping[str, Any]) -> Self:
        """Fold ``{"form": id, "created": unix}`` in; called by the runner per reported position.

        A per-form max, so order does not matter and the cursor never moves backwards. Raises
        ``ValueError`` for a position this connector did not produce.
        """
        form, created = position.get("form"), position.get("created")
        if form is None or isinstance(created, bool) or not isinstance(created, int | float):
            raise ValueError(f"a meta_lead_ads position is {{form, created}}, got {sorted(position)}")
        key, value = str(form), int(created)
        if self.forms.get(key, value - 1) >= value:
            return self
        return self.model_copy(update={"forms": {**self.forms, key: value}})
