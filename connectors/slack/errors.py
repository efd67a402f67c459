"""What a failed Slack Web API call means for the dispatcher, and the fix to tell a person.

Slack answers API errors with HTTP 200 and ``{"ok": false, "error": "<code>"}``
(https://docs.slack.dev/apis/web-api/#responses), rate limits with HTTP 429 and ``Retry-After``
seconds (https://docs.slack.dev/apis/web-api/rate-limits). ``slack_sdk`` raises ``SlackApiError`` for
both; ``failure_of`` reduces that, or a network error, to a ``SlackFailure`` carrying only the code,
the status and the wait: never the request, whose headers hold the token. ``delivery_error`` reads
Slack's code first (``CODE_ACTIONS``), then the HTTP status by the bot's one failure policy
(``socialleads.http_failures``).
"""

from __future__ import annotations

import http.client
import re
from datetime import datetime
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from socialleads.errors import DeliveryError, RetriableDeliveryError
from socialleads.http_failures import FailureAction, describe_cause, failure_action, retry_after
from socialleads.http_failures import delivery_error as error_for

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
TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
#: What Slack's own codes mean, whatever the HTTP status they came with (most come with a 200).
CODE_ACTIONS: dict[str, FailureAction] = {
    **dict.fromkeys(AUTH_ERRORS, FailureAction.NEEDS_ADMIN),
    **dict.fromkeys(TRANSIENT_ERRORS, FailureAction.RETRY),
    **dict.fromkeys(RATE_LIMITED, FailureAction.WAIT),
}
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


def failure_of(
    exc: SlackApiError | URLError | OSError | http.client.HTTPException, now: datetime
) -> SlackFailure:
    """The ``SlackFailure`` for an exception ``slack_sdk.WebClient`` raised; ``now`` (the sink's clock)
    measures a ``Retry-After`` given as a date."""
    if not isinstance(exc, SlackApiError):
        return SlackFailure("unreachable", None, reason=describe_cause(exc))
    response = exc.response
    status = int(response.status_code)
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or "")
    if not _CODE.match(code):  # a proxy's HTML page, which the SDK wraps in its own sentence
        code = f"HTTP {status}"
    headers = {str(k).lower(): v for k, v in (response.headers or {}).items()}
    return SlackFailure(code, status, retry_after(headers.get("retry-after"), now))


def _action(failure: SlackFailure) -> FailureAction:
    """Slack's code decides when it has a meaning of its own; else the HTTP status does."""
    action = CODE_ACTIONS.get(failure.code)
    if action is None:
        status = failure.status or 0
        answered = 100 <= status < 200 or status >= 300  # an ok:false in a 2xx is refused as asked
        action = failure_action(status, failure.retry_after) if answered else FailureAction.PERMANENT
    if action is FailureAction.RETRY and failure.retry_after is not None:
        return FailureAction.WAIT
    return action


def delivery_error(failure: SlackFailure, what: str, channel: str) -> DeliveryError:
    """The error ``deliver`` raises when ``what`` (e.g. "posting the lead") to ``channel`` failed so."""
    code = failure.code
    if failure.status is None:
        return RetriableDeliveryError(f"cannot reach Slack for {what}: {failure.reason or code}")
    action = _action(failure)
    wait = f"; retry after {failure.retry_after:g}s" if failure.retry_after is not None else ""
    if action is FailureAction.WAIT and (failure.status == 429 or code in RATE_LIMITED):
        text = f"Slack rate-limited {what}{wait}"
    elif action in (FailureAction.RETRY, FailureAction.WAIT):
        detail = code if code.startswith("HTTP") else f"{code}, HTTP {failure.status}"
        text = f"Slack failed {what} ({detail}){wait}"
    elif action is FailureAction.NEEDS_ADMIN:
        text = f"Slack rejected the bot token ({code}); fix: {AUTH_FIX}"
    else:
        fix = FIXES.get(code)
        text = f"Slack refused {what} to channel {channel} ({code})" + (f"; fix: {fix}" if fix else "")
    return error_for(action, text, failure.retry_after)


__all__ = ["AUTH_ERRORS", "AUTH_FIX", "FIXES", "SlackFailure", "delivery_error", "failure_of"]
