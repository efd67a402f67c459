"""One table from X API v2 failures to our errors, each named for what the runner does next.

Status codes: https://docs.x.com/x-api/fundamentals/response-codes-and-errors; 429 and its
``x-rate-limit-reset``: https://docs.x.com/x-api/fundamentals/rate-limits. Messages are built from the
endpoint's name, the status and X's own problem text only, never from a request (its headers carry
the bearer token). A status this table does not name goes by the bot's one HTTP failure policy
(``socialleads.http_failures``): 408/423/425/5xx transient, other 4xx a configuration problem.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from socialleads.errors import RateLimitedError, SourceError, TransientError
from socialleads.http_failures import failure_action, source_error
from socialleads.redact import REDACTOR

#: Without a reset from X, wait one rate-limit window.
DEFAULT_WAIT = timedelta(minutes=15)


def reset_time(unix: int | float | None) -> datetime | None:
    """``x-rate-limit-reset`` (Unix seconds) as an aware UTC time, or None."""
    return datetime.fromtimestamp(unix, UTC) if unix is not None else None


def rate_limited(
    endpoint: str, reset_at: datetime | None, now: datetime, limit: int | None
) -> RateLimitedError:
    """The error for a spent window of ``endpoint``: ``reset_at`` from X, else 15 minutes from ``now``.

    A reset already past by our clock (clocks drift) still waits a minute, so the next call is later.
    """
    when = reset_at if reset_at is not None else now + DEFAULT_WAIT
    if when <= now:
        when = now + timedelta(minutes=1)
    allowance = f" ({limit} calls per 15 minutes)" if limit else ""
    return RateLimitedError(
        f"X rate limit reached on {endpoint}{allowance}; next window at {when:%Y-%m-%d %H:%M:%S}Z", when
    )


def classify_http_error(
    status: int,
    messages: list[str],
    endpoint: str,
    token_field: str,
    now: datetime,
    wait: float | None = None,
) -> SourceError:
    """The ``SourceError`` for an X answer with ``status`` (not 429) on ``endpoint``.

    ``messages`` are X's problem texts (``errors[].message`` or ``detail``); ``token_field`` names the
    config field of the token used, so the fix can say which one to renew. ``wait`` is the answer's
    ``Retry-After`` in seconds (``socialleads.http_failures.retry_after``), counted from ``now``.
    """
    said = _said(messages)
    texts = {
        401: (
            f"X answered 401 Unauthorized on {endpoint}: the {token_field} is invalid, expired or revoked; "
            f"generate a new one in the X developer portal and update {token_field}"
        ),
        403: (
            f"X answered 403 Forbidden on {endpoint}{said}; the {token_field} (or the app's access) does "
            "not allow this call"
        ),
        400: f"X refused the request on {endpoint}{said}",
        404: f"X does not know what {endpoint} asked for{said}",
    }
    where = "; the next poll tries again" if status >= 500 else said
    text = texts.get(status, f"X answered {status} on {endpoint}{where}")
    return source_error(failure_action(status, wait), text, now, wait, DEFAULT_WAIT)


def classify_request_error(exc: Exception, endpoint: str) -> SourceError:
    """Timeouts, refused connections and unreadable answers: all worth trying again later."""
    if isinstance(exc, requests.Timeout):
        return TransientError(f"X did not answer in time on {endpoint}")
    if isinstance(exc, requests.ConnectionError):
        return TransientError(f"could not connect to X for {endpoint}")
    return TransientError(f"unreadable answer from X on {endpoint} ({type(exc).__name__})")


def _said(messages: list[str]) -> str:
    text = "; ".join(m.strip() for m in messages if m and m.strip())
    return f" ({REDACTOR.scrub(text, limit=300)})" if text else ""  # scrubbed whole before it is cut
