"""Plain REST calls to Pipedrive API v1, with each failure classified for the dispatcher.

Pipedrive has no well-kept Python client, so this is ``requests`` through the socialleads session.
The token travels in the ``x-api-token`` header, never in the URL
(https://pipedrive.readme.io/docs/core-api-concepts-authentication): URLs end up in library logs
and exception messages. Answers are the envelope ``{"success", "data", "additional_data"}``
(https://pipedrive.readme.io/docs/core-api-concepts-responses); a 429 says when to come back in
``Retry-After`` or ``x-ratelimit-reset`` (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting).
Statuses follow the bot's one HTTP failure policy (``socialleads.http_failures``) with
``PIPEDRIVE_ACTIONS`` over it.
"""

from __future__ import annotations

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
from socialleads.http_failures import (
    FailureAction,
    delivery_error,
    describe_cause,
    failure_action,
    retry_after,
)
from socialleads.redact import MASK, REDACTOR

#: Where Pipedrive differs from the core policy: 402 is "Company account is not open (trial expired,
#: payment details not entered)", which refuses every call until someone pays
#: (https://pipedrive.readme.io/docs/core-api-concepts-http-status-codes).
PIPEDRIVE_ACTIONS = {402: FailureAction.NEEDS_ADMIN}


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

    def _wait(self, response: requests.Response) -> float | None:
        """Seconds to wait: ``Retry-After``, else on a 429 ``x-ratelimit-reset`` (seconds until the
        token's window refills; sent with every answer, so it means "wait" on a 429 only)."""
        wait = retry_after(response.headers.get("Retry-After"), self._clock())
        if wait is None and response.status_code == 429:
            wait = retry_after(response.headers.get("x-ratelimit-reset"), self._clock())
        return wait

    def _failure(self, response: requests.Response, what: str) -> DeliveryError:
        status, where = response.status_code, f"Pipedrive {self.host}"
        wait = self._wait(response)
        action = failure_action(status, wait, PIPEDRIVE_ACTIONS)
        if status == 401:
            return PipedriveAuthFailed(
                f"{where} rejected the API token (401 unauthorized access) while trying to {what}; "
                "renew the token in the sink's api_token"
            )
        if status == 429:
            text = f"{where} is rate limiting this token (HTTP 429)"
        elif action in (FailureAction.RETRY, FailureAction.WAIT):
            text = f"{where} failed to {what}: HTTP {status}"
        elif 300 <= status < 400:
            text = f"{where} redirected ({status}); set api_url to the final address"
        else:
            try:
                envelope = response.json()
            except ValueError:
                envelope = {}
            error = envelope.get("error") if isinstance(envelope, dict) else None
            text = f"{where} refused to {what}: HTTP {status}" + (f": {error}" if error else "")
            if action is FailureAction.NEEDS_ADMIN:  # 402, 403: the account or the token's user
                text += "; check the Pipedrive account's plan and the token user's permissions"
        said = REDACTOR.scrub(" ".join(text.split()), limit=400, also=[self._token])
        return delivery_error(action, said, wait)

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
                f"cannot reach Pipedrive {self.host} to {what}: {describe_cause(exc)}"
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
