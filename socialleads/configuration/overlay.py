"""The items kept in the database laid over what the YAML files define, checked like the files.

The files stay the source of truth for every item they define (as Grafana treats provisioned
dashboards): such an item cannot be changed through the API (``managed_in_file``), and a stored item
of the same name is ignored with a warning. Stored items are checked one by one with the loader's
own checks (``socialleads.configuration.loader``), in the order sources, sinks, teams, campaigns, so
a campaign may name a source, sink or team of the files or of the database. A stored item with a
problem does not take effect (the bot starts without it and says why); a change through the API
that would bring a new problem is refused with every problem (``ChangeRefused``).

Secrets of a source's or sink's ``config`` (the ``SecretStr`` fields of the connector's model) are
write-only: shown masked (``masked_body``), kept when a change leaves them out or sends the mask
back (``keep_secrets``), resolved from ``{"$env": NAME}`` references like the files' references;
a refused change's problems never quote what a reference gave (the resolved document goes with the
item's ``Origin``, so ``loader.Problems`` knows which keys came from references).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from socialleads.configuration.loader import (
    FILE_OF,
    AppConfig,
    ItemKind,
    Origin,
    Problems,
    check_campaign,
    check_connector,
    check_team,
    secret_fields,
)
from socialleads.configuration.models import Campaign, SinkEntry, SourceEntry, Team
from socialleads.configuration.stored import KINDS, StoredItem
from socialleads.configuration.yamlfile import KeyPath, YamlDocument, resolve_references
from socialleads.errors import ConfigurationError
from socialleads.redact import secret_parts_of_url
from socialleads.registry import Registry
from socialleads.settings import ENV_PREFIX
from socialleads.store.audit import MASK, is_secret_key, masked

ItemKey = tuple[ItemKind, str]
_ENV_FIX = 'write {"$env": NAME} with a variable of its own, set in the environment or the secrets file'


def origin_of(kind: ItemKind, name: str) -> Origin:
    """Where a stored item's problems say they are: ``API campaign 'spring'``."""
    return Origin(None, f"API {kind} '{name}'", (), stored=True)


def managed_in_file(base: AppConfig, kind: ItemKind, name: str) -> str | None:
    """The file that defines the item, or None; ``base`` is the configuration of the files alone."""
    defined: set[str] = {
        "campaign": set(base.campaigns),
        "team": set(base.teams),
        "source": set(base.sources),
        "sink": set(base.sinks),
    }[kind]
    return base.files.get(FILE_OF[kind], f"{FILE_OF[kind]}.yaml") if name in defined else None


@dataclass
class Overlay:
    """The configuration in force, and what happened to each stored item."""

    config: AppConfig
    problems: dict[ItemKey, list[ConfigurationError]] = field(default_factory=dict)
    """Stored items that do not take effect, with why."""
    shadowed: set[ItemKey] = field(default_factory=set)
    """Stored items ignored because a file defines an item of the same name."""


