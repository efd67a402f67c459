"""The webhook sink against the conformance kit, with real HTTP servers (LoopbackReceiver) on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.webhook.sink import WebhookSink
from socialleads.testing import (
    LoopbackReceiver,
    ObservedKeys,
    ScriptedResponse,
    SinkConformance,
    sample_secret,
)


def answering(*responses: ScriptedResponse) -> Iterator[LoopbackReceiver]:
    """A started receiver whose every answer is ``responses[0]`` (the first ones scripted in order)."""
    with LoopbackReceiver() as receiver:
        receiver.default = responses[0]
        receiver.script(*responses[1:])
        yield receiver


def posting_to(receiver: LoopbackReceiver, **config: Any) -> dict[str, Any]:
    """A config POSTing to ``receiver``; the kit fills the secrets left out with sample values."""
    return {"url": f"{receiver.url}/hooks/leads", "timeout": "2s", **config}


class TestWebhookSink(SinkConformance):
    """The webhook sink: the key travels as the ``Idempotency-Key`` header."""

    connector = WebhookSink
    check_verifies_credentials = False  # check() opens a TCP connection: it sends no credentials

    @pytest.fixture
    def receiver(self) -> Iterator[LoopbackReceiver]:
        """A receiver that stores every lead (200 with an id)."""
        yield from answering(ScriptedResponse(200, b'{"id": "rec-1"}', {"Content-Type": "application/json"}))

    @pytest.fixture
    def valid_config(self, receiver: LoopbackReceiver) -> dict[str, Any]:
        """Signed, authorised POSTs to ``receiver``."""
        return posting_to(
            receiver, secret="whsec-contract-signing-secret", authorization="Bearer contract-auth-0123456789"
        )

    @pytest.fixture
    def observed_keys(self, receiver: LoopbackReceiver) -> ObservedKeys:
        """The ``Idempotency-Key`` header of each request, in order."""
        return lambda: [request.header("Idempotency-Key") for request in receiver.requests]

    @pytest.fixture
    def failing(self) -> Iterator[LoopbackReceiver]:
        """A receiver that is down for now: 503 to everything."""
        yield from answering(ScriptedResponse(503, b"upstream unavailable"))

    @pytest.fixture
    def rejecting(self) -> Iterator[LoopbackReceiver]:
        """A receiver that rejects the payload, echoing the Authorization header it got (as some do)."""
        echo = json.dumps({"error": "invalid lead", "authorization": sample_secret("authorization")})
        yield from answering(ScriptedResponse(422, echo.encode(), {"Content-Type": "application/json"}))

    @pytest.fixture
    def retriable_failure_config(self, failing: LoopbackReceiver) -> dict[str, Any]:
        """POST to a receiver answering 503."""
        return posting_to(failing)

    @pytest.fixture
    def permanent_failure_config(self, rejecting: LoopbackReceiver) -> dict[str, Any]:
        """POST to a receiver answering 422."""
        return posting_to(rejecting)

    @pytest.fixture
    def unreachable_config(self, closed_port: int) -> dict[str, Any]:
        """POST to a loopback port nobody listens on."""
        return {"url": f"http://127.0.0.1:{closed_port}/hooks/leads", "timeout": "2s"}

    @pytest.fixture
    def refusing(self) -> Iterator[LoopbackReceiver]:
        """A receiver that does not accept our authorization: 401 to everything."""
        yield from answering(ScriptedResponse(401, b"unknown credentials"))

    @pytest.fixture
    def bad_credentials_config(self, refusing: LoopbackReceiver) -> dict[str, Any]:
        """POST to a receiver refusing the authorization: 401."""
        return posting_to(refusing, authorization="Bearer rejected-0000")
