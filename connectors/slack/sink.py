"""Post each lead to one Slack channel as a Block Kit card; a later touch updates that card.

Configured in ``sinks.yaml`` as ``type: slack`` with, under its ``config:``, a bot ``token`` (scope
``chat:write``; ``channels:read`` lets ``check`` verify the channel) and a ``channel``. One instance per
channel: routing picks the instance.

Delivery:

* First delivery of a lead: ``chat.postMessage`` with the card (``render_slack_blocks``) and the
  headline as ``text`` for notifications. The delivery's ``external_id`` is ``<channel id>:<ts>``,
  its ``url`` the message's permalink (``chat.getPermalink``, best effort).
* A later touch (``external_id`` set): ``chat.update`` rewrites the same card, so the channel holds
  one current card per person, and, because an edit notifies nobody, a short reply in the card's
  thread announces the new touch (``thread_replies: false`` turns that off). When the card is gone
  (deleted, or its channel archived) a new card is posted instead.
* Slack has no idempotency key for ``chat.postMessage``. The delivery key travels in the message
  metadata (``event_type: socialleads_lead``, https://docs.slack.dev/messaging/message-metadata), so
  a duplicate can be traced; what prevents repeats is the dispatcher's exactly-once bookkeeping and
  ``external_id``. For the same reason the SDK's own retries are off (``retry_handlers=[]``): its
  default retries a POST after a connection reset, which can post a card twice, and sleeps inside
  ``deliver``; the dispatcher retries with backoff and honours ``Retry-After`` instead.

Errors: see ``connectors.slack.errors``. The token is never in a message or a log line: messages are
built from Slack's error codes, and the SDK logs through a child logger held at WARNING (its DEBUG
lines would dump every card).
"""

from __future__ import annotations

import http.client
import logging
import math
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from pydantic import ConfigDict, SecretStr, field_validator
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse

from connectors.slack.card import (
    render_slack_blocks,
    render_slack_notice,
    render_slack_reply,
    render_slack_text,
)
from connectors.slack.errors import AUTH_ERRORS, AUTH_FIX, FIXES, SlackFailure, delivery_error, failure_of
from socialleads.contracts import ConnectorConfig, ConnectorContext, Sink
from socialleads.errors import AuthError
from socialleads.models import AdminNotice, Delivery, Health, HealthState, Lead
from socialleads.settings import PositiveDuration

#: chat.update answers these when the card cannot be edited any more; a new card is posted instead.
REPOST_ERRORS = frozenset({"message_not_found", "cant_update_message", "channel_not_found", "is_archived"})
EVENT_TYPE = "socialleads_lead"
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def _web_url(value: str | None) -> str | None:
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host name")
    return value


class SlackConfig(ConnectorConfig):
    """The bot token, the channel, and where Slack's Web API is (the sandbox's, in tests)."""

    model_config = ConfigDict(hide_input_in_errors=True)

    token: SecretStr
    """A bot token (``xoxb-…``) with the ``chat:write`` scope."""
    channel: str
    """The channel ID (``C0123456789``, recommended) or name (``#sales``)."""
    base_url: str = "https://slack.com/api/"
    timeout: PositiveDuration = timedelta(seconds=10)
    crm_url: str | None = None
    """A link to the lead's CRM record for the card's button; ``{lead_id}`` is replaced by the lead id."""
    thread_replies: bool = True
    """Announce a later touch in the card's thread as well as updating the card."""

    _urls = field_validator("base_url", "crm_url")(_web_url)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not value.removeprefix("#") or any(ch.isspace() for ch in value):
            raise ValueError("must be a channel ID like C0123456789 or a name like #sales")
        return value


def _target(external_id: str | None) -> tuple[str, str] | None:
    """``(channel, ts)`` from an ``external_id`` of ``<channel>:<ts>``, or None."""
    channel, _, ts = (external_id or "").partition(":")
    return (channel, ts) if channel and ts else None


