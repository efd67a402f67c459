"""Load and cross-check ``sources.yaml``, ``sinks.yaml`` and ``campaigns.yaml`` into one ``AppConfig``.

Every problem is collected and raised together as ``ConfigurationErrors``; each names the file, the key
(with its line) and the fix. A file that is absent falls back to its committed ``.example.yaml``
twin, so a fresh clone runs on the examples.

The checks of one item (a source's or sink's connector config, a campaign's references, a team) are
written once here and used for the items of the files and for those kept in the database
(``socialleads.configuration.stored``): an item's ``Origin`` says where it was written, so the
same problem reads ``config/campaigns.yaml:7: campaigns.spring.routes[0].deliver_to[0]: ...`` for
the file and ``API campaign 'spring': routes[0].deliver_to[0]: ...`` for the API.

A message never quotes what a ``{$env}``/``{$file}`` reference gave (``Problems.validate``): a
validator's message that would is shortened to the part without it, or withheld.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, Literal, NamedTuple, TypeVar, Union, get_args, get_origin

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
from socialleads.contracts import INSECURE_TRANSPORT, ConnectorConfig
from socialleads.errors import ConfigurationError, ConfigurationErrors
from socialleads.qualify.quality import QualityWeights
from socialleads.registry import PluginKind, Registry
from socialleads.settings import Settings

log = logging.getLogger("socialleads.config")
ModelT = TypeVar("ModelT", bound=BaseModel)
_SECRET_WORDS = ("secret", "token", "password", "key")
#: Where Docker (and Compose) mount secrets: https://docs.docker.com/engine/swarm/secrets/
DOCKER_SECRETS = Path("/run/secrets")
#: The shortest part of a referenced value that a message may not quote (``_unquoted``).
_QUOTE_LENGTH = 6
#: What a referenced value quoted in a message is replaced by.
_REFERENCED = "<the referenced value>"

ItemKind = Literal["campaign", "team", "source", "sink"]
"""The kinds of configuration item a person can change one by one (through the API)."""
#: The file (stem) that holds each kind of item.
FILE_OF: dict[ItemKind, str] = {
    "campaign": "campaigns",
    "team": "campaigns",
    "source": "sources",
    "sink": "sinks",
}
API = "api"
"""``AppConfig.managed_by`` of an item kept in the database."""


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
    written: dict[tuple[ItemKind, str], Any] = field(default_factory=dict)
    """Each item of the files as written there, references unresolved (what the API shows)."""
    stored_versions: dict[tuple[ItemKind, str], int] = field(default_factory=dict)
    """The items kept in the database that are in force, with their version."""

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

    def managed_by(self, kind: ItemKind, name: str) -> str:
        """Where the item is managed: ``api`` for one kept in the database, else its file."""
        if (kind, name) in self.stored_versions:
            return API
        return self.files.get(FILE_OF[kind], f"{FILE_OF[kind]}.yaml")


class Origin(NamedTuple):
    """Where an item was written, for its error messages.

    ``doc`` is the YAML document (None for an item kept in the database: no lines), ``file`` what a
    message names (``config/sources.yaml`` or ``API source 'fair'``), ``prefix`` the keys of the item
    in it (``("sources", "fair")`` in the file; nothing for the API, whose body is the item).
    """

    doc: YamlDocument | None
    file: str
    prefix: KeyPath = ()
    stored: bool = False
    """True for an item kept in the database (changed through the API)."""

    def label(self, path: KeyPath = ()) -> str:
        """``file: key`` for a warning."""
        key = key_text((*self.prefix, *path))
        return f"{self.file}: {key}" if key else self.file


def _unquoted(message: str, values: Sequence[str]) -> str | None:
    """``message`` without the referenced ``values`` it quotes, or None when it quotes part of one.

    A validator's message may quote its input (``'root:x:0:0:...' is not a duration``), whole or in
    part: each whole value is replaced, and a message that still shares ``_QUOTE_LENGTH`` characters
    in a row with one of them is not shown at all.
    """
    for value in values:  # longest first, so a value inside another does not split it
        if len(value) >= 4:
            message = message.replace(value, _REFERENCED)
    plain = message.replace(_REFERENCED, "\0")
    grams = {plain[i : i + _QUOTE_LENGTH] for i in range(len(plain) - _QUOTE_LENGTH + 1)}
    if any(gram in value for value in values for gram in grams if "\0" not in gram):
        return None
    return message


def _fix_for(err: dict[str, Any], allowed: Iterable[str], referenced: Sequence[str] = ()) -> tuple[str, str]:
    """A person's wording of one pydantic error: (problem, fix).

    ``referenced`` are the values references gave at or around the error's key: neither the input
    nor the message then shows them.
    """
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
    if err["type"] == INSECURE_TRANSPORT:  # ours: names the key and the host, never a whole value
        return str(err["msg"]), str(err["ctx"]["fix"])
    shown = ""
    value = err.get("input")
    if referenced:
        message = _unquoted(str(err["msg"]), referenced)
        if message is None:
            return (
                f"the value its reference gives is not valid here ({err['type']}; the message is not "
                "shown, it would quote the value)",
                "check what the variable or file holds; see config/*.example.yaml for a working example",
            )
        return message, "see config/*.example.yaml for a working example"
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


def secret_fields(model: type[BaseModel]) -> list[str]:
    """The fields of a connector's config model that hold a secret (``SecretStr``)."""
    return [n for n, info in model.model_fields.items() if info.annotation in (SecretStr, SecretStr | None)]


