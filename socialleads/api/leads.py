"""``/api/v1/leads``: list, read and work leads (docs/api.md).

A lead is named by its public key (``sl1-...``, ``leads.key``): built from its first touch, stable
across a rebuild of the database and URL-safe. Where sales see only their team's leads
(``api.sales_see: team``), a lead out of their sight answers 404, as if it did not exist.
Names, messages and answers come from strangers; they are returned as JSON values (the encoder
escapes them) and never put in a header.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, RowMapping

from socialleads.accounts.roles import Permission, Role
from socialleads.api.auth import Principal, api_settings, bot_of, require
from socialleads.api.events import publish_lead_updated
from socialleads.api.params import Instant
from socialleads.api.problems import ApiProblem
from socialleads.models import EventKind, Lead, LeadStatus
from socialleads.store import audit, lead_queries, lead_work, outbox
from socialleads.store import leads as lead_store
from socialleads.store.db import reading
from socialleads.store.lead_queries import CursorError, LeadDetail, LeadFilters, LeadSummary
from socialleads.store.lead_work import LeadPatch, LeadWorkError, NoSuchLead

router = APIRouter(prefix="/api/v1", tags=["leads"])

SortName = Literal["-created_at", "created_at", "-updated_at", "-quality_score"]
Grade = Literal["A", "B", "C", "D"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LeadItem(_Out):
    """A lead in a list."""

    id: str = Field(description="The lead's public key, for /leads/{id}.")
    number: int = Field(description="The lead's number in this database (`socialleads leads show`).")
    campaign: str | None
    name: str | None
    email: str | None
    phone: str | None
    company: str | None
    country: str | None
    grade: str | None
    quality_score: int | None
    intent_score: float | None
    language: str | None
    status: str
    owner: str | None
    touch_count: int
    sources: list[str]
    platforms: list[str]
    kinds: list[str]
    last_touch_at: datetime | None = Field(description="When the person last wrote or filled a form.")
    reasons: list[str] = Field(description="The strongest intent reasons in words (three at most).")
    created_at: datetime
    updated_at: datetime


class LeadList(BaseModel):
    """One page of leads; ``next_cursor`` fetches the next (None on the last page)."""

    items: list[LeadItem]
    next_cursor: str | None


class FlagOut(_Out):
    """A contact value that failed validation, kept as given."""

    field: str
    raw: str
    problem: str


class ContactOut(_Out):
    """How to reach the person."""

    display_name: str
    full_name: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    company: str | None
    job_title: str | None
    city: str | None
    country: str | None
    zip_code: str | None
    flags: list[FlagOut]


class HandleOut(_Out):
    """The person's account on a platform."""

    platform: str
    user_id: str | None
    username: str | None
    display_name: str | None
    profile_url: str | None


class ReasonOut(_Out):
    """One signal behind the intent verdict or the quality score."""

    signal: str
    detail: str
    points: float | None
    span: tuple[int, int] | None


class IntentOut(_Out):
    """How sure the bot is that the person wants to buy, and why."""

    score: float
    is_lead: bool
    language: str | None
    reasons: list[ReasonOut]
    touch_id: int | None = Field(
        default=None,
        description="The touch whose message the reasons' spans point into (None: no span, or no touch "
        "fits them).",
    )


class QualityOut(_Out):
    """The lead's quality score and grade, every point with its reason."""

    score: int
    grade: str
    reasons: list[ReasonOut]


class ConsentOut(_Out):
    """What the person agreed to."""

    kind: str
    granted: bool
    text: str | None
    captured_at: datetime | None


class HintOut(_Out):
    """Contact data found about the person (an email in an X bio), not given: check before use."""

    field: str
    value: str
    source: str
    caution: str | None


class TouchOut(_Out):
    """One time the person reached us, where (``url``), and why it joined this lead.

    ``edited``: the post or comment was edited after it was first stored (``message`` is its latest
    version); ``test_lead``: why it is a platform's test lead, or null."""

    id: int
    source: str
    native_id: str
    platform: str
    kind: str
    received_via: str
    occurred_at: datetime
    received_at: datetime
    merge_reason: str
    message: str | None
    url: str | None
    answers: dict[str, str]
    consents: list[ConsentOut]
    flags: list[FlagOut]
    hints: list[HintOut]
    edited: bool
    test_lead: str | None


