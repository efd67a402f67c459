"""The conformance kit fails connectors that break the contract, and passes one that keeps it.

Tiny connectors are defined here: a good HTTP source and a good HTTP sink (talking to
``LoopbackReceiver``), and variants that each break one rule. The kit's test methods are called
directly with the hook values pytest would inject, and their outcome is compared with the expected
one. The kit classes here are not named ``Test...``, so pytest does not collect them itself.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Self

import pytest
import requests
from pydantic import ConfigDict, Field, SecretStr, field_serializer

from socialleads.contracts import ConnectorConfig, ConnectorContext, Cursor, Sink, Source
from socialleads.errors import (
    AuthError,
    PermanentDeliveryError,
    RateLimitedError,
    RetriableDeliveryError,
    SinkNeedsAdminError,
    SkippableRecordError,
    TransientError,
)
from socialleads.models import (
    AdminNotice,
    Checkpoint,
    Contact,
    Delivery,
    EventKind,
    Health,
    HealthState,
    Lead,
    LeadDraft,
    RawEvent,
)
from socialleads.testing import (
    DELIVERY_KEY,
    LoopbackReceiver,
    ScriptedResponse,
    SinkConformance,
    SourceConformance,
    sample_secret,
)

GOOD_TOKEN = "tiny-good-token-0123456789"
BAD_TOKEN = "tiny-bad-token-9876543210"
#: Two usable events and one without an email, which parse must skip.
EVENTS = (
    b'{"events": [{"id": 1, "email": "anna@example.is"}, {"id": 2, "email": "bo@example.se"}, {"id": 3}]}'
)
log = logging.getLogger("tests.contract.tiny")
# For the tests that run the kit under a pytest of its own, as a connector author would.
pytest_plugins = ["pytester"]

# --- a good tiny source, then variants that each break one rule ------------------------------------


class ApiConfig(ConnectorConfig):
    """Where the tiny API is and the token for it."""

    url: str
    token: SecretStr


class ApiCursor(Cursor):
    """The highest event id read so far."""

    last_id: int = 0

    def advance(self, position: Mapping[str, Any]) -> Self:
        """Move to the larger of the two ids."""
        return self.model_copy(update={"last_id": max(self.last_id, int(position["id"]))})


class GoodApiSource(Source[ApiConfig, ApiCursor]):
    """A tiny HTTP source that keeps the whole contract."""

    name = "tiny_api"
    platform = "tinyapi"
    config_model = ApiConfig
    cursor_model = ApiCursor

    def get(self) -> Any:
        """GET the events, classifying every failure."""
        try:
            response = requests.get(
                f"{self.config.url}/events",
                timeout=5,
                headers={"Authorization": f"Bearer {self.config.token.get_secret_value()}"},
            )
        except requests.RequestException:
            raise TransientError("tiny api cannot be reached") from None
        with response:
            self.classify(response)
            return response.json()

    def classify(self, response: requests.Response) -> None:
        """Raise the contract's error for a failed answer."""
        status = response.status_code
        if status == 401:
            raise AuthError("tiny api rejected the token")
        if status == 429:
            wait = int(response.headers.get("Retry-After", "60"))
            raise RateLimitedError("tiny api asks us to wait", self.context.clock() + timedelta(seconds=wait))
        if status >= 500:
            raise TransientError(f"tiny api answered HTTP {status}")

    def check(self) -> Health:
        """One authenticated call."""
        self.get()
        return Health(state=HealthState.OK, summary="tiny api answers")

    def fetch(self, since: ApiCursor | None) -> Iterator[RawEvent | Checkpoint]:
        """The events after the cursor."""
        last = since.last_id if since is not None else 0
        for item in self.get()["events"]:
            if item["id"] > last:
                yield RawEvent(
                    native_id=str(item["id"]),
                    kind=EventKind.COMMENT,
                    payload=item,
                    position={"id": item["id"]},
                )

    def parse(self, event: RawEvent) -> LeadDraft:
        """A draft with the email; skipped without one."""
        if "email" not in event.payload:
            raise SkippableRecordError(f"event {event.native_id} has no email")
        return LeadDraft(
            native_id=event.native_id,
            kind=event.kind,
            platform=self.platform,
            occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
            contact=Contact(email=event.payload["email"]),
        )


