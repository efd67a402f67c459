"""The one HTTP failure policy: ``Retry-After`` in both its forms, a status to what happens next, a
failed call's cause in a few safe words."""

from __future__ import annotations

import errno
import socket
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.error import URLError

import pytest
import requests
import urllib3

from connectors.x.errors import classify_http_error
from socialleads.errors import (
    AuthError,
    ConfigurationError,
    PermanentDeliveryError,
    RateLimitedError,
    RetriableDeliveryError,
    SinkNeedsAdminError,
    TransientError,
)
from socialleads.http_failures import (
    MAX_RETRY_AFTER,
    FailureAction,
    delivery_error,
    describe_cause,
    failure_action,
    retry_after,
    source_error,
)
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
TOKEN = "tok-0123456789abcdef"  # made up; a cause must never show it


# --- Retry-After ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("  7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),  # not in RFC 9110's grammar, but sent by some APIs
        (b"30", 30.0),  # a raw header value, as urllib3 may hand it over
    ],
)
def test_delay_seconds_are_read_as_seconds(value: str | bytes, seconds: float) -> None:
    assert retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("Fri, 14 Mar 2025 09:32:00 GMT", 120.0),  # IMF-fixdate
        ("Friday, 14-Mar-25 09:32:00 GMT", 120.0),  # obsolete RFC 850 form
        ("Fri Mar 14 09:32:00 2025", 120.0),  # obsolete asctime form: no zone, GMT by definition
        ("Fri, 14 Mar 2025 10:32:00 +0100", 120.0),  # a zone is honoured though HTTP-dates are GMT
    ],
)
def test_an_http_date_in_the_future_is_the_seconds_until_it(value: str, seconds: float) -> None:
    assert retry_after(value, NOW) == seconds


def test_an_http_date_in_the_past_means_now() -> None:
    assert retry_after("Fri, 14 Mar 2025 09:00:00 GMT", NOW) == 0.0


def test_the_date_is_measured_on_the_clock_given_not_todays() -> None:
    later = NOW + timedelta(seconds=100)
    assert retry_after("Fri, 14 Mar 2025 09:32:00 GMT", later) == 20.0


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "-5", "+5", "soon", "5s", "1e3", "nan", "inf", "0x10", "Fri, 31 Feb 2025 09:32:00 GMT"],
)
def test_a_missing_negative_or_unreadable_value_is_none(value: str | None) -> None:
    assert retry_after(value, NOW) is None


@pytest.mark.parametrize(
    "value",
    ["86401", "99999999999999999999", "9" * 400, "Fri, 14 Mar 2125 09:32:00 GMT"],
)
def test_an_absurd_wait_is_capped_at_a_day(value: str) -> None:
    assert retry_after(value, NOW) == MAX_RETRY_AFTER == 86_400.0
    NOW + timedelta(seconds=MAX_RETRY_AFTER)  # still a date the dispatcher can compute with


def test_a_year_past_9999_is_unreadable_not_a_crash() -> None:
    assert retry_after("Fri, 14 Mar 99999 09:32:00 GMT", NOW) is None


# --- statuses ---------------------------------------------------------------------------------------


#: The one answer to "do we retry it?", status by status.
DEFAULT_POLICY = {
    # 408/423/425 are retried by every sink now; 507 stands for any 5xx, 600 for nonsense from a proxy.
    FailureAction.RETRY: (408, 423, 425, 500, 502, 503, 504, 507, 600),
    FailureAction.WAIT: (429,),
    # A 3xx: no redirect is followed, so the configured address itself is wrong.
    FailureAction.NEEDS_ADMIN: (401, 403, 301, 302, 307),
    FailureAction.PERMANENT: (400, 404, 409, 410, 413, 422),
}


@pytest.mark.parametrize(
    ("status", "action"), [(status, action) for action, each in DEFAULT_POLICY.items() for status in each]
)
def test_the_default_policy(status: int, action: FailureAction) -> None:
    assert failure_action(status) is action


def test_a_retry_with_a_retry_after_waits_and_a_429_waits_without_one() -> None:
    assert failure_action(503, 30.0) is FailureAction.WAIT
    assert failure_action(500, 0.0) is FailureAction.WAIT
    assert failure_action(429) is FailureAction.WAIT
    assert failure_action(400, 30.0) is FailureAction.PERMANENT  # a wait does not make a refusal retriable
    assert failure_action(401, 30.0) is FailureAction.NEEDS_ADMIN


def test_a_vendor_table_wins_over_the_default_for_its_statuses_only() -> None:
    teams = {404: FailureAction.NEEDS_ADMIN, 410: FailureAction.NEEDS_ADMIN}
    assert failure_action(404, None, teams) is FailureAction.NEEDS_ADMIN
    assert failure_action(410, None, teams) is FailureAction.NEEDS_ADMIN
    assert failure_action(404) is FailureAction.PERMANENT
    assert failure_action(400, None, teams) is FailureAction.PERMANENT
    assert failure_action(503, 5.0, teams) is FailureAction.WAIT
    salesforce = {300: FailureAction.PERMANENT, 500: FailureAction.PERMANENT}
    assert failure_action(300, None, salesforce) is FailureAction.PERMANENT
    assert failure_action(500, 5.0, salesforce) is FailureAction.PERMANENT  # a table's refusal stands


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_a_success_is_no_failure(status: int) -> None:
    with pytest.raises(ValueError, match=f"HTTP {status} is not a failure"):
        failure_action(status)


