"""One change of a stored configuration item: checked, written with its version, audited, in one transaction.

Called by the API (``socialleads/api/config_routes.py``); the bot then puts the returned
configuration in force (``Bot.apply_config``). An item a YAML file defines is refused
(``ManagedInFile``): the file is its source of truth (docs/api.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from socialleads.configuration.loader import AppConfig, ItemKind, read_secrets
from socialleads.configuration.overlay import (
    Overlay,
    check_change,
    keep_secrets,
    managed_in_file,
    masked_body,
    plain_secrets,
)
from socialleads.configuration.stored import StoredItem, find_item, next_version, read_items, write_item
from socialleads.redact import REDACTOR
from socialleads.registry import Registry
from socialleads.store import audit


class ManagedInFile(Exception):
    """The item is defined in a YAML file and can only be changed there."""

    def __init__(self, kind: ItemKind, name: str, file: str) -> None:
        self.file = file
        super().__init__(f"{kind} '{name}' is managed in {file}; change it there")


class NoSuchItem(Exception):
    """There is no stored item to delete."""


@dataclass(frozen=True)
class Done:
    """What a change did: the configuration to put in force, and the item's new version."""

    overlay: Overlay
    version: int


def _audited(item: StoredItem | None, registry: Registry) -> dict[str, Any] | None:
    """An item as the audit log keeps it: its version and its body, secrets masked."""
    if item is None:
        return None
    return {"version": item.version, "body": masked_body(item.kind, item.body, registry)}


def change_item(
    engine: Engine,
    base: AppConfig,
    registry: Registry,
    kind: ItemKind,
    name: str,
    body: dict[str, Any] | None,
    *,
    actor: str,
    now: datetime,
) -> Done:
    """Store ``body`` as the item's next version (None deletes it) and audit it, if the result checks.

    ``base`` is the configuration of the files alone. Raises ``ManagedInFile``, ``NoSuchItem`` (a
    deletion of an item not stored), ``ChangeRefused`` (with every problem, key and fix),
    ``StaleItem`` (another writer changed it meanwhile) and ``ConfigurationErrors`` (an unreadable
    secrets file). Secret values in ``body`` are registered with the log redactor before anything
    else, and reach the database as given (encryption at rest is issue #21).
    """
    file = managed_in_file(base, kind, name)
    if file is not None:
        raise ManagedInFile(kind, name, file)
    secrets = read_secrets(base.settings)
    with engine.begin() as conn:
        items = read_items(conn)
        current = find_item(items, kind, name)
        if body is None and current is None:
            raise NoSuchItem(f"no {kind} '{name}' is stored")
        if body is not None:
            body = keep_secrets(kind, body, current.body if current else None, registry)
            REDACTOR.register(plain_secrets(kind, body, registry))
        version = next_version(conn, kind, name)
        change: StoredItem | tuple[ItemKind, str] = (kind, name)
        if body is not None:
            change = StoredItem(kind, name, body, version, now, actor)
        result = check_change(base, items, change, registry, secrets)
        write_item(
            conn,
            kind,
            name,
            body,
            version=version,
            replaces=current.version if current else None,
            actor=actor,
            now=now,
        )
        after = None if body is None else StoredItem(kind, name, body, version, now, actor)
        audit.record(
            conn,
            actor=actor,
            action=f"{kind}.{'delete' if body is None else 'put'}",
            target=f"{kind}:{name}",
            before=_audited(current, registry),
            after=_audited(after, registry),
            now=now,
        )
    return Done(result, version)
