"""What a failed Slack Web API call means for the dispatcher, and the fix to tell a person.

Slack answers API errors with HTTP 200 and ``{"ok": false, "error": "<code>"}``
(https://docs.slack.dev/apis/web-api/#responses), rate limits with HTTP 429 and ``Retry-After``
seconds (https://docs.slack.dev/apis/web-api/rate-limits). ``slack_sdk`` raises ``SlackApiError`` for
both; ``failure_of`` reduces that, or a network error, to a ``SlackFailure`` carrying only the code,
the status and the wait: never the request, whose headers hold the token.
"""

from __future__ import annotations

import http.client
import re
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from socialleads.errors import (
    DeliveryError,
    PermanentDeliveryError,
    RetriableDeliveryError,
    SinkNeedsAdminError,
)

#: The token is wrong, revoked or belongs to a deactivated app or workspace.
AUTH_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "not_allowed_token_type",
        "org_login_required",
        "ekm_access_denied",
    }
)
#: Codes for trouble on Slack's side that passes by itself.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
AUTH_FIX = "create a new bot token (the app's OAuth & Permissions page, Bot User OAuth Token) and set 'token'"
FIXES = {
    "channel_not_found": (
        "set 'channel' to the channel ID (e.g. C0123456789, at the bottom of the channel's About tab); "
        "for a private channel, invite the app first with /invite @<app name>"
    ),
    "not_in_channel": (
        "invite the app to the channel with /invite @<app name>, or add the chat:write.public scope "
        "so it can post to public channels without joining"
    ),
    "is_archived": "unarchive the channel or set 'channel' to another one",
    "missing_scope": "add the chat:write bot scope on the app's OAuth & Permissions page and reinstall it",
    "invalid_blocks": "this is a bug in the Slack card; please report it with the lead id",
}
_CODE = re.compile(r"^[a-z_]+$")


class SlackFailure(Exception):
    """A failed call: Slack's error ``code`` (or ``HTTP <status>``, or ``unreachable``), and what to wait.

    ``status`` is None when no HTTP answer arrived; ``reason`` then says why (timed out, refused).
    """

    def __init__(
        self, code: str, status: int | None, retry_after: float | None = None, reason: str = ""
    ) -> None:
        super().__init__(code)
        self.code, self.status, self.retry_after, self.reason = code, status, retry_after, reason


def _retry_after(value: object) -> float | None:
    """``Retry-After`` as seconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    text = str(value).strip() if value is not None else ""
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _network_reason(exc: BaseException) -> str:
    cause = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(cause, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, socket.gaierror):
        return "host name not found"
    return type(cause).__name__ if isinstance(cause, BaseException) else type(exc).__name__


def failure_of(exc: SlackApiError | URLError | OSError | http.client.HTTPException) -> SlackFailure:
    """The ``SlackFailure`` for an exception ``slack_sdk.WebClient`` raised."""
    if not isinstance(exc, SlackApiError):
        return SlackFailure("unreachable", None, reason=_network_reason(exc))
    response = exc.response
    status = int(response.status_code)
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or "")
    if not _CODE.match(code):  # a proxy's HTML page, which the SDK wraps in its own sentence
        code = f"HTTP {status}"
    headers = {str(k).lower(): v for k, v in (response.headers or {}).items()}
    return SlackFailure(code, status, _retry_after(headers.get("retry-after")) if status == 429 else None)


def delivery_error(failure: SlackFailure, what: str, channel: str) -> DeliveryError:
    """The error ``deliver`` raises when ``what`` (e.g. "posting the lead") to ``channel`` failed so."""
    code = failure.code
    if failure.status is None:
        return RetriableDeliveryError(f"cannot reach Slack for {what}: {failure.reason or code}")
    if failure.status == 429 or code in ("ratelimited", "rate_limited"):
        wait = f"; retry after {failure.retry_after:g}s" if failure.retry_after is not None else ""
        return RetriableDeliveryError(f"Slack rate-limited {what}{wait}", retry_after=failure.retry_after)
    if failure.status >= 500 or code in TRANSIENT_ERRORS or failure.status in (408, 425):
        detail = code if code.startswith("HTTP") else f"{code}, HTTP {failure.status}"
        return RetriableDeliveryError(f"Slack failed {what} ({detail})")
    if code in AUTH_ERRORS:
        return SinkNeedsAdminError(f"Slack rejected the bot token ({code}); fix: {AUTH_FIX}")
    fix = FIXES.get(code)
    text = f"Slack refused {what} to channel {channel} ({code})"
    return PermanentDeliveryError(f"{text}; fix: {fix}" if fix else text)


__all__ = ["AUTH_ERRORS", "AUTH_FIX", "FIXES", "SlackFailure", "delivery_error", "failure_of"]
