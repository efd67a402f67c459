"""What the console's "Sources and sinks" page shows: the installed connectors with the JSON schema of
their config models, and how each configured source and sink is doing (docs/api.md, "Configuration").

- ``GET /api/v1/connectors``: every installed source and sink connector, as ``socialleads sources
  list`` shows them, each with its config model's JSON schema, and the schemas of a source's and a
  sink's entry (``every``, ``retry``, ...), so a client builds its forms from the models themselves.
  The models document their fields with attribute docstrings, which pydantic leaves out of a schema
  unless the model itself says ``use_attribute_docstrings=True``; a subclass that says it does not
  help (pydantic reads the docstrings of the subclass's own source only), so the schema generator
  here reads them from each model class's source and fills in the descriptions a field lacks.
  Durations are shown as the configuration writes them (``30s``, ``5m``), not as ISO 8601, which
  ``parse_duration`` does not read. ``SecretStr`` fields are ``writeOnly`` with format ``password``.
- ``GET /api/v1/status/sources``: each configured source's health with its summary (the reason and
  the fix, in the connector's words), its last poll and success, its events by path (webhook, poll),
  and the paid reads of this period against the budget for a source that counts them (X), and whether
  it can backfill (``can_backfill``).
- ``GET /api/v1/status/sinks``: each configured sink's circuit, pause and last error, and its
  deliveries by status.

These live under ``/status/`` rather than ``/sources/status``, which a source named ``status`` would
make ambiguous with ``GET /sources/{name}``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from datetime import datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any, cast

from fastapi import APIRouter, Request
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema
from sqlalchemy import ColumnElement, Connection, case, func, select

from socialleads.accounts.roles import Permission
from socialleads.api.auth import Principal, bot_of, require
from socialleads.bot import Bot
from socialleads.configuration.loader import secret_fields
from socialleads.configuration.models import SinkEntry, SourceEntry
from socialleads.models import HealthState
from socialleads.pipeline.backfill import can_backfill
from socialleads.redact import REDACTOR
from socialleads.registry import PluginInfo, PluginKind
from socialleads.settings import parse_duration
from socialleads.store.db import reading
from socialleads.store.sink_state import CLOSED, load_states
from socialleads.store.state import all_states
from socialleads.store.tables import deliveries, raw_events

router = APIRouter(prefix="/api/v1", tags=["configuration"])

_UNITS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000))


def duration_text(value: timedelta) -> str:
    """``timedelta(minutes=5)`` → ``5m``: a duration as the configuration files write it, in the
    largest unit that holds it exactly (``parse_duration`` reads it back)."""
    ms = round(value.total_seconds() * 1000)
    if ms == 0:
        return "0s"
    for unit, size in _UNITS:
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def _durations_written(value: Any) -> Any:
    """``value`` (a default) with every duration in it as ``duration_text`` writes it."""
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, BaseModel):
        return _durations_written(value.model_dump(mode="python"))
    if isinstance(value, dict):
        return {key: _durations_written(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_durations_written(inner) for inner in value]
    return value


def _docstrings_of(cls: type) -> dict[str, str]:
    """The attribute docstrings written in ``cls``'s own body: ``name: T`` followed by a string."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # a class built at run time has no source to read
        return {}
    tree = ast.parse(source)
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    found: dict[str, str] = {}
    for node, after in pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            found[node.target.id] = inspect.cleandoc(after.value.value)
    return found


@cache
def attribute_docstrings(model: type[BaseModel]) -> dict[str, str]:
    """Each field's attribute docstring, from ``model`` and the models it inherits from (the nearest
    class's docstring wins, as the nearest class's field does)."""
    found: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if isinstance(cls, type) and issubclass(cls, BaseModel) and cls is not BaseModel:
            found.update(_docstrings_of(cls))
    return found


class DocumentedSchema(GenerateJsonSchema):
    """pydantic's JSON schema with field descriptions from attribute docstrings and durations as the
    configuration writes them (the module docstring says why)."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        """The model's schema, each property without a description given its attribute docstring."""
        json_schema = super().model_schema(schema)
        docs = attribute_docstrings(cast("type[BaseModel]", schema["cls"]))
        for name, prop in json_schema.get("properties", {}).items():
            if isinstance(prop, dict) and "description" not in prop and name in docs:
                prop["description"] = docs[name]
        return json_schema

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        """A ``Duration`` (read by ``parse_duration``) is a string like ``30s``, ``5m``, ``2h``, ``1d``."""
        if schema["function"]["function"] is parse_duration:
            return {"type": "string", "examples": ["30s", "5m", "2h", "1d"]}
        return super().function_before_schema(schema)

    def encode_default(self, dft: Any) -> Any:
        """The default as JSON, durations written as the configuration writes them."""
        return super().encode_default(_durations_written(dft))