class Problems:
    """Gathers every ``ConfigurationError`` of one load, or of one item's check."""

    def __init__(self) -> None:
        self.errors: list[ConfigurationError] = []

    def add(self, origin: Origin, path: KeyPath, problem: str, fix: str = "") -> None:
        """Note a problem at ``path`` of the item written at ``origin``."""
        full = (*origin.prefix, *path)
        line = origin.doc.line_of(full) if origin.doc else None
        self.errors.append(
            ConfigurationError(problem, file=origin.file, key=key_text(full), fix=fix, line=line)
        )

    def validate(self, model: type[ModelT], data: Any, origin: Origin, path: KeyPath = ()) -> ModelT | None:
        """``data`` as ``model``, or None with each of its problems noted.

        A problem at a key a reference resolved (or around one, see ``YamlDocument.referenced_values``)
        never shows what the reference gave.
        """
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = tuple(err["loc"])
                if err["type"] == INSECURE_TRANSPORT:  # raised for the whole config, about one key of it
                    loc = (*loc, *err["ctx"]["path"])
                referenced = _referenced(origin, (*path, *loc), err.get("input"))
                problem, fix = _fix_for(dict(err), _allowed_keys(model, loc), referenced)
                self.add(origin, (*path, *loc), problem, fix)
            return None


def _referenced(origin: Origin, path: KeyPath, given: Any) -> list[str]:
    """The values references gave at, inside or around ``path`` of the item written at ``origin``.

    An error's location may hold parts that are no key (pydantic's union and validator tags), so the
    values of the whole item are used too when the error's input is, or holds, one of them.
    """
    doc = origin.doc
    if doc is None or not doc.reference_paths:
        return []
    found = doc.referenced_values((*origin.prefix, *path))
    item = doc.referenced_values(origin.prefix)
    if not found and given is not None and any(v in item for v in _scalars(given)):
        found = item
    return found


def _scalars(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for inner in value.values() for s in _scalars(inner)]
    if isinstance(value, list | tuple):
        return [s for inner in value for s in _scalars(inner)]
    return [str(value)]


class _ReadFile(NamedTuple):
    """One configuration file as read: its document (None when absent or unreadable), its name, and
    its data as written (references unresolved)."""

    doc: YamlDocument | None
    file: str
    written: Any = None

    @property
    def data(self) -> Any:
        """What the file holds, or an empty mapping (an absent file configures nothing)."""
        return self.doc.data if self.doc else {}

    def origin(self, *prefix: str) -> Origin:
        """The origin of the item at ``prefix`` in this file."""
        return Origin(self.doc, self.file, prefix)

    def written_item(self, top: str, name: str) -> Any:
        """Item ``name`` under ``top`` as written in the file."""
        section = self.written.get(top) if isinstance(self.written, dict) else None
        return section.get(name) if isinstance(section, dict) else None


