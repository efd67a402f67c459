"""Tokens, permissions and the app's installation on pages, as the sandbox's Graph answers them.

``GET /debug_token`` (https://developers.facebook.com/docs/graph-api/reference/debug_token/): type,
validity, scopes, ``expires_at`` (page tokens of the world expire 12½ days after its start, so the
doctor can warn "expires in 12 days"); ``GET /me/permissions``
(https://developers.facebook.com/docs/graph-api/reference/user/permissions/) with ``declined`` for
what ``chaos.permissions_removed`` took; ``GET|POST /{page-id}/subscribed_apps``
(https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-leadgen), where
POST answers ``{"success": "true"}`` (a string, as documented) and reinstalls the app on the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from socialleads.sandbox.chaos import Chaos, ChaosState
from socialleads.sandbox.meta import errors
from socialleads.sandbox.meta import shapes as js
from socialleads.sandbox.meta.fields import Fields, select
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import World

ADMIN_USER_ID = "100000000000101"
ADMIN_NAME = "Anna Sigurðardóttir"
APP_NAME = "socialleads"
APP_LINK = "https://example.com/socialleads"
PAGE_TOKEN_LIFETIME = timedelta(days=12, hours=12)
USER_TOKEN_LIFETIME = timedelta(days=55)
DATA_ACCESS_LIFETIME = timedelta(days=90)
WEBHOOK_FIELDS = frozenset({"leadgen", "feed", "mention", "messages", "ratings", "live_videos"})
PAGE_TASKS = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]


@dataclass(frozen=True)
class Token:
    """A token the world knows: ``page`` (with its page), ``user`` or ``app``."""

    kind: str
    value: str
    page_id: str | None = None


def granted(state: ChaosState) -> list[str]:
    """The permissions the user (and so its page tokens) still has."""
    return [p for p in fixtures.PERMISSIONS if p not in state.permissions_removed]


def require(needed: Sequence[str], scopes: Sequence[str]) -> None:
    """Raise the permission error of the first of ``needed`` missing from ``scopes``."""
    for permission in needed:
        if permission not in scopes:
            raise errors.missing_permission(permission)


def expired_at(world: World) -> datetime:
    """When the tokens expired, while ``chaos.meta_token_expired`` holds."""
    return world.now - timedelta(hours=1)


def me(
    world: World, method: str, edge: str | None, fields: Fields | None, scopes: Sequence[str]
) -> dict[str, Any]:
    """``/me`` and its edges for the user token: the admin, ``permissions``, ``accounts`` (its pages)."""
    if method != "GET":
        raise errors.unknown_object(ADMIN_USER_ID, method.lower())
    if edge is None:
        return select(js.user_obj(ADMIN_USER_ID, ADMIN_NAME), fields)
    if edge == "permissions":
        statuses = [
            {"permission": p, "status": "granted" if p in scopes else "declined"}
            for p in fixtures.PERMISSIONS
        ]
        return {"data": statuses}
    if edge == "accounts":
        require(("pages_show_list",), scopes)
        tokens = world.tokens.page_tokens
        accounts = [
            {
                "access_token": tokens[p.id],
                "category": p.category,
                "name": p.name,
                "id": p.id,
                "tasks": PAGE_TASKS,
            }
            for p in world.pages.values()
        ]
        return {"data": accounts, "paging": {"cursors": {"before": "MAZDZD", "after": "MQZDZD"}}}
    raise errors.nonexisting_field(edge, "User")


def subscribed_apps(
    chaos: Chaos, method: str, page_id: str, params: Mapping[str, str], token: Token
) -> dict[str, Any]:
    """The app as installed on the page (``chaos.unsubscribed_pages`` uninstalls it); POST installs it."""
    if token.kind != "page":
        raise errors.page_token_required()
    unsubscribed = chaos.state.unsubscribed_pages
    if method == "GET":
        if page_id in unsubscribed:
            return {"data": []}
        return {"data": [{"category": "Business", "link": APP_LINK, "name": APP_NAME, "id": fixtures.APP_ID}]}
    wanted = [f.strip() for f in params.get("subscribed_fields", "").split(",") if f.strip()]
    if not wanted:
        raise errors.bad_param("The parameter subscribed_fields is required.")
    unknown = [f for f in wanted if f not in WEBHOOK_FIELDS]
    if unknown:
        known = ", ".join(sorted(WEBHOOK_FIELDS))
        raise errors.bad_param(f'Param subscribed_fields[0] must be one of {{{known}}} - got "{unknown[0]}".')
    chaos.update({"unsubscribed_pages": [p for p in unsubscribed if p != page_id]})
    return {"success": "true"}


def debug_token(world: World, params: Mapping[str, str], state: ChaosState) -> dict[str, Any]:
    """What Graph knows about ``input_token``."""
    value = params.get("input_token")
    if not value:
        raise errors.bad_param("The parameter input_token is required")
    t, start = world.tokens, world.start
    if value == f"{t.app_id}|{t.app_secret}":
        return {
            "data": {
                "app_id": t.app_id,
                "type": "APP",
                "application": APP_NAME,
                "is_valid": True,
                "scopes": [],
            }
        }
    page_id = next((p for p, v in t.page_tokens.items() if v == value), None)
    if page_id is None and value != t.user_token:
        error = {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"}
        return {"data": {"error": error, "is_valid": False, "scopes": []}}
    scopes = granted(state)
    expires = start + (USER_TOKEN_LIFETIME if page_id is None else PAGE_TOKEN_LIFETIME)
    targets = list(world.pages) if page_id is None else [page_id]
    data: dict[str, Any] = {
        "app_id": t.app_id,
        "type": "USER" if page_id is None else "PAGE",
        "application": APP_NAME,
        "data_access_expires_at": js.unix(start + DATA_ACCESS_LIFETIME),
        "expires_at": js.unix(expires),
        "is_valid": True,
        "issued_at": js.unix(start - timedelta(days=2)),
        "scopes": scopes,
        "granular_scopes": [
            {"scope": s, "target_ids": targets}
            for s in scopes
            if s.startswith("pages_") or s == "leads_retrieval"
        ],
        "user_id": ADMIN_USER_ID,
    }
    if page_id is not None:
        data["profile_id"] = page_id
    if state.meta_token_expired:
        expired = errors.expired_token(expired_at(world), world.now)
        data |= {"is_valid": False, "expires_at": js.unix(expired_at(world))}
        data["error"] = {"code": 190, "message": expired.message, "subcode": 463}
    return {"data": data}
