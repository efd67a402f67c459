"""Plain REST calls to Pipedrive API v1, with each failure classified for the dispatcher.

Pipedrive has no well-kept Python client, so this is ``requests`` through the socialleads session.
The token travels in the ``x-api-token`` header, never in the URL
(https://pipedrive.readme.io/docs/core-api-concepts-authentication): URLs end up in library logs
and exception messages. Answers are the envelope ``{"success", "data", "additional_data"}``
(https://pipedrive.readme.io/docs/core-api-concepts-responses); a 429 says when to come back in
``Retry-After`` or ``x-ratelimit-reset`` (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting).
"""

from __future__ import annotations

from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from connectors.pipedrive.config import PipedriveConfig
from socialleads.contracts import ConnectorContext
from socialleads.errors import (
    DeliveryError,
    PermanentDeliveryError,
    RetriableDeliveryError,
    SinkNeedsAdminError,
)
from socialleads.redact import MASK, REDACTOR


class PipedriveAuthFailed(SinkNeedsAdminError):
    """Pipedrive answered 401: the API token is wrong, regenerated or its user deactivated."""


class PipedriveApi:
    """One company's API v1 through one HTTP session; safe to call from several threads."""

    def __init__(self, config: PipedriveConfig, context: ConnectorContext) -> None:
        seconds = config.timeout.total_seconds()
        self._session = context.new_session(timeout=(min(seconds, 10.0), seconds))
        self._token = config.api_token.get_secret_value()
        self._base = config.api_url
        self._clock = context.clock
        self.host = urlsplit(config.api_url).hostname or ""

    def _scrub(self, text: str) -> str:
        return REDACTOR.scrub(text.replace(self._token, MASK) if len(self._token) >= 4 else text)

    def _retry_after(self, response: requests.Response) -> float | None:
        """Seconds to wait: ``Retry-After`` (seconds or an HTTP date), else ``x-ratelimit-reset``."""
        value = (response.headers.get("Retry-After") or "").strip()
        if value.isdigit():
            return float(value)
        if value:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                when = when if when.tzinfo else when.replace(tzinfo=UTC)
                return max(0.0, (when - self._clock()).total_seconds())
        reset = (response.headers.get("x-ratelimit-reset") or "").strip()
        return float(reset) if reset.isdigit() else None

    def _failure(self, response: requests.Response, what: str) -> DeliveryError:
        status, where = response.status_code, f"Pipedrive {self.host}"
        if status == 401:
            return PipedriveAuthFailed(
                f"{where} rejected the API token (401 unauthorized access) while trying to {what}; "
                "renew the token in the sink's api_token"
            )
        if status == 429:
            return RetriableDeliveryError(
                f"{where} is rate limiting this token (HTTP 429)", retry_after=self._retry_after(response)
            )
        if status >= 500 or status == 408:
            return RetriableDeliveryError(
                f"{where} failed to {what}: HTTP {status}", self._retry_after(response)
            )
        if 300 <= status < 400:
            return PermanentDeliveryError(f"{where} redirected ({status}); set api_url to the final address")
        try:
            envelope = response.json()
        except ValueError:
            envelope = {}
        error = envelope.get("error") if isinstance(envelope, dict) else None
        text = f"{where} refused to {what}: HTTP {status}" + (f": {error}" if error else "")
        return PermanentDeliveryError(self._scrub(" ".join(text.split())[:400]))

    def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        """The envelope's ``data``; None for a 404 when ``missing_ok``. Raises ``DeliveryError``."""
        error: DeliveryError
        try:
            response = self._session.request(
                method,
                f"{self._base}/{path}",
                params=params,
                json=body,
                headers={"x-api-token": self._token, "Accept": "application/json"},
                allow_redirects=False,  # a redirect would carry the token header to another host
            )
        except requests.Timeout:
            error = RetriableDeliveryError(f"Pipedrive {self.host} timed out trying to {what}")
        except requests.RequestException as exc:
            error = RetriableDeliveryError(
                f"cannot reach Pipedrive {self.host} to {what}: {type(exc).__name__}"
            )
        else:
            with response:
                if response.status_code == 404 and missing_ok:
                    return None
                if not 200 <= response.status_code < 300:
                    raise self._failure(response, what)
                try:
                    envelope = response.json()
                except ValueError:
                    envelope = None
                if isinstance(envelope, dict) and envelope.get("success") is True:
                    return envelope.get("data")
                error = PermanentDeliveryError(f"Pipedrive {self.host} answered {what} without success")
        # Raised outside the except block: requests' messages carry the full URL (and search terms).
        raise error

    def close(self) -> None:
        """Close the session's pooled connections."""
        self._session.close()