class RouteOut(BaseModel):
    """What routing decided: the rule(s) (``a+b``, ``default`` or ``unrouted``), the owner, and
    which rule sent the lead to each sink."""

    rules: str | None
    owner: str | None
    sinks: dict[str, str]


class DeliveryOut(_Out):
    """The lead's delivery to one sink."""

    sink: str
    route: str
    status: str
    attempts: int
    last_error: str | None
    external_id: str | None
    external_url: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class NoteOut(_Out):
    """A note sales wrote."""

    author: str
    body: str
    created_at: datetime


class LinkOut(_Out):
    """Another lead possibly the same person (``possible``), or a pair people decided: ``confirmed``
    (merged) or ``rejected`` (different people, never proposed again)."""

    lead: str
    """The other lead's key."""
    status: Literal["possible", "confirmed", "rejected"]
    reason: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None


class LeadOut(BaseModel):
    """One lead in full."""

    id: str
    number: int
    campaign: str | None
    status: str
    status_reason: str | None
    status_changed_at: datetime | None
    status_changed_by: str | None
    owner: str | None
    contact: ContactOut
    handles: list[HandleOut]
    hints: list[HintOut]
    """Contact data found in profiles rather than given, newest first: never used to merge people."""
    is_test: bool
    """Every touch is a platform's test lead: stored and shown, delivered only where a campaign asks."""
    identifier_notes: list[str]
    """Why its email or phone does not identify this person alone (a shared number, a placeholder,
    a team's mailbox): kept for sales, never used to match people."""
    merged_into: str | None
    """The key of the lead this one was merged into (its touches are there now), or null."""
    links: list[LinkOut]
    """Leads possibly the same person (``possible`` first), and the pairs people decided."""
    intent: IntentOut | None
    quality: QualityOut | None
    route: RouteOut
    touches: list[TouchOut]
    deliveries: list[DeliveryOut]
    notes: list[NoteOut]
    touch_count: int
    revision: int
    created_at: datetime
    updated_at: datetime


class LeadChange(BaseModel):
    """``PATCH``: only the fields given change. ``lost`` needs a ``status_reason``; ``owner: null``
    takes the lead from its owner; ``note`` is appended with the caller as its author."""

    model_config = ConfigDict(extra="forbid")
    status: LeadStatus | None = None
    status_reason: str | None = Field(default=None, max_length=2000)
    owner: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, min_length=1, max_length=10_000)


def _intent_touch(lead: Lead) -> int | None:
    """The touch whose message the lead's intent was read from, for highlighting its spans.

    The lead keeps its best verdict, not which touch gave it; the spans are character offsets into
    that touch's message. The latest touch whose message every span fits inside is taken: right for
    the common lead with one written touch, and a best guess (documented in docs/console.md) when a
    person wrote several times.
    """
    spans = [r.span for r in lead.intent.reasons if r.span] if lead.intent else []
    if not spans:
        return None
    longest = max(end for _, end in spans)
    for touch in reversed(lead.touches):
        if touch.message and len(touch.message) >= longest:
            return touch.id
    return None


def _intent_out(lead: Lead) -> IntentOut | None:
    if lead.intent is None:
        return None
    out = IntentOut.model_validate(lead.intent)
    out.touch_id = _intent_touch(lead)
    return out


def _sight(request: Request, principal: Principal, conn: Connection) -> frozenset[str] | None:
    """The owners whose leads the caller may read (lower-cased), or None for every lead."""
    if principal.role is Role.SALES and api_settings(request).sales_see == "team":
        return lead_queries.sales_owners(conn, principal.user, bot_of(request).config.teams)
    return None


def _item(s: LeadSummary) -> LeadItem:
    return LeadItem(
        id=s.key,
        number=s.id,
        campaign=s.campaign,
        name=s.name,
        email=s.email,
        phone=s.phone,
        company=s.company,
        country=s.country,
        grade=s.grade,
        quality_score=s.quality_score,
        intent_score=s.intent_score,
        language=s.language,
        status=s.status,
        owner=s.owner,
        touch_count=s.touch_count,
        sources=list(s.sources),
        platforms=list(s.platforms),
        kinds=list(s.kinds),
        last_touch_at=s.last_touch_at,
        reasons=list(s.reasons),
        created_at=s.created_at,
        updated_at=s.updated_at,
    )


