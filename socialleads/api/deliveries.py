"""The outbox through the API: ``GET /api/v1/deliveries`` and ``POST /api/v1/deliveries/replay``
(docs/api.md, "Deliveries"); for admins.

The replay is ``socialleads deliveries replay``'s (``outbox.replay_dead``): dead deliveries become
pending, due now, with their attempts reset and their dead letters marked replayed; the running
dispatcher is woken to send them at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from socialleads.accounts.roles import Permission
from socialleads.api.auth import Principal, bot_of, require
from socialleads.api.params import ROW_ID_MAX, Instant
from socialleads.api.problems import ApiProblem
from socialleads.redact import REDACTOR
from socialleads.store import audit, outbox
from socialleads.store.db import reading
from socialleads.store.tables import deliveries, leads

router = APIRouter(prefix="/api/v1", tags=["deliveries"])

Status = Literal["pending", "held", "delivered", "dead", "rejected"]


class DeliveryOut(BaseModel):
    """One delivery of a lead to a sink."""

    id: int
    lead_id: int
    lead_key: str | None = Field(description="The lead's public key, for /api/v1/leads/{key}.")
    sink: str
    route: str
    """The routing rule that sent the lead to this sink (``default`` for the default route)."""
    status: Status
    attempts: int
    """Attempts since it was last delivered, re-armed or replayed."""
    last_error: str | None
    """The last failure, with secrets, emails and phone numbers masked."""
    external_id: str | None
    """The record's id in the sink (a CRM contact id), once delivered."""
    external_url: str | None
    next_attempt_at: datetime | None
    """When it is tried next (pending deliveries only)."""
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    """A page of deliveries, newest first; ``next_cursor`` fetches the next (None: this is the last)."""

    items: list[DeliveryOut]
    next_cursor: str | None


class ReplayFilter(BaseModel):
    """Which dead deliveries to replay: those of one sink, or (no sink) every dead delivery."""

    sink: str | None = Field(default=None, min_length=1, max_length=100)
    status: Literal["dead"] = "dead"
    """Only dead deliveries are replayed; said explicitly so the filter reads as what it does."""


class ReplayRequest(BaseModel):
    """``ids`` (dead deliveries by id) or ``filter``; not both."""

    ids: list[Annotated[int, Field(strict=True, ge=1, le=ROW_ID_MAX)]] | None = Field(
        default=None, min_length=1, max_length=10_000
    )
    filter: ReplayFilter | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ReplayRequest:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give either ids or filter")
        return self


class ReplayOut(BaseModel):
    """How many dead deliveries were queued again (those asked for that were not dead are not counted)."""

    requeued: int


def _cursor_id(cursor: str | None) -> int | None:
    """The id a cursor stands for; raises ``ApiProblem(422)`` for one this API did not hand out."""
    if cursor is None:
        return None
    if not cursor.isdigit() or len(cursor) > 19:
        raise ApiProblem(422, "the cursor is not one a previous page handed out")
    return int(cursor)


def _out(row: dict[str, object]) -> DeliveryOut:
    error = row["last_error"]
    return DeliveryOut.model_validate(
        {
            **row,
            "last_error": REDACTOR.scrub(error) if isinstance(error, str) else None,
            "next_attempt_at": row["next_attempt_at"] if row["status"] == outbox.PENDING else None,
        }
    )


_COLUMNS = [deliveries.c[name] for name in DeliveryOut.model_fields if name != "lead_key"]


@router.get("/deliveries", response_model=DeliveryPage, responses={422: {}})
def list_deliveries(
    request: Request,
    status: Status | None = None,
    sink: str | None = Query(default=None, max_length=100),
    lead: int | None = Query(default=None, ge=1, le=ROW_ID_MAX, description="Only this lead's deliveries."),
    since: Instant | None = Query(default=None, description="Only deliveries changed at or after."),
    cursor: str | None = Query(default=None, max_length=40),
    limit: int = Query(default=50, ge=1, le=500),
    _: Principal = require(Permission.DELIVERIES_READ),
) -> DeliveryPage:
    """Deliveries newest first (by id), filtered; ``since`` compares with when a delivery last changed."""
    after = _cursor_id(cursor)
    query = (
        select(*_COLUMNS, leads.c.key.label("lead_key"))
        .join(leads, leads.c.id == deliveries.c.lead_id)
        .order_by(deliveries.c.id.desc())
        .limit(limit + 1)
    )
    if status is not None:
        query = query.where(deliveries.c.status == status)
    if sink is not None:
        query = query.where(deliveries.c.sink == sink)
    if lead is not None:
        query = query.where(deliveries.c.lead_id == lead)
    if since is not None:
        query = query.where(deliveries.c.updated_at >= since)
    if after is not None:
        query = query.where(deliveries.c.id < after)
    with reading(bot_of(request).engine) as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    more = len(rows) > limit
    items = [_out(r) for r in rows[:limit]]
    return DeliveryPage(items=items, next_cursor=str(items[-1].id) if more else None)


@router.post("/deliveries/replay", response_model=ReplayOut, responses={422: {}})
def replay(
    body: ReplayRequest, request: Request, principal: Principal = require(Permission.DELIVERIES_REPLAY)
) -> ReplayOut:
    """Put dead deliveries back in the queue (``socialleads deliveries replay``), audited; the running
    dispatcher is woken to send them now."""
    bot = bot_of(request)
    now = bot.clock()
    ids = sorted(set(body.ids or ()))
    sink = body.filter.sink if body.filter is not None else None
    with bot.engine.begin() as conn:
        count = outbox.replay_dead(conn, now, ids, sink)
        audit.record(
            conn,
            actor=principal.actor,
            action="delivery.replay",
            target=f"sink:{sink}" if sink else "deliveries",
            before={"status": outbox.DEAD, "ids": ids or None, "sink": sink},
            after={"status": outbox.PENDING, "requeued": count},
            now=now,
        )
    wake = bot.runner.on_deliveries_due  # set by the scheduler when the dispatch loop runs
    if count and wake is not None:
        wake()
    return ReplayOut(requeued=count)