class LooseConfig(ApiConfig):
    """Ignores unknown keys."""

    model_config = ConfigDict(extra="ignore")


class LooseConfigSource(GoodApiSource):
    """Its config ignores misspelt keys."""

    config_model = LooseConfig


class PlainTokenConfig(ConnectorConfig):
    """The token as a plain string."""

    url: str
    token: str


class PlainTokenSource(GoodApiSource):
    """Holds its token in a plain str field."""

    config_model = PlainTokenConfig  # type: ignore[assignment]  # the breakage under test


class RevealingConfig(ApiConfig):
    """Writes the token in clear in JSON."""

    @field_serializer("token", when_used="json")
    def _reveal(self, value: SecretStr) -> str:
        return value.get_secret_value()


class RevealingConfigSource(GoodApiSource):
    """Its config dumps the token in clear."""

    config_model = RevealingConfig


class LeakyAuthSource(GoodApiSource):
    """Puts the token in its AuthError."""

    def classify(self, response: requests.Response) -> None:
        """Like the good one, but names the token."""
        if response.status_code == 401:
            raise AuthError(f"tiny api rejected token {self.config.token.get_secret_value()}")
        super().classify(response)


class LoggingLeakSource(GoodApiSource):
    """Logs the token at debug level."""

    def check(self) -> Health:
        """Logs the token, then checks."""
        log.debug("calling tiny api with token %s", self.config.token.get_secret_value())
        return super().check()


class ChainedLeakSource(GoodApiSource):
    """A clean message, but raised from an error that carries the token."""

    def classify(self, response: requests.Response) -> None:
        """Chains a library-like error with the full credentials."""
        if response.status_code == 401:
            try:
                raise ValueError(f"GET {response.url}?access_token={self.config.token.get_secret_value()}")
            except ValueError as exc:
                raise AuthError("tiny api rejected the token") from exc
        super().classify(response)


class NoAuthErrorSource(GoodApiSource):
    """Reports a rejected token as a transient failure."""

    def classify(self, response: requests.Response) -> None:
        """Treats 401 like 5xx."""
        if response.status_code == 401:
            raise TransientError("tiny api answered HTTP 401")
        super().classify(response)


class RepeatingSource(GoodApiSource):
    """Ignores its cursor: every fetch yields every event again."""

    def fetch(self, since: ApiCursor | None) -> Iterator[RawEvent | Checkpoint]:
        """Every event, whatever the cursor."""
        return super().fetch(None)


class LossyCursor(ApiCursor):
    """Leaves its position out of JSON."""

    last_id: int = Field(default=0, exclude=True)


class LossyCursorSource(GoodApiSource):
    """Its cursor does not survive storage."""

    cursor_model = LossyCursor


class StuckCursor(ApiCursor):
    """Never moves."""

    def advance(self, position: Mapping[str, Any]) -> Self:
        """Ignores the position."""
        return self


class StuckCursorSource(GoodApiSource):
    """Its cursor ignores every position."""

    cursor_model = StuckCursor


class NoPositionSource(GoodApiSource):
    """Reports no position, so the runner can never move its cursor."""

    def fetch(self, since: ApiCursor | None) -> Iterator[RawEvent | Checkpoint]:
        """The events, without positions."""
        for item in super().fetch(since):
            yield item.model_copy(update={"position": None})


class MismatchedIdSource(GoodApiSource):
    """Gives drafts another id than their event."""

    def parse(self, event: RawEvent) -> LeadDraft:
        """Appends to the id."""
        return super().parse(event).model_copy(update={"native_id": event.native_id + "-draft"})


class CrashingParseSource(GoodApiSource):
    """Raises KeyError for an event without an email instead of skipping it."""

    def parse(self, event: RawEvent) -> LeadDraft:
        """Reads the email unguarded."""
        email = event.payload["email"]
        return super().parse(event).model_copy(update={"contact": Contact(email=email)})


class SilentSkipSource(GoodApiSource):
    """Skips records without saying why."""

    def parse(self, event: RawEvent) -> LeadDraft:
        """Skips with an empty reason."""
        if "email" not in event.payload:
            raise SkippableRecordError("")
        return super().parse(event)