@cache
def config_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema, as ``DocumentedSchema`` writes it (once per model: they do not change
    while the process runs; callers must not change the answer)."""
    return model.model_json_schema(schema_generator=DocumentedSchema)


class ConnectorOut(BaseModel):
    """One installed connector (``socialleads sources list``) and the schema of its config."""

    kind: PluginKind
    name: str
    available: bool
    problem: str | None
    """Why it cannot be used (it failed to import, or is not what its entry point claims)."""
    package: str | None
    """The distribution that installs it, and its version."""
    description: str
    """The first paragraph of the connector class's docstring."""
    platform: str | None
    """A source's platform (``facebook``, ``x``, ...); None for a sink."""
    config_schema: dict[str, Any] | None
    """The JSON schema of its config model (None when it is unavailable)."""
    kept_secrets: list[str]
    """The top-level secret fields a change that leaves them out (or sends ``********``) keeps."""


class ConnectorsOut(BaseModel):
    """Every installed connector, and the schemas of the entries that hold their configs."""

    connectors: list[ConnectorOut]
    entry_schemas: dict[str, dict[str, Any]]
    """``source`` and ``sink``: the JSON schema of an entry of sources.yaml and sinks.yaml (its
    ``config`` is the connector's schema)."""


def _connector(info: PluginInfo) -> ConnectorOut:
    cls = info.cls
    doc = inspect.cleandoc(cls.__doc__ or "") if cls is not None else ""
    model: type[BaseModel] | None = getattr(cls, "config_model", None)
    package = f"{info.distribution} {info.version}" if info.distribution else None
    return ConnectorOut(
        kind=info.kind,
        name=info.name,
        available=info.available,
        problem=info.error,
        package=package,
        description=doc.split("\n\n")[0].replace("\n", " "),
        platform=getattr(cls, "platform", None) if info.kind == "source" else None,
        config_schema=config_schema(model) if model is not None else None,
        kept_secrets=secret_fields(model) if model is not None else [],
    )


@router.get("/connectors", response_model=ConnectorsOut)
def list_connectors(request: Request, _: Principal = require(Permission.SOURCES_READ)) -> ConnectorsOut:
    """The installed source and sink connectors, each with its config model's JSON schema."""
    registry = bot_of(request).registry
    kinds: tuple[PluginKind, ...] = ("source", "sink")
    return ConnectorsOut(
        connectors=[_connector(info) for kind in kinds for _, info in sorted(registry.plugins(kind).items())],
        entry_schemas={"source": config_schema(SourceEntry), "sink": config_schema(SinkEntry)},
    )


class EventCountsOut(BaseModel):
    """The raw events a source stored, by how they came and what they became."""

    events: int
    by_webhook: int
    """Events that came by push (a webhook), whether or not a poll also found them."""
    by_poll: int
    """Events a poll (or a backfill) found, whether or not a webhook also brought them."""
    poll_only: int
    """Events only a poll found: the webhook missed them (or the source has none)."""
    leads: int
    dead: int
    duplicates: int
    """Repeated arrivals of events already stored (absorbed, never stored twice)."""


class UsageOut(BaseModel):
    """Paid reads this period (posts read from X), against the budget (None: no budget set)."""

    period: str
    used: int
    budget: int | None


class SourceStatusOut(BaseModel):
    """How one configured source is doing."""

    name: str
    connector: str
    enabled: bool
    running: bool
    not_running: str | None
    """Why it does not run (disabled, or its connector is unavailable)."""
    health: HealthState
    summary: str | None
    """The last poll's or check's sentence: what is wrong and what to do about it."""
    health_changed_at: datetime | None
    last_poll_at: datetime | None
    last_success_at: datetime | None
    next_allowed_at: datetime | None
    """No call before this time (a rate limit's reset, a back-off)."""
    consecutive_failures: int
    events: EventCountsOut
    usage: UsageOut | None
    can_backfill: bool
    """Its connector reads history (``POST /api/v1/sources/{name}/backfill``); False when not running."""


_NO_EVENTS = EventCountsOut(events=0, by_webhook=0, by_poll=0, poll_only=0, leads=0, dead=0, duplicates=0)


