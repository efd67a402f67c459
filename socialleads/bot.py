"""Building the bot from settings: config, registry, database, connectors, runner and dispatcher.

Used by ``scheduler.py`` (the long-running process) and by every CLI command, so all of them see
the same configuration the same way: the YAML files, with the items kept in the database laid over
them (``socialleads.configuration.overlay``).

A running bot takes a changed configuration without a restart (``Bot.apply_config``): campaigns,
routes, teams and thresholds are read by the runner from ``Bot.config`` when it starts storing a
poll's or webhook's events, so the next stored lead uses the new version; a source or sink whose
settings changed is rebuilt (the old one closed), and the scheduler is told which sources changed
(``Bot.on_sources_changed``) to add, change or remove their jobs.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import requests
from sqlalchemy import Engine, make_url

from socialleads import http
from socialleads.configuration.loader import AppConfig, load_app_config, read_secrets
from socialleads.configuration.overlay import Overlay, overlay
from socialleads.configuration.stored import latest_change, read_items
from socialleads.contracts import (
    ConnectorContext,
    Meter,
    Sink,
    Source,
    WebhookContext,
    WebhookReceiver,
    utc_now,
)
from socialleads.models import ReceivedVia
from socialleads.pipeline.dispatch import Dispatcher, SinkLimits
from socialleads.pipeline.event_bus import EventBus
from socialleads.pipeline.health import HealthReporter
from socialleads.pipeline.runner import Runner
from socialleads.qualify import Qualifier
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.redact import REDACTOR, secret_values
from socialleads.registry import Registry, discover
from socialleads.settings import Settings, load_settings
from socialleads.store.db import make_engine, migrate, reading
from socialleads.store.meters import StoredMeter

log = logging.getLogger("socialleads.bot")
ConnectorKind = Literal["source", "sink"]


@dataclass(frozen=True)
class ConnectorMaker:
    """Builds source and sink instances from a configuration: at start, and when one changes."""

    registry: Registry
    meter: Meter
    clock: Callable[[], datetime]
    new_session: Callable[..., requests.Session]

    def start(self, kind: ConnectorKind, name: str, config: AppConfig, unavailable: dict[str, str]) -> Any:
        """The connector of runnable instance ``name``, or None when it cannot start (the reason
        then goes to ``unavailable``)."""
        if kind == "source":
            entry_type, conf = config.sources[name].type, config.source_configs[name]
            region = config.sources[name].phone_region or config.settings.phone_region
            cls: Any = self.registry.sources[entry_type].cls
        else:
            entry_type, conf = config.sinks[name].type, config.sink_configs[name]
            region = config.settings.phone_region
            cls = self.registry.sinks[entry_type].cls
        managed = config.managed_by(kind, name)
        context = ConnectorContext(
            instance=name,
            config_file=f"API {kind} '{name}'" if managed == "api" else managed,
            phone_region=region,
            clock=self.clock,
            logger=logging.getLogger(f"socialleads.{kind}.{name}"),
            new_session=self.new_session,
            meter=self.meter,
        )
        try:
            assert cls is not None
            return cls(conf, context)
        except Exception as exc:  # noqa: BLE001 - one broken connector must not stop the others
            unavailable[name] = f"could not start: {type(exc).__name__}: {REDACTOR.scrub(str(exc))}"
            log.warning("%s %s is unavailable: %s", kind, name, unavailable[name])
            return None


@dataclass
class Bot:
    """Everything a running bot is made of; ``close()`` releases it."""

    settings: Settings
    config: AppConfig
    """The configuration in force: the files' with the stored items laid over it."""
    registry: Registry
    engine: Engine
    sources: dict[str, Source[Any, Any]]
    sinks: dict[str, Sink[Any]]
    unavailable: dict[str, str]
    """Configured connectors that do not run, with the reason."""
    runner: Runner
    dispatcher: Dispatcher
    maker: ConnectorMaker
    base_config: AppConfig
    """The configuration of the YAML files alone, the source of truth for the items they define."""
    clock: Callable[[], datetime] = utc_now
    """The bot's clock: the wall clock, or a test's."""
    events: EventBus = field(default_factory=EventBus)
    """What live screens are told (leads stored and updated, deliveries done, health changes)."""
    webhooks: dict[str, WebhookReceiver] = field(default_factory=dict)
    """Receivers at /webhooks/{name}, for the platforms whose sources take webhooks."""
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-job")
    )
    """Runs what webhook deliveries ask for (fetching a lead, storing it) after they are answered."""
    on_sources_changed: list[Callable[[set[str]], None]] = field(default_factory=list)
    """Told the names of the sources added, changed or removed by ``apply_config`` (the scheduler)."""
    reconfiguring: threading.RLock = field(default_factory=threading.RLock)
    """Held while a configuration change is checked and put in force: one change at a time."""
    config_seen: int = 0
    """The latest stored change (``stored.latest_change``) this bot has put in force."""

    def apply_config(self, new: AppConfig) -> None:
        """Put ``new`` in force without a restart.

        Called after a change through the API and by ``refresh_config``. Sources and sinks whose
        entry or connector config changed are rebuilt (one that cannot start is listed in
        ``unavailable``), added or removed; the runner, the dispatcher and the webhook receivers
        get the new ones; then the configuration is swapped in one assignment, so a poll that
        starts storing reads either the old or the new one, never half of each; then the old
        connectors are closed and the scheduler told.
        """
        with self.reconfiguring:
            _register_secrets(new)
            unavailable = {k: v for k, v in new.unavailable.items()}
            sources, changed_sources, retired = self._rebuilt("source", new, self.sources, unavailable)
            sinks, changed_sinks, retired_sinks = self._rebuilt("sink", new, self.sinks, unavailable)
            if changed_sinks:
                _swap_sinks(self.dispatcher, sinks, new, changed_sinks)
                self.sinks = sinks
            if changed_sources:
                self.sources = sources
                self.runner.sources = sources
                self.webhooks = _start_webhooks(self.registry, sources, self.runner, self.clock, unavailable)
            else:
                unavailable.update({k: v for k, v in self.unavailable.items() if k.startswith("webhook:")})
            self.runner.config = new
            self.config = new
            self.unavailable = unavailable
            _close_all([*retired, *retired_sinks])
            for listener in list(self.on_sources_changed):
                listener(changed_sources)
        if changed_sources or changed_sinks:
            log.info(
                "configuration changed: sources %s, sinks %s",
                ", ".join(sorted(changed_sources)) or "unchanged",
                ", ".join(sorted(changed_sinks)) or "unchanged",
            )

    def _rebuilt(
        self, kind: ConnectorKind, new: AppConfig, running: dict[str, Any], unavailable: dict[str, str]
    ) -> tuple[dict[str, Any], set[str], list[Any]]:
        """The connectors of ``kind`` for ``new``: (all of them, the names that changed, the old
        connectors to close). An instance whose settings did not change keeps its connector."""
        old = self.config
        entries, configs = (
            (new.sources, new.source_configs) if kind == "source" else (new.sinks, new.sink_configs)
        )
        old_entries, old_configs = (
            (old.sources, old.source_configs) if kind == "source" else (old.sinks, old.sink_configs)
        )
        names = new.runnable_sources() if kind == "source" else new.runnable_sinks()
        result: dict[str, Any] = {}
        changed = {name for name in running if name not in names}
        for name in names:
            same = old_entries.get(name) == entries[name] and old_configs.get(name) == configs[name]
            if same and name in running:
                result[name] = running[name]
            elif same and name in self.unavailable:
                unavailable[name] = self.unavailable[name]  # it could not start, and nothing changed
            else:
                changed.add(name)
                connector = self.maker.start(kind, name, new, unavailable)
                if connector is not None:
                    result[name] = connector
        retired = [running[name] for name in changed if name in running]
        return result, changed, retired

    def refresh_config(self) -> bool:
        """Put in force what another process changed in the stored configuration, if anything.

        Called every few seconds by the scheduler: one cheap query when nothing changed. Returns
        True when it applied a new configuration.
        """
        with self.reconfiguring:
            with reading(self.engine) as conn:
                latest = latest_change(conn)
            if latest == self.config_seen:
                return False
            merged = stored_overlay(self.base_config, self.engine, self.registry)
            self.apply_config(merged.config)
            self.config_seen = latest
            return True

    def close(self) -> None:
        """Finish webhook jobs, stop the helpers, close every connector and the database pool."""
        self.events.close()
        self.background.shutdown(wait=True)
        self.dispatcher.close()
        self.runner.close()
        _close_all([*self.sources.values(), *self.sinks.values()])
        self.engine.dispose()


