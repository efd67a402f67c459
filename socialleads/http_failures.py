"""What a failed HTTP call means for the bot: one reading of ``Retry-After``, of a status and of a
network error, shared by every source and sink that speaks HTTP.

After a failed call a connector asks three questions, answered here once:

* ``retry_after(value, now)``: how many seconds the answer asked us to wait (``Retry-After``).
* ``failure_action(status, wait, overrides)``: what happens next (``FailureAction``): try again,
  wait until the named time, stop for an admin, or give this request up. ``delivery_error`` and
  ``source_error`` turn that into the error class the dispatcher or the runner acts on.
* ``describe_cause(exc)``: why no answer came (timed out, connection refused, ...), in words that
  carry no URL, header or token.

A connector keeps its vendor's own codes (Slack's ``error``, Salesforce's ``errorCode``, Meta's Graph
codes) in its error table, and passes the few statuses its vendor uses differently as a small
``{status: FailureAction}`` table merged over ``DEFAULT_ACTIONS`` (Teams: a 404 is a removed webhook),
as Airbyte's CDK merges a connector's mapping over its ``DEFAULT_ERROR_MAPPING``
(https://github.com/airbytehq/airbyte-python-cdk/blob/main/airbyte_cdk/sources/streams/http/error_handlers/default_error_mapping.py).
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

import requests
import urllib3

from socialleads.errors import (
    AuthError,
    ConfigurationError,
    DeliveryError,
    PermanentDeliveryError,
    RateLimitedError,
    RetriableDeliveryError,
    SinkNeedsAdminError,
    SourceError,
    TransientError,
)

#: The longest wait a ``Retry-After`` is taken at: a server that names a later time (or a number too
#: large for a date) is read as "not before a day from now", and is asked again then.
MAX_RETRY_AFTER = 86_400.0
_DELAY_SECONDS = re.compile(r"\d+(?:\.\d+)?")  # RFC 9110 says digits; a decimal is read too (HubSpot)


class FailureAction(StrEnum):
    """What happens after a failed call, whoever made it."""

    RETRY = "retry"  #: may pass by itself: try again with backoff
    WAIT = "wait"  #: asked to slow down or come back later: try again no sooner than it said
    NEEDS_ADMIN = "needs_admin"  #: every call fails alike until an admin changes the config (token, URL)
    PERMANENT = "permanent"  #: this request is refused: sending it again cannot help


#: The statuses every connector reads alike unless its table says otherwise. Not listed: any other
#: 5xx is retried, any other 4xx is permanent, a 3xx needs an admin (see ``failure_action``).
DEFAULT_ACTIONS: Mapping[int, FailureAction] = {
    401: FailureAction.NEEDS_ADMIN,  # the credentials are wrong, expired or revoked: no call can pass
    403: FailureAction.NEEDS_ADMIN,  # the credentials lack a permission: no call can pass
    # RFC 9110 §15.5.9: the server closed a connection it was waiting on; it did not act on the request.
    408: FailureAction.RETRY,
    # RFC 4918 §11.3: the resource is locked, by another writer for instance. A lock is released, so
    # it passes by itself: retried (as the HubSpot sink did, and as Salesforce's UNABLE_TO_LOCK_ROW is),
    # where dead-lettering would lose a lead for a moment's contention.
    423: FailureAction.RETRY,
    # RFC 8470 §5.2: refused as possibly replayed TLS early data; the same request after the handshake is
    # accepted.
    425: FailureAction.RETRY,
    429: FailureAction.WAIT,  # RFC 6585 §4: too many requests; Retry-After, when sent, says for how long
    500: FailureAction.RETRY,
    502: FailureAction.RETRY,
    503: FailureAction.RETRY,  # RFC 9110 §15.6.4: a WAIT when Retry-After says when it is back
    504: FailureAction.RETRY,
}


def retry_after(value: str | bytes | None, now: datetime) -> float | None:
    """Seconds from ``now`` that a ``Retry-After`` header value asks to wait, or None without one.

    Called by a connector when an answer failed. Reads both forms of RFC 9110 §10.2.3
    (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after): delay-seconds (``120``; a decimal is
    accepted) and an HTTP-date (``Fri, 14 Mar 2025 09:32:00 GMT``, taken as UTC, and the two obsolete
    date forms), measured against ``now`` (aware; the connector's clock). A date already past is 0.0
    (try now). A negative number or anything unreadable is None (as if absent: the caller's own
    backoff applies). A wait over ``MAX_RETRY_AFTER`` is capped to it. Never raises.
    """
    text = (value.decode("latin-1") if isinstance(value, bytes) else value or "").strip()
    if not text:
        return None
    if _DELAY_SECONDS.fullmatch(text):
        return min(float(text), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)  # HTTP-dates are always GMT
    return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER)


def failure_action(
    status: int, wait: float | None = None, overrides: Mapping[int, FailureAction] | None = None
) -> FailureAction:
    """What to do after an answer with ``status`` (not 2xx); called by a connector's error table.

    ``overrides`` (the connector's table) wins over ``DEFAULT_ACTIONS``. A status in neither: a 3xx
    needs an admin (the bot follows no redirect with a token or a lead attached, so the configured
    address itself is wrong), another 4xx is permanent, anything else (5xx, and nonsense from a
    broken proxy) is retried. A ``RETRY`` answered with a ``wait`` (its ``Retry-After``, in
    seconds) becomes ``WAIT``: the server said when to come back. Raises ``ValueError`` for a 2xx.
    """
    if 200 <= status < 300:
        raise ValueError(f"HTTP {status} is not a failure")
    action = (overrides or {}).get(status) or DEFAULT_ACTIONS.get(status)
    if action is None:
        if 300 <= status < 400:
            action = FailureAction.NEEDS_ADMIN
        elif 400 <= status < 500:
            action = FailureAction.PERMANENT
        else:
            action = FailureAction.RETRY
    if action is FailureAction.RETRY and wait is not None:
        return FailureAction.WAIT
    return action


_DELIVERY_ERRORS: Mapping[FailureAction, type[DeliveryError]] = {
    FailureAction.RETRY: RetriableDeliveryError,
    FailureAction.WAIT: RetriableDeliveryError,
    FailureAction.NEEDS_ADMIN: SinkNeedsAdminError,
    FailureAction.PERMANENT: PermanentDeliveryError,
}


def delivery_error(action: FailureAction, message: str, wait: float | None = None) -> DeliveryError:
    """The error a sink raises for ``action``; ``wait`` (seconds) goes with a ``WAIT`` only.

    ``message`` must already be free of secrets. Never raises.
    """
    if action is FailureAction.WAIT:
        return RetriableDeliveryError(message, retry_after=wait)
    return _DELIVERY_ERRORS[action](message)


def source_error(
    action: FailureAction, message: str, now: datetime, wait: float | None, default_wait: timedelta
) -> SourceError:
    """The error a source raises for ``action``: ``WAIT`` is a ``RateLimitedError`` at ``now`` plus
    ``wait`` seconds (``default_wait`` without one, and a second at the least, so the reset is in
    the future), ``RETRY`` a ``TransientError``, ``NEEDS_ADMIN`` an ``AuthError`` and ``PERMANENT`` a
    ``ConfigurationError``. ``message`` must already be free of secrets. Never raises.
    """
    if action is FailureAction.WAIT:
        delay = timedelta(seconds=wait) if wait is not None else default_wait
        return RateLimitedError(message, now + max(delay, timedelta(seconds=1)))
    if action is FailureAction.NEEDS_ADMIN:
        return AuthError(message)
    if action is FailureAction.PERMANENT:
        return ConfigurationError(message)
    return TransientError(message)


#: Exception classes whose meaning is known, looked for down the whole chain; the first row found wins,
#: so the precise socket errors come before the timeouts. urllib3's ``ConnectTimeoutError`` is left out:
#: its ``NewConnectionError`` (a refused or unreachable connection) descends from it in urllib3 2.x, and a
#: real connect timeout carries the socket's ``TimeoutError`` as its cause anyway.
_CAUSES: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((ConnectionRefusedError,), "connection refused"),
    ((ConnectionResetError, ConnectionAbortedError), "connection reset"),
    ((socket.gaierror,), "host name not found"),
    ((ssl.SSLError, urllib3.exceptions.SSLError, requests.exceptions.SSLError), "TLS error"),
    ((TimeoutError, urllib3.exceptions.ReadTimeoutError, requests.Timeout), "timed out"),
)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it wraps: in its args, its ``reason`` (urllib3, urllib), its cause and
    its context; each once, outermost first."""
    found: list[BaseException] = []
    pending = [exc]
    while pending:
        err = pending.pop(0)
        if any(err is f for f in found):
            continue
        found.append(err)
        wrapped = (*err.args, getattr(err, "reason", None), err.__cause__, err.__context__)
        pending.extend(w for w in wrapped if isinstance(w, BaseException))
    return found


def describe_cause(exc: BaseException) -> str:
    """Why a call got no answer, in a few words with no URL, header or token in them.

    Called by a connector when ``requests``, urllib3, urllib or a socket raised. Searches the chain of
    wrapped exceptions (requests hides the socket error three levels down) for a known cause
    ("timed out", "connection refused", "connection reset", "host name not found", "TLS error"), then
    for an operating-system message ("network is unreachable"); else the outer exception's class name.
    Never raises.
    """
    chain = _chain(exc)
    for kinds, words in _CAUSES:
        if any(isinstance(err, kinds) for err in chain):
            return words
    for err in chain:
        if isinstance(err, OSError) and err.errno is not None and err.strerror:
            return err.strerror.lower()
    return type(exc).__name__