def _rows_where(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """The number of rows of a group for which ``condition`` holds."""
    return func.sum(case((condition, 1), else_=0))


def _event_counts(conn: Connection) -> dict[str, EventCountsOut]:
    """Every source's event counts, in one pass over ``raw_events``."""
    query = select(
        raw_events.c.source,
        func.count(),
        _rows_where(raw_events.c.via_webhook),
        _rows_where(raw_events.c.via_poll),
        _rows_where(raw_events.c.via_poll & ~raw_events.c.via_webhook),
        _rows_where(raw_events.c.status == "lead"),
        _rows_where(raw_events.c.status == "dead"),
        func.sum(raw_events.c.arrivals - 1),
    ).group_by(raw_events.c.source)
    return {
        row[0]: EventCountsOut(
            events=row[1],
            by_webhook=int(row[2] or 0),
            by_poll=int(row[3] or 0),
            poll_only=int(row[4] or 0),
            leads=int(row[5] or 0),
            dead=int(row[6] or 0),
            duplicates=int(row[7] or 0),
        )
        for row in conn.execute(query)
    }


def _usage(bot: Bot, name: str) -> UsageOut | None:
    """The paid reads of a running source that counts them (``usage_summary``, as ``sources report``)."""
    summary = getattr(bot.sources.get(name), "usage_summary", None)
    if not callable(summary):
        return None
    found = summary()
    budget = found.get("budget")
    return UsageOut(
        period=str(found.get("period")),
        used=int(found.get("posts_read") or 0),
        budget=int(budget) if budget is not None else None,
    )


def _not_running(bot: Bot, name: str, running: dict[str, Any]) -> str | None:
    if name in running:
        return None
    return bot.unavailable.get(name) or "disabled"


@router.get("/status/sources", response_model=list[SourceStatusOut])
def source_status(request: Request, _: Principal = require(Permission.SOURCES_READ)) -> list[SourceStatusOut]:
    """Each configured source in force: health and its reason, last poll, events by path, paid reads."""
    bot = bot_of(request)
    with reading(bot.engine) as conn:
        states = {s.source: s for s in all_states(conn)}
        counts = _event_counts(conn)
    found: list[SourceStatusOut] = []
    for name, entry in bot.config.sources.items():
        state = states.get(name)
        summary = state.health_summary if state else None
        found.append(
            SourceStatusOut(
                name=name,
                connector=entry.type,
                enabled=entry.enabled,
                running=name in bot.sources,
                not_running=_not_running(bot, name, bot.sources),
                health=HealthState(state.health) if state else HealthState.UNKNOWN,
                summary=REDACTOR.scrub(summary) if summary else None,
                health_changed_at=state.health_changed_at if state else None,
                last_poll_at=state.last_poll_at if state else None,
                last_success_at=state.last_success_at if state else None,
                next_allowed_at=state.next_allowed_at if state else None,
                consecutive_failures=state.consecutive_failures if state else 0,
                events=counts.get(name, _NO_EVENTS),
                usage=_usage(bot, name),
                can_backfill=can_backfill(bot.sources.get(name)),
            )
        )
    return found


class SinkStatusOut(BaseModel):
    """How one configured sink is doing: its circuit (``open`` pauses its deliveries) and its outbox."""

    name: str
    connector: str
    enabled: bool
    running: bool
    not_running: str | None
    circuit: str
    """``closed`` (delivering) or ``open`` (deliveries wait until ``probe_at``)."""
    consecutive_failures: int
    opened_at: datetime | None
    probe_at: datetime | None
    paused_until: datetime | None
    """A pause the sink asked for (a 429 with a retry time); not a failure."""
    last_error: str | None
    """The last failure, with secrets, emails and phone numbers masked."""
    deliveries: dict[str, int]
    """Its deliveries by status (pending, held, delivered, dead, rejected)."""
    last_delivered_at: datetime | None


def _outbox_by_sink(conn: Connection) -> tuple[dict[str, dict[str, int]], dict[str, datetime]]:
    """Deliveries per sink and status, and each sink's latest delivery."""
    by_sink: dict[str, dict[str, int]] = {}
    latest: dict[str, datetime] = {}
    query = select(
        deliveries.c.sink, deliveries.c.status, func.count(), func.max(deliveries.c.delivered_at)
    ).group_by(deliveries.c.sink, deliveries.c.status)
    for sink, status, count, last in conn.execute(query):
        by_sink.setdefault(sink, {})[status] = int(count)
        if last is not None and (sink not in latest or last > latest[sink]):
            latest[sink] = last
    return by_sink, latest


@router.get("/status/sinks", response_model=list[SinkStatusOut])
def sink_status(request: Request, _: Principal = require(Permission.SINKS_READ)) -> list[SinkStatusOut]:
    """Each configured sink in force: its circuit, pause and last error, and its deliveries by status."""
    bot = bot_of(request)
    with reading(bot.engine) as conn:
        states = load_states(conn)
        by_sink, latest = _outbox_by_sink(conn)
    found: list[SinkStatusOut] = []
    for name, entry in bot.config.sinks.items():
        state = states.get(name)
        error = state.last_error if state else None
        found.append(
            SinkStatusOut(
                name=name,
                connector=entry.type,
                enabled=entry.enabled,
                running=name in bot.sinks,
                not_running=_not_running(bot, name, bot.sinks),
                circuit=state.circuit if state else CLOSED,
                consecutive_failures=state.consecutive_failures if state else 0,
                opened_at=state.opened_at if state else None,
                probe_at=state.probe_at if state else None,
                paused_until=state.paused_until if state else None,
                last_error=REDACTOR.scrub(error) if error else None,
                deliveries=by_sink.get(name, {}),
                last_delivered_at=latest.get(name),
            )
        )
    return found
