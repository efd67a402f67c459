"""Load and cross-check ``sources.yaml``, ``sinks.yaml`` and ``campaigns.yaml`` into one ``AppConfig``.

Every problem is collected and raised together as ``ConfigurationErrors``; each names the file, the key
(with its line) and the fix. A file that is absent falls back to its committed ``.example.yaml``
twin, so a fresh clone runs on the examples.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, NamedTuple, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr, ValidationError

from socialleads.configuration.models import (
    Campaign,
    CampaignsFile,
    DefaultRoute,
    SinkEntry,
    SinksFile,
    SourceEntry,
    SourcesFile,
)
from socialleads.configuration.yamlfile import (
    KeyPath,
    YamlDocument,
    key_text,
    load_yaml,
    read_secrets_file,
    resolve_references,
)
from socialleads.contracts import ConnectorConfig
from socialleads.errors import ConfigurationError, ConfigurationErrors
from socialleads.qualify.quality import QualityWeights
from socialleads.registry import PluginKind, Registry
from socialleads.settings import Settings

log = logging.getLogger("socialleads.config")
ModelT = TypeVar("ModelT", bound=BaseModel)
_SECRET_WORDS = ("secret", "token", "password", "key")


@dataclass
class AppConfig:
    """Everything the bot was configured with, validated and cross-checked."""

    settings: Settings
    sources: dict[str, SourceEntry] = field(default_factory=dict)
    source_configs: dict[str, ConnectorConfig] = field(default_factory=dict)
    sinks: dict[str, SinkEntry] = field(default_factory=dict)
    sink_configs: dict[str, ConnectorConfig] = field(default_factory=dict)
    admin_sinks: tuple[str, ...] = ()
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    default_route: DefaultRoute = field(default_factory=DefaultRoute)
    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    quality_weights: QualityWeights = field(default_factory=QualityWeights)
    files: dict[str, str] = field(default_factory=dict)
    """Which file each part came from (the name, or ``(none)``)."""
    unavailable: dict[str, str] = field(default_factory=dict)
    """Configured instances whose plugin cannot be loaded, with the reason; they do not run."""
    warnings: list[str] = field(default_factory=list)

    def campaign_of(self, source: str) -> tuple[str, Campaign] | None:
        """The campaign that lists ``source``, if any."""
        for name, campaign in self.campaigns.items():
            if source in campaign.sources:
                return name, campaign
        return None

    def runnable_sources(self) -> list[str]:
        """Enabled sources whose plugin is available, in file order."""
        return [n for n, e in self.sources.items() if e.enabled and n in self.source_configs]

    def runnable_sinks(self) -> list[str]:
        """Enabled sinks whose plugin is available, in file order."""
        return [n for n, e in self.sinks.items() if e.enabled and n in self.sink_configs]


def _pick_file(config_dir: Path, stem: str) -> Path | None:
    for candidate in (config_dir / f"{stem}.yaml", config_dir / f"{stem}.example.yaml"):
        if candidate.is_file():
            return candidate
    return None


def _fix_for(err: dict[str, Any], allowed: Iterable[str]) -> tuple[str, str]:
    """A person's wording of one pydantic error: (problem, fix)."""
    loc = err["loc"]
    last = str(loc[-1]) if loc else ""
    if err["type"] == "extra_forbidden":
        close = difflib.get_close_matches(last, list(allowed), n=1)
        fix = (
            f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(allowed)) or 'none'}"
        )
        return f"unknown key '{last}'", fix
    if err["type"] == "missing":
        return "required key is missing", f"add '{last}'"
    shown = ""
    value = err.get("input")
    if not any(word in last.lower() for word in _SECRET_WORDS) and isinstance(value, str | int | float):
        shown = f" (got {str(value)[:60]!r})"
    return f"{err['msg']}{shown}", "see config/*.example.yaml for a working example"


