"""The standard test battery for a ``Sink``, collected by pytest from a subclass.

A connector author writes, in their own test file::

    class TestWebhookSink(SinkConformance):
        connector = WebhookSink

        @pytest.fixture
        def receiver(self) -> Iterator[LoopbackReceiver]:
            with LoopbackReceiver() as rx:
                yield rx

        @pytest.fixture
        def valid_config(self, receiver: LoopbackReceiver) -> dict[str, Any]:
            return {"url": receiver.url}

        @pytest.fixture
        def observed_keys(self, receiver: LoopbackReceiver) -> Callable[[], list[str | None]]:
            return lambda: [r.header("Idempotency-Key") for r in receiver.requests]

and pytest runs every ``test_*`` method below. A capability the sink lacks (a receiver that can
fail, admin notices) skips its test with the reason; nothing passes silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import pytest

from socialleads.contracts import ConnectorConfig, ConnectorContext, Sink
from socialleads.errors import (
    AuthError,
    DeliveryError,
    PermanentDeliveryError,
    RetriableDeliveryError,
    SinkNeedsAdminError,
)
from socialleads.models import AdminNotice, Delivery, Health
from socialleads.testing.kit import (
    DELIVERY_KEY,
    ConnectorConformance,
    error_texts,
    expect_raises,
    fail,
    held_secrets,
    leaked,
    log_texts,
    require,
    run_capturing,
    sample_lead,
    with_sample_secrets,
)

#: What an ``observed_keys`` hook returns: a callable listing the key of each delivery received.
ObservedKeys = Callable[[], list[str | None]]


class SinkConformance(ConnectorConformance):
    """Base of a sink's conformance test class; pytest collects it through a ``Test...`` subclass.

    Hooks besides the shared ones (``connector``, ``entry_point``, ``not_secret_fields``,
    ``valid_config``, ``connector_context``):

    * ``observed_keys`` fixture (required): a callable returning, in order, the idempotency key
      each delivery reached the receiver with (None for a delivery that carried none).
    * ``deduplicates_in_process``: True when the sink itself drops a repeated key (console), so the
      receiver sees one delivery where it would otherwise see two.
    * ``retriable_failure_config`` fixture: a config whose receiver fails in a way that may pass
      (HTTP 5xx, SMTP 451); ``deliver`` must raise ``RetriableDeliveryError``.
    * ``permanent_failure_config`` fixture: a config whose receiver rejects the lead (HTTP 4xx,
      SMTP 550); ``deliver`` must raise ``PermanentDeliveryError``.
    * ``unreachable_config`` fixture: a config whose endpoint nobody listens on (a closed port);
      ``deliver`` must raise ``RetriableDeliveryError``.
    * ``bad_credentials_config`` fixture: a config whose credentials the receiver rejects;
      ``deliver`` must raise ``SinkNeedsAdminError`` (every delivery would fail alike, so the
      circuit opens at once) and ``check()`` must raise ``AuthError``, unless
      ``check_verifies_credentials`` is False (a check that cannot see them, e.g. a TCP connect).

    The failure hooks also drive the secret-leak checks: the kit fills every secret field they
    leave unset with ``sample_secret(field)`` and looks for the values in errors and logs.
    """

    kind: ClassVar[Literal["source", "sink"]] = "sink"
    connector: ClassVar[type[Sink[Any]]]
    deduplicates_in_process: ClassVar[bool] = False
    check_verifies_credentials: ClassVar[bool] = True

    # --- hooks ------------------------------------------------------------------------------------

    @pytest.fixture
    def observed_keys(self) -> ObservedKeys:
        """Hook (required): what the receiver saw; see the class docstring."""
        fail(f"{type(self).__name__} must override the observed_keys fixture")

    @pytest.fixture
    def retriable_failure_config(self) -> dict[str, Any]:
        """Hook: a config whose receiver fails in a way that may pass (5xx, SMTP 451)."""
        pytest.skip(f"{self._label()} has no receiver that could fail (no retriable_failure_config hook)")

    @pytest.fixture
    def permanent_failure_config(self) -> dict[str, Any]:
        """Hook: a config whose receiver rejects the lead (4xx, SMTP 550)."""
        pytest.skip(
            f"{self._label()} has no receiver that could reject a lead (no permanent_failure_config hook)"
        )

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        """Hook: a config pointing at an endpoint nobody listens on."""
        pytest.skip(f"{self._label()} has no endpoint that could be unreachable (no unreachable_config hook)")

    @pytest.fixture
    def bad_credentials_config(self) -> dict[str, Any]:
        """Hook: a config whose credentials the receiver rejects (HTTP 401, a revoked token)."""
        pytest.skip(
            f"{self._label()} has no credentials a test can have refused (no bad_credentials_config hook)"
        )

    # --- helpers ----------------------------------------------------------------------------------

    def _sink(self, data: dict[str, Any], context: ConnectorContext) -> Sink[Any]:
        sink: Sink[Any] = self._cls()(self._config(data), context)
        return sink

    def _expect_delivery_error(
        self, data: dict[str, Any], context: ConnectorContext, expected: type[DeliveryError], situation: str
    ) -> None:
        sink = self._sink(data, context)
        expect_raises(
            lambda: sink.deliver(sample_lead(), DELIVERY_KEY), expected, f"deliver {situation}", sink.close
        )

    def _check_no_leak(
        self,
        data: dict[str, Any],
        context: ConnectorContext,
        caplog: pytest.LogCaptureFixture,
        situation: str,
    ) -> None:
        """Fill in sample secrets, provoke the failure, and search the error, health and logs."""
        self._skip_without_secrets()
        model: type[ConnectorConfig] = self._cls().config_model
        config = self._config(with_sample_secrets(model, data, self.not_secret_fields))
        secrets = held_secrets(config, self._secret_fields())
        require(secrets, f"the {situation} config sets no secret value (of 4 characters or more) to look for")
        caplog.set_level(logging.DEBUG)
        sink = self._cls()(config, context)
        health: list[Health] = []
        try:
            error = run_capturing(lambda: sink.deliver(sample_lead(), DELIVERY_KEY))
            problem = run_capturing(lambda: health.append(sink.check()))
        finally:
            sink.close()
        require(error is not None, f"deliver {situation} did not fail, so no error message could be checked")
        for what, exc in (("deliver()", error), ("check()", problem)):
            if exc is not None:
                found = leaked(error_texts(exc), secrets)
                require(
                    not found,
                    f"{what} {situation} raised {type(exc).__name__} showing the secret "
                    f"{found} (in its message or a chained exception)",
                )
        for state in health:
            found = leaked([state.summary, *state.details], secrets)
            require(not found, f"check() {situation} returned a Health showing the secret(s) {found}")
        found = leaked(log_texts(caplog.records, self.foreign_loggers), secrets)
        require(not found, f"a log record written {situation} shows the secret(s) {found}")

    # --- the battery ------------------------------------------------------------------------------

    def test_declares_whether_it_accepts_notices(self) -> None:
        """``accepts_notices`` is a bool, so the runner knows whether it can be an admin channel."""
        value = getattr(self._cls(), "accepts_notices", None)
        require(isinstance(value, bool), f"accepts_notices must be True or False, got {value!r}")

    def test_same_key_reaches_the_receiver_each_time(
        self, valid_config: dict[str, Any], observed_keys: ObservedKeys, connector_context: ConnectorContext
    ) -> None:
        """``deliver`` returns a ``Delivery``; delivering one lead twice carries the same key both times.

        That is what lets a receiver deduplicate a delivery the dispatcher repeats after a crash. A
        sink with ``deduplicates_in_process`` must instead reach the receiver once.
        """
        sink = self._sink(valid_config, connector_context)
        lead = sample_lead()
        try:
            for attempt in ("first", "second"):
                delivery = sink.deliver(lead, DELIVERY_KEY)
                require(
                    isinstance(delivery, Delivery),
                    f"the {attempt} deliver returned {type(delivery).__name__}, not a Delivery",
                )
        finally:
            sink.close()
        keys = observed_keys()
        expected = [DELIVERY_KEY] if self.deduplicates_in_process else [DELIVERY_KEY, DELIVERY_KEY]
        require(
            keys == expected,
            f"delivering one lead twice with key {DELIVERY_KEY!r}, the receiver saw "
            f"keys {keys!r}; expected {expected!r}",
        )

    def test_failure_that_may_pass_is_retriable(
        self, retriable_failure_config: dict[str, Any], connector_context: ConnectorContext
    ) -> None:
        """A receiver failure that may pass (5xx, SMTP 451) raises ``RetriableDeliveryError``."""
        self._expect_delivery_error(
            retriable_failure_config,
            connector_context,
            RetriableDeliveryError,
            "to a receiver failing for now",
        )

    def test_rejection_is_permanent(
        self, permanent_failure_config: dict[str, Any], connector_context: ConnectorContext
    ) -> None:
        """A rejection by the receiver (4xx, SMTP 550) raises ``PermanentDeliveryError``."""
        self._expect_delivery_error(
            permanent_failure_config,
            connector_context,
            PermanentDeliveryError,
            "to a receiver rejecting the lead",
        )

    def test_unreachable_endpoint_is_retriable(
        self, unreachable_config: dict[str, Any], connector_context: ConnectorContext
    ) -> None:
        """An endpoint nobody listens on raises ``RetriableDeliveryError``, not a raw socket error."""
        self._expect_delivery_error(
            unreachable_config, connector_context, RetriableDeliveryError, "to an unreachable endpoint"
        )

    def test_rejected_credentials_need_an_admin(
        self, bad_credentials_config: dict[str, Any], connector_context: ConnectorContext
    ) -> None:
        """Rejected credentials raise ``SinkNeedsAdminError`` from ``deliver`` (no lead can pass until
        an admin acts) and ``AuthError`` from ``check()``."""
        self._expect_delivery_error(
            bad_credentials_config, connector_context, SinkNeedsAdminError, "with rejected credentials"
        )
        if self.check_verifies_credentials:
            sink = self._sink(bad_credentials_config, connector_context)
            expect_raises(sink.check, AuthError, "check() with rejected credentials", sink.close)

    def test_secrets_stay_out_of_errors_and_logs_with_rejected_credentials(
        self,
        bad_credentials_config: dict[str, Any],
        connector_context: ConnectorContext,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """No secret, the rejected one included, appears in the error, ``check()`` or logs."""
        self._check_no_leak(bad_credentials_config, connector_context, caplog, "with rejected credentials")

    def test_secrets_stay_out_of_errors_and_logs_on_retriable_failure(
        self,
        retriable_failure_config: dict[str, Any],
        connector_context: ConnectorContext,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """No secret appears in the error, ``check()`` or logs when the receiver fails for now."""
        self._check_no_leak(
            retriable_failure_config, connector_context, caplog, "to a receiver failing for now"
        )

    def test_secrets_stay_out_of_errors_and_logs_on_rejection(
        self,
        permanent_failure_config: dict[str, Any],
        connector_context: ConnectorContext,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """No secret appears in the error, ``check()`` or logs when the receiver rejects the lead."""
        self._check_no_leak(
            permanent_failure_config, connector_context, caplog, "to a receiver rejecting the lead"
        )

    def test_secrets_stay_out_of_errors_and_logs_when_unreachable(
        self,
        unreachable_config: dict[str, Any],
        connector_context: ConnectorContext,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """No secret appears in the error, ``check()`` or logs when the endpoint cannot be reached."""
        self._check_no_leak(unreachable_config, connector_context, caplog, "to an unreachable endpoint")

    def test_send_notice_does_not_raise(
        self, valid_config: dict[str, Any], connector_context: ConnectorContext
    ) -> None:
        """A sink with ``accepts_notices`` sends an ``AdminNotice`` to a working receiver without raising."""
        if not getattr(self._cls(), "accepts_notices", False):
            pytest.skip(f"{self._label()} does not accept admin notices (accepts_notices is False)")
        notice = AdminNotice(
            subject="Source fb-spring needs re-authentication",
            body="The page token expired on 2025-03-14; reconnect the page in settings.",
            severity="error",
            source="fb-spring",
        )
        sink = self._sink(valid_config, connector_context)
        try:
            sink.send_notice(notice)
        except Exception as exc:  # noqa: BLE001 - any exception is the failure being reported
            fail(f"send_notice raised {type(exc).__name__}: {exc}")
        finally:
            sink.close()


__all__ = ["ObservedKeys", "SinkConformance"]
