"""Pairs of leads that may be one person, and what people decided about them (``lead_links``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from socialleads.store.tables import lead_links, leads

POSSIBLE, CONFIRMED, REJECTED = "possible", "confirmed", "rejected"


@dataclass(frozen=True)
class Link:
    """A link seen from one of its leads: the other lead, what is known, and why it was made."""

    other_id: int
    other_key: str
    other_merged_into: int | None
    status: str
    reason: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _where(a: int, b: int) -> ColumnElement[bool]:
    low, high = _pair(a, b)
    return and_(lead_links.c.lead_id == low, lead_links.c.other_id == high)


def propose(conn: Connection, pairs: Iterable[tuple[int, int, str]], now: datetime) -> int:
    """Record ``(lead, other, reason)`` pairs as possibly one person, unless already linked (a rejected
    pair stays rejected); returns how many are new."""
    added = 0
    for a, b, reason in pairs:
        if a == b or conn.execute(select(lead_links.c.id).where(_where(a, b))).first() is not None:
            continue
        low, high = _pair(a, b)
        try:
            with conn.begin_nested():
                conn.execute(
                    lead_links.insert().values(
                        lead_id=low, other_id=high, status=POSSIBLE, reason=reason, created_at=now
                    )
                )
            added += 1
        except IntegrityError:  # another writer proposed the same pair a moment ago
            continue
    return added


def decide(conn: Connection, a: int, b: int, status: str, reason: str, actor: str, now: datetime) -> None:
    """Record a person's decision about the pair (``confirmed`` or ``rejected``), linked before or not."""
    decided = {"status": status, "decided_at": now, "decided_by": actor}
    if conn.execute(update(lead_links).where(_where(a, b)).values(**decided)).rowcount:
        return
    low, high = _pair(a, b)
    conn.execute(
        lead_links.insert().values(lead_id=low, other_id=high, reason=reason, created_at=now, **decided)
    )


def status_of(conn: Connection, a: int, b: int) -> str | None:
    """The pair's link status, or None when it was never linked."""
    return conn.execute(select(lead_links.c.status).where(_where(a, b))).scalar_one_or_none()


def links_of(conn: Connection, lead_id: int) -> list[Link]:
    """Every link of ``lead_id``, possible ones first, newest first within each status."""
    query = (
        select(lead_links, leads.c.id.label("oid"), leads.c.key, leads.c.merged_into)
        .join(
            leads,
            or_(
                and_(lead_links.c.lead_id == lead_id, leads.c.id == lead_links.c.other_id),
                and_(lead_links.c.other_id == lead_id, leads.c.id == lead_links.c.lead_id),
            ),
        )
        .where(or_(lead_links.c.lead_id == lead_id, lead_links.c.other_id == lead_id))
    )
    found = [
        Link(r.oid, r.key, r.merged_into, r.status, r.reason, r.created_at, r.decided_at, r.decided_by)
        for r in conn.execute(query)
    ]
    return sorted(found, key=lambda link: (link.status != POSSIBLE, -link.created_at.timestamp()))
