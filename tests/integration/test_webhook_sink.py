"""The webhook sink against a real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.webhook.sink import WebhookConfig, WebhookSink
from socialleads.contracts import ConnectorContext
from socialleads.errors import PermanentDeliveryError, RetriableDeliveryError, SinkNeedsAdminError
from socialleads.models import AdminNotice, HealthState, Lead
from socialleads.testing.http_receiver import LoopbackReceiver, ReceivedRequest, ScriptedResponse

LeadMaker = Callable[..., Lead]
SECRET = "whsec-test-signing-secret"
AUTHORIZATION = "Bearer auth-value-0123456789"
URL_TOKEN = "url-query-token-abcdef"
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
def rx() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as receiver:
        yield receiver


def make_sink(url: str, **config: Any) -> WebhookSink:
    settings = WebhookConfig.model_validate(
        {"url": url, "secret": SECRET, "authorization": AUTHORIZATION, **config}
    )
    return WebhookSink(settings, ConnectorContext(instance="hook", clock=lambda: NOW))


@pytest.fixture
def sink(rx: LoopbackReceiver) -> Iterator[WebhookSink]:
    webhook = make_sink(
        f"{rx.url}/hooks/leads?token={URL_TOKEN}", headers={"X-Tenant": "sofas"}, timeout="2s"
    )
    yield webhook
    webhook.close()


def expected_signature(request: ReceivedRequest, body: bytes) -> str:
    timestamp = request.header("X-Socialleads-Timestamp")
    assert timestamp is not None
    return "v1=" + hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def assert_no_secrets(message: str) -> None:
    for secret in (SECRET, AUTHORIZATION, "auth-value-0123456789", URL_TOKEN, "token="):
        assert secret not in message


def test_deliver_posts_the_lead_payload(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker
) -> None:
    sink.deliver(make_lead(revision=2), "sl1-key")
    [request] = rx.wait_for(1)
    assert (request.method, request.path) == ("POST", f"/hooks/leads?token={URL_TOKEN}")
    body = request.json()
    assert body["type"] == "lead"
    assert body["idempotency_key"] == "sl1-key"
    assert body["revision"] == 2
    assert body["lead"]["contact"]["full_name"] == "Anna Jónsdóttir"


def test_body_is_compact_utf8(rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker) -> None:
    sink.deliver(make_lead(), "sl1-key")
    [request] = rx.wait_for(1)
    assert "Jónsdóttir".encode() in request.body
    assert b'": ' not in request.body


def test_deliver_sends_the_headers(rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker) -> None:
    sink.deliver(make_lead(), "sl1-key")
    [request] = rx.wait_for(1)
    assert request.header("Content-Type") == "application/json"
    assert request.header("Idempotency-Key") == "sl1-key"
    assert request.header("X-Socialleads-Timestamp") == str(int(NOW.timestamp()))
    assert request.header("Authorization") == AUTHORIZATION
    assert request.header("X-Tenant") == "sofas"


def test_signature_verifies_over_the_exact_bytes(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker
) -> None:
    sink.deliver(make_lead(), "sl1-key")
    [request] = rx.wait_for(1)
    assert hmac.compare_digest(
        request.header("X-Socialleads-Signature") or "", expected_signature(request, request.body)
    )


def test_signature_fails_when_one_byte_changes(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker
) -> None:
    sink.deliver(make_lead(), "sl1-key")
    [request] = rx.wait_for(1)
    tampered = bytearray(request.body)
    tampered[10] ^= 0x01
    assert request.header("X-Socialleads-Signature") != expected_signature(request, bytes(tampered))


def test_no_signature_without_secret(rx: LoopbackReceiver, make_lead: LeadMaker) -> None:
    make_sink(rx.url, secret=None).deliver(make_lead(), "sl1-key")
    [request] = rx.wait_for(1)
    assert request.header("X-Socialleads-Signature") is None


def test_2xx_returns_the_id_of_a_json_answer(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker
) -> None:
    rx.script(ScriptedResponse(201, b'{"id": 4711}', {"Content-Type": "application/json"}))
    delivery = sink.deliver(make_lead(), "sl1-key")
    assert (delivery.external_id, delivery.detail) == ("4711", "HTTP 201")


def test_2xx_without_json_has_no_external_id(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker
) -> None:
    rx.script(ScriptedResponse(204))
    assert sink.deliver(make_lead(), "sl1-key").external_id is None


def test_500_is_retriable(rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker) -> None:
    rx.script(ScriptedResponse(500, b"boom"))
    with pytest.raises(RetriableDeliveryError, match="HTTP 500") as caught:
        sink.deliver(make_lead(), "sl1-key")
    assert caught.value.retry_after is None
    assert_no_secrets(str(caught.value))


def test_429_with_retry_after_seconds(rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker) -> None:
    rx.script(ScriptedResponse(429, headers={"Retry-After": "7"}))
    with pytest.raises(RetriableDeliveryError) as caught:
        sink.deliver(make_lead(), "sl1-key")
    assert caught.value.retry_after == 7


def test_503_with_retry_after_http_date(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker
) -> None:
    rx.script(ScriptedResponse(503, headers={"Retry-After": "Fri, 14 Mar 2025 09:32:00 GMT"}))
    with pytest.raises(RetriableDeliveryError) as caught:
        sink.deliver(make_lead(), "sl1-key")
    assert caught.value.retry_after == 120


def test_400_is_permanent_with_the_body(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker
) -> None:
    rx.script(ScriptedResponse(400, b'{"error": "field company is required"}'))
    with pytest.raises(PermanentDeliveryError, match=r"HTTP 400.*company is required"):
        sink.deliver(make_lead(), "sl1-key")


def test_permanent_error_body_is_cut_to_200_chars(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker
) -> None:
    rx.script(ScriptedResponse(422, b"x" * 1000))
    with pytest.raises(PermanentDeliveryError) as caught:
        sink.deliver(make_lead(), "sl1-key")
    assert str(caught.value).count("x") == 200


def test_error_body_echoing_secrets_is_masked(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker
) -> None:
    echo = f"bad request {rx.url}/hooks/leads?token={URL_TOKEN} {AUTHORIZATION} {SECRET}".encode()
    rx.script(ScriptedResponse(400, echo))
    with pytest.raises(PermanentDeliveryError) as caught:
        sink.deliver(make_lead(), "sl1-key")
    assert_no_secrets(str(caught.value))


def test_redirect_waits_for_an_admin_not_followed(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker
) -> None:
    """Every lead would be redirected alike: none is dead-lettered, the admin is told to fix the url."""
    rx.script(ScriptedResponse(302, headers={"Location": "/elsewhere"}))
    with pytest.raises(SinkNeedsAdminError, match=r"redirect.*set url to the final address"):
        sink.deliver(make_lead(), "sl1-key")
    assert len(rx.requests) == 1


@pytest.mark.parametrize("status", [408, 423, 425])
def test_a_timeout_a_lock_or_too_early_is_retried_like_every_sink(
    rx: LoopbackReceiver, sink: WebhookSink, make_lead: LeadMaker, status: int
) -> None:
    rx.script(ScriptedResponse(status, b"try later"))
    with pytest.raises(RetriableDeliveryError, match=f"HTTP {status}") as caught:
        sink.deliver(make_lead(), "sl1-key")
    assert type(caught.value) is RetriableDeliveryError and caught.value.retry_after is None


def test_connection_refused_is_retriable(closed_port: int, make_lead: LeadMaker) -> None:
    webhook = make_sink(f"http://127.0.0.1:{closed_port}/hook?token={URL_TOKEN}")
    with pytest.raises(RetriableDeliveryError, match=r"127\.0\.0\.1") as caught:
        webhook.deliver(make_lead(), "sl1-key")
    assert_no_secrets(str(caught.value))
    assert caught.value.__cause__ is None and caught.value.__context__ is None  # no URL in a chain


def test_timeout_is_retriable(rx: LoopbackReceiver, make_lead: LeadMaker) -> None:
    rx.script(ScriptedResponse(200, delay=3.0))
    webhook = make_sink(f"{rx.url}/hook?token={URL_TOKEN}", timeout="0.3s")
    with pytest.raises(RetriableDeliveryError, match="timed out") as caught:
        webhook.deliver(make_lead(), "sl1-key")
    assert_no_secrets(str(caught.value))


def test_config_repr_hides_secrets() -> None:
    text = repr(make_sink("https://hooks.example.com/x").config)
    assert SECRET not in text and AUTHORIZATION not in text


def test_invalid_url_error_does_not_echo_the_url() -> None:
    with pytest.raises(ValidationError) as caught:
        WebhookConfig.model_validate({"url": f"ftp://files.example.com/?token={URL_TOKEN}"})
    assert URL_TOKEN not in str(caught.value)


def test_url_without_host_is_rejected() -> None:
    with pytest.raises(ValidationError, match="http:// or https://"):
        WebhookConfig.model_validate({"url": "https:///path"})


def test_static_headers_cannot_override_signed_headers() -> None:
    with pytest.raises(ValidationError, match="Idempotency-Key"):
        WebhookConfig.model_validate({"url": "https://x.example", "headers": {"Idempotency-Key": "1"}})


def test_check_ok_on_a_live_receiver(rx: LoopbackReceiver, sink: WebhookSink) -> None:
    assert sink.check().state is HealthState.OK
    assert rx.requests == []


def test_check_failing_on_a_closed_port(closed_port: int) -> None:
    health = make_sink(f"http://127.0.0.1:{closed_port}/hook?token={URL_TOKEN}").check()
    assert health.state is HealthState.FAILING
    assert "connection refused" in health.summary
    assert_no_secrets(health.summary)


def test_send_notice_posts_a_signed_notice(rx: LoopbackReceiver, sink: WebhookSink) -> None:
    sink.send_notice(
        AdminNotice(subject="Source failing", body="Token expired.", severity="error", source="fb-spring")
    )
    [request] = rx.wait_for(1)
    assert json.loads(request.body) == {
        "type": "notice",
        "subject": "Source failing",
        "body": "Token expired.",
        "severity": "error",
        "source": "fb-spring",
    }
    assert request.header("X-Socialleads-Signature") == expected_signature(request, request.body)


def test_send_notice_failure_raises(rx: LoopbackReceiver, sink: WebhookSink) -> None:
    rx.script(ScriptedResponse(503))
    with pytest.raises(RetriableDeliveryError):
        sink.send_notice(AdminNotice(subject="s", body="b"))
