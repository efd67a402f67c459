"""Post each lead to a Microsoft Teams channel as an Adaptive Card, through an incoming webhook.

Configured in ``sinks.yaml`` as ``type: teams`` with ``webhook_url`` under its ``config:``: the URL Teams
shows when an Incoming Webhook is added to a channel (or a Workflows "post to a channel when a webhook
request is received" flow's URL). The URL is the only credential, so it is a secret: it never appears
in an error, a health summary or a log line (only its host does): its pieces are registered with
``socialleads.redact.REDACTOR``, and urllib3's records, which print request paths, are scrubbed.

Request: ``POST <webhook_url>`` with ``{"type": "message", "attachments": [<Adaptive Card 1.4>]}``
(``connectors.teams.card.render_teams_card``, https://learn.microsoft.com/microsoftteams/platform/
webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook).
Teams answers ``1`` with HTTP 200 (a Workflows URL answers 202 with no body).

Not idempotent, and not updatable: Teams webhooks take no idempotency key and return no message id,
so a repeated post shows twice and a later touch of the lead is a new card (its headline reads
"Lead update: … (touch n)"). What prevents repeats is the dispatcher's exactly-once bookkeeping. The
key is still sent as an ``Idempotency-Key`` header, which Teams ignores and a Workflows flow can read.

Errors follow the bot's one HTTP failure policy (``socialleads.http_failures``) with ``TEAMS_ACTIONS``
over it: timeouts, connection failures, 408/423/425/429 and 5xx are retriable (``Retry-After``
honoured). Classic connectors also report throttling as HTTP 200 with "Microsoft Teams endpoint returned HTTP
error 429" in the body (rate limits: 4 posts a second, see "Rate limiting for connectors" at the
address above), so the body is read too. 404/410 (webhook removed), 401/403 and redirects refuse
every card alike until an admin sets a new URL: the sink waits for them (``SinkNeedsAdminError``).
413 (over 28 KB) and other 4xx reject this card only: permanent.
"""

from __future__ import annotations

import json
import logging
import re
import socket
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from pydantic import ConfigDict, SecretStr, field_validator

from connectors.teams.card import render_teams_card, render_teams_notice
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

#: Where Teams differs from the core policy: a removed webhook answers 404 or 410, and since the URL is
#: the credential, every card would fail alike until an admin adds the webhook again.
TEAMS_ACTIONS = {404: FailureAction.NEEDS_ADMIN, 410: FailureAction.NEEDS_ADMIN}
_BODY_ERROR = re.compile(r"returned HTTP error ([45]\d\d)")
_FIX_URL = "add the webhook to the channel again and set webhook_url to the new URL"


