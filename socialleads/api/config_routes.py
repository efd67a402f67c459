"""Configuration through the API: campaigns, teams, sources and sinks, changed while the bot runs
(docs/api.md, "Configuration").

Each item is kept in the database with its versions (``socialleads.configuration.stored``), checked
with the YAML files' models and messages (422 lists each problem with its key and fix), audited, and
put in force at once (``Bot.apply_config``): the next stored lead uses the new campaign, a changed
source or sink is rebuilt, the scheduler adds, changes or removes a source's jobs. Items a YAML file
defines stay managed there: reading them works, changing them is 409 ("managed in
config/campaigns.yaml"). A source's or sink's secrets are write-only: given as values or
``{"$env": NAME}`` references, shown as ``********`` or the reference, kept when a change leaves
them out (so a client can send back what it read).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Connection

from socialleads.accounts.roles import Permission
from socialleads.api.auth import Principal, bot_of, require
from socialleads.api.params import ROW_ID_MAX
from socialleads.api.problems import ApiProblem
from socialleads.bot import Bot, stored_overlay
from socialleads.cli.sources import check_connector
from socialleads.configuration.changes import ManagedInFile, NoSuchItem, change_item
from socialleads.configuration.loader import ItemKind, Problems, check_campaign
from socialleads.configuration.models import Campaign, DefaultRoute
from socialleads.configuration.overlay import ChangeRefused, managed_in_file, masked_body, origin_of
from socialleads.configuration.stored import StaleItem, StoredItem, read_items, versions
from socialleads.errors import ConfigurationError, ConfigurationErrors
from socialleads.models import EventKind, Grade, Health, HealthState
from socialleads.pipeline.owners import choose
from socialleads.pipeline.routing import RouteDecision, RouteFacts, facts_of_lead, route
from socialleads.store import leads as lead_store
from socialleads.store.db import reading
from socialleads.store.owner_rotation import next_turn

router = APIRouter(prefix="/api/v1", tags=["configuration"])

CHECK_TIMEOUT_S = 20.0
"""How long ``POST .../check`` waits for a connector's live check, unless the caller asks for less
(``?timeout=``), before answering that it hangs."""
ItemName = Annotated[
    str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="its name")
]


_NOT_YET = "changed by another process: this bot puts it in force at its next look (every 10 s)"


class ConfigItemOut(BaseModel):
    """A configuration item, where it is managed and its version; secrets masked."""

    kind: Literal["campaign", "team", "source", "sink"]
    name: str
    managed_by: str
    """``api`` for an item kept in the database, else the YAML file that defines it."""
    version: int | None
    """The stored version (None for an item of a file)."""
    updated_at: datetime | None
    updated_by: str | None
    in_effect: bool
    """False for a stored item the running bot does not use: see ``problems``."""
    problems: list[str] = Field(default_factory=list)
    body: dict[str, Any]
    """The item as written (a campaign, ``{"members": [...]}`` for a team, a source's or sink's entry)."""


class VersionOut(BaseModel):
    """One stored version of an item; ``body`` None is a deletion."""

    version: int
    body: dict[str, Any] | None
    changed_at: datetime
    changed_by: str


class CheckOut(BaseModel):
    """The live check of a running source or sink (``socialleads doctor``'s)."""

    kind: Literal["source", "sink"]
    name: str
    state: HealthState
    summary: str
    details: list[str]
    expires_at: datetime | None = None
    """When the credentials the check looked at expire, where the platform says (a Meta token)."""


def _view(
    bot: Bot, kind: ItemKind, name: str, stored: StoredItem | None, problems: list[str] | None
) -> ConfigItemOut:
    """The item as the API shows it: the stored one, or else the one of the files."""
    if stored is not None:
        in_effect = bot.config.stored_versions.get((kind, name)) == stored.version
        return ConfigItemOut(
            kind=kind,
            name=name,
            managed_by="api",
            version=stored.version,
            updated_at=stored.updated_at,
            updated_by=stored.updated_by,
            in_effect=in_effect,
            problems=[] if in_effect else (problems or [_NOT_YET]),
            body=masked_body(kind, stored.body, bot.registry) or {},
        )
    written = bot.base_config.written.get((kind, name))
    return ConfigItemOut(
        kind=kind,
        name=name,
        managed_by=bot.base_config.managed_by(kind, name),
        version=None,
        updated_at=None,
        updated_by=None,
        in_effect=True,
        body=masked_body(kind, written if isinstance(written, dict) else {}, bot.registry) or {},
    )


def _file_names(bot: Bot, kind: ItemKind) -> list[str]:
    base = bot.base_config
    named: dict[ItemKind, list[str]] = {
        "campaign": list(base.campaigns),
        "team": list(base.teams),
        "source": list(base.sources),
        "sink": list(base.sinks),
    }
    return named[kind]


def _problems_of(bot: Bot, items: list[StoredItem]) -> dict[tuple[ItemKind, str], list[str]]:
    """Why stored items are not in force (computed only when one is not)."""
    if all(bot.config.stored_versions.get((i.kind, i.name)) == i.version for i in items):
        return {}
    try:
        merged = stored_overlay(bot.base_config, bot.engine, bot.registry)
    except ConfigurationErrors as exc:
        return {(i.kind, i.name): [str(e) for e in exc.errors] for i in items}
    found = {key: [str(e) for e in errors] for key, errors in merged.problems.items()}
    for kind, name in merged.shadowed:
        found[(kind, name)] = [f"ignored: managed in {managed_in_file(bot.base_config, kind, name)}"]
    return found


def _list(bot: Bot, kind: ItemKind) -> list[ConfigItemOut]:
    with reading(bot.engine) as conn:
        stored = [i for i in read_items(conn) if i.kind == kind]
    problems = _problems_of(bot, stored)
    files = [_view(bot, kind, name, None, None) for name in _file_names(bot, kind)]
    in_files = {v.name for v in files}
    return files + [
        _view(bot, kind, i.name, i, problems.get((kind, i.name))) for i in stored if i.name not in in_files
    ]


def _one(bot: Bot, kind: ItemKind, name: str) -> ConfigItemOut:
    for item in _list(bot, kind):
        if item.name == name:
            return item
    raise ApiProblem(404, f"no {kind} named '{name}'")


def _error(error: ConfigurationError) -> dict[str, Any]:
    return {
        "file": error.file,
        "key": error.key,
        "problem": error.problem,
        "fix": error.fix,
        "message": str(error),
    }


def _change(
    request: Request, principal: Principal, kind: ItemKind, name: str, body: dict[str, Any] | None
) -> None:
    """Check, store, audit and put in force one change; raises the problem to answer otherwise."""
    bot = bot_of(request)
    with bot.reconfiguring:  # one change at a time, applied in the order they were stored
        try:
            done = change_item(
                bot.engine,
                bot.base_config,
                bot.registry,
                kind,
                name,
                body,
                actor=principal.actor,
                now=bot.clock(),
            )
        except ManagedInFile as exc:
            raise ApiProblem(409, str(exc), managed_by=exc.file) from None
        except NoSuchItem as exc:
            raise ApiProblem(404, str(exc)) from None
        except StaleItem as exc:
            raise ApiProblem(409, f"{exc}; read it again and retry") from None
        except ChangeRefused as exc:
            count = len(exc.errors)
            raise ApiProblem(
                422,
                f"the {kind} has {count} problem{'s' if count > 1 else ''}",
                errors=[_error(e) for e in exc.errors],
            ) from None
        except ConfigurationErrors as exc:  # the secrets file cannot be read
            raise ApiProblem(503, "; ".join(str(e) for e in exc.errors)) from None
        bot.apply_config(done.overlay.config)


def _versions(bot: Bot, kind: ItemKind, name: str) -> list[VersionOut]:
    with reading(bot.engine) as conn:
        found = versions(conn, kind, name)
    if not found:
        raise ApiProblem(404, f"no {kind} named '{name}' was ever stored")
    return [
        VersionOut(
            version=v.version,
            body=masked_body(kind, v.body, bot.registry),
            changed_at=v.changed_at,
            changed_by=v.changed_by,
        )
        for v in found
    ]


def _add_item_routes(kind: ItemKind, plural: str, read: Permission, write: Permission) -> None:
    """``GET /{plural}``, ``GET/PUT/DELETE /{plural}/{name}`` and ``GET /{plural}/{name}/versions``."""

    @router.get(f"/{plural}", response_model=list[ConfigItemOut], name=f"list_{plural}")
    def list_items(request: Request, _: Principal = require(read)) -> list[ConfigItemOut]:
        """Every item: those of the YAML file first, then those kept in the database."""
        return _list(bot_of(request), kind)

    @router.get(f"/{plural}/{{name}}", response_model=ConfigItemOut, responses={404: {}}, name=f"get_{kind}")
    def get_item(name: ItemName, request: Request, _: Principal = require(read)) -> ConfigItemOut:
        """One item, where it is managed and its version."""
        return _one(bot_of(request), kind, name)

    @router.put(
        f"/{plural}/{{name}}",
        response_model=ConfigItemOut,
        responses={404: {}, 409: {}, 422: {}, 503: {}},
        name=f"put_{kind}",
    )
    def put_item(
        name: ItemName,
        request: Request,
        body: dict[str, Any] = Body(description=f"the {kind} as its YAML file would hold it, as JSON"),
        principal: Principal = require(write),
    ) -> ConfigItemOut:
        """Create or replace the item; it takes effect at once (409 for an item of a YAML file)."""
        _change(request, principal, kind, name, body)
        return _one(bot_of(request), kind, name)

    @router.delete(
        f"/{plural}/{{name}}",
        status_code=204,
        responses={404: {}, 409: {}, 422: {}, 503: {}},
        name=f"delete_{kind}",
    )
    def delete_item(name: ItemName, request: Request, principal: Principal = require(write)) -> None:
        """Delete the item (a version with no body); refused when something still names it."""
        _change(request, principal, kind, name, None)

    @router.get(
        f"/{plural}/{{name}}/versions",
        response_model=list[VersionOut],
        responses={404: {}},
        name=f"versions_of_{kind}",
    )
    def item_versions(name: ItemName, request: Request, _: Principal = require(read)) -> list[VersionOut]:
        """Every stored version of the item, newest first; secrets masked."""
        return _versions(bot_of(request), kind, name)


_add_item_routes("campaign", "campaigns", Permission.CAMPAIGNS_READ, Permission.CAMPAIGNS_WRITE)
_add_item_routes("team", "teams", Permission.CAMPAIGNS_READ, Permission.TEAMS_WRITE)
_add_item_routes("source", "sources", Permission.SOURCES_READ, Permission.SOURCES_WRITE)
_add_item_routes("sink", "sinks", Permission.SINKS_READ, Permission.SINKS_WRITE)


def _check_within(run: Callable[[], Health], seconds: float, what: str) -> Health:
    """``run()``'s answer, or a failing health when it takes longer than ``seconds`` (it goes on in
    a daemon thread: a connector's check cannot be interrupted, only stopped waiting for)."""
    answers: list[Health] = []
    thread = threading.Thread(target=lambda: answers.append(run()), name=f"check-{what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if not answers:
        return Health(state=HealthState.FAILING, summary=f"the check did not answer within {seconds:.0f}s")
    return answers[0]


def _check(request: Request, kind: Literal["source", "sink"], name: str, timeout: float) -> CheckOut:
    bot = bot_of(request)
    running: dict[str, Any] = dict(bot.sources if kind == "source" else bot.sinks)
    configured = bot.config.sources if kind == "source" else bot.config.sinks
    if name not in configured:
        raise ApiProblem(404, f"no {kind} named '{name}'")
    connector = running.get(name)
    if connector is None:
        why = bot.unavailable.get(name) or "it is disabled"
        raise ApiProblem(409, f"{kind} '{name}' is not running: {why}")
    health = _check_within(lambda: check_connector(connector), timeout, f"{kind}-{name}")
    return CheckOut(
        kind=kind,
        name=name,
        state=health.state,
        summary=health.summary,
        details=list(health.details),
        expires_at=health.expires_at,
    )


CheckTimeout = Annotated[
    float, Query(gt=0, le=60, description="seconds to wait for the platform before answering that it hangs")
]


@router.post("/sources/{name}/check", response_model=CheckOut, responses={404: {}, 409: {}})
def check_source(
    name: ItemName,
    request: Request,
    timeout: CheckTimeout = CHECK_TIMEOUT_S,
    _: Principal = require(Permission.SOURCES_READ),
) -> CheckOut:
    """Run the source's live check now (token, permissions, folder), as ``socialleads doctor`` does."""
    return _check(request, "source", name, timeout)


@router.post("/sinks/{name}/check", response_model=CheckOut, responses={404: {}, 409: {}})
def check_sink(
    name: ItemName,
    request: Request,
    timeout: CheckTimeout = CHECK_TIMEOUT_S,
    _: Principal = require(Permission.SINKS_READ),
) -> CheckOut:
    """Run the sink's live check now (token, reachable server), as ``socialleads doctor`` does."""
    return _check(request, "sink", name, timeout)


class DraftFacts(BaseModel):
    """What routing looks at, for a lead not stored (yet)."""

    source: str | None = Field(default=None, max_length=200)
    """Default: the campaign's first source."""
    platform: str | None = Field(default=None, max_length=100)
    """Default: the platform of the source, when it runs."""
    kind: EventKind = EventKind.LEAD_FORM
    grade: Grade | None = None
    quality_score: int | None = Field(default=None, ge=0, le=100)
    intent_score: float | None = Field(default=None, ge=0, le=1)
    country: str | None = Field(default=None, max_length=2)
    language: str | None = Field(default=None, max_length=8)


class RouteTestIn(BaseModel):
    """``lead_id`` (a stored lead as it is now) or ``draft``; ``campaign`` tests a body before saving it."""

    lead_id: int | None = Field(default=None, ge=1, le=ROW_ID_MAX)
    draft: DraftFacts | None = None
    campaign: dict[str, Any] | None = None
    """A campaign body to test instead of the one in force (checked like a PUT; nothing is saved)."""

    @model_validator(mode="after")
    def _one_lead(self) -> RouteTestIn:
        if (self.lead_id is None) == (self.draft is None):
            raise ValueError("give lead_id or draft, not both")
        return self


class FactsOut(BaseModel):
    """The facts the rules were tested on."""

    source: str
    platform: str
    kind: EventKind
    grade: Grade | None
    quality_score: int | None
    intent_score: float | None
    country: str | None
    language: str | None


class RuleVerdictOut(BaseModel):
    """One rule's verdict: whether it matches, and whether it decides (``first`` mode stops at the first)."""

    rule: str
    matches: bool
    decides: bool
    reason: str
    deliver_to: list[str]
    hold: bool


class OwnerOut(BaseModel):
    """Who owns the lead, or would: an owner is assigned once and kept."""

    owner: str | None
    team: str | None
    why: str
    by: str | None


class RouteTestOut(BaseModel):
    """What the campaign's rules decide for the lead; nothing is delivered or changed."""

    campaign: str
    lead_id: int | None
    facts: FactsOut
    rules: list[RuleVerdictOut]
    route: str
    """The deciding rules joined with ``+``, ``default``, or ``unrouted``."""
    sinks: dict[str, str]
    """Sink → the rule that sends the lead there."""
    hold: bool
    owner: OwnerOut
    explanation: list[str]


def tested_campaign(bot: Bot, name: str, body: dict[str, Any] | None) -> Campaign:
    """The campaign in force, or ``body`` checked as a PUT would check it (422 with its problems)."""
    if body is None:
        campaign = bot.config.campaigns.get(name)
        if campaign is None:
            raise ApiProblem(404, f"no campaign named '{name}' is in force")
        return campaign
    problems, origin = Problems(), origin_of("campaign", name)
    checked = problems.validate(Campaign, body, origin)
    if checked is not None:
        owners = {s: other for other, c in bot.config.campaigns.items() if other != name for s in c.sources}
        check_campaign(name, checked, origin, bot.config, problems, owners)
    if checked is None or problems.errors:
        raise ApiProblem(422, "the campaign has problems", errors=[_error(e) for e in problems.errors])
    return checked


def _facts(
    bot: Bot, conn: Connection, body: RouteTestIn, campaign: Campaign
) -> tuple[RouteFacts, str | None]:
    """The facts to route by, and the lead's owner when it has one."""
    if body.lead_id is not None:
        lead = lead_store.load_lead(conn, body.lead_id)
        if lead is None:
            raise ApiProblem(404, f"no lead {body.lead_id}")
        facts = facts_of_lead(lead)
        if facts is None:
            raise ApiProblem(422, f"lead {body.lead_id} has no touches to route by")
        return facts, lead.owner
    draft = body.draft or DraftFacts()
    source = draft.source or (campaign.sources[0] if campaign.sources else "draft")
    running = bot.sources.get(source)
    platform = draft.platform or (running.platform if running is not None else "unknown")
    facts = RouteFacts(
        source=source,
        platform=platform,
        kind=draft.kind,
        grade=draft.grade,
        quality_score=draft.quality_score,
        intent_score=draft.intent_score,
        country=draft.country,
        language=draft.language,
    )
    return facts, None


def _verdicts(name: str, campaign: Campaign, facts: RouteFacts) -> list[RuleVerdictOut]:
    """Every rule's verdict, each tested alone with the same routing code the store step runs."""
    verdicts: list[RuleVerdictOut] = []
    decided = False
    for rule in campaign.routes:
        alone = campaign.model_copy(update={"routes": (rule,), "owner_team": None})
        single = route(facts, name, alone, DefaultRoute())
        matches = bool(single.sinks)
        decides = matches and not (decided and campaign.route_mode == "first")
        decided = decided or matches
        verdicts.append(
            RuleVerdictOut(
                rule=rule.name,
                matches=matches,
                decides=decides,
                reason=single.explanation[0],
                deliver_to=list(rule.deliver_to),
                hold=rule.hold,
            )
        )
    return verdicts


def _owner(
    conn: Connection, bot: Bot, decision: RouteDecision, facts: RouteFacts, current: str | None
) -> OwnerOut:
    """Who would own the lead (``socialleads routes test``'s answer): the next team member is peeked
    at, not taken."""
    if current:
        return OwnerOut(owner=current, team=None, why="assigned earlier; a lead keeps its owner", by=None)
    if decision.assign is None:
        return OwnerOut(owner=None, team=None, why="no rule assigns an owner", by=None)
    choice = choose(decision.assign, facts.country)
    members = bot.config.teams.get(choice.team or "", ())
    owner = choice.owner
    if owner is None and choice.team and members:
        owner = members[next_turn(conn, choice.team) % len(members)]
    return OwnerOut(owner=owner, team=choice.team, why=choice.why, by=decision.assigned_by)


@router.post(
    "/campaigns/{name}/routes/test",
    response_model=RouteTestOut,
    responses={404: {}, 422: {}},
)
def test_routes(
    name: ItemName, body: RouteTestIn, request: Request, _: Principal = require(Permission.CAMPAIGNS_WRITE)
) -> RouteTestOut:
    """Route a stored lead or a draft through the campaign's rules: every rule's verdict, which one
    decides, the sinks and the owner. Nothing is written."""
    bot = bot_of(request)
    campaign = tested_campaign(bot, name, body.campaign)
    with reading(bot.engine) as conn:
        facts, current_owner = _facts(bot, conn, body, campaign)
        decision = route(facts, name, campaign, bot.config.default_route)
        owner = _owner(conn, bot, decision, facts, current_owner)
    return RouteTestOut(
        campaign=name,
        lead_id=body.lead_id,
        facts=FactsOut(**vars(facts)),
        rules=_verdicts(name, campaign, facts),
        route=decision.route,
        sinks=dict(decision.sinks),
        hold=decision.hold,
        owner=owner,
        explanation=list(decision.explanation),
    )
