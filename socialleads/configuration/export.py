"""The database's configuration as YAML files, for version control (``socialleads config export``).

Writes what the API stored in the shapes of ``sources.yaml``, ``sinks.yaml`` and ``campaigns.yaml``
(teams go in ``campaigns.yaml``, as there). Never a secret in the clear: a ``$env``/``$file``
reference is written as it is, and a secret stored as a value becomes a ``{$env: NAME}`` reference
whose variable the person sets where the files are loaded (``Exported.variables`` lists them).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from socialleads.configuration.overlay import secret_keys
from socialleads.configuration.stored import StoredItem
from socialleads.registry import Registry
from socialleads.store.audit import is_secret_key

HEADER = (
    "# Exported from the database by `socialleads config export`: the items changed through the API.\n"
    "# Secrets are references ({$env: NAME}); set the variables named in the export's output.\n"
)


@dataclass
class Exported:
    """The three documents, and each variable a secret stored as a value now refers to."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    """File stem (``sources``, ``sinks``, ``campaigns``) → its document."""
    variables: list[tuple[str, str]] = field(default_factory=list)
    """(variable, the key it stands for) of each secret that was stored as a value."""

    def text(self, stem: str) -> str:
        """The YAML text of one file."""
        return HEADER + yaml.safe_dump(self.documents[stem], sort_keys=False, allow_unicode=True)


def _variable(kind: str, name: str, key: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", f"{name}_{key}".upper()).strip("_") or f"{kind.upper()}_SECRET"


def _without_secrets(
    item: StoredItem, registry: Registry, variables: list[tuple[str, str]]
) -> dict[str, Any]:
    """The item's body with each secret value replaced by an ``$env`` reference."""
    body = copy.deepcopy(item.body)
    config = body.get("config")
    if not isinstance(config, dict):
        return body
    secret = set(secret_keys(item.kind, item.body, registry)) | {k for k in config if is_secret_key(str(k))}
    for key in sorted(secret):
        value = config.get(key)
        if isinstance(value, str) and value:
            variable = _variable(item.kind, item.name, str(key))
            config[key] = {"$env": variable}
            variables.append((variable, f"{item.kind}s.{item.name}.config.{key}"))
    return body


def export_items(items: Iterable[StoredItem], registry: Registry) -> Exported:
    """The stored ``items`` as the three files' documents; called by ``socialleads config export``."""
    result = Exported()
    sources: dict[str, Any] = {}
    sinks: dict[str, Any] = {}
    campaigns: dict[str, Any] = {}
    teams: dict[str, Any] = {}
    for item in sorted(items, key=lambda i: (i.kind, i.name)):
        if item.kind == "source":
            sources[item.name] = _without_secrets(item, registry, result.variables)
        elif item.kind == "sink":
            sinks[item.name] = _without_secrets(item, registry, result.variables)
        elif item.kind == "team":
            teams[item.name] = list(item.body.get("members") or [])
        else:
            campaigns[item.name] = copy.deepcopy(item.body)
    result.documents = {
        "sources": {"sources": sources},
        "sinks": {"sinks": sinks},
        "campaigns": {"campaigns": campaigns, "teams": teams},
    }
    return result