class NaiveResetSource(GoodApiSource):
    """Gives a naive reset time."""

    def classify(self, response: requests.Response) -> None:
        """A naive datetime for 429."""
        if response.status_code == 429:
            raise RateLimitedError("slow down", datetime.now() + timedelta(minutes=1))
        super().classify(response)


class PastResetSource(GoodApiSource):
    """Gives a reset time in the past."""

    def classify(self, response: requests.Response) -> None:
        """A reset a minute ago for 429."""
        if response.status_code == 429:
            raise RateLimitedError("slow down", self.context.clock() - timedelta(minutes=1))
        super().classify(response)


class ThrottleAsTransientSource(GoodApiSource):
    """Reports throttling as a transient failure (the runner would back off blindly)."""

    def classify(self, response: requests.Response) -> None:
        """429 as TransientError."""
        if response.status_code == 429:
            raise TransientError("tiny api answered HTTP 429")
        super().classify(response)


class RawServerErrorSource(GoodApiSource):
    """Lets requests' HTTPError out for 5xx."""

    def classify(self, response: requests.Response) -> None:
        """raise_for_status for 5xx."""
        if response.status_code >= 500:
            response.raise_for_status()
        super().classify(response)


class UndocumentedSource(GoodApiSource):
    def check(self) -> Health:
        return super().check()


class UndocumentedMethodSource(GoodApiSource):
    """Documented itself, but not its public helper."""

    def page_size(self) -> int:
        return 100


class NoPlatformSource(GoodApiSource):
    """Declares an empty platform."""

    platform = ""


# --- a good tiny sink, then variants ---------------------------------------------------------------


class HookConfig(ConnectorConfig):
    """Where to POST, and the token to send."""

    url: str
    token: SecretStr | None = None


class GoodHookSink(Sink[HookConfig]):
    """A tiny HTTP sink that keeps the whole contract."""

    name = "tiny_hook"
    config_model = HookConfig
    accepts_notices = True

    def post(self, body: dict[str, Any], key: str | None) -> requests.Response:
        """POST ``body``; raises the contract's errors for failures."""
        headers = {"Idempotency-Key": key} if key is not None else {}
        if self.config.token is not None:
            headers["Authorization"] = f"Bearer {self.config.token.get_secret_value()}"
        try:
            response = requests.post(self.config.url, json=body, headers=headers, timeout=5)
        except requests.RequestException:
            raise RetriableDeliveryError("tiny hook cannot be reached") from None
        with response:
            self.classify(response)
        return response

    def classify(self, response: requests.Response) -> None:
        """5xx and 429 may pass; 401 and 403 need an admin; other 4xx are final."""
        status = response.status_code
        if status >= 500 or status == 429:
            raise RetriableDeliveryError(f"tiny hook answered HTTP {status}")
        if status in (401, 403):
            raise SinkNeedsAdminError(f"tiny hook refused the token (HTTP {status})")
        if status >= 400:
            raise PermanentDeliveryError(f"tiny hook answered HTTP {status}")

    def check(self) -> Health:
        """Probe the endpoint with the token: refused is ``AuthError``, anything else OK."""
        headers = (
            {"Authorization": f"Bearer {self.config.token.get_secret_value()}"} if self.config.token else {}
        )
        try:
            with requests.get(self.config.url, headers=headers, timeout=5) as response:
                if response.status_code in (401, 403):
                    raise AuthError("tiny hook refused the token")
        except requests.RequestException:
            return Health(state=HealthState.FAILING, summary="tiny hook cannot be reached")
        return Health(state=HealthState.OK, summary="tiny hook configured")

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """POST the lead with its key."""
        response = self.post({"id": lead.id, "email": lead.contact.email}, key)
        return Delivery(detail=f"HTTP {response.status_code}")

    def send_notice(self, notice: AdminNotice) -> None:
        """POST the notice."""
        self.post({"subject": notice.subject}, None)


class LeakySink(GoodHookSink):
    """Names its token in every failure."""

    def classify(self, response: requests.Response) -> None:
        """Adds the token to the message."""
        try:
            super().classify(response)
        except RetriableDeliveryError as exc:
            token = self.config.token.get_secret_value() if self.config.token else ""
            raise RetriableDeliveryError(f"{exc} (token {token})") from None


