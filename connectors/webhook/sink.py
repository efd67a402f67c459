"""POST each lead as JSON to an HTTP endpoint, signed so the receiver can trust it.

Request: ``POST <url>`` with a compact UTF-8 JSON body (``socialleads.card.lead_payload``, or
``{"type": "notice", ...}`` for admin notices) and these headers:

* ``Idempotency-Key``: stable for the (lead, sink) pair; the same lead is re-sent with the same key
  and a higher ``revision`` in the body when it gets a new touch. Receivers upsert on it.
* ``X-Socialleads-Timestamp``: Unix seconds when the request was signed.
* ``X-Socialleads-Signature: v1=<hex>`` (only when ``secret`` is set), where
  ``<hex> = HMAC-SHA256(key=secret, msg=f"{timestamp}.".encode() + body)`` over the exact body
  bytes, the same scheme as Stripe's (https://docs.stripe.com/webhooks#verify-manually).

To verify: recompute the HMAC over the timestamp header, a ``.`` and the raw body, compare with
``hmac.compare_digest``, and reject timestamps older than a few minutes so a captured request
cannot be replayed. Answer 2xx when stored (a JSON object with an ``id`` becomes the delivery's
external id). Other answers follow the bot's one HTTP failure policy (``socialleads.http_failures``):
408/423/425/429/5xx are retried later (``Retry-After`` is honoured); 401/403 and redirects stop the
sink until an admin fixes its settings (no lead is dead-lettered for them); any other 4xx dead-letters
the delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from pydantic import ConfigDict, Field, SecretStr, field_validator

from socialleads import jsontext
from socialleads.card import lead_payload
from socialleads.contracts import ConnectorConfig, ConnectorContext, Sink
from socialleads.errors import DeliveryError, RetriableDeliveryError
from socialleads.http_failures import (
    FailureAction,
    delivery_error,
    describe_cause,
    failure_action,
    retry_after,
)
from socialleads.models import AdminNotice, Delivery, Health, HealthState, Lead
from socialleads.redact import MASK, REDACTOR
from socialleads.settings import PositiveDuration

#: Headers the sink computes itself; a static ``headers`` entry may not override them.
RESERVED_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "idempotency-key",
        "authorization",
        "x-socialleads-timestamp",
        "x-socialleads-signature",
        "host",
    }
)


class WebhookConfig(ConnectorConfig):
    """Where and how to POST; ``secret`` signs requests, ``authorization`` is sent verbatim."""

    # The URL may carry a token in its query: keep input values out of validation errors.
    model_config = ConfigDict(hide_input_in_errors=True)

    url: str
    secret: SecretStr | None = None
    timeout: PositiveDuration = timedelta(seconds=10)
    headers: dict[str, str] = Field(default_factory=dict)
    authorization: SecretStr | None = None

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        parts = urlsplit(value)
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
        except ValueError:
            raise ValueError("the URL's port is not a number from 1 to 65535") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host name")
        return value

    @field_validator("headers")
    @classmethod
    def _static_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if name.lower() in RESERVED_HEADERS:
                raise ValueError(f"header {name} is set by the sink (use 'authorization' for Authorization)")
            if any(ch in name + text for ch in "\r\n"):
                raise ValueError(f"header {name} contains a line break")
        return value


class WebhookSink(Sink[WebhookConfig]):
    """POSTs leads and admin notices as signed JSON; one HTTP session per sink instance."""

    name = "webhook"
    config_model = WebhookConfig
    accepts_notices = True

    def __init__(self, config: WebhookConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        seconds = config.timeout.total_seconds()
        self._session = context.new_session(timeout=(seconds, seconds))
        parts = urlsplit(config.url)
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        # Values an error message must never show, even when a receiver echoes them back.
        hidden = [config.url, parts.query, *(v for _, v in parse_qsl(parts.query)), parts.password or ""]
        hidden += [s.get_secret_value() for s in (config.secret, config.authorization) if s is not None]
        self._hidden = sorted({h for h in hidden if len(h) >= 4}, key=len, reverse=True)

    def _scrub(self, text: str) -> str:
        for value in self._hidden:
            text = text.replace(value, MASK)
        return REDACTOR.scrub(text)

    def _post(self, payload: dict[str, Any], key: str | None) -> requests.Response:
        body = jsontext.dumps_bytes(payload)
        timestamp = str(int(self.context.clock().timestamp()))
        headers = {
            **self.config.headers,
            "Content-Type": "application/json",
            "X-Socialleads-Timestamp": timestamp,
        }
        if key is not None:
            headers["Idempotency-Key"] = key
        if self.config.secret is not None:
            mac = hmac.new(
                self.config.secret.get_secret_value().encode(),
                f"{timestamp}.".encode() + body,
                hashlib.sha256,
            )
            headers["X-Socialleads-Signature"] = f"v1={mac.hexdigest()}"
        if self.config.authorization is not None:
            headers["Authorization"] = self.config.authorization.get_secret_value()
        try:
            # No redirects: requests turns a redirected POST into a GET without the body (RFC 9110
            # §15.4), which would look delivered; a 3xx is reported so the URL can be fixed.
            return self._session.post(self.config.url, data=body, headers=headers, allow_redirects=False)
        except requests.Timeout:
            error = RetriableDeliveryError(f"webhook {self._host} timed out")
        except requests.RequestException as exc:
            why = describe_cause(exc)
            error = RetriableDeliveryError(self._scrub(f"cannot reach webhook {self._host}: {why}"))
        # Raised outside the except block so it has no __context__: requests' messages carry the full URL.
        raise error

    def _failure(self, response: requests.Response) -> DeliveryError:
        status = response.status_code
        wait = retry_after(response.headers.get("Retry-After"), self.context.clock())
        action = failure_action(status, wait)
        text = f"webhook {self._host} answered HTTP {status}"
        if 300 <= status < 400:
            text += " (a redirect); set url to the final address"
        elif action in (FailureAction.NEEDS_ADMIN, FailureAction.PERMANENT):
            snippet = REDACTOR.scrub(" ".join(response.text.split()), limit=200, also=self._hidden)
            text += f": {snippet}" if snippet else ""
            if action is FailureAction.NEEDS_ADMIN:  # our credentials, not this lead: all would fail alike
                text += "; check the sink's headers and secret"
        return delivery_error(action, self._scrub(text), wait)

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """POST the lead; called by the dispatcher, possibly from several threads.

        Raises ``RetriableDeliveryError`` (timeouts, connection errors, 408/423/425/429/5xx),
        ``SinkNeedsAdminError`` (401/403, redirects) or ``PermanentDeliveryError`` (other 4xx).
        """
        response = self._post(lead_payload(lead, key), key)
        with response:
            if not 200 <= response.status_code < 300:
                raise self._failure(response)
            external_id = None
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if isinstance(answer, dict) and isinstance(answer.get("id"), str | int):
                external_id = str(answer["id"])
            return Delivery(external_id=external_id, detail=f"HTTP {response.status_code}")

    def check(self) -> Health:
        """Open (and close) a TCP connection to the endpoint: no request is sent, nothing is delivered."""
        where = f"{self._host}:{self._port}"
        try:
            with socket.create_connection((self._host, self._port), self.config.timeout.total_seconds()):
                pass
        except OSError as exc:
            why = describe_cause(exc)
            return Health(state=HealthState.FAILING, summary=f"cannot connect to webhook {where}: {why}")
        return Health(state=HealthState.OK, summary=f"webhook {where} accepts connections")

    def send_notice(self, notice: AdminNotice) -> None:
        """POST an admin notice, signed like leads. Raises the same errors as ``deliver``."""
        payload = {
            "type": "notice",
            "subject": notice.subject,
            "body": notice.body,
            "severity": notice.severity,
            "source": notice.source,
        }
        response = self._post(payload, None)
        with response:
            if not 200 <= response.status_code < 300:
                raise self._failure(response)

    def close(self) -> None:
        """Close the HTTP session's pooled connections; called once when the bot stops."""
        self._session.close()
