"""A real Source for pipeline tests, driven by a JSON script file the test rewrites between polls.

It is a connector like any other (it goes through the registry, the runner and the store); only
its "platform" is a file. Events come newest first, and a lookback re-reads the last two, as real
platforms and our own connectors do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from socialleads.contracts import ConnectorConfig, ConnectorContext, Cursor, Source
from socialleads.errors import (
    AuthError,
    ConfigurationError,
    RateLimitedError,
    SkippableRecordError,
    TransientError,
)
from socialleads.models import (
    Checkpoint,
    Contact,
    EventKind,
    Handle,
    Health,
    HealthState,
    LeadDraft,
    RawEvent,
)
from socialleads.registry import PluginInfo, Registry, discover

LOOKBACK = 2


class ScriptConfig(ConnectorConfig):
    """Where the script lives."""

    script: Path


class ScriptCursor(Cursor):
    """The highest sequence number stored."""

    high_water: int = 0

    def advance(self, position: Mapping[str, Any]) -> ScriptCursor:
        return ScriptCursor(high_water=max(self.high_water, int(position["seq"])))


class ScriptedSource(Source[ScriptConfig, ScriptCursor]):
    """Reads ``{"events": [...], "fail_after": n, "error": kind, "reset_in": s}`` from the script file."""

    name: ClassVar[str] = "scripted"
    platform: ClassVar[str] = "test"
    config_model = ScriptConfig
    cursor_model = ScriptCursor

    def __init__(self, config: ScriptConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self.fetch_calls = 0

    def _script(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.config.script.read_text())
        return data

    def check(self) -> Health:
        if self._script().get("error") == "auth":
            raise AuthError("token rejected")
        return Health(state=HealthState.OK, summary="script readable")

    def fetch(self, since: ScriptCursor | None) -> Iterator[RawEvent | Checkpoint]:
        self.fetch_calls += 1
        script = self._script()
        start = (since.high_water - LOOKBACK) if since else 0
        events = sorted((e for e in script.get("events", []) if e["seq"] > start), key=lambda e: -e["seq"])
        fail_after = script.get("fail_after")
        for index, event in enumerate(events):
            if fail_after is not None and index >= fail_after:
                self._raise(script)
            yield RawEvent(
                native_id=f"e{event['seq']}",
                kind=EventKind(event.get("kind", "lead_form")),
                occurred_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=event["seq"]),
                payload=event,
                position={"seq": event["seq"]},
            )
        if fail_after is not None and fail_after >= len(events):
            self._raise(script)

    def _raise(self, script: dict[str, Any]) -> None:
        kind = script.get("error", "transient")
        now = self.context.clock()
        if kind == "rate_limited":
            raise RateLimitedError(
                "throttled by the script", now + timedelta(seconds=script.get("reset_in", 60))
            )
        if kind == "auth":
            raise AuthError("token rejected")
        if kind == "config":
            raise ConfigurationError("page 123 does not exist")
        raise TransientError("HTTP 503 from the script")

    def parse(self, event: RawEvent) -> LeadDraft:
        payload = event.payload
        if payload.get("malformed"):
            raise SkippableRecordError(f"event {payload['seq']} has no usable fields")
        handle = Handle(platform="test", username=payload["handle"]) if payload.get("handle") else None
        return LeadDraft(
            native_id=event.native_id,
            kind=event.kind,
            platform="test",
            occurred_at=event.occurred_at or self.context.clock(),
            contact=Contact(
                full_name=payload.get("name"),
                email=payload.get("email"),
                phone=payload.get("phone"),
                country=payload.get("country"),
            ),
            handle=handle,
            message=payload.get("message"),
            answers=payload.get("answers", {}),
        )


def write_script(path: Path, events: list[dict[str, Any]], **extra: Any) -> None:
    """Replace the script the source reads at its next fetch."""
    path.write_text(json.dumps({"events": events, **extra}))


def registry_with_scripted() -> Registry:
    """The installed connectors plus the scripted source."""
    registry = discover()
    registry.add(
        PluginInfo(kind="source", name="scripted", target=f"{__name__}:ScriptedSource", cls=ScriptedSource)
    )
    return registry
