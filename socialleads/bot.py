"""Building the bot from settings: config, registry, database, connectors, runner and dispatcher.

Used by ``scheduler.py`` (the long-running process) and by every CLI command, so all of them see
the same configuration the same way.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from sqlalchemy import Engine, make_url

from socialleads import http
from socialleads.configuration.loader import AppConfig, load_app_config
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
from socialleads.pipeline.health import HealthReporter
from socialleads.pipeline.runner import Runner
from socialleads.qualify import Qualifier
from socialleads.qualify.qualifier import LeadQualifier
from socialleads.redact import REDACTOR, secret_values
from socialleads.registry import Registry, discover
from socialleads.settings import Settings, load_settings
from socialleads.store.db import make_engine, migrate
from socialleads.store.meters import StoredMeter

log = logging.getLogger("socialleads.bot")


@dataclass
class Bot:
    """Everything a running bot is made of; ``close()`` releases it."""

    settings: Settings
    config: AppConfig
    registry: Registry
    engine: Engine
    sources: dict[str, Source[Any, Any]]
    sinks: dict[str, Sink[Any]]
    unavailable: dict[str, str]
    """Configured connectors that do not run, with the reason."""
    runner: Runner
    dispatcher: Dispatcher
    webhooks: dict[str, WebhookReceiver] = field(default_factory=dict)
    """Receivers at /webhooks/{name}, for the platforms whose sources take webhooks."""
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-job")
    )
    """Runs what webhook deliveries ask for (fetching a lead, storing it) after they are answered."""

    def close(self) -> None:
        """Finish webhook jobs, stop the helpers, close every connector and the database pool."""
        self.background.shutdown(wait=True)
        self.dispatcher.close()
        self.runner.close()
        connectors: list[Source[Any, Any] | Sink[Any]] = [*self.sources.values(), *self.sinks.values()]
        for connector in connectors:
            try:
                connector.close()
            except Exception:  # closing must go on for the others
                log.warning("closing %s failed", connector.context.instance, exc_info=True)
        self.engine.dispose()


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
    kind: str,
    meter: Meter,
    config: AppConfig,
    registry: Registry,
    clock: Callable[[], datetime],
    unavailable: dict[str, str],
    new_session: Callable[..., requests.Session],
) -> dict[str, Any]:
    """Instantiate every runnable source or sink; one that fails is recorded in ``unavailable``."""
    names = config.runnable_sources() if kind == "source" else config.runnable_sinks()
    started: dict[str, Any] = {}
    for name in names:
        if kind == "source":
            entry_type, conf, file = (
                config.sources[name].type,
                config.source_configs[name],
                config.files["sources"],
            )
            region = config.sources[name].phone_region or config.settings.phone_region
            cls = registry.sources[entry_type].cls
        else:
            entry_type, conf, file = config.sinks[name].type, config.sink_configs[name], config.files["sinks"]
            region = config.settings.phone_region
            cls = registry.sinks[entry_type].cls
        context = ConnectorContext(
            instance=name,
            config_file=file,
            phone_region=region,
            clock=clock,
            logger=logging.getLogger(f"socialleads.{kind}.{name}"),
            new_session=new_session,
            meter=meter,
        )
        try:
            assert cls is not None
            started[name] = cls(conf, context)
        except Exception as exc:  # noqa: BLE001 - one broken connector must not stop the others
            unavailable[name] = f"could not start: {type(exc).__name__}: {REDACTOR.scrub(str(exc))}"
            log.warning("%s %s is unavailable: %s", kind, name, unavailable[name])
    return started


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

    Raises ``ConfigurationErrors`` for a bad configuration; a connector that cannot start is listed in
    ``Bot.unavailable`` and the rest run.
    """
    settings = settings or load_settings()
    registry = registry or discover()
    config = load_app_config(settings, registry)
    url = make_url(settings.database_url)
    if url.password:
        REDACTOR.register([url.password])
    for connector_config in [*config.source_configs.values(), *config.sink_configs.values()]:
        REDACTOR.register(secret_values(connector_config))
    engine = make_engine(settings.database_url)
    if migrate_database:
        migrate(engine)
    unavailable = dict(config.unavailable)
    meter = StoredMeter(engine, clock)
    sessions = new_session or functools.partial(http.new_session, sandbox_url=settings.sandbox_url)
    sources = _start_connectors("source", meter, config, registry, clock, unavailable, sessions)
    sinks = _start_connectors("sink", meter, config, registry, clock, unavailable, sessions)
    admin = {name: sinks[name] for name in config.admin_sinks if name in sinks}
    health = HealthReporter(admin)
    runner = Runner(
        engine, config, sources, qualifier or LeadQualifier(config.quality_weights), health, clock
    )
    limits = {
        name: SinkLimits(retry=entry.retry, circuit=entry.circuit, concurrency=entry.concurrency)
        for name, entry in config.sinks.items()
    }
    dispatcher = Dispatcher(engine, sinks, limits, settings.dispatch, clock, notify=health.notify)
    webhooks = _start_webhooks(registry, sources, runner, clock, unavailable)
    return Bot(
        webhooks=webhooks,
        settings=settings,
        config=config,
        registry=registry,
        engine=engine,
        sources=sources,
        sinks=sinks,
        unavailable=unavailable,
        runner=runner,
        dispatcher=dispatcher,
    )
