"""Connector discovery through entry points (``socialleads.sources``, ``socialleads.sinks``).

Built-in connectors are found exactly like third-party ones. A plugin that fails to import, or that
is not what its entry point claims, is listed as unavailable with the reason; it never stops the bot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal

from socialleads.contracts import Sink, Source, WebhookReceiver

SOURCE_GROUP = "socialleads.sources"
SINK_GROUP = "socialleads.sinks"
WEBHOOK_GROUP = "socialleads.webhooks"
PluginKind = Literal["source", "sink", "webhook"]

log = logging.getLogger("socialleads.registry")


@dataclass(frozen=True)
class PluginInfo:
    """One discovered connector: where it comes from and whether it can be used."""

    kind: PluginKind
    name: str
    target: str
    distribution: str | None = None
    version: str | None = None
    cls: type[Any] | None = None
    error: str | None = None

    @property
    def available(self) -> bool:
        """True when the class loaded and honours the contract."""
        return self.cls is not None


@dataclass
class Registry:
    """Every connector installed in this environment, available or not."""

    sources: dict[str, PluginInfo] = field(default_factory=dict)
    sinks: dict[str, PluginInfo] = field(default_factory=dict)
    webhooks: dict[str, PluginInfo] = field(default_factory=dict)

    def plugins(self, kind: PluginKind) -> dict[str, PluginInfo]:
        """The sources, the sinks or the webhook receivers."""
        return {"source": self.sources, "sink": self.sinks, "webhook": self.webhooks}[kind]

    def add(self, info: PluginInfo) -> None:
        """Register a plugin; used by discovery and by tests that load a connector from code."""
        self.plugins(info.kind)[info.name] = info


def contract_problem(obj: object, kind: PluginKind, name: str) -> str | None:
    """Why ``obj`` cannot serve as the ``kind`` plugin ``name``, or None when it can."""
    expected: type[Any] = {"source": Source, "sink": Sink, "webhook": WebhookReceiver}[kind]
    if not (isinstance(obj, type) and issubclass(obj, expected)):
        return f"it is not a {expected.__name__} subclass"
    declared = getattr(obj, "name", None)
    if declared != name:
        return f"its class declares name {declared!r} but its entry point is {name!r}"
    return None


def _load(ep: EntryPoint, kind: PluginKind) -> PluginInfo:
    dist = ep.dist
    info = PluginInfo(kind, ep.name, ep.value, dist.name if dist else None, dist.version if dist else None)
    try:
        obj = ep.load()
    except Exception as exc:  # noqa: BLE001 - any import failure makes the plugin unavailable, never fatal
        return replace(info, error=f"cannot import {ep.value}: {type(exc).__name__}: {exc}")
    problem = contract_problem(obj, kind, ep.name)
    if problem:
        return replace(info, error=f"{ep.value}: {problem}")
    return replace(info, cls=obj)


def discover() -> Registry:
    """Load every source and sink entry point; log each unavailable one once, as a warning."""
    registry = Registry()
    groups: tuple[tuple[str, PluginKind], ...] = (
        (SOURCE_GROUP, "source"),
        (SINK_GROUP, "sink"),
        (WEBHOOK_GROUP, "webhook"),
    )
    for group, kind in groups:
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            info = _load(ep, kind)
            if info.name in registry.plugins(info.kind):
                previous = registry.plugins(info.kind)[info.name]
                log.warning(
                    "%s %s is declared by %s and %s; using the first",
                    kind,
                    info.name,
                    previous.distribution,
                    info.distribution,
                )
                continue
            if not info.available:
                log.warning("%s plugin %s is unavailable: %s", kind, info.name, info.error)
            registry.add(info)
    return registry
