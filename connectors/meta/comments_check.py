"""``MetaCommentsSource.check``: each page's token, permissions, Instagram link and webhook subscription.

Permissions come from ``GET /debug_token`` (https://developers.facebook.com/docs/graph-api/reference/debug_token/)
or, for a user token, ``GET /me/permissions``; the subscription from ``GET /{page}/subscribed_apps``
(https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-pages).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from connectors.meta.comment_fields import LinkedAccount
from connectors.meta.comments_config import CommentsPageConfig, MetaCommentsConfig
from connectors.meta.graph import GraphClient
from socialleads.errors import AuthError, ConfigurationError
from socialleads.models import Health, HealthState

#: What reading comments needs: https://developers.facebook.com/docs/permissions/reference
PAGE_SCOPES = ("pages_read_engagement",)
INSTAGRAM_SCOPES = ("instagram_basic", "instagram_manage_comments")


class _TokenInfo:
    """What Graph says about a token: its granted permissions (None when unreadable), app and expiry."""

    def __init__(
        self, scopes: list[str] | None = None, app_id: str | None = None, expires_at: datetime | None = None
    ) -> None:
        self.scopes, self.app_id, self.expires_at = scopes, app_id, expires_at


def read_linked_account(client: GraphClient, page_id: str) -> LinkedAccount | None:
    """The page's Instagram business account (``GET /{page}?fields=instagram_business_account``), or None.

    https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/page
    Raises ``SourceError``.
    """
    info = client.get(page_id, fields="instagram_business_account{id,username}")
    linked = info.get("instagram_business_account")
    if isinstance(linked, dict) and linked.get("id"):
        username = linked.get("username")
        return LinkedAccount(str(linked["id"]), username if isinstance(username, str) else None)
    return None


def check_pages(config: MetaCommentsConfig, client_of: Callable[[CommentsPageConfig], GraphClient]) -> Health:
    """OK when every page can be read completely and pushes comments by webhook; DEGRADED with the fixes.

    Raises ``AuthError`` when Meta rejects a page's token, and the other ``SourceError`` subclasses.
    """
    problems: list[str] = []
    notes: list[str] = []
    names: list[str] = []
    expiry: list[datetime] = []
    for page in config.pages:
        client = client_of(page)
        info = client.get(page.id, fields="id,name")  # a dead token raises AuthError here
        name = f"{info.get('name') or 'page'} ({page.id})"
        names.append(name)
        token = _token_info(client, page)
        if token.expires_at is not None:
            expiry.append(token.expires_at)
        needed = PAGE_SCOPES + (INSTAGRAM_SCOPES if page.instagram else ())
        if token.scopes is None:
            notes.append(f"{name}: Meta did not say which permissions the token has; could not check them")
        elif missing := [scope for scope in needed if scope not in token.scopes]:
            problems.append(
                f"{name}: the token lacks {', '.join(missing)}; grant it to the app, "
                "then generate a new page token"
            )
        if page.instagram and read_linked_account(client, page.id) is None:
            problems.append(
                f"{name} has no linked Instagram business account; link one in the page's settings "
                "or set instagram: false"
            )
        problems += _subscription_problems(client, page, name, token.app_id)
    details = tuple(problems + notes)
    expires_at = min(expiry, default=None)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Health(
            state=HealthState.DEGRADED, summary=problems[0] + more, details=details, expires_at=expires_at
        )
    return Health(
        state=HealthState.OK,
        summary=f"reading comments on {', '.join(names)}",
        details=details,
        expires_at=expires_at,
    )


def _token_info(client: GraphClient, page: CommentsPageConfig) -> _TokenInfo:
    """The token's permissions from ``debug_token``, else from ``/me/permissions`` (user tokens only)."""
    try:
        found = client.get("debug_token", input_token=page.token.get_secret_value()).get("data")
    except (AuthError, ConfigurationError):
        found = None
    data = found if isinstance(found, dict) else {}
    scopes = data.get("scopes")
    if isinstance(scopes, list) and data.get("is_valid") is not False:
        expires = data.get("expires_at")
        return _TokenInfo(
            [str(s) for s in scopes],
            str(data["app_id"]) if data.get("app_id") else None,
            # 0 means the token never expires (long-lived page tokens of a long-lived user token).
            datetime.fromtimestamp(expires, UTC) if isinstance(expires, int) and expires > 0 else None,
        )
    try:
        listed = client.get("me/permissions").get("data")
    except (AuthError, ConfigurationError):
        return _TokenInfo()
    if not isinstance(listed, list):
        return _TokenInfo()
    return _TokenInfo(
        [str(p.get("permission")) for p in listed if isinstance(p, dict) and p.get("status") == "granted"]
    )


def _subscription_problems(
    client: GraphClient, page: CommentsPageConfig, name: str, app_id: str | None
) -> list[str]:
    """Why new comments would not arrive by webhook: the app is not installed on the page, or not for feed."""
    fix = (
        f"POST /{page.id}/subscribed_apps?subscribed_fields=feed with the page token "
        "(it needs pages_manage_metadata)"
    )
    try:
        listed = client.get(f"{page.id}/subscribed_apps").get("data")
    except (AuthError, ConfigurationError) as exc:
        return [
            f"{name}: cannot read the app's webhook subscription ({exc}); comments arrive by polling only"
        ]
    apps = [a for a in listed or [] if isinstance(a, dict) and (app_id is None or str(a.get("id")) == app_id)]
    if not apps:
        return [
            f"{name}: the app is not subscribed to the page's webhooks, so comments wait for the "
            f"next poll; {fix}"
        ]
    fields = [a["subscribed_fields"] for a in apps if isinstance(a.get("subscribed_fields"), list)]
    if fields and not any("feed" in f for f in fields):
        return [
            f"{name}: the app's webhook subscription leaves out feed, so comments wait for the "
            f"next poll; {fix}"
        ]
    return []