class AuthAsRejectionSink(GoodHookSink):
    """Dead-letters a lead when its own token is refused, as if the lead were at fault."""

    def classify(self, response: requests.Response) -> None:
        """401 and 403 are permanent."""
        if response.status_code in (401, 403):
            raise PermanentDeliveryError(f"tiny hook answered HTTP {response.status_code}")
        super().classify(response)


class BlindCheckSink(GoodHookSink):
    """A check that never looks at the credentials."""

    def check(self) -> Health:
        """Always OK."""
        return Health(state=HealthState.OK, summary="tiny hook configured")


class AuthLeakSink(GoodHookSink):
    """Names the refused token in its error."""

    def classify(self, response: requests.Response) -> None:
        """Adds the token to the message."""
        if response.status_code == 401 and self.config.token is not None:
            raise SinkNeedsAdminError(f"tiny hook refused {self.config.token.get_secret_value()}")
        super().classify(response)


class EchoingSink(GoodHookSink):
    """Copies the receiver's answer into its error unscrubbed (receivers may echo headers)."""

    def classify(self, response: requests.Response) -> None:
        """Adds the response body to 4xx errors."""
        if 400 <= response.status_code < 500:
            raise PermanentDeliveryError(f"tiny hook answered {response.status_code}: {response.text}")
        super().classify(response)


class RandomKeySink(GoodHookSink):
    """Sends a fresh key each time, so the receiver cannot deduplicate."""

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """POST with a random key."""
        return super().deliver(lead, uuid.uuid4().hex)


class NotADeliverySink(GoodHookSink):
    """Returns a dict instead of a Delivery."""

    def deliver(self, lead: Lead, key: str) -> Any:
        """The vendor's answer as a dict."""
        super().deliver(lead, key)
        return {"detail": "ok"}


class AllPermanentSink(GoodHookSink):
    """Dead-letters everything, even failures that may pass."""

    def classify(self, response: requests.Response) -> None:
        """Every failure is permanent."""
        if response.status_code >= 400:
            raise PermanentDeliveryError(f"tiny hook answered HTTP {response.status_code}")


class AllRetriableSink(GoodHookSink):
    """Retries everything, even a rejection."""

    def classify(self, response: requests.Response) -> None:
        """Every failure is retriable."""
        if response.status_code >= 400:
            raise RetriableDeliveryError(f"tiny hook answered HTTP {response.status_code}")


class RawErrorSink(GoodHookSink):
    """Lets requests' ConnectionError out."""

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """POST without classifying connection errors."""
        with requests.post(self.config.url, json={"id": lead.id}, timeout=5) as response:
            self.classify(response)
        return Delivery()


class NoticelessSink(GoodHookSink):
    """Claims to accept notices but does not implement them."""

    def send_notice(self, notice: AdminNotice) -> None:
        """Not done yet."""
        raise NotImplementedError("notices are not implemented")


class NotABoolSink(GoodHookSink):
    """Declares accepts_notices as text."""

    accepts_notices: ClassVar[Any] = "yes"


# --- kits over the tiny connectors (not named Test..., so pytest does not collect them) ------------


class ApiKit(SourceConformance):
    connector = GoodApiSource


class HookKit(SinkConformance):
    connector = GoodHookSink


def source_kit(connector: type[Source[Any, Any]], **attrs: Any) -> SourceConformance:
    kit = type(f"{connector.__name__}Kit", (ApiKit,), {"connector": connector, **attrs})
    instance: SourceConformance = kit()
    return instance


def sink_kit(connector: type[Sink[Any]], **attrs: Any) -> SinkConformance:
    kit = type(f"{connector.__name__}Kit", (HookKit,), {"connector": connector, **attrs})
    instance: SinkConformance = kit()
    return instance


@dataclass(frozen=True)
class Outcome:
    status: str  # "passed", "failed" or "skipped"
    message: str


