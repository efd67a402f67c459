"""One table from Meta's Graph errors to our errors, each named for what the runner does next.

Meta throttles with HTTP 400 and a code, not 429; 190 and 102 mean the token is dead.
https://developers.facebook.com/docs/graph-api/guides/error-handling
https://developers.facebook.com/docs/graph-api/overview/rate-limiting
Messages are built from codes and the object path only: facebook-sdk's request URL carries the token.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import requests

from socialleads.errors import (
    AuthError,
    ConfigurationError,
    RateLimitedError,
    SkippableRecordError,
    SourceError,
    TransientError,
)
from socialleads.redact import REDACTOR

#: Platform and Business Use Case throttles (80000-80014; 80001 Pages, 80005 LeadGen).
THROTTLES = frozenset(
    {4, 17, 32, 341, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014}
)
#: The token is invalid or expired (and the auth subcodes that say why).
DEAD_TOKEN = frozenset({102, 190})
AUTH_SUBCODES = frozenset({458, 459, 460, 463, 464, 467, 492})
#: Missing permission: 10 and the 200-299 range.
PERMISSION = frozenset({10, *range(200, 300)})
#: Temporary trouble on Meta's side.
RETRY = frozenset({1, 2})
#: Without an estimate from Meta, wait this long after a throttle.
DEFAULT_THROTTLE_WAIT = timedelta(minutes=15)


def classify_graph_error(
    result: dict[str, Any], message: str, path: str, now: datetime, regain_minutes: int = 0
) -> SourceError:
    """The ``SourceError`` for a Graph error body on ``path``.

    ``regain_minutes`` is ``estimated_time_to_regain_access`` from the usage headers, when Meta gave one.
    """
    found = result.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    kind = f"Meta error {code}" + (f"/{subcode}" if subcode else "")
    where = f"on {path.split('?')[0]}"
    if code in THROTTLES:
        wait = timedelta(minutes=regain_minutes) if regain_minutes else DEFAULT_THROTTLE_WAIT
        return RateLimitedError(f"{kind}: Meta throttled calls {where}", now + wait)
    if code in DEAD_TOKEN or subcode in AUTH_SUBCODES:
        reason = "has expired" if subcode == 463 else "is invalid or was revoked"
        return AuthError(f"{kind}: the access token {reason}; generate a new long-lived page token")
    if code in PERMISSION:
        return AuthError(
            f"{kind}: a permission is missing {where} ({_short(error.get('message'))}); "
            "grant it to the app and renew the token"
        )
    if code == 100:
        return ConfigurationError(f"{kind}: unknown object or field {where} ({_short(error.get('message'))})")
    if code in RETRY or error.get("is_transient") is True:
        return TransientError(f"{kind}: Meta had a temporary problem {where}")
    if not error:
        # facebook-sdk raises with a bare message for a body that is not JSON (a 502 page, say).
        return TransientError(f"Meta answered {where} with something that is not JSON ({_short(message)})")
    return TransientError(f"{kind}: unexpected Graph error {where} ({_short(error.get('message'))})")


def classify_request_error(exc: Exception, path: str) -> SourceError:
    """Timeouts, refused connections and unreadable answers: all worth retrying later."""
    where = f"on {path.split('?')[0]}"
    if isinstance(exc, requests.Timeout):
        return TransientError(f"Meta did not answer in time {where}")
    if isinstance(exc, requests.ConnectionError):
        return TransientError(f"could not connect to Meta {where}")
    return TransientError(f"unreadable answer from Meta {where} ({type(exc).__name__})")


def as_skippable(error: SourceError, what: str) -> SourceError:
    """Error 100 while reading one lead means that lead is gone: skip it, keep polling."""
    if isinstance(error, ConfigurationError):
        return SkippableRecordError(f"{what} cannot be read: {error}")
    return error


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _short(text: Any) -> str:
    return REDACTOR.scrub(str(text or ""), limit=160)  # scrubbed whole before it is cut