def lead_out(d: LeadDetail) -> LeadOut:
    lead = d.lead
    contact = {**lead.contact.model_dump(), "display_name": lead.display_name()}
    return LeadOut(
        id=d.key,
        number=lead.id,
        campaign=lead.campaign,
        status=d.status,
        status_reason=d.status_reason,
        status_changed_at=d.status_changed_at,
        status_changed_by=d.status_changed_by,
        owner=lead.owner,
        contact=ContactOut.model_validate(contact),
        handles=[HandleOut.model_validate(h) for h in lead.handles],
        hints=[HintOut.model_validate(h) for h in lead.hints],
        is_test=lead.is_test,
        identifier_notes=list(lead.identifier_notes),
        merged_into=d.merged_into_key,
        links=[
            LinkOut(
                lead=link.other_key,
                status=link.status,
                reason=link.reason,
                created_at=link.created_at,
                decided_at=link.decided_at,
                decided_by=link.decided_by,
            )
            for link in d.links
        ],
        intent=_intent_out(lead),
        quality=QualityOut.model_validate(lead.quality) if lead.quality else None,
        route=RouteOut(rules=d.route, owner=lead.owner, sinks={x.sink: x.route for x in d.deliveries}),
        touches=[TouchOut.model_validate(t) for t in lead.touches],
        deliveries=[DeliveryOut.model_validate(x) for x in d.deliveries],
        notes=[NoteOut.model_validate(n) for n in d.notes],
        touch_count=len(lead.touches),
        revision=lead.revision,
        created_at=lead.created_at,
        updated_at=lead.updated_at,
    )


@router.get("/leads", response_model=LeadList, responses={400: {}, 401: {}, 403: {}, 422: {}})
def list_leads(
    request: Request,
    campaign: str | None = Query(default=None, max_length=200),
    source: str | None = Query(default=None, max_length=100),
    platform: str | None = Query(default=None, max_length=50),
    kind: EventKind | None = None,
    grade: Grade | None = None,
    status: LeadStatus | None = None,
    owner: str | None = Query(default=None, max_length=200),
    language: str | None = Query(default=None, max_length=20),
    created_after: Instant | None = Query(default=None, description="Inclusive."),
    created_before: Instant | None = Query(default=None, description="Exclusive."),
    q: str | None = Query(
        default=None, min_length=2, max_length=200, description="Name, email, phone or message."
    ),
    sort: SortName = "-created_at",
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
    principal: Principal = require(Permission.LEADS_READ),
) -> LeadList:
    """Leads matching every filter given, a page at a time (``next_cursor``), newest first by default.

    ``source``, ``platform`` and ``kind`` hold when one touch of the lead matches them all.
    """
    names = [name for name, _ in request.query_params.multi_items()]
    if len(names) != len(set(names)):
        # FastAPI would keep the last of a repeated parameter; a filter is one value, so say so.
        raise ApiProblem(422, "give each query parameter once")
    with reading(bot_of(request).engine) as conn:
        filters = LeadFilters(
            campaign=campaign,
            source=source,
            platform=platform,
            kind=kind.value if kind else None,
            grade=grade,
            status=status.value if status else None,
            owner=owner,
            language=language,
            created_after=created_after,
            created_before=created_before,
            q=q.strip() or None if q else None,
            owners=_sight(request, principal, conn),
        )
        try:
            page = lead_queries.list_leads(conn, filters, sort=sort, limit=limit, cursor=cursor)
        except CursorError as exc:
            raise ApiProblem(400, str(exc)) from None
    return LeadList(items=[_item(s) for s in page.items], next_cursor=page.next_cursor)


def visible_row(request: Request, principal: Principal, conn: Connection, key: str) -> RowMapping:
    """The row of the lead with ``key`` if the caller may read it; ApiProblem(404) otherwise."""
    row = lead_queries.lead_row(conn, key)
    if row is None or not lead_queries.may_see(_sight(request, principal, conn), row["owner"]):
        raise ApiProblem(404, "no such lead")
    return row