class SlackSink(Sink[SlackConfig]):
    """Posts leads as Block Kit cards to one channel, updating a lead's card on later touches."""

    name = "slack"
    config_model = SlackConfig
    accepts_notices = True

    def __init__(self, config: SlackConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        sdk_log = logging.getLogger(f"{context.logger.name}.slack_sdk")
        sdk_log.setLevel(logging.WARNING)
        self._client = WebClient(
            token=config.token.get_secret_value(),
            base_url=config.base_url,
            timeout=max(1, math.ceil(config.timeout.total_seconds())),
            logger=sdk_log,
            retry_handlers=[],  # deliberately none: see the module docstring
        )

    def _call(self, method: Callable[..., SlackResponse], **args: Any) -> SlackResponse:
        try:
            return method(**args)
        except (SlackApiError, URLError, OSError, http.client.HTTPException) as exc:
            failure = failure_of(exc, self.context.clock())
        except SlackRequestError:
            failure = SlackFailure("invalid_base_url", 0)
        # Raised outside the except block, so no SDK exception (request and all) is chained to it.
        raise failure

    def _crm_url(self, lead: Lead) -> str | None:
        template = self.config.crm_url
        return template.replace("{lead_id}", str(lead.id)) if template else None

    def _permalink(self, channel: str, ts: str) -> str | None:
        try:
            return str(
                self._call(self._client.chat_getPermalink, channel=channel, message_ts=ts)["permalink"]
            )
        except (SlackFailure, KeyError):
            return None  # the card is posted; a missing link is no reason to post it again

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """Post the lead's card, or update it when ``external_id`` names one; see the module docstring.

        Raises ``RetriableDeliveryError`` (rate limits, 5xx, timeouts), ``SinkNeedsAdminError`` (a bad
        token) or ``PermanentDeliveryError`` (unknown channel, app not in the channel).
        """
        card = {
            "text": render_slack_text(lead),
            "blocks": render_slack_blocks(lead, self._crm_url(lead)),
            "metadata": {
                "event_type": EVENT_TYPE,
                "event_payload": {"idempotency_key": key, "lead_id": lead.id, "revision": lead.revision},
            },
        }
        target = _target(lead.external_id)
        try:
            if target is not None:
                channel, ts = target
                try:
                    self._call(self._client.chat_update, channel=channel, ts=ts, **card)
                except SlackFailure as failure:
                    if failure.code not in REPOST_ERRORS:
                        raise
                else:
                    self._reply(lead, channel, ts)
                    return Delivery(
                        external_id=f"{channel}:{ts}", url=self._permalink(channel, ts), detail="updated"
                    )
            posted = self._call(
                self._client.chat_postMessage, channel=self.config.channel, unfurl_links=False, **card
            )
        except SlackFailure as failure:
            error = delivery_error(failure, "posting the lead", self.config.channel)
        else:
            channel, ts = str(posted["channel"]), str(posted["ts"])
            return Delivery(external_id=f"{channel}:{ts}", url=self._permalink(channel, ts), detail="posted")
        raise error

    def _reply(self, lead: Lead, channel: str, ts: str) -> None:
        """Announce a new touch in the card's thread (not for a replay of a revision already delivered)."""
        previous = lead.delivered_revision
        if self.config.thread_replies and previous is not None and lead.revision > previous:
            self._call(
                self._client.chat_postMessage, channel=channel, thread_ts=ts, text=render_slack_reply(lead)
            )

    def check(self) -> Health:
        """Call ``auth.test``, then ``conversations.info`` for a channel ID; ``AuthError`` for a bad token."""
        try:
            auth = self._call(self._client.auth_test)
        except SlackFailure as failure:
            if failure.code in AUTH_ERRORS:
                raise AuthError(f"Slack rejected the bot token ({failure.code}); fix: {AUTH_FIX}") from None
            error = delivery_error(failure, "auth.test", self.config.channel)
            return Health(state=HealthState.FAILING, summary=str(error))
        who = f"Slack workspace {auth.get('team', '?')} as {auth.get('user', '?')}"
        channel = self.config.channel
        if not _CHANNEL_ID.match(channel):
            hint = "set 'channel' to the channel ID so check() can verify it"
            return Health(
                state=HealthState.OK, summary=f"signed in to {who}; posting to {channel}", details=(hint,)
            )
        try:
            info = self._call(self._client.conversations_info, channel=channel)["channel"]
        except SlackFailure as failure:
            if failure.code == "missing_scope":
                hint = (
                    "add the channels:read scope (groups:read for a private channel) so check() can verify it"
                )
                return Health(state=HealthState.OK, summary=f"signed in to {who}", details=(hint,))
            fix = FIXES.get(failure.code)
            summary = f"Slack answered {failure.code} for channel {channel}" if fix else ""
            summary = summary or str(delivery_error(failure, "conversations.info", channel))
            return Health(state=HealthState.FAILING, summary=summary, details=(fix,) if fix else ())
        name = f"#{info.get('name', channel)}"
        if info.get("is_archived"):
            return Health(
                state=HealthState.FAILING, summary=f"{name} is archived", details=(FIXES["is_archived"],)
            )
        if not info.get("is_member"):
            details = (FIXES["not_in_channel"],)
            return Health(state=HealthState.DEGRADED, summary=f"the app is not in {name}", details=details)
        return Health(state=HealthState.OK, summary=f"posting to {name} in {who}")

    def send_notice(self, notice: AdminNotice) -> None:
        """Post an admin notice as a plain message to the channel. Raises the same errors as ``deliver``."""
        try:
            self._call(
                self._client.chat_postMessage, channel=self.config.channel, text=render_slack_notice(notice)
            )
        except SlackFailure as failure:
            error = delivery_error(failure, "posting a notice", self.config.channel)
        else:
            return
        raise error


__all__ = ["SlackConfig", "SlackSink"]