class TeamsConfig(ConnectorConfig):
    """The channel's webhook URL (a secret), the request timeout and an optional CRM link."""

    # The URL is the credential: keep input values out of validation errors.
    model_config = ConfigDict(hide_input_in_errors=True)

    webhook_url: SecretStr
    timeout: PositiveDuration = timedelta(seconds=10)
    crm_url: str | None = None
    """A link to the lead's CRM record for the card's button; ``{lead_id}`` is replaced by the lead id."""

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: SecretStr) -> SecretStr:
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be the https:// URL Teams showed when the webhook was created")
        return value

    @field_validator("crm_url")
    @classmethod
    def _crm(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http:// or https:// URL")
        return value


class _ScrubUrllib3(logging.Filter):
    """Masks registered secrets in urllib3's own records, which print the request path at DEBUG and
    on every connection retry at WARNING; a Teams webhook's path is its secret."""

    LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message scrubbed; never drops a record."""
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            return True
        scrubbed = REDACTOR.scrub(text)
        if scrubbed != text:
            record.msg, record.args = scrubbed, None
        return True

    @classmethod
    def install(cls) -> None:
        """Add the filter to urllib3's loggers once per process."""
        for name in cls.LOGGERS:
            target = logging.getLogger(name)
            if not any(isinstance(f, cls) for f in target.filters):
                target.addFilter(cls())


class TeamsSink(Sink[TeamsConfig]):
    """Posts leads and admin notices as Adaptive Cards to one Teams channel's incoming webhook."""

    name = "teams"
    config_model = TeamsConfig
    accepts_notices = True

    def __init__(self, config: TeamsConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        seconds = config.timeout.total_seconds()
        self._session = context.new_session(timeout=(seconds, seconds))
        url = config.webhook_url.get_secret_value()
        parts = urlsplit(url)
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        # Everything past the host is the secret: the path and query whole, and their long pieces
        # (ids, signature), which urllib3 logs on its own (see _ScrubUrllib3).
        pieces = [*parts.path.split("/"), *(v for _, v in parse_qsl(parts.query))]
        hidden = [url, parts.path, parts.query, *(p for p in pieces if len(p) >= 16)]
        self._hidden = sorted({h for h in hidden if len(h) >= 4}, key=len, reverse=True)
        REDACTOR.register(self._hidden)
        _ScrubUrllib3.install()

    def _scrub(self, text: str) -> str:
        for value in self._hidden:
            text = text.replace(value, MASK)
        return REDACTOR.scrub(text)

    def _post(self, payload: dict[str, Any], key: str | None) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json"} | ({"Idempotency-Key": key} if key else {})
        url = self.config.webhook_url.get_secret_value()
        try:
            # No redirects: a redirected POST becomes a GET without the card (RFC 9110 §15.4).
            response = self._session.post(url, data=body, headers=headers, allow_redirects=False)
        except requests.RequestException as exc:
            error: DeliveryError = RetriableDeliveryError(
                self._scrub(f"cannot reach the Teams webhook at {self._host}: {describe_cause(exc)}")
            )
        else:
            with response:
                failure = self._failure(
                    response.status_code, response.text, response.headers.get("Retry-After")
                )
            if failure is None:
                return
            error = failure
        # Raised outside the except block so it has no __context__: requests' messages carry the URL.
        raise error

    def _failure(self, status: int, body: str, wait_header: str | None) -> DeliveryError | None:
        """The error for Teams' answer, or None when the card was posted."""
        snippet = REDACTOR.scrub(" ".join(body.split()), limit=300, also=self._hidden)
        where = f"the Teams webhook at {self._host}"
        if 200 <= status < 300:
            match = _BODY_ERROR.search(body)  # classic connectors report failures inside a 200
            if match is None:
                return None
            status = int(match.group(1))
        wait = retry_after(wait_header, self.context.clock())
        action = failure_action(status, wait, TEAMS_ACTIONS)
        if action is FailureAction.NEEDS_ADMIN:
            # The URL is the credential: a removed webhook, a refused URL or a redirect fails every card
            # alike, so no lead is dead-lettered for it; the admin is told and the deliveries wait.
            if status in (404, 410):
                text = f"{where} no longer exists (HTTP {status}); fix: {_FIX_URL}"
            elif 300 <= status < 400:
                text = f"{where} answered HTTP {status} (a redirect); fix: {_FIX_URL}"
            else:
                text = f"{where} refused the URL (HTTP {status}); fix: {_FIX_URL}"
        elif action is FailureAction.PERMANENT:
            text = f"{where} rejected the card (HTTP {status}): {snippet}"
            if status == 413:
                text = f"{where} refused the card as too large (HTTP 413, over 28 KB)"
        else:
            text = f"{where} answered HTTP {status}: {snippet}"
        return delivery_error(action, text, wait)

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """Post the lead's card; called by the dispatcher, possibly from several threads.

        Raises ``RetriableDeliveryError``, ``SinkNeedsAdminError`` or ``PermanentDeliveryError`` (see
        the module docstring).
        """
        crm_url = self.config.crm_url.replace("{lead_id}", str(lead.id)) if self.config.crm_url else None
        self._post(render_teams_card(lead, crm_url), key)
        return Delivery(detail="posted to Teams")

    def check(self) -> Health:
        """Open (and close) a TCP connection to the webhook's host; nothing is posted.

        Teams cannot be asked whether a webhook still exists without posting to it: a removed
        webhook shows at the first delivery, which then waits for an admin.
        """
        where = f"{self._host}:{self._port}"
        try:
            with socket.create_connection((self._host, self._port), self.config.timeout.total_seconds()):
                pass
        except OSError as exc:
            why = describe_cause(exc)
            return Health(
                state=HealthState.FAILING, summary=f"cannot connect to the Teams webhook host {where}: {why}"
            )
        return Health(state=HealthState.OK, summary=f"the Teams webhook host {where} accepts connections")

    def send_notice(self, notice: AdminNotice) -> None:
        """Post an admin notice as a small card. Raises the same errors as ``deliver``."""
        self._post(render_teams_notice(notice), None)

    def close(self) -> None:
        """Close the HTTP session's pooled connections; called once when the bot stops."""
        self._session.close()


__all__ = ["TeamsConfig", "TeamsSink"]