def test_each_action_is_the_sinks_error_class_and_only_a_wait_carries_the_wait() -> None:
    waited = delivery_error(FailureAction.WAIT, "slow down", 30.0)
    assert type(waited) is RetriableDeliveryError and waited.retry_after == 30.0
    retried = delivery_error(FailureAction.RETRY, "HTTP 500", 30.0)
    assert type(retried) is RetriableDeliveryError and retried.retry_after is None
    admin = delivery_error(FailureAction.NEEDS_ADMIN, "HTTP 401")
    assert type(admin) is SinkNeedsAdminError and admin.retry_after is None
    assert type(delivery_error(FailureAction.PERMANENT, "HTTP 400")) is PermanentDeliveryError
    assert str(admin) == "HTTP 401"


def test_each_action_is_the_sources_error_class_and_a_wait_a_reset_in_the_future() -> None:
    default = timedelta(minutes=15)
    named = source_error(FailureAction.WAIT, "HTTP 429", NOW, 120.0, default)
    assert isinstance(named, RateLimitedError) and named.reset_at == NOW + timedelta(seconds=120)
    unnamed = source_error(FailureAction.WAIT, "HTTP 429", NOW, None, default)
    assert isinstance(unnamed, RateLimitedError) and unnamed.reset_at == NOW + default
    now = source_error(FailureAction.WAIT, "HTTP 429", NOW, 0.0, default)
    assert isinstance(now, RateLimitedError) and now.reset_at == NOW + timedelta(seconds=1)
    assert type(source_error(FailureAction.RETRY, "HTTP 500", NOW, None, default)) is TransientError
    assert type(source_error(FailureAction.NEEDS_ADMIN, "HTTP 401", NOW, None, default)) is AuthError
    assert type(source_error(FailureAction.PERMANENT, "HTTP 404", NOW, None, default)) is ConfigurationError


# --- causes, from real failed calls -----------------------------------------------------------------


def caught(call: Callable[[], object]) -> BaseException:
    """What ``call()`` raised."""
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - any exception is the subject here
        return exc
    raise AssertionError("the call did not fail")


def test_a_refused_connection_through_requests_urllib3_and_urllib(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/hook?token={TOKEN}"
    pool = urllib3.PoolManager(retries=False)
    for exc in (
        caught(lambda: requests.post(url, timeout=2)),
        caught(lambda: pool.request("GET", url)),
        caught(lambda: urllib.request.urlopen(url, timeout=2)),
    ):
        assert describe_cause(exc) == "connection refused", repr(exc)


def test_a_read_timeout_through_requests_and_urllib3() -> None:
    with LoopbackReceiver() as slow:
        slow.default = ScriptedResponse(200, b"late", delay=2)
        url = f"{slow.url}/hook?token={TOKEN}"
        pool = urllib3.PoolManager(retries=False, timeout=0.2)
        for exc in (caught(lambda: requests.get(url, timeout=0.2)), caught(lambda: pool.request("GET", url))):
            assert describe_cause(exc) == "timed out", repr(exc)


def test_an_unknown_host_is_named_so() -> None:
    exc = caught(lambda: requests.get(f"http://no-such-host.invalid/?token={TOKEN}", timeout=2))
    assert describe_cause(exc) == "host name not found"


def test_a_reset_connection_is_named_so() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port), timeout=2)
        accepted, _ = server.accept()
        accepted.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        accepted.close()  # linger 0: the kernel answers with a RST
        with client:
            exc = caught(lambda: client.recv(1))
    assert describe_cause(exc) == "connection reset", repr(exc)


def test_an_operating_system_message_is_used_when_no_cause_is_known() -> None:
    unreachable = OSError(errno.ENETUNREACH, "Network is unreachable")
    wrapped = URLError(unreachable)
    assert describe_cause(wrapped) == "network is unreachable"


def test_nothing_known_is_the_outer_class_name_never_its_text() -> None:
    exc = requests.exceptions.InvalidURL(f"http://example.com/?token={TOKEN}")
    assert describe_cause(exc) == "InvalidURL"


def test_a_cycle_in_the_chain_ends() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    assert describe_cause(first) == "ValueError"


# --- a vendor table over the core: X keeps its messages, the core decides the rest ------------------


@pytest.mark.parametrize(
    ("status", "wait", "expected"),
    [
        (401, None, AuthError),
        (403, None, AuthError),
        (400, None, ConfigurationError),
        (404, None, ConfigurationError),
        (410, None, ConfigurationError),  # X: "an API endpoint has been turned off"
        (422, None, ConfigurationError),
        (408, None, TransientError),
        (423, None, TransientError),
        (503, None, TransientError),
        (503, 300.0, RateLimitedError),
    ],
)
def test_xs_table_takes_the_generic_fallback_from_the_core(
    status: int, wait: float | None, expected: type[Exception]
) -> None:
    error = classify_http_error(status, ["Some problem"], "search", "bearer_token", NOW, wait)
    assert type(error) is expected
    if isinstance(error, RateLimitedError):
        assert error.reset_at == NOW + timedelta(minutes=5)