class ChangeRefused(Exception):
    """A change that would bring configuration problems; ``errors`` lists each with its key and fix."""

    def __init__(self, errors: list[ConfigurationError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def _copy(base: AppConfig) -> AppConfig:
    """``base`` with containers of its own, so adding to it leaves ``base`` as it was."""
    return replace(
        base,
        sources=dict(base.sources),
        source_configs=dict(base.source_configs),
        sinks=dict(base.sinks),
        sink_configs=dict(base.sink_configs),
        campaigns=dict(base.campaigns),
        teams=dict(base.teams),
        unavailable=dict(base.unavailable),
        warnings=list(base.warnings),
        written=dict(base.written),
        stored_versions={},
    )


def _unsafe_references(value: Any, origin: Origin, path: KeyPath, problems: Problems) -> None:
    """Note the references a stored item may not make.

    Whoever may change a sink could send what a reference resolves to anywhere (in an
    ``authorization`` header): so a stored item reads neither files (``$file``, which the YAML
    files may use) nor the bot's own settings (``SOCIALLEADS_*``, the database's password among them).
    """
    if _is_reference(value):
        if "$file" in value:
            problems.add(origin, path, "an item changed through the API cannot read a file", _ENV_FIX)
        elif str(value.get("$env", "")).upper().startswith(ENV_PREFIX):
            problems.add(
                origin, path, "the bot's own settings (SOCIALLEADS_*) cannot be referenced", _ENV_FIX
            )
    elif isinstance(value, dict):
        for key, inner in value.items():
            _unsafe_references(inner, origin, (*path, str(key)), problems)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _unsafe_references(inner, origin, (*path, index), problems)


def _resolved(
    item: StoredItem, origin: Origin, secrets: dict[str, str], problems: Problems
) -> YamlDocument | None:
    """The item's body with its ``$env`` references resolved (``data``), recording which keys they
    were (``reference_paths``), or None after a problem."""
    _unsafe_references(item.body, origin, (), problems)
    if problems.errors:
        return None
    doc = YamlDocument(file=origin.file, data=copy.deepcopy(item.body))
    try:
        resolve_references(doc, secrets)  # no file roots: a stored item reads no file
    except ConfigurationError as exc:
        problems.errors.append(exc)
        return None
    return doc


def _add_connector(
    item: StoredItem, config: AppConfig, registry: Registry, secrets: dict[str, str], problems: Problems
) -> None:
    origin = origin_of(item.kind, item.name)
    doc = _resolved(item, origin, secrets, problems)
    if doc is None:
        return
    body = doc.data
    origin = origin._replace(doc=doc)  # no lines: the messages name the item; the references count
    entry: SourceEntry | SinkEntry | None = (
        problems.validate(SourceEntry, body, origin)
        if item.kind == "source"
        else problems.validate(SinkEntry, body, origin)
    )
    if entry is None:
        return
    kind: Literal["source", "sink"] = "source" if isinstance(entry, SourceEntry) else "sink"
    checked = check_connector(kind, item.name, entry, origin, registry, problems, config)
    if problems.errors:
        return
    entries: dict[str, Any] = config.sources if kind == "source" else config.sinks
    entries[item.name] = entry
    if checked is not None:
        (config.source_configs if kind == "source" else config.sink_configs)[item.name] = checked


def _add_team(item: StoredItem, config: AppConfig, problems: Problems) -> None:
    origin = origin_of("team", item.name)
    team = problems.validate(Team, item.body, origin)
    if team is not None:
        check_team(item.name, team.members, origin, problems)
        if not problems.errors:
            config.teams[item.name] = team.members


def _add_campaign(item: StoredItem, config: AppConfig, problems: Problems) -> None:
    origin = origin_of("campaign", item.name)
    campaign = problems.validate(Campaign, item.body, origin)
    if campaign is None:
        return
    owners = {source: name for name, other in config.campaigns.items() for source in other.sources}
    check_campaign(item.name, campaign, origin, config, problems, owners)
    if not problems.errors:
        config.campaigns[item.name] = campaign


def overlay(
    base: AppConfig,
    items: Iterable[StoredItem],
    registry: Registry,
    secrets: dict[str, str],
    last: ItemKey | None = None,
) -> Overlay:
    """``base`` (the files' configuration, left as it is) with the stored ``items`` added.

    Called when the bot is built, after every change through the API, and when another process
    changed the stored items. ``secrets`` are the secrets file's values (``loader.read_secrets``).
    Items of a kind are added by name, ``last`` (an item being changed) after the others of its
    kind, so that in a conflict (a source two campaigns claim) the item that was there wins.
    Never raises for an item's problem: the item is left out and named in ``Overlay.problems``.
    """
    result = Overlay(_copy(base))
    config = result.config
    by_kind: dict[ItemKind, list[StoredItem]] = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    add: dict[ItemKind, Callable[[StoredItem, Problems], None]] = {
        "source": lambda i, p: _add_connector(i, config, registry, secrets, p),
        "sink": lambda i, p: _add_connector(i, config, registry, secrets, p),
        "team": lambda i, p: _add_team(i, config, p),
        "campaign": lambda i, p: _add_campaign(i, config, p),
    }
    for kind in KINDS:
        for item in sorted(by_kind[kind], key=lambda i: ((i.kind, i.name) == last, i.name)):
            key = (kind, item.name)
            file = managed_in_file(base, kind, item.name)
            if file is not None:
                result.shadowed.add(key)
                config.warnings.append(
                    f"API {kind} '{item.name}' is ignored: {file} defines a {kind} of that name "
                    "(the file is the source of truth for its items)"
                )
                continue
            problems = Problems()
            add[kind](item, problems)
            if problems.errors:
                result.problems[key] = problems.errors
                config.warnings.append(
                    f"API {kind} '{item.name}' does not take effect: "
                    + "; ".join(str(e) for e in problems.errors)
                )
            else:
                config.stored_versions[key] = item.version
    return result


def check_change(
    base: AppConfig,
    items: list[StoredItem],
    change: StoredItem | tuple[ItemKind, str],
    registry: Registry,
    secrets: dict[str, str],
) -> Overlay:
    """The configuration with ``change`` made: a new body of an item, or ``(kind, name)`` to delete it.

    Raises ``ChangeRefused`` with the changed item's problems and the problems the change brings to
    other stored items (a deleted sink that a campaign delivers to); problems other items already
    had do not stop it.
    """
    key = (change.kind, change.name) if isinstance(change, StoredItem) else change
    rest = [i for i in items if (i.kind, i.name) != key]
    before = overlay(base, items, registry, secrets)
    changed = [*rest, change] if isinstance(change, StoredItem) else rest
    after = overlay(base, changed, registry, secrets, last=key)
    known = {str(e) for errors in before.problems.values() for e in errors}
    brought = [e for k, errors in after.problems.items() if k != key for e in errors if str(e) not in known]
    found = after.problems.get(key, []) + brought
    if found:
        raise ChangeRefused(found)
    return after


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= {"$env", "$file", "default"}


def secret_keys(kind: ItemKind, body: dict[str, Any], registry: Registry) -> list[str]:
    """The keys of ``body["config"]`` that hold secrets: the ``SecretStr`` fields of its connector's model."""
    if kind not in ("source", "sink"):
        return []
    info = registry.plugins(kind).get(str(body.get("type")))
    if info is None or info.cls is None:
        return []
    return secret_fields(info.cls.config_model)


def masked_body(kind: ItemKind, body: dict[str, Any] | None, registry: Registry) -> dict[str, Any] | None:
    """``body`` as it may be shown (API answers, the audit log, exports): each secret value replaced
    by ``********``; a ``$env``/``$file`` reference is shown, it names where the secret is."""
    if body is None:
        return None
    shown = copy.deepcopy(body)
    config = shown.get("config")
    if isinstance(config, dict):
        for key in secret_keys(kind, body, registry):
            value = config.get(key)
            if value not in (None, "") and not _is_reference(value):
                config[key] = MASK
    result: dict[str, Any] = masked(shown)  # and every key whose name says secret
    return result


def keep_secrets(
    kind: ItemKind, body: dict[str, Any], stored: dict[str, Any] | None, registry: Registry
) -> dict[str, Any]:
    """``body`` with the stored secrets it leaves out, or sends back as ``********``, kept.

    So a client can send back what ``GET`` showed without knowing the secrets. A top-level secret
    field left out keeps its stored value; a ``********`` anywhere (a Meta page's ``token`` in a list,
    a header named like a secret in a map, as ``masked_body`` shows them) takes the stored value at
    the same place (the same key; in a list, the item with the same ``id``, else at the same index).
    A mask for which nothing is stored is dropped (the connector's model then says whether the key is
    required), so ``********`` is never stored as a secret.
    """
    config = body.get("config")
    if kind not in ("source", "sink") or not isinstance(config, dict):
        return body
    old = stored.get("config") if stored else None
    old_config: dict[str, Any] = old if isinstance(old, dict) else {}
    kept: dict[str, Any] = _unmask(config, old_config)
    for key in secret_keys(kind, body, registry):
        if key in old_config and key not in config:
            kept[key] = old_config[key]
    return {**body, "config": kept}


_DROP = object()
"""What ``_unmask`` answers for a mask with nothing stored behind it: leave the key out."""


def _unmask(new: Any, old: Any) -> Any:
    """``new`` with each ``MASK`` replaced by the value at the same place in ``old`` (``_DROP`` when
    there is none)."""
    if isinstance(new, str):
        return (old if old is not None and old != MASK else _DROP) if new == MASK else new
    if isinstance(new, dict):
        before = old if isinstance(old, dict) else {}
        out = {k: _unmask(v, before.get(k)) for k, v in new.items()}
        return {k: v for k, v in out.items() if v is not _DROP}
    if isinstance(new, list):
        before_items = old if isinstance(old, list) else []
        by_id = {i.get("id"): i for i in before_items if isinstance(i, dict) and i.get("id") is not None}
        out_items = []
        for n, item in enumerate(new):
            match = by_id.get(item.get("id")) if isinstance(item, dict) and item.get("id") in by_id else None
            if match is None and n < len(before_items):
                match = before_items[n]
            out_items.append(_unmask(item, match))
        return [i for i in out_items if i is not _DROP]
    return new


def plain_secrets(kind: ItemKind, body: dict[str, Any], registry: Registry) -> list[str]:
    """The secret values written in ``body`` itself (not references), to register with the redactor:
    the connector's secret fields, and every value under a key named like a secret at any depth (a
    Meta page's ``token``)."""
    config = body.get("config")
    if not isinstance(config, dict):
        return []
    values = [config.get(key) for key in secret_keys(kind, body, registry)]
    found = [v for v in [*values, *_secret_named_values(config)] if isinstance(v, str) and v != MASK]
    return found + [part for url in _strings(config) for part in secret_parts_of_url(url)]


def _strings(value: Any) -> list[str]:
    """Every string in ``value`` at any depth (URLs with a token in their query or path among them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [x for item in value.values() for x in _strings(item)]
    if isinstance(value, list):
        return [x for item in value for x in _strings(item)]
    return []


def _secret_named_values(value: Any) -> list[Any]:
    """The values under secret-named keys (``store.audit.is_secret_key``) anywhere in ``value``."""
    if isinstance(value, dict):
        found: list[Any] = []
        for k, v in value.items():
            found += [v] if is_secret_key(str(k)) else _secret_named_values(v)
        return found
    if isinstance(value, list):
        return [x for item in value for x in _secret_named_values(item)]
    return []