def _close_all(connectors: list[Source[Any, Any] | Sink[Any]]) -> None:
    for connector in connectors:
        try:
            connector.close()
        except Exception:  # closing must go on for the others
            log.warning("closing %s failed", connector.context.instance, exc_info=True)


def _limits(config: AppConfig, name: str) -> SinkLimits:
    entry = config.sinks[name]
    return SinkLimits(retry=entry.retry, circuit=entry.circuit, concurrency=entry.concurrency)


def _swap_sinks(
    dispatcher: Dispatcher, sinks: dict[str, Sink[Any]], config: AppConfig, changed: set[str]
) -> None:
    """Give the dispatcher its new sinks while its loop runs.

    Each attribute is replaced whole (a loop iterating the old dict goes on with it), limits first
    (reading a sink's gate needs its limits). A changed sink gets a new thread pool (its concurrency
    may have changed; the old pool's threads finish what they hold and end) and keeps its circuit
    gate until the next dispatch reads it again with the new policy. A removed sink's gate goes, so
    no delivery to it is claimed: its deliveries wait, and go out if it comes back.
    """
    dispatcher.limits = {name: _limits(config, name) for name in sinks}
    for name in changed:
        dispatcher._pools.pop(name, None)
    dispatcher.sinks = sinks
    dispatcher.gates = {name: gate for name, gate in dispatcher.gates.items() if name in sinks}