@router.get("/leads/{lead_id}", response_model=LeadOut, responses={401: {}, 403: {}, 404: {}})
def read_lead(
    request: Request,
    lead_id: str = Path(max_length=100, description="The lead's public key (`sl1-...`)."),
    principal: Principal = require(Permission.LEADS_READ),
) -> LeadOut:
    """One lead: contact with its flags, touches with links and merge reasons, intent and quality with
    their reasons, the route, deliveries, status and notes."""
    with reading(bot_of(request).engine) as conn:
        return lead_out(lead_queries.lead_detail(conn, visible_row(request, principal, conn, lead_id)))


@router.patch("/leads/{lead_id}", response_model=LeadOut, responses={401: {}, 403: {}, 404: {}, 422: {}})
def change_lead(
    body: LeadChange,
    request: Request,
    lead_id: str = Path(max_length=100, description="The lead's public key (`sl1-...`)."),
    principal: Principal = require(Permission.LEADS_UPDATE),
) -> LeadOut:
    """Change the lead's status (``lost`` with a reason), its owner, or add a note; each change is
    audited. Answers the lead as it is after the change."""
    bot = bot_of(request)
    given: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "status" in given and body.status is None:
        raise ApiProblem(422, "status cannot be null; give one of " + ", ".join(s.value for s in LeadStatus))
    patch = LeadPatch(
        status=body.status,
        status_reason=body.status_reason,
        owner=body.owner,
        owner_given="owner" in given,
        note=body.note,
    )
    status_sinks = [name for name, sink in bot.sinks.items() if sink.models_status]
    try:
        with bot.engine.begin() as conn:
            number = visible_row(request, principal, conn, lead_id)["id"]
            changes = lead_work.apply_patch(conn, number, patch, principal.actor, bot.clock(), status_sinks)
            answer = lead_out(lead_queries.lead_detail(conn, lead_store.current_rows(conn, [number])[number]))
    except LeadWorkError as exc:
        raise ApiProblem(422, str(exc)) from None
    except NoSuchLead:
        raise ApiProblem(404, "no such lead") from None
    if any(change.deliveries_due for change in changes) and bot.runner.on_deliveries_due is not None:
        bot.runner.on_deliveries_due()  # the CRMs hear of the new status now, not at the next tick
    if changes:
        publish_lead_updated(bot, number, [change.action.removeprefix("lead.") for change in changes])
    return answer


class HeldDecision(BaseModel):
    """``POST /leads/{key}/held``: send the deliveries a routing rule held for review, or never send them."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["release", "reject"]


@router.post(
    "/leads/{lead_id}/held", response_model=LeadOut, responses={401: {}, 403: {}, 404: {}, 409: {}, 422: {}}
)
def decide_held(
    body: HeldDecision,
    request: Request,
    lead_id: str = Path(max_length=100, description="The lead's public key (`sl1-...`)."),
    principal: Principal = require(Permission.LEADS_UPDATE),
) -> LeadOut:
    """Release a held lead (its held deliveries are sent now) or reject it (they never are; the lead
    stays stored), as ``socialleads leads release|reject`` do; audited. 409 when nothing is held."""
    bot = bot_of(request)
    now = bot.clock()
    release = body.decision == "release"
    with bot.engine.begin() as conn:
        row = visible_row(request, principal, conn, lead_id)
        changed = outbox.decide_held(conn, row["id"], release, now)
        if not changed:
            raise ApiProblem(409, "this lead has no deliveries held for review")
        audit.record(
            conn,
            actor=principal.actor,
            action=f"lead.{body.decision}",
            target=f"lead:{row['key']}",
            before={"held": changed},
            after={"status": outbox.PENDING if release else outbox.REJECTED},
            now=now,
        )
        answer = lead_out(
            lead_queries.lead_detail(conn, lead_store.current_rows(conn, [row["id"]])[row["id"]])
        )
    if release and bot.runner.on_deliveries_due is not None:
        bot.runner.on_deliveries_due()
    publish_lead_updated(bot, row["id"], ["deliveries"])
    return answer
