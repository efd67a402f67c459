"""``/api/v1/leads/{key}/merge|split|different``: people decide what identity could not (docs/api.md).

The same decisions as ``socialleads leads merge|split|different`` (``pipeline.merges``,
``store.lead_links``), audited with the caller. A lead out of the caller's sight answers 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from socialleads.accounts.roles import Permission
from socialleads.api.auth import Principal, bot_of, require
from socialleads.api.events import publish_lead_updated
from socialleads.api.leads import LeadOut, lead_out, visible_row
from socialleads.api.problems import ApiProblem
from socialleads.models import LeadDraft, Qualification
from socialleads.pipeline.merges import LeadChangeRefused, merge_leads, split_lead
from socialleads.store import lead_links, lead_queries

router = APIRouter(prefix="/api/v1", tags=["leads"])
KEY = Path(max_length=100, description="The lead's public key (`sl1-...`).")


class OtherLead(BaseModel):
    """The other lead of a pair, by its key."""

    model_config = ConfigDict(extra="forbid")
    other: str = Field(max_length=100, description="The other lead's key (`sl1-...`).")


class TouchToSplit(BaseModel):
    """The touch (an id from the lead's ``touches``) that is another person."""

    model_config = ConfigDict(extra="forbid")
    touch_id: int = Field(ge=1)


class SplitOut(BaseModel):
    """The lead a touch left, and the new lead it became."""

    original: LeadOut
    new_lead: LeadOut


def _lead(request: Request, key: str) -> LeadOut:
    with bot_of(request).engine.connect() as conn:
        row = lead_queries.lead_row(conn, key)
        assert row is not None
        return lead_out(lead_queries.lead_detail(conn, row))


def _deliver_now(request: Request) -> None:
    bot = bot_of(request)
    if bot.runner.on_deliveries_due is not None:
        bot.runner.on_deliveries_due()


@router.post(
    "/leads/{lead_id}/merge", response_model=LeadOut, responses={401: {}, 403: {}, 404: {}, 409: {}, 422: {}}
)
def merge(
    body: OtherLead,
    request: Request,
    lead_id: str = KEY,
    principal: Principal = require(Permission.LEADS_UPDATE),
) -> LeadOut:
    """Merge the ``other`` lead into this one: its touches, keys and notes move here, this lead is
    delivered again as an update, and a CRM record only the other had is updated from now on. The
    other lead's key keeps answering, with ``merged_into``. 409 when either was merged already."""
    bot = bot_of(request)
    with bot.engine.connect() as conn:
        kept = visible_row(request, principal, conn, lead_id)
        gone = visible_row(request, principal, conn, body.other)
    try:
        merge_leads(bot.engine, kept["id"], gone["id"], principal.actor, bot.clock())
    except LeadChangeRefused as exc:
        raise ApiProblem(409, str(exc)) from None
    _deliver_now(request)
    publish_lead_updated(bot, kept["id"], ["merged"])
    return _lead(request, kept["key"])


@router.post(
    "/leads/{lead_id}/split", response_model=SplitOut, responses={401: {}, 403: {}, 404: {}, 409: {}, 422: {}}
)
def split(
    body: TouchToSplit,
    request: Request,
    lead_id: str = KEY,
    principal: Principal = require(Permission.LEADS_UPDATE),
) -> SplitOut:
    """Make one touch of this lead a lead of its own (another person): it is delivered as new (a CRM
    creates its own record), this lead again as an update; the two are remembered as different people."""
    bot = bot_of(request)
    with bot.engine.connect() as conn:
        row = visible_row(request, principal, conn, lead_id)

    def requalify(draft: LeadDraft, campaign: str | None) -> Qualification:
        return bot.runner.qualifier.qualify(draft, bot.config.campaigns.get(campaign or ""))

    try:
        outcome = split_lead(bot.engine, row["id"], body.touch_id, principal.actor, bot.clock(), requalify)
    except LeadChangeRefused as exc:
        raise ApiProblem(409, str(exc)) from None
    _deliver_now(request)
    publish_lead_updated(bot, row["id"], ["split"])
    return SplitOut(original=_lead(request, row["key"]), new_lead=_lead(request, outcome.new_key))


@router.post(
    "/leads/{lead_id}/different", response_model=LeadOut, responses={401: {}, 403: {}, 404: {}, 422: {}}
)
def different(
    body: OtherLead,
    request: Request,
    lead_id: str = KEY,
    principal: Principal = require(Permission.LEADS_UPDATE),
) -> LeadOut:
    """Record that the ``other`` lead is a different person: never proposed as this one's duplicate again."""
    bot = bot_of(request)
    with bot.engine.begin() as conn:
        one = visible_row(request, principal, conn, lead_id)
        other = visible_row(request, principal, conn, body.other)
        if one["id"] == other["id"]:
            raise ApiProblem(422, "a lead is not a different person from itself")
        lead_links.decide(
            conn,
            one["id"],
            other["id"],
            lead_links.REJECTED,
            "different people",
            principal.actor,
            bot.clock(),
        )
        return lead_out(lead_queries.lead_detail(conn, one))