def _register_secrets(config: AppConfig) -> None:
    """Mask every resolved secret of the connectors' configs in logs from now on."""
    for connector_config in [*config.source_configs.values(), *config.sink_configs.values()]:
        REDACTOR.register(secret_values(connector_config))


def _start_webhooks(
    registry: Registry,
    sources: dict[str, Source[Any, Any]],
    runner: Runner,
    clock: Callable[[], datetime],
    unavailable: dict[str, str],
) -> dict[str, WebhookReceiver]:
    """A receiver for each platform whose configured sources take webhooks."""
    context = WebhookContext(
        ingest=lambda name, events: runner.ingest(name, events, ReceivedVia.WEBHOOK), clock=clock
    )
    started: dict[str, WebhookReceiver] = {}
    for name, info in registry.webhooks.items():
        if info.cls is None or not info.cls.serves(sources):
            continue
        try:
            started[name] = info.cls(sources, context)
        except Exception as exc:  # noqa: BLE001 - the polls still run without the receiver
            unavailable[f"webhook:{name}"] = (
                f"could not start: {type(exc).__name__}: {REDACTOR.scrub(str(exc))}"
            )
            log.warning("webhook receiver %s is unavailable: %s", name, unavailable[f"webhook:{name}"])
    return started


def _start_connectors(
    kind: ConnectorKind, maker: ConnectorMaker, config: AppConfig, unavailable: dict[str, str]
) -> dict[str, Any]:
    """Instantiate every runnable source or sink; one that fails is recorded in ``unavailable``."""
    names = config.runnable_sources() if kind == "source" else config.runnable_sinks()
    started = {name: maker.start(kind, name, config, unavailable) for name in names}
    return {name: connector for name, connector in started.items() if connector is not None}


def stored_overlay(base: AppConfig, engine: Engine, registry: Registry) -> Overlay:
    """The files' configuration ``base`` with the items stored in the database laid over it.

    Raises ``ConfigurationErrors`` when the secrets file cannot be read, and database errors.
    """
    with reading(engine) as conn:
        items = read_items(conn)
    return overlay(base, items, registry, read_secrets(base.settings))


def _with_stored(base: AppConfig, engine: Engine, registry: Registry) -> tuple[AppConfig, int]:
    """The configuration to start with (the stored items over the files'), and the latest stored
    change it holds; its new warnings logged, its secrets registered with the redactor."""
    with reading(engine) as conn:
        seen = latest_change(conn)  # read first: a change made meanwhile is picked up later
    config = stored_overlay(base, engine, registry).config
    for warning in config.warnings[len(base.warnings) :]:
        log.warning(warning)
    _register_secrets(config)
    return config, seen


def _open_database(url: str, migrate_it: bool) -> Engine:
    """The engine for ``url`` (its password kept out of logs), migrated unless told not to."""
    password = make_url(url).password
    if password:
        REDACTOR.register([password])
    engine = make_engine(url)
    if migrate_it:
        migrate(engine)
    return engine


def build_bot(
    settings: Settings | None = None,
    registry: Registry | None = None,
    qualifier: Qualifier | None = None,
    clock: Callable[[], datetime] = utc_now,
    migrate_database: bool = True,
    new_session: Callable[..., requests.Session] | None = None,
) -> Bot:
    """Load config, open (and migrate) the database, start every enabled connector.

    ``new_session`` replaces the connectors' HTTP session factory (``socialleads.http.new_session``
    with the sandbox URL); tests use it to send a vendor's https host to a loopback emulator.

    Raises ``ConfigurationErrors`` for a bad configuration file; a stored item with a problem is
    left out with a warning (``AppConfig.warnings``), and a connector that cannot start is listed
    in ``Bot.unavailable``; the rest run.
    """
    settings = settings or load_settings()
    registry = registry or discover()
    base = load_app_config(settings, registry)
    engine = _open_database(settings.database_url, migrate_database)
    config, seen = _with_stored(base, engine, registry)
    unavailable = dict(config.unavailable)
    sessions = new_session or functools.partial(http.new_session, sandbox_url=settings.sandbox_url)
    maker = ConnectorMaker(registry, StoredMeter(engine, clock), clock, sessions)
    sources = _start_connectors("source", maker, config, unavailable)
    sinks = _start_connectors("sink", maker, config, unavailable)
    admin = {name: sinks[name] for name in config.admin_sinks if name in sinks}
    events = EventBus()
    health = HealthReporter(admin, events=events)
    qualifier = qualifier or LeadQualifier(config.quality_weights)
    runner = Runner(engine, config, sources, qualifier, health, clock, events=events)
    limits = {name: _limits(config, name) for name in config.sinks}
    dispatcher = Dispatcher(
        engine, sinks, limits, settings.dispatch, clock, notify=health.notify, events=events
    )
    webhooks = _start_webhooks(registry, sources, runner, clock, unavailable)
    return Bot(
        clock=clock,
        events=events,
        webhooks=webhooks,
        settings=settings,
        config=config,
        base_config=base,
        registry=registry,
        engine=engine,
        sources=sources,
        sinks=sinks,
        unavailable=unavailable,
        runner=runner,
        dispatcher=dispatcher,
        maker=maker,
        config_seen=seen,
    )
