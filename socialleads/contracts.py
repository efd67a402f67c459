"""The whole plugin contract: what a source or sink implements, and what it is given.

``docs/connectors.md`` walks through writing a source or a sink against it.

A connector package declares an entry point in ``socialleads.sources`` or ``socialleads.sinks``
naming a ``Source`` or ``Sink`` subclass. The entry-point name must equal the class's ``name``.
Connectors classify failures with ``socialleads.errors``; the runner owns cursors, retries, health
and storage.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

import requests
from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from socialleads import http, transport
from socialleads.models import (
    AdminNotice,
    Checkpoint,
    Delivery,
    Health,
    Lead,
    LeadDraft,
    RawEvent,
)
from socialleads.redact import REDACTOR, secret_values


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC; the default clock everywhere."""
    return datetime.now(UTC)


#: The pydantic error type of a config that would send in the clear: the loader places it at
#: ``ctx["path"]`` inside the config and gives ``ctx["fix"]`` as its fix.
INSECURE_TRANSPORT = "insecure_transport"


def insecure_transport_error(path: tuple[str | int, ...], problem: str) -> PydanticCustomError:
    """The error a config (a ``ConnectorConfig`` or a connector's own rule) raises for plain transport
    at ``path`` (its key inside the config), unless ``allow_insecure_transport`` is set."""
    return PydanticCustomError(
        INSECURE_TRANSPORT, "{problem}", {"problem": problem, "path": path, "fix": transport.FIX}
    )


