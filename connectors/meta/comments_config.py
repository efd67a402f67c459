"""The ``meta_comments`` source's config and cursor: which pages to read, and how far each post was read.

Validated by the configuration loader (``MetaCommentsConfig``) and folded by the runner
(``MetaCommentsCursor``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, Self

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
from socialleads.settings import Duration

#: Posts whose newest comment is this much older than the newest comment of all are dropped from the
#: cursor, so it does not grow for ever; ``post_window`` may not be longer.
RETENTION = timedelta(days=90)


def _id_text(value: Any) -> Any:
    """YAML reads an unquoted id (``104000000000001``) as a number: ids are always text here."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class CommentsPageConfig(BaseModel):
    """One Facebook page whose posts (and linked Instagram account's media) are read for comments."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: Annotated[str, BeforeValidator(_id_text), Field(pattern=r"^\d+$")]
    """The page id (digits), as in the page's About section or ``GET /me/accounts``."""
    token: SecretStr
    """A long-lived page access token with pages_read_engagement (and instagram_basic,
    instagram_manage_comments when ``instagram``)."""
    instagram: bool = True
    """Also read the comments on the linked Instagram business account's media."""


class MetaCommentsConfig(ConnectorConfig):
    """The pages to watch and how far back to read; validated when ``sources.yaml`` is loaded."""

    graph_version: str = Field(default="v26.0", pattern=r"^v\d+\.\d+$")
    app_secret: SecretStr | None = None
    """When set, every call carries ``appsecret_proof`` (and the webhook router verifies signatures)."""
    verify_token: SecretStr | None = None
    """The token Meta's webhook subscription handshake must echo; used by the webhook receiver."""
    pages: tuple[CommentsPageConfig, ...] = Field(min_length=1)
    post_window: Duration = timedelta(days=7)
    """Posts and media newer than this are watched for new comments."""
    lookback: Duration = timedelta(minutes=10)
    """Each poll re-reads this much before the newest comment seen on a post (late arrivals)."""
    first_window: Duration = timedelta(days=1)
    """On the first poll of a page, comments older than this are left alone."""
    page_size: int = Field(default=100, ge=1, le=100)
    slow_down_at: float = Field(default=90.0, gt=0, le=100)
    """Stop polling at this share (percent) of Meta's rate-limit budget until it recovers."""
    timeout: Duration = timedelta(seconds=20)

    @field_validator("post_window", "lookback", "first_window", "timeout")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("a duration cannot be negative")
        return value

    @field_validator("post_window")
    @classmethod
    def _within_retention(cls, value: timedelta) -> timedelta:
        if value > RETENTION:
            raise ValueError(f"post_window can be at most {RETENTION.days}d")
        return value

    @model_validator(mode="after")
    def _pages_once(self) -> Self:
        ids = [page.id for page in self.pages]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"page {', '.join(repeated)} is listed more than once; list each page once")
        return self


class MetaCommentsCursor(Cursor):
    """How far comments were read: per post or IG media, the newest comment time (unix seconds).

    ``accounts`` holds, per page and Instagram account, where the first poll began reading, so a post
    or media seen for the first time later is read from its start but never from before that.
    ``MetaCommentsCursor()`` is the cursor before any poll.
    """

    objects: dict[str, int] = Field(default_factory=dict)
    accounts: dict[str, int] = Field(default_factory=dict)

    def advance(self, position: Mapping[str, Any]) -> Self:
        """Fold one position: ``{"object", "created"}`` keeps the per-object max, ``{"account", "from"}``
        the earliest start. Order-independent; raises ``ValueError`` for a position not made here."""
        if "object" in position:
            key, created = str(position["object"]), _seconds(position.get("created"))
            current = self.objects.get(key)
            if current is not None and current >= created:
                return self
            objects = {**self.objects, key: created}
            # Pruning against the newest time is monotone, so the result does not depend on order.
            oldest = max(objects.values()) - int(RETENTION.total_seconds())
            return self.model_copy(update={"objects": {k: v for k, v in objects.items() if v >= oldest}})
        if "account" in position:
            key, start = str(position["account"]), _seconds(position.get("from"))
            current = self.accounts.get(key)
            if current is not None and current <= start:
                return self
            return self.model_copy(update={"accounts": {**self.accounts, key: start}})
        raise ValueError(f"a meta_comments position names an object or an account, got {sorted(position)}")


def _seconds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a meta_comments position time is unix seconds, got {value!r}")
    return int(value)