def _pick_file(config_dir: Path, stem: str) -> Path | None:
    for candidate in (config_dir / f"{stem}.yaml", config_dir / f"{stem}.example.yaml"):
        if candidate.is_file():
            return candidate
    return None


def _read(
    settings: Settings, stem: str, secrets: dict[str, str], errors: Problems, files: dict[str, str]
) -> _ReadFile:
    """Read and resolve ``<stem>.yaml`` (or its example twin); a problem goes to ``errors``."""
    config_dir = settings.config_dir
    path = _pick_file(config_dir, stem)
    if path is None:
        files[stem] = "(none)"
        return _ReadFile(None, f"{config_dir / stem}.yaml")
    files[stem] = str(path)
    if path.name.endswith(".example.yaml"):
        log.info("using %s; copy it to %s.yaml to make it yours", path, stem)
    try:
        doc = load_yaml(path)
        written = doc.data  # resolving builds new containers: this keeps the references as written
        resolve_references(doc, secrets, file_roots=secret_file_roots(settings))
    except ConfigurationError as exc:
        errors.errors.append(exc)
        return _ReadFile(None, str(path))
    if not isinstance(doc.data, dict):
        errors.add(
            Origin(doc, str(path)),
            (),
            "the file must hold a mapping at the top level",
            f"start it with '{stem}:'",
        )
        return _ReadFile(None, str(path))
    return _ReadFile(doc, str(path), written)


def _secret_literals(model: type[BaseModel], data: dict[str, Any], origin: Origin) -> list[str]:
    """Warnings for secret fields written in a file as plain values instead of references."""
    doc = origin.doc
    if doc is None or origin.stored:  # an item of the API may hold its secrets (docs/api.md)
        return []
    warnings = []
    for name in secret_fields(model):
        path = (*origin.prefix, "config", name)
        if data.get(name) is not None and path not in doc.reference_paths:
            warnings.append(
                f"{doc.file}:{doc.line_of(path)}: {key_text(path)} holds a secret in the "
                f"file; write {{$env: NAME}} and keep the value in the environment"
            )
    return warnings


def check_connector(
    kind: PluginKind,
    instance: str,
    entry: SourceEntry | SinkEntry,
    origin: Origin,
    registry: Registry,
    problems: Problems,
    config: AppConfig,
) -> ConnectorConfig | None:
    """Check one source's or sink's ``config`` against its connector's own model.

    Returns the connector's config, or None: with a problem noted (an unknown connector, a bad
    key), or with the instance recorded in ``config.unavailable`` (its plugin cannot be loaded).
    """
    plugins = registry.plugins(kind)
    info = plugins.get(entry.type)
    if info is None:
        close = difflib.get_close_matches(entry.type, list(plugins), n=1)
        fix = f"did you mean '{close[0]}'?" if close else f"installed: {', '.join(sorted(plugins)) or 'none'}"
        problems.add(origin, ("type",), f"no {kind} connector named '{entry.type}'", fix)
        return None
    if info.cls is None:
        config.unavailable[instance] = info.error or "unavailable"
        config.warnings.append(
            f"{origin.label()}: connector '{entry.type}' is unavailable ({info.error}); "
            f"this {kind} will not run"
        )
        return None
    model: type[ConnectorConfig] = info.cls.config_model
    checked = problems.validate(model, entry.config, origin, ("config",))
    if checked is not None:
        config.warnings += _secret_literals(model, entry.config, origin)
    return checked


def _connector_configs(
    kind: PluginKind,
    entries: dict[str, Any],
    read: _ReadFile,
    registry: Registry,
    errors: Problems,
    config: AppConfig,
) -> dict[str, ConnectorConfig]:
    top = "sources" if kind == "source" else "sinks"
    validated: dict[str, ConnectorConfig] = {}
    for instance, entry in entries.items():
        checked = check_connector(kind, instance, entry, read.origin(top, instance), registry, errors, config)
        if checked is not None:
            validated[instance] = checked
    return validated