class ConnectorConfig(BaseModel):
    """Base of every connector's config model: frozen, and an unknown key is an error.

    Secrets are declared as ``pydantic.SecretStr`` so they never print. No value may be an
    ``http://`` URL to another machine (``socialleads.transport``) unless ``allow_insecure_transport``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    allow_insecure_transport: bool = False
    """Let this connector send leads and tokens in the clear (``http://`` to another host, and what
    the connector's own rules refuse, e.g. SMTP without TLS); ``socialleads doctor`` warns about it."""

    @model_validator(mode="after")
    def _no_plain_http(self) -> Self:
        if not self.allow_insecure_transport:
            found = transport.plain_http_urls(self)
            if found:
                raise insecure_transport_error(found[0].path, transport.describe(found))
        return self


class Cursor(BaseModel):
    """A source's position, JSON round-trippable and versioned.

    The runner folds every position a poll reports into the cursor with ``advance`` and stores the
    result in the same transaction as the events. ``advance`` must not depend on order (APIs
    return newest first): use max, union, and the like.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: ClassVar[int] = 1

    @abstractmethod
    def advance(self, position: Mapping[str, Any]) -> Self:
        """Return the cursor moved past ``position``; never move backwards."""

    @classmethod
    def upgrade(cls, stored: Mapping[str, Any], stored_version: int) -> Self:
        """Read a cursor stored by an older connector version; override when ``version`` changes."""
        if stored_version != cls.version:
            from socialleads.errors import ConfigurationError

            raise ConfigurationError(
                f"stored cursor is version {stored_version}, {cls.__name__} reads version {cls.version}"
            )
        return cls.model_validate(dict(stored))


ConfigT = TypeVar("ConfigT", bound=ConnectorConfig)
CursorT = TypeVar("CursorT", bound=Cursor)


class Meter(Protocol):
    """Paid API usage a connector counts against a budget (X bills per post read).

    ``meter`` names what is counted (e.g. ``x:default:posts``, shared by the sources of one app);
    ``period`` the billing period (e.g. ``2026-11``). The bot's meter lives in the store, so the
    count survives restarts and includes what a failed poll read.
    """

    def used(self, meter: str, period: str) -> int:
        """Units counted so far."""
        ...

    def add(self, meter: str, period: str, units: int) -> int:
        """Count ``units`` more; returns the new total."""
        ...


class MemoryMeter:
    """A ``Meter`` in memory, for tests and tools that run a connector without a store."""

    def __init__(self) -> None:
        self._units: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def used(self, meter: str, period: str) -> int:
        """Units counted so far."""
        with self._lock:
            return self._units.get((meter, period), 0)

    def add(self, meter: str, period: str, units: int) -> int:
        """Count ``units`` more; returns the new total."""
        with self._lock:
            self._units[(meter, period)] = self._units.get((meter, period), 0) + units
            return self._units[(meter, period)]


@dataclass(frozen=True)
class ConnectorContext:
    """What the bot hands a connector when it builds one."""

    instance: str
    """The configured instance name (``sources.yaml`` key), distinct from the connector ``name``."""
    config_file: str = "<code>"
    """Where the instance was configured, so errors can name it."""
    phone_region: str | None = None
    """Default region for phone numbers without a country code (ISO 3166 alpha-2)."""
    clock: Callable[[], datetime] = utc_now
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("socialleads.connector"))
    new_session: Callable[..., requests.Session] = http.new_session
    """The session factory every connector uses for HTTP (``socialleads.http.new_session``'s arguments):
    timeouts, retries, sandbox routing."""
    meter: Meter = field(default_factory=MemoryMeter)
    """Where paid API usage is counted (the store's, in the bot)."""


class Source(ABC, Generic[ConfigT, CursorT]):
    """A platform connector that reads events. One instance per configured source.

    Called by the runner only, from one thread at a time per instance.
    """

    name: ClassVar[str]
    """Equals the entry-point name (``csv``, ``meta_lead_ads``)."""
    platform: ClassVar[str]
    """The platform the events come from (``facebook``, ``x``, ``csv``)."""
    config_model: ClassVar[type[ConnectorConfig]]
    cursor_model: ClassVar[type[Cursor]]

    def __init__(self, config: ConfigT, context: ConnectorContext) -> None:
        self.config = config
        self.context = context
        # However it was built (the bot, the API, a test, a script), its secrets are masked in logs.
        REDACTOR.register(secret_values(config))

    @abstractmethod
    def check(self) -> Health:
        """One cheap authenticated call: token, scopes, subscriptions, folder access.

        Called by ``sources check``, ``doctor`` and the runner's health job. Raises ``AuthError`` for
        bad credentials; returns a ``Health`` for everything it can describe.
        """

    @abstractmethod
    def fetch(self, since: CursorT | None) -> Iterator[RawEvent | Checkpoint]:
        """Yield every event after ``since`` (minus the connector's lookback), each with its position.

        Called by the runner at each poll; ``since`` is None on the first poll. Never sleeps:
        raise ``RateLimitedError`` with the reset time instead. Raises the ``SourceError`` subclasses.
        """

    @abstractmethod
    def parse(self, event: RawEvent) -> LeadDraft:
        """Turn one raw event into a lead draft with raw contact values.

        Called by the runner for each new event, also for events that arrived by webhook.
        Raises ``SkippableRecordError`` with a reason a person can act on when the payload is unusable.
        """

    def close(self) -> None:
        """Release connections; called once when the bot stops."""


class Sink(ABC, Generic[ConfigT]):
    """A destination for leads (CRM, chat, email, webhook). One instance per configured sink.

    ``deliver`` may be called from several threads; implementations keep no per-call state.
    """

    name: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]]
    accepts_notices: ClassVar[bool] = False
    """True when ``send_notice`` is implemented, so the sink can be an admin channel."""
    models_status: ClassVar[bool] = False
    """True when the destination keeps a lead status of its own (a CRM's lifecycle stage or lead
    status): a status a person sets on a lead (``Lead.status``) is then delivered to this sink again,
    as an update, and the sink writes it there. Other sinks are not sent status changes."""

    def __init__(self, config: ConfigT, context: ConnectorContext) -> None:
        self.config = config
        self.context = context
        # However it was built (the bot, the API, a test, a script), its secrets are masked in logs.
        REDACTOR.register(secret_values(config))

    @abstractmethod
    def check(self) -> Health:
        """Verify the sink can be reached and the credentials work, without delivering anything."""

    @abstractmethod
    def deliver(self, lead: Lead, key: str) -> Delivery:
        """Deliver ``lead``; idempotent on ``key`` (upsert, or pass the key on for the receiver to dedupe).

        Called by the dispatcher. Raises ``RetriableDeliveryError`` or ``PermanentDeliveryError``.
        """

    def send_notice(self, notice: AdminNotice) -> None:
        """Tell the admin something (a source failing or recovering); only when ``accepts_notices``."""
        raise NotImplementedError(f"sink {self.name} does not send admin notices")

    def close(self) -> None:
        """Release connections; called once when the bot stops."""


@dataclass(frozen=True)
class BackfillPart:
    """One resumable piece of a backfill (a Meta form, say): read it all, then it counts as done."""

    key: str
    label: str
    events: Callable[[], Iterator[RawEvent]]


@dataclass(frozen=True)
class WebhookJob:
    """Work a webhook delivery asks for, done after the 200 (fetch the lead, store it)."""

    description: str
    run: Callable[[], None]


@dataclass
class WebhookAcceptance:
    """What a receiver made of one delivery: the jobs to run, and what could not be routed."""

    jobs: list[WebhookJob] = field(default_factory=list)
    unrouted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(reason, the change as received) for items no configured source claims."""
    test: bool = False
    """The platform's own test payload (e.g. Meta's dashboard "Test" button)."""
    summary: str = ""


@dataclass(frozen=True)
class WebhookContext:
    """What the bot hands a webhook receiver: how to store events, and the clock."""

    ingest: Callable[[str, list[RawEvent]], Any]
    """Store events for a source instance (parse, qualify, identity, outbox), as a poll would."""
    clock: Callable[[], datetime] = utc_now
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("socialleads.webhooks"))


class WebhookReceiver(ABC):
    """An app-level webhook endpoint, ``/webhooks/{name}``, serving every configured source of a platform.

    Registered through the ``socialleads.webhooks`` entry points. The web app answers the
    platform's handshake with ``handshake``, stores each accepted body verbatim before answering
    200, then runs the returned jobs in the background.
    """

    name: ClassVar[str]

    def __init__(self, sources: Mapping[str, Source[Any, Any]], context: WebhookContext) -> None:
        self.sources = sources
        self.context = context

    @classmethod
    @abstractmethod
    def serves(cls, sources: Mapping[str, Source[Any, Any]]) -> bool:
        """True when at least one of ``sources`` receives this platform's webhooks."""

    @abstractmethod
    def handshake(self, query: Mapping[str, str]) -> str | None:
        """The body to answer a subscription check with, or None to refuse it (403)."""

    @abstractmethod
    def accept(self, body: bytes, headers: Mapping[str, str]) -> WebhookAcceptance:
        """Check and read one delivery; raises ``WebhookRejected`` for a bad signature or body."""


__all__ = [
    "BackfillPart",
    "Checkpoint",
    "ConfigT",
    "ConnectorConfig",
    "ConnectorContext",
    "Cursor",
    "CursorT",
    "Delivery",
    "Health",
    "Lead",
    "LeadDraft",
    "MemoryMeter",
    "Meter",
    "RawEvent",
    "Sink",
    "Source",
    "WebhookAcceptance",
    "WebhookContext",
    "WebhookJob",
    "WebhookReceiver",
    "utc_now",
]
