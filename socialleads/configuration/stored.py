"""Configuration items kept in the database: campaigns, teams, sources and sinks changed through the API.

``config_items`` holds each item's current body (the same shape as its entry in the YAML files) and
version; ``config_versions`` every version, a deletion being a version whose body is None, with who
made it and when. Writing is optimistic: a change names the version it was checked against, and
two writers of the same item (two API calls, two bots) cannot both win (``StaleItem``).

Secret values given through the API are stored here as given for now (a ``$env`` reference, or the
value itself); encrypting them at rest is issue #21. They never leave through the API
(``socialleads.configuration.overlay.masked_body``) and are never logged.

The items are added to what the YAML files define by ``socialleads.configuration.overlay``; the
files stay the source of truth for the items they define (docs/api.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from socialleads.configuration.loader import ItemKind
from socialleads.store.tables import config_items, config_versions

KINDS: tuple[ItemKind, ...] = ("source", "sink", "team", "campaign")
"""Every kind, in the order the overlay adds them (a campaign names teams, sources and sinks)."""


class StaleItem(Exception):
    """Somebody else changed the item since it was read; read it again and retry."""


@dataclass(frozen=True)
class StoredItem:
    """One item as kept in the database: its body as given (secrets too) and its current version."""

    kind: ItemKind
    name: str
    body: dict[str, Any]
    version: int
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class ItemVersion:
    """One version of an item; ``body`` None is a deletion."""

    kind: ItemKind
    name: str
    version: int
    body: dict[str, Any] | None
    changed_at: datetime
    changed_by: str


def read_items(conn: Connection) -> list[StoredItem]:
    """Every item kept in the database, by kind and name."""
    rows = conn.execute(select(config_items).order_by(config_items.c.kind, config_items.c.name)).mappings()
    return [
        StoredItem(
            kind=cast(ItemKind, r["kind"]),
            name=r["name"],
            body=dict(r["body"]),
            version=r["version"],
            updated_at=r["updated_at"],
            updated_by=r["updated_by"],
        )
        for r in rows
    ]


def find_item(items: list[StoredItem], kind: ItemKind, name: str) -> StoredItem | None:
    """The item of ``kind`` named ``name`` among ``items``."""
    return next((i for i in items if i.kind == kind and i.name == name), None)


def latest_change(conn: Connection) -> int:
    """An id that grows with every change of any item (0 before the first): cheap to poll."""
    return int(conn.execute(select(func.coalesce(func.max(config_versions.c.id), 0))).scalar_one())


def next_version(conn: Connection, kind: ItemKind, name: str) -> int:
    """The version the next change of the item gets (numbering goes on after a deletion)."""
    query = select(func.coalesce(func.max(config_versions.c.version), 0)).where(
        config_versions.c.kind == kind, config_versions.c.name == name
    )
    return int(conn.execute(query).scalar_one()) + 1


def versions(conn: Connection, kind: ItemKind, name: str) -> list[ItemVersion]:
    """Every version of the item, newest first (empty for an item never stored)."""
    query = (
        select(config_versions)
        .where(config_versions.c.kind == kind, config_versions.c.name == name)
        .order_by(config_versions.c.version.desc())
    )
    return [
        ItemVersion(
            kind=kind,
            name=name,
            version=r["version"],
            body=dict(r["body"]) if r["body"] is not None else None,
            changed_at=r["changed_at"],
            changed_by=r["changed_by"],
        )
        for r in conn.execute(query).mappings()
    ]


def write_item(
    conn: Connection,
    kind: ItemKind,
    name: str,
    body: dict[str, Any] | None,
    *,
    version: int,
    replaces: int | None,
    actor: str,
    now: datetime,
) -> None:
    """Store ``body`` as version ``version`` of the item (None deletes it), in the caller's transaction.

    ``replaces`` is the version the change was checked against (None: the item did not exist).
    Raises ``StaleItem`` when the item is no longer at that version.
    """
    table = config_items
    where = (table.c.kind == kind) & (table.c.name == name)
    try:
        if replaces is None:
            if body is None:
                raise StaleItem(f"{kind} {name} does not exist")
            conn.execute(
                insert(table).values(
                    kind=kind, name=name, body=body, version=version, updated_at=now, updated_by=actor
                )
            )
        else:
            matching = where & (table.c.version == replaces)
            if body is None:
                done = conn.execute(delete(table).where(matching)).rowcount
            else:
                values = {"body": body, "version": version, "updated_at": now, "updated_by": actor}
                done = conn.execute(update(table).where(matching).values(**values)).rowcount
            if done != 1:
                raise StaleItem(f"{kind} {name} changed meanwhile")
        conn.execute(
            insert(config_versions).values(
                kind=kind, name=name, version=version, body=body, changed_at=now, changed_by=actor
            )
        )
    except IntegrityError:
        raise StaleItem(f"{kind} {name} changed meanwhile") from None