def load_app_config(settings: Settings, registry: Registry) -> AppConfig:
    """Read the three files from ``settings.config_dir`` and check them against the installed connectors.

    Called once when the bot is built (which then adds the items kept in the database:
    ``socialleads.configuration.stored``). Raises ``ConfigurationErrors`` listing every problem at once.
    """
    errors = Problems()
    config = AppConfig(settings=settings)
    secrets = read_secrets(settings)
    sources, sinks, campaigns = (
        _read(settings, stem, secrets, errors, config.files) for stem in ("sources", "sinks", "campaigns")
    )
    _load_sources(sources, registry, errors, config)
    _load_sinks(sinks, registry, errors, config)
    _load_campaigns(campaigns, errors, config)
    if errors.errors:
        raise ConfigurationErrors(errors.errors)
    for warning in config.warnings:
        log.warning(warning)
    return config


def secret_file_roots(settings: Settings, environ: dict[str, str] | None = None) -> tuple[Path, ...]:
    """The folders a ``{$file: PATH}`` reference may read under (``yamlfile``'s docstring says why).

    The config folder, the secrets file's folder, ``SOCIALLEADS_SECRETS_DIR``, ``/run/secrets``,
    systemd's ``$CREDENTIALS_DIRECTORY`` (https://systemd.io/CREDENTIALS/) when set, and
    ``SOCIALLEADS_SECRET_ROOTS``.
    """
    environ = dict(os.environ) if environ is None else environ
    roots = [settings.config_dir, DOCKER_SECRETS]
    if settings.secrets_file is not None:
        roots.append(settings.secrets_file.parent)
    if settings.secrets_dir is not None:
        roots.append(settings.secrets_dir)
    if environ.get("CREDENTIALS_DIRECTORY"):
        roots.append(Path(environ["CREDENTIALS_DIRECTORY"]))
    roots += settings.secret_roots
    return tuple(dict.fromkeys(roots))


def read_secrets(settings: Settings) -> dict[str, str]:
    """The secrets file's ``NAME=value`` pairs; raises ``ConfigurationErrors`` when it cannot be read."""
    try:
        return read_secrets_file(settings.secrets_file)
    except ConfigurationError as exc:  # not UTF-8: names the file and the line, never its text
        raise ConfigurationErrors([exc]) from None
    except OSError as exc:
        problem = ConfigurationError(
            f"cannot read {settings.secrets_file}: {exc.strerror}",
            file="environment",
            key="SOCIALLEADS_SECRETS_FILE",
            fix="point it at a readable NAME=value file",
        )
        raise ConfigurationErrors([problem]) from None


def _load_sources(read: _ReadFile, registry: Registry, errors: Problems, config: AppConfig) -> None:
    """``sources.yaml`` into ``config``: each instance's connector config checked against its model."""
    sources = errors.validate(SourcesFile, read.data, read.origin())
    if sources:
        config.sources = dict(sources.sources)
        config.source_configs = _connector_configs("source", config.sources, read, registry, errors, config)
        config.written.update({("source", n): read.written_item("sources", n) for n in config.sources})


def _load_sinks(read: _ReadFile, registry: Registry, errors: Problems, config: AppConfig) -> None:
    """``sinks.yaml`` into ``config``, and its ``admin_sinks`` checked: defined, and able to send notices."""
    sinks = errors.validate(SinksFile, read.data, read.origin())
    if not sinks:
        return
    config.sinks = dict(sinks.sinks)
    config.sink_configs = _connector_configs("sink", config.sinks, read, registry, errors, config)
    config.written.update({("sink", n): read.written_item("sinks", n) for n in config.sinks})
    config.admin_sinks = sinks.admin_sinks
    can_notify = sorted(t for t, i in registry.sinks.items() if i.cls and i.cls.accepts_notices)
    for index, name in enumerate(sinks.admin_sinks):
        check_sink_ref(name, read.origin(), ("admin_sinks", index), config, errors)
        info = registry.sinks.get(config.sinks[name].type) if name in config.sinks else None
        if info and info.cls is not None and not info.cls.accepts_notices:
            errors.add(
                read.origin(),
                ("admin_sinks", index),
                f"sink '{name}' cannot send admin notices",
                "use a sink of a type that can: " + ", ".join(can_notify),
            )


