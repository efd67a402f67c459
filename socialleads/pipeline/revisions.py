"""Edits: a new version of a post or comment updates the touch of its earlier version.

An edited X post arrives with a new id and the ids of its earlier versions
(``edit_history_tweet_ids``, https://docs.x.com/x-api/fundamentals/edit-posts); an edited Facebook
comment arrives as a webhook change with ``verb: edited`` (connectors give it its own native id).
Connectors say which earlier versions a draft replaces (``LeadDraft.revises``); the store step keeps
every version's raw event, and asks this module which new events are edits:

- an edit of an item stored earlier with a touch **revises** that touch (message, url, the edit noted
  in its context): one touch, never a second lead, the lead delivered as an update;
- an earlier version that arrives in the same chunk as its edit is **superseded**: kept as a raw
  event, ignored with that reason, and the newest version makes the touch.

Drafts with ``revises`` whose earlier versions made no touch (never seen, or not leads) are plain new
events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, update

from socialleads.models import EDITED, EventStatus, LeadDraft
from socialleads.pipeline.prepare import Prepared
from socialleads.store import leads as lead_store
from socialleads.store.tables import raw_events

#: Statuses of a new version that still update its touch: an edit that reads as no lead any more is
#: still what the person now says.
_TOUCHING = (EventStatus.LEAD, EventStatus.IGNORED)


#: How the status reason of an edit's raw event begins (``sources report`` counts them as edits).
EDIT_REASON = "an edit of "
_SUPERSEDED = "an earlier version of a post or comment edited since; its edit makes the touch"


@dataclass(frozen=True)
class Revision:
    """A new event that revises the touch an earlier version of it made."""

    event_id: int
    draft: LeadDraft
    item: Prepared
    touch: RowMapping
    """The revised touch: ``id``, ``lead_id``, ``message``, ``context`` and the earlier ``native_id``."""

    @property
    def lead_id(self) -> int:
        return int(self.touch["lead_id"])

    def touch_context(self, drafted: dict[str, Any], now: datetime) -> dict[str, Any]:
        """The touch's context after this edit: ``drafted`` (the new version's), the edit and the previous
        text noted, and what the stored context had that the new version does not say."""
        before = dict(self.touch["context"] or {})
        versions = [*before.get(EDITED, {}).get("versions", [self.touch["native_id"]])]
        versions += [v for v in (*self.draft.revises, self.draft.native_id) if v not in versions]
        edited = {
            **(self.draft.context.get(EDITED) or {}),
            "versions": versions,
            "seen_at": now.isoformat(),
            "previous_message": self.touch["message"],
        }
        return {**before, **drafted, EDITED: edited}


@dataclass
class Split:
    """A chunk's new events sorted into edits of stored touches, superseded versions and the rest."""

    revisions: list[Revision]
    superseded: list[tuple[int, Prepared]]
    rest: list[tuple[int, Prepared]]


def split_revisions(conn: Connection, source: str, fresh: list[tuple[int, Prepared]]) -> Split:
    """Sort ``fresh`` (event id, item) of ``source``; see the module docstring."""
    drafted = [(eid, i) for eid, i in fresh if i.draft is not None and i.status in _TOUCHING]
    if not any(i.draft and i.draft.revises for _, i in drafted):
        return Split([], [], fresh)
    replaced = {earlier for _, i in drafted if i.draft for earlier in i.draft.revises}
    superseded = [(eid, i) for eid, i in drafted if i.event.native_id in replaced]
    newest = [
        (eid, i) for eid, i in drafted if i.event.native_id not in replaced and i.draft and i.draft.revises
    ]
    earlier_ids = sorted({earlier for _, i in newest if i.draft for earlier in i.draft.revises})
    touches = lead_store.touches_of_events(conn, source, earlier_ids)
    revisions = []
    for eid, item in newest:
        assert item.draft is not None
        touch = next((touches[e] for e in item.draft.revises if e in touches), None)
        if touch is not None:
            revisions.append(Revision(eid, item.draft, item, touch))
    taken = {r.event_id for r in revisions} | {eid for eid, _ in superseded}
    _note_statuses(conn, revisions, superseded)
    return Split(revisions, superseded, [(eid, i) for eid, i in fresh if eid not in taken])


def _note_statuses(
    conn: Connection, revisions: list[Revision], superseded: list[tuple[int, Prepared]]
) -> None:
    """Say on each raw event what became of it: an edit of a touch, or a version its edit replaced."""
    notes = [
        (r.event_id, r.item.status, f"{EDIT_REASON}{r.touch['native_id']}: touch #{r.touch['id']} updated")
        for r in revisions
    ]
    notes += [(eid, EventStatus.IGNORED, _SUPERSEDED) for eid, _ in superseded]
    for event_id, status, reason in notes:
        conn.execute(
            update(raw_events)
            .where(raw_events.c.id == event_id)
            .values(status=status.value, status_reason=reason)
        )
