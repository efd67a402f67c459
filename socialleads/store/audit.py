"""The audit log: who changed what, when, with the value before and after (docs/api.md, "Audit").

Every mutation through the API or the CLI writes one entry in the transaction of the change, so
an entry exists exactly when the change does. Secret values are masked before they are written:
a key whose name says secret, token, password or key keeps only whether it was set (a ``$env``
reference is shown, it names a variable and holds no secret).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from socialleads.store.tables import audit_log

MASK = "********"
_SECRET_WORDS = ("secret", "token", "password", "key", "credential")


def is_secret_key(name: str) -> bool:
    """True when a config key's name says it holds a secret (``access_token``, ``client_secret``...)."""
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS) and lowered not in {"idempotency_key", "key"}


def masked(value: Any) -> Any:
    """``value`` with every secret-named key's value replaced by ``MASK`` (references kept)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            is_reference = isinstance(v, dict) and set(v) <= {"$env", "$file"}
            if is_secret_key(str(k)) and v not in (None, "") and not is_reference:
                out[k] = MASK
            else:
                out[k] = masked(v)
        return out
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


@dataclass(frozen=True)
class AuditEntry:
    """One audited change."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: Any
    after: Any


def record(
    conn: Connection, *, actor: str, action: str, target: str, before: Any, after: Any, now: datetime
) -> None:
    """Write one entry (in the caller's transaction). ``action`` is a dotted verb: ``lead.update``,
    ``campaign.put``, ``user.disable``; ``target`` what it acted on: ``lead:42``, ``campaign:spring``."""
    conn.execute(
        insert(audit_log).values(
            at=now, actor=actor, action=action, target=target, before=masked(before), after=masked(after)
        )
    )


def entries(
    conn: Connection,
    *,
    target: str | None = None,
    actor: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Entries newest first, optionally for one target or actor; ``before_id`` pages back."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if target is not None:
        query = query.where(audit_log.c.target == target)
    if actor is not None:
        query = query.where(audit_log.c.actor == actor)
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    return [
        AuditEntry(
            id=r["id"],
            at=r["at"],
            actor=r["actor"],
            action=r["action"],
            target=r["target"],
            before=r["before"],
            after=r["after"],
        )
        for r in conn.execute(query).mappings()
    ]