def run(
    kit: SourceConformance | SinkConformance,
    test: str,
    hooks: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> Outcome:
    """Call one kit test with the hook values pytest would inject, as pytest would judge it."""
    method: Callable[..., object] = getattr(kit, test)
    wanted = inspect.signature(method).parameters
    caplog.clear()
    try:
        method(**{name: caplog if name == "caplog" else hooks[name] for name in wanted})
    except pytest.skip.Exception as exc:
        return Outcome("skipped", str(exc))
    except pytest.fail.Exception as exc:
        return Outcome("failed", str(exc))
    except Exception as exc:  # noqa: BLE001 - under pytest any exception fails the test
        return Outcome("failed", f"{type(exc).__name__}: {exc}")
    return Outcome("passed", "")


def serving(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> LoopbackReceiver:
    receiver = LoopbackReceiver().start()
    receiver.default = ScriptedResponse(status, body, {"Content-Type": "application/json", **(headers or {})})
    return receiver


@pytest.fixture(scope="module")
def source_hooks() -> Iterator[dict[str, Any]]:
    """Hook values for the tiny sources: an API that works, one rejecting the token, one throttling, one down.

    Shared by the module's tests: each receiver always gives the same answer and nothing reads
    what it received.
    """
    receivers = [
        serving(200, EVENTS),
        serving(401, b'{"error": "bad token"}'),
        serving(429, b"{}", {"Retry-After": "30"}),
        serving(503),
    ]
    ok, unauthorised, throttling, down = (r.url for r in receivers)
    yield {
        "valid_config": {"url": ok, "token": GOOD_TOKEN},
        "seed": None,
        "connector_context": ConnectorContext(instance="tiny"),
        "bad_credentials_config": {"url": unauthorised, "token": BAD_TOKEN},
        "rate_limited_config": {"url": throttling, "token": GOOD_TOKEN},
        "transient_failure_config": {"url": down, "token": GOOD_TOKEN},
    }
    for receiver in receivers:
        receiver.close()


@pytest.fixture
def sink_hooks(closed_port: int) -> Iterator[dict[str, Any]]:
    """Hook values for the tiny sinks; the rejecting receiver echoes the sample token back."""
    echo = f'{{"error": "invalid", "authorization": "Bearer {sample_secret("token")}"}}'.encode()
    receivers = [serving(200, b"{}"), serving(503), serving(422, echo), serving(401, b"unknown token")]
    ok, down, rejecting, refusing = receivers
    yield {
        "valid_config": {"url": ok.url, "token": GOOD_TOKEN},
        "observed_keys": lambda: [r.header("Idempotency-Key") for r in ok.requests],
        "connector_context": ConnectorContext(instance="tiny"),
        "retriable_failure_config": {"url": down.url},
        "permanent_failure_config": {"url": rejecting.url},
        "unreachable_config": {"url": f"http://127.0.0.1:{closed_port}/"},
        "bad_credentials_config": {"url": refusing.url, "token": BAD_TOKEN},
    }
    for receiver in receivers:
        receiver.close()


def kit_tests(kit: object) -> list[str]:
    # The tiny connectors are not installed as entry points, so the registration check cannot pass.
    return [
        name
        for name in dir(kit)
        if name.startswith("test_") and name != "test_is_registered_under_its_entry_point"
    ]


# --- the good connectors pass every check ----------------------------------------------------------


def test_a_good_source_passes_every_check(
    source_hooks: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    kit = source_kit(GoodApiSource)
    results = {name: run(kit, name, source_hooks, caplog) for name in kit_tests(kit)}
    assert {n: o for n, o in results.items() if o.status != "passed"} == {}
    assert len(results) >= 14


def test_a_good_sink_passes_every_check(sink_hooks: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    kit = sink_kit(GoodHookSink)
    results = {name: run(kit, name, sink_hooks, caplog) for name in kit_tests(kit)}
    assert {n: o for n, o in results.items() if o.status != "passed"} == {}
    assert len(results) >= 15


def test_a_declared_lookback_allows_repeats(
    source_hooks: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    kit = source_kit(RepeatingSource, allowed_repeats=lambda self, first: {e.native_id for e in first})
    outcome = run(kit, "test_second_fetch_from_the_cursor_yields_nothing_seen", source_hooks, caplog)
    assert outcome.status == "passed", outcome.message


def test_an_unregistered_connector_fails_registration(caplog: pytest.LogCaptureFixture) -> None:
    outcome = run(source_kit(GoodApiSource), "test_is_registered_under_its_entry_point", {}, caplog)
    assert outcome.status == "failed"
    assert "no entry point 'tiny_api' in group socialleads.sources" in outcome.message


# --- each broken connector fails the check for what it breaks --------------------------------------

BROKEN_SOURCES = [
    (LooseConfigSource, "test_config_model_is_frozen_and_forbids_extra_keys", "extra='ignore'"),
    (LooseConfigSource, "test_config_rejects_unknown_keys", "accepted the unknown key"),
    (PlainTokenSource, "test_secret_fields_are_secretstr", "token: <class 'str'>"),
    (PlainTokenSource, "test_secrets_never_print", "shows the secret"),
    (RevealingConfigSource, "test_secrets_never_print", "model_dump_json(config) shows the secret"),
    (LeakyAuthSource, "test_secrets_stay_out_of_logs_and_errors_with_bad_credentials", "raised AuthError"),
    (LoggingLeakSource, "test_secrets_stay_out_of_logs_and_errors_with_bad_credentials", "a log record"),
    (ChainedLeakSource, "test_secrets_stay_out_of_logs_and_errors_with_bad_credentials", "chained"),
    (NoAuthErrorSource, "test_check_rejects_bad_credentials_with_auth_error", "raised TransientError"),
    (RepeatingSource, "test_second_fetch_from_the_cursor_yields_nothing_seen", "already had"),
    (LossyCursorSource, "test_cursor_round_trips_through_json", "changes through JSON"),
    (StuckCursorSource, "test_cursor_round_trips_through_json", "where it began"),
    (StuckCursorSource, "test_second_fetch_from_the_cursor_yields_nothing_seen", "already had"),
    (NoPositionSource, "test_cursor_round_trips_through_json", "no position"),
    (MismatchedIdSource, "test_every_event_parses_or_is_skippable", "native_id '1-draft'"),
    (CrashingParseSource, "test_every_event_parses_or_is_skippable", "raised KeyError"),
    (SilentSkipSource, "test_every_event_parses_or_is_skippable", "without a reason"),
    (NaiveResetSource, "test_throttling_raises_rate_limited_with_a_future_reset", "is naive"),
    (PastResetSource, "test_throttling_raises_rate_limited_with_a_future_reset", "is not after now"),
    (ThrottleAsTransientSource, "test_throttling_raises_rate_limited_with_a_future_reset", "not RateLimited"),
    (RawServerErrorSource, "test_server_error_raises_transient_error", "raised HTTPError"),
    (
        UndocumentedSource,
        "test_class_and_public_methods_have_docstrings",
        "UndocumentedSource has no docstring",
    ),
    (
        UndocumentedMethodSource,
        "test_class_and_public_methods_have_docstrings",
        "without a docstring: UndocumentedMethodSource.page_size",
    ),
    (NoPlatformSource, "test_declares_a_platform_and_a_cursor_model", "platform must name"),
]


@pytest.mark.parametrize(
    ("connector", "test", "reason"), BROKEN_SOURCES, ids=[f"{c.__name__}-{t}" for c, t, _ in BROKEN_SOURCES]
)
def test_the_kit_fails_a_broken_source(
    connector: type[Source[Any, Any]],
    test: str,
    reason: str,
    source_hooks: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcome = run(source_kit(connector), test, source_hooks, caplog)
    assert outcome.status == "failed", f"{connector.__name__} passed {test}"
    assert reason in outcome.message
    # The message never repeats the secret it found.
    assert GOOD_TOKEN not in outcome.message and BAD_TOKEN not in outcome.message


def test_a_source_whose_name_differs_from_its_entry_point_fails(caplog: pytest.LogCaptureFixture) -> None:
    outcome = run(source_kit(GoodApiSource, entry_point="tiny"), "test_declares_its_identity", {}, caplog)
    assert outcome.status == "failed"
    assert "must equal the entry point 'tiny'" in outcome.message


def test_a_kit_without_a_connector_fails_clearly(caplog: pytest.LogCaptureFixture) -> None:
    class Forgotten(SourceConformance):
        pass

    outcome = run(Forgotten(), "test_declares_its_identity", {}, caplog)
    assert outcome.status == "failed"
    assert "Forgotten.connector must be the Source subclass under test" in outcome.message


BROKEN_SINKS = [
    (LeakySink, "test_secrets_stay_out_of_errors_and_logs_on_retriable_failure", "showing the secret"),
    (EchoingSink, "test_secrets_stay_out_of_errors_and_logs_on_rejection", "showing the secret"),
    (RandomKeySink, "test_same_key_reaches_the_receiver_each_time", "the receiver saw keys"),
    (NotADeliverySink, "test_same_key_reaches_the_receiver_each_time", "returned dict, not a Delivery"),
    (AllPermanentSink, "test_failure_that_may_pass_is_retriable", "raised PermanentDeliveryError"),
    (AllRetriableSink, "test_rejection_is_permanent", "raised RetriableDeliveryError"),
    (RawErrorSink, "test_unreachable_endpoint_is_retriable", "raised ConnectionError"),
    (NoticelessSink, "test_send_notice_does_not_raise", "raised NotImplementedError"),
    (NotABoolSink, "test_declares_whether_it_accepts_notices", "must be True or False"),
    (AuthAsRejectionSink, "test_rejected_credentials_need_an_admin", "raised PermanentDeliveryError"),
    (BlindCheckSink, "test_rejected_credentials_need_an_admin", "returned instead of raising AuthError"),
    (
        AuthLeakSink,
        "test_secrets_stay_out_of_errors_and_logs_with_rejected_credentials",
        "showing the secret",
    ),
]


@pytest.mark.parametrize(
    ("connector", "test", "reason"), BROKEN_SINKS, ids=[f"{c.__name__}-{t}" for c, t, _ in BROKEN_SINKS]
)
def test_the_kit_fails_a_broken_sink(
    connector: type[Sink[Any]],
    test: str,
    reason: str,
    sink_hooks: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcome = run(sink_kit(connector), test, sink_hooks, caplog)
    assert outcome.status == "failed", f"{connector.__name__} passed {test}"
    assert reason in outcome.message
    assert sample_secret("token") not in outcome.message


def test_a_sink_claiming_in_process_dedupe_must_reach_the_receiver_once(
    sink_hooks: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    kit = sink_kit(GoodHookSink, deduplicates_in_process=True)
    outcome = run(kit, "test_same_key_reaches_the_receiver_each_time", sink_hooks, caplog)
    assert outcome.status == "failed"
    assert f"[{DELIVERY_KEY!r}, {DELIVERY_KEY!r}]" in outcome.message


# --- under pytest: hooks are fixtures, and what a connector lacks is skipped with the reason -------

THIRD_PARTY_TESTS = """
from collections.abc import Iterator
from typing import Any

import pytest

from socialleads.testing import LoopbackReceiver, ScriptedResponse, SourceConformance
from tests.contract.test_kit_catches_broken_connectors import EVENTS, GoodApiSource


class TestTinyApi(SourceConformance):
    connector = GoodApiSource

    @pytest.fixture
    def api(self) -> Iterator[LoopbackReceiver]:
        with LoopbackReceiver() as receiver:
            receiver.default = ScriptedResponse(200, EVENTS)
            yield receiver

    @pytest.fixture
    def valid_config(self, api: LoopbackReceiver) -> dict[str, Any]:
        return {"url": api.url, "token": "third-party-token"}


class TestForgottenConfig(SourceConformance):
    connector = GoodApiSource
"""


def test_under_pytest_hooks_are_fixtures_and_absent_capabilities_skip(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tiny_api=THIRD_PARTY_TESTS)
    result = pytester.runpytest_inprocess("-rfs", "-p", "no:cacheprovider", "-k", "TestTinyApi")
    # Not installed as an entry point: only the registration check fails; three capabilities skip.
    result.assert_outcomes(passed=10, failed=1, skipped=4)
    result.stdout.fnmatch_lines(
        [
            "*FAILED*TestTinyApi::test_is_registered_under_its_entry_point*",
        ]
    )
    result.stdout.fnmatch_lines_random(
        [
            "SKIPPED [[]1[]] *source_kit.py:*: tiny_api has no credentials (no bad_credentials_config hook)",
            "SKIPPED [[]1[]] *source_kit.py:*: tiny_api has no credentials (no bad_credentials_config hook)",
            "SKIPPED [[]1[]] *tiny_api talks to no API that could throttle it (no rate_limited_config hook)",
            "SKIPPED [[]1[]] *tiny_api talks to no API that could fail (no transient_failure_config hook)",
        ]
    )


def test_under_pytest_a_missing_valid_config_fails_every_check_that_needs_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_tiny_api=THIRD_PARTY_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "TestForgottenConfig and fetch")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*TestForgottenConfig must override the valid_config fixture*"])
