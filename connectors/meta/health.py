"""``MetaLeadAdsSource.check``: page tokens, permissions and webhook subscriptions, said in plain words.

Per page: ``GET /debug_token`` (https://developers.facebook.com/docs/graph-api/reference/debug_token/)
for validity, expiry and scopes (the page token inspecting itself); ``GET /me/permissions`` when the
configured token turns out to be a user token (a page token has no such edge);
``GET /{page}/subscribed_apps``
(https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-leadgen).
Messages name pages by id, never a token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from connectors.meta.graph import GraphClient
from connectors.meta.lead_config import MetaLeadAdsConfig, PageConfig
from connectors.meta.lead_fields import dict_of, list_of, text_of
from socialleads.errors import AuthError
from socialleads.models import Health, HealthState

#: Permissions a lead source needs: how bad their absence is, and what stops working.
PERMISSIONS: dict[str, tuple[HealthState, str]] = {
    "leads_retrieval": (HealthState.FAILING, "no lead can be read"),
    "pages_manage_ads": (HealthState.FAILING, "the page's lead forms cannot be listed or read"),
    "pages_show_list": (HealthState.DEGRADED, "Meta may refuse to serve the page's leads"),
    "pages_read_engagement": (HealthState.DEGRADED, "Meta may refuse to serve the page's leads"),
    "pages_manage_metadata": (HealthState.DEGRADED, "the page's webhook subscription cannot be checked"),
    "ads_management": (HealthState.DEGRADED, "leads arrive without their ad, ad set and campaign"),
}
_RANK = {HealthState.OK: 0, HealthState.DEGRADED: 1, HealthState.FAILING: 2}
ClientFor = Callable[[SecretStr], GraphClient]


@dataclass(frozen=True)
class Finding:
    """One problem found: how bad, and one sentence that says it and its fix."""

    state: HealthState
    text: str


def _days(left: timedelta) -> str:
    if left < timedelta(days=1):
        return "in less than a day"
    return "in 1 day" if left.days == 1 else f"in {left.days} days"


def _unix(value: Any) -> datetime | None:
    """A debug_token time; 0 means "never" (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived)."""
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def inspect_token(page: PageConfig, client: GraphClient) -> dict[str, Any]:
    """``debug_token``'s data for the page token, asked with the token itself; raises ``AuthError`` when
    Meta rejects it. Not with the app token ``{app_id}|{app_secret}``: facebook-sdk sends tokens in the
    query string, and the raw app secret does not belong in a URL (a token inspecting itself is allowed:
    https://developers.facebook.com/docs/facebook-login/guides/access-tokens/debugging)."""
    try:
        answer = client.get("debug_token", input_token=page.token.get_secret_value())
    except AuthError as exc:
        if "has expired" in str(exc) or "invalid or was revoked" in str(exc):
            reason = "has expired" if "has expired" in str(exc) else "is invalid or was revoked"
            raise AuthError(
                f"the page token of page {page.id} {reason}; generate a new long-lived page token"
            ) from None
        raise AuthError(f"page {page.id}: {exc}") from None
    data = dict_of(answer.get("data"))
    if not data.get("is_valid"):
        raise AuthError(
            f"the page token of page {page.id} is not valid; generate a new long-lived page token"
        )
    owner = text_of(data.get("profile_id"))
    if data.get("type") == "PAGE" and owner and owner != page.id:
        raise AuthError(
            f"the token configured for page {page.id} is the token of page {owner}; "
            f"paste page {page.id}'s own token"
        )
    return data


def page_findings(
    config: MetaLeadAdsConfig, page: PageConfig, client_for: ClientFor, now: datetime
) -> tuple[list[Finding], datetime | None]:
    """The problems of one page, and when its token expires (None: never). Raises ``AuthError``."""
    client = client_for(page.token)
    data = inspect_token(page, client)
    found: list[Finding] = []
    expires = _unix(data.get("expires_at"))
    if expires is not None and expires - now <= config.expiry_warning:
        found.append(
            Finding(
                HealthState.DEGRADED,
                f"the page token of {page.id} expires {_days(expires - now)} (on {expires:%Y-%m-%d}); "
                "generate a new long-lived token",
            )
        )
    access = _unix(data.get("data_access_expires_at"))
    if access is not None and access - now <= config.expiry_warning:
        found.append(
            Finding(
                HealthState.DEGRADED,
                f"Meta's data access for the token of page {page.id} ends {_days(access - now)} "
                f"(on {access:%Y-%m-%d}); the page admin must log in to the app again to renew it",
            )
        )
    if data.get("type") == "USER":
        found.append(
            Finding(
                HealthState.DEGRADED,
                f"the token configured for page {page.id} is a user token; use the page's long-lived "
                "page token (from GET /me/accounts with that user token)",
            )
        )
        statuses = list_of(client.get("me/permissions").get("data"))
        scopes = {
            s.get("permission") for s in statuses if isinstance(s, dict) and s.get("status") == "granted"
        }
    else:
        scopes = {text_of(s) for s in list_of(data.get("scopes"))}
    for permission, (state, effect) in PERMISSIONS.items():
        if permission not in scopes:
            found.append(
                Finding(
                    state,
                    f"the token of page {page.id} lacks the {permission} permission, so {effect}; grant it "
                    "to the app (log in to the app again and approve it) and generate a new page token",
                )
            )
    if data.get("type") != "USER" and "pages_manage_metadata" in scopes:
        found += _subscription(config, page, client, text_of(config.app_id or data.get("app_id")))
    return found, expires


def _subscription(
    config: MetaLeadAdsConfig, page: PageConfig, client: GraphClient, app_id: str
) -> list[Finding]:
    """A finding when the app is not installed on the page for leadgen webhooks."""
    apps = [a for a in list_of(client.get(f"{page.id}/subscribed_apps").get("data")) if isinstance(a, dict)]
    ours = [a for a in apps if not app_id or text_of(a.get("id")) == app_id]
    fields = [a.get("subscribed_fields") for a in ours]
    subscribed = bool(ours) and all(f is None or "leadgen" in f for f in fields)
    if subscribed:
        return []
    if config.verify_token is None:  # webhooks not set up for this source: polling is the only path anyway
        return [
            Finding(HealthState.OK, f"page {page.id} sends no leadgen webhooks; leads arrive at each poll")
        ]
    return [
        Finding(
            HealthState.DEGRADED,
            f"page {page.id} no longer sends new leads to the bot by webhook (the app is not subscribed to "
            "its leadgen events), so they arrive only at the next poll; subscribe the app again with "
            f"POST /{page.id}/subscribed_apps?subscribed_fields=leadgen using the page token",
        )
    ]


def check_pages(config: MetaLeadAdsConfig, client_for: ClientFor, now: datetime) -> Health:
    """One ``Health`` for every configured page; raises ``AuthError`` for a token Meta rejects."""
    found: list[Finding] = []
    expiries: list[datetime] = []
    for page in config.pages:
        page_found, expires = page_findings(config, page, client_for, now)
        found += page_found
        if expires is not None:
            expiries.append(expires)
    worst = max((f.state for f in found), key=_RANK.__getitem__, default=HealthState.OK)
    details = tuple(f.text for f in found)
    first_expiry = min(expiries, default=None)
    if worst is HealthState.OK:
        count = len(config.pages)
        summary = f"{count} page{'' if count == 1 else 's'}: tokens valid, permissions granted"
        if first_expiry is not None:
            summary += f"; the first token expires on {first_expiry:%Y-%m-%d}"
        return Health(state=worst, summary=summary, details=details, expires_at=first_expiry)
    problems = [f.text for f in found if f.state is worst]
    more = len([f for f in found if f.state is not HealthState.OK]) - 1
    summary = problems[0] + (f" (and {more} more problem{'' if more == 1 else 's'})" if more else "")
    return Health(state=worst, summary=summary, details=details, expires_at=first_expiry)