def _element(annotation: Any) -> Any:
    """Strip ``X | None`` to ``X``."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(args) == 1:
        return args[0]
    return annotation


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model that owns the last key in ``loc`` (for did-you-mean hints)."""
    current: Any = model
    for part in loc[:-1]:
        current = _element(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            current = info.annotation if info else None
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) in (tuple, list):
            current = get_args(current)[0]
        else:
            return []
    current = _element(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


class _Collector:
    """Gathers every ``ConfigurationError`` of one load."""

    def __init__(self) -> None:
        self.errors: list[ConfigurationError] = []

    def add(self, doc: YamlDocument | None, file: str, path: KeyPath, problem: str, fix: str = "") -> None:
        line = doc.line_of(path) if doc else None
        self.errors.append(ConfigurationError(problem, file=file, key=key_text(path), fix=fix, line=line))

    def validate(
        self, model: type[ModelT], data: Any, doc: YamlDocument | None, file: str, prefix: KeyPath = ()
    ) -> ModelT | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                problem, fix = _fix_for(dict(err), _allowed_keys(model, loc))
                self.add(doc, file, (*prefix, *loc), problem, fix)
            return None


class _ReadFile(NamedTuple):
    """One configuration file as read: its document (None when absent or unreadable) and its name."""

    doc: YamlDocument | None
    file: str

    @property
    def data(self) -> Any:
        """What the file holds, or an empty mapping (an absent file configures nothing)."""
        return self.doc.data if self.doc else {}


def _read(
    config_dir: Path, stem: str, secrets: dict[str, str], errors: _Collector, files: dict[str, str]
) -> _ReadFile:
    """Read and resolve ``<stem>.yaml`` (or its example twin); a problem goes to ``errors``."""
    path = _pick_file(config_dir, stem)
    if path is None:
        files[stem] = "(none)"
        return _ReadFile(None, f"{config_dir / stem}.yaml")
    files[stem] = str(path)
    if path.name.endswith(".example.yaml"):
        log.info("using %s; copy it to %s.yaml to make it yours", path, stem)
    try:
        doc = load_yaml(path)
        resolve_references(doc, secrets)
    except ConfigurationError as exc:
        errors.errors.append(exc)
        return _ReadFile(None, str(path))
    if not isinstance(doc.data, dict):
        errors.add(
            doc, str(path), (), "the file must hold a mapping at the top level", f"start it with '{stem}:'"
        )
        return _ReadFile(None, str(path))
    return _ReadFile(doc, str(path))


def _secret_literals(
    model: type[BaseModel], data: dict[str, Any], doc: YamlDocument, prefix: KeyPath
) -> list[str]:
    """Warnings for secret fields written as plain values instead of references."""
    warnings = []
    for name, info in model.model_fields.items():
        if info.annotation in (SecretStr, SecretStr | None) and data.get(name) is not None:
            path = (*prefix, name)
            if path not in doc.reference_paths:
                warnings.append(
                    f"{doc.file}:{doc.line_of(path)}: {key_text(path)} holds a secret in the "
                    f"file; write {{$env: NAME}} and keep the value in the environment"
                )
    return warnings


def _connector_configs(
    kind: PluginKind,
    entries: dict[str, Any],
    doc: YamlDocument | None,
    file: str,
    registry: Registry,
    errors: _Collector,
    config: AppConfig,
) -> dict[str, ConnectorConfig]:
    plugins = registry.plugins(kind)
    top = "sources" if kind == "source" else "sinks"
    validated: dict[str, ConnectorConfig] = {}
    for instance, entry in entries.items():
        info = plugins.get(entry.type)
        if info is None:
            close = difflib.get_close_matches(entry.type, list(plugins), n=1)
            fix = (
                f"did you mean '{close[0]}'?"
                if close
                else f"installed: {', '.join(sorted(plugins)) or 'none'}"
            )
            errors.add(doc, file, (top, instance, "type"), f"no {kind} connector named '{entry.type}'", fix)
            continue
        if info.cls is None:
            config.unavailable[instance] = info.error or "unavailable"
            config.warnings.append(
                f"{file}: {top}.{instance}: connector '{entry.type}' is unavailable "
                f"({info.error}); this {kind} will not run"
            )
            continue
        model: type[ConnectorConfig] = info.cls.config_model
        checked = errors.validate(model, entry.config, doc, file, (top, instance, "config"))
        if checked is not None:
            validated[instance] = checked
            if doc is not None:
                config.warnings += _secret_literals(model, entry.config, doc, (top, instance, "config"))
    return validated


def load_app_config(settings: Settings, registry: Registry) -> AppConfig:
    """Read the three files from ``settings.config_dir`` and check them against the installed connectors.

    Called once when the bot is built. Raises ``ConfigurationErrors`` listing every problem at once.
    """
    errors = _Collector()
    config = AppConfig(settings=settings)
    secrets = _read_secrets(settings)
    sources, sinks, campaigns = (
        _read(settings.config_dir, stem, secrets, errors, config.files)
        for stem in ("sources", "sinks", "campaigns")
    )
    _load_sources(sources, registry, errors, config)
    _load_sinks(sinks, registry, errors, config)
    _load_campaigns(campaigns, errors, config)
    if errors.errors:
        raise ConfigurationErrors(errors.errors)
    for warning in config.warnings:
        log.warning(warning)
    return config


def _read_secrets(settings: Settings) -> dict[str, str]:
    """The secrets file's ``NAME=value`` pairs; raises ``ConfigurationErrors`` when it cannot be read."""
    try:
        return read_secrets_file(settings.secrets_file)
    except OSError as exc:
        problem = ConfigurationError(
            f"cannot read {settings.secrets_file}: {exc.strerror}",
            file="environment",
            key="SOCIALLEADS_SECRETS_FILE",
            fix="point it at a readable NAME=value file",
        )
        raise ConfigurationErrors([problem]) from None


def _load_sources(read: _ReadFile, registry: Registry, errors: _Collector, config: AppConfig) -> None:
    """``sources.yaml`` into ``config``: each instance's connector config checked against its model."""
    sources = errors.validate(SourcesFile, read.data, read.doc, read.file)
    if sources:
        config.sources = dict(sources.sources)
        config.source_configs = _connector_configs(
            "source", config.sources, read.doc, read.file, registry, errors, config
        )


def _load_sinks(read: _ReadFile, registry: Registry, errors: _Collector, config: AppConfig) -> None:
    """``sinks.yaml`` into ``config``, and its ``admin_sinks`` checked: defined, and able to send notices."""
    sinks = errors.validate(SinksFile, read.data, read.doc, read.file)
    if not sinks:
        return
    config.sinks = dict(sinks.sinks)
    config.sink_configs = _connector_configs(
        "sink", config.sinks, read.doc, read.file, registry, errors, config
    )
    config.admin_sinks = sinks.admin_sinks
    can_notify = sorted(t for t, i in registry.sinks.items() if i.cls and i.cls.accepts_notices)
    for index, name in enumerate(sinks.admin_sinks):
        _check_sink_ref(name, ("admin_sinks", index), read.doc, read.file, config, errors)
        info = registry.sinks.get(config.sinks[name].type) if name in config.sinks else None
        if info and info.cls is not None and not info.cls.accepts_notices:
            errors.add(
                read.doc,
                read.file,
                ("admin_sinks", index),
                f"sink '{name}' cannot send admin notices",
                "use a sink of a type that can: " + ", ".join(can_notify),
            )


def _load_campaigns(read: _ReadFile, errors: _Collector, config: AppConfig) -> None:
    """``campaigns.yaml`` into ``config``; the sources, sinks and teams it names must exist."""
    campaigns = errors.validate(CampaignsFile, read.data, read.doc, read.file)
    if campaigns:
        config.campaigns = dict(campaigns.campaigns)
        config.default_route = campaigns.default_route
        config.teams = dict(campaigns.teams)
        config.quality_weights = campaigns.quality
        _check_campaign_refs(config, read.doc, read.file, errors)


def _check_sink_ref(
    name: str, path: KeyPath, doc: YamlDocument | None, file: str, config: AppConfig, errors: _Collector
) -> None:
    if name not in config.sinks:
        close = difflib.get_close_matches(name, list(config.sinks), n=1)
        fix = f"did you mean '{close[0]}'?" if close else "define it in sinks.yaml"
        errors.add(doc, file, path, f"no sink named '{name}' in sinks.yaml", fix)


def _check_team_ref(
    team: str, path: KeyPath, doc: YamlDocument | None, file: str, config: AppConfig, errors: _Collector
) -> None:
    if team not in config.teams:
        close = difflib.get_close_matches(team, list(config.teams), n=1)
        fix = f"did you mean '{close[0]}'?" if close else "define it under teams: in campaigns.yaml"
        errors.add(doc, file, path, f"no team named '{team}'", fix)


def _check_campaign_refs(config: AppConfig, doc: YamlDocument | None, file: str, errors: _Collector) -> None:
    owner: dict[str, str] = {}
    for team, members in config.teams.items():
        if not members:
            errors.add(doc, file, ("teams", team), f"team '{team}' has no members", "list who is in it")
    for name, campaign in config.campaigns.items():
        if campaign.owner_team:
            _check_team_ref(campaign.owner_team, ("campaigns", name, "owner_team"), doc, file, config, errors)
        for index, source in enumerate(campaign.sources):
            path: KeyPath = ("campaigns", name, "sources", index)
            if source not in config.sources:
                close = difflib.get_close_matches(source, list(config.sources), n=1)
                fix = f"did you mean '{close[0]}'?" if close else "define it in sources.yaml"
                errors.add(doc, file, path, f"no source named '{source}' in sources.yaml", fix)
            elif source in owner:
                errors.add(
                    doc,
                    file,
                    path,
                    f"source '{source}' is already in campaign '{owner[source]}'",
                    "a source belongs to one campaign; configure a second source instance",
                )
            owner[source] = name
        for r_index, rule in enumerate(campaign.routes):
            if rule.assign and rule.assign.team:
                path = ("campaigns", name, "routes", r_index, "assign", "team")
                _check_team_ref(rule.assign.team, path, doc, file, config, errors)
            for s_index, sink in enumerate(rule.deliver_to):
                _check_sink_ref(
                    sink,
                    ("campaigns", name, "routes", r_index, "deliver_to", s_index),
                    doc,
                    file,
                    config,
                    errors,
                )
    for index, sink in enumerate(config.default_route.deliver_to):
        _check_sink_ref(sink, ("default_route", "deliver_to", index), doc, file, config, errors)