def _load_campaigns(read: _ReadFile, errors: Problems, config: AppConfig) -> None:
    """``campaigns.yaml`` into ``config``; the sources, sinks and teams it names must exist."""
    campaigns = errors.validate(CampaignsFile, read.data, read.origin())
    if not campaigns:
        return
    config.campaigns = dict(campaigns.campaigns)
    config.default_route = campaigns.default_route
    config.teams = dict(campaigns.teams)
    config.quality_weights = campaigns.quality
    config.written.update({("campaign", n): read.written_item("campaigns", n) for n in config.campaigns})
    config.written.update({("team", n): {"members": read.written_item("teams", n)} for n in config.teams})
    for team, members in config.teams.items():
        check_team(team, members, read.origin("teams", team), errors)
    owners: dict[str, str] = {}
    for name, campaign in config.campaigns.items():
        check_campaign(name, campaign, read.origin("campaigns", name), config, errors, owners)
    for index, sink in enumerate(config.default_route.deliver_to):
        check_sink_ref(sink, read.origin(), ("default_route", "deliver_to", index), config, errors)


def _where(what: str, origin: Origin) -> tuple[str, str]:
    """Where a missing source or sink may be defined: (the problem's suffix, the fix)."""
    if origin.stored:
        return "", f"define it in {what}s.yaml or with PUT /api/v1/{what}s/NAME"
    return f" in {what}s.yaml", f"define it in {what}s.yaml"


def check_sink_ref(name: str, origin: Origin, path: KeyPath, config: AppConfig, problems: Problems) -> None:
    """Note a problem when ``name`` is no sink of ``config``."""
    if name not in config.sinks:
        close = difflib.get_close_matches(name, list(config.sinks), n=1)
        where, define = _where("sink", origin)
        fix = f"did you mean '{close[0]}'?" if close else define
        problems.add(origin, path, f"no sink named '{name}'{where}", fix)


def check_team_ref(team: str, origin: Origin, path: KeyPath, config: AppConfig, problems: Problems) -> None:
    """Note a problem when ``team`` is no team of ``config``."""
    if team not in config.teams:
        close = difflib.get_close_matches(team, list(config.teams), n=1)
        define = "with PUT /api/v1/teams/NAME" if origin.stored else "under teams: in campaigns.yaml"
        fix = f"did you mean '{close[0]}'?" if close else f"define it {define}"
        problems.add(origin, path, f"no team named '{team}'", fix)


def check_team(team: str, members: tuple[str, ...], origin: Origin, problems: Problems) -> None:
    """A team needs members: its leads go to them in turn."""
    if not members:
        problems.add(origin, (), f"team '{team}' has no members", "list who is in it")


def check_campaign(
    name: str,
    campaign: Campaign,
    origin: Origin,
    config: AppConfig,
    problems: Problems,
    owners: dict[str, str],
) -> None:
    """The sources, sinks and teams ``campaign`` names must exist in ``config``, and each of its sources
    be in no other campaign: ``owners`` maps the sources seen so far to their campaign (and is updated)."""
    if campaign.owner_team:
        check_team_ref(campaign.owner_team, origin, ("owner_team",), config, problems)
    for index, source in enumerate(campaign.sources):
        path: KeyPath = ("sources", index)
        if source not in config.sources:
            close = difflib.get_close_matches(source, list(config.sources), n=1)
            where, define = _where("source", origin)
            fix = f"did you mean '{close[0]}'?" if close else define
            problems.add(origin, path, f"no source named '{source}'{where}", fix)
        elif source in owners:
            problems.add(
                origin,
                path,
                f"source '{source}' is already in campaign '{owners[source]}'",
                "a source belongs to one campaign; configure a second source instance",
            )
        owners[source] = name
    for r_index, rule in enumerate(campaign.routes):
        if rule.assign and rule.assign.team:
            check_team_ref(rule.assign.team, origin, ("routes", r_index, "assign", "team"), config, problems)
        for s_index, sink in enumerate(rule.deliver_to):
            check_sink_ref(sink, origin, ("routes", r_index, "deliver_to", s_index), config, problems)
