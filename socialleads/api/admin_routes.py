"""Users, API tokens and the audit log, for admins (docs/api.md, "People and access").

Every change is audited. The last active admin can be neither disabled nor demoted: nobody could
undo it without the command line.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from socialleads.accounts.passwords import hash_password
from socialleads.accounts.roles import Permission, Role
from socialleads.api.auth import Principal, bot_of, require
from socialleads.api.params import ROW_ID_MAX, RowId
from socialleads.api.problems import ApiProblem
from socialleads.store import accounts, audit
from socialleads.store.accounts import AccountError, ApiToken, User

router = APIRouter(prefix="/api/v1", tags=["admin"])


class UserOut(BaseModel):
    """A user as the API shows them (never the password hash)."""

    email: str
    name: str
    role: Role
    team: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class NewUser(BaseModel):
    """``POST /users``: a password of 12 characters or more, or none (API tokens only)."""

    email: str = Field(min_length=3, max_length=320)
    name: str = Field(default="", max_length=200)
    role: Role
    team: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, min_length=12, max_length=1000)


class UserChange(BaseModel):
    """``PATCH /users/{email}``: only the fields given change (a null name, role or active: no change;
    a null team: no team)."""

    name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    team: str | None = Field(default=None, max_length=200)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=12, max_length=1000)


class TokenOut(BaseModel):
    """A token's facts; ``token`` is filled only in the answer that creates it."""

    id: int
    user: str
    name: str
    prefix: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    token: str | None = None


class NewToken(BaseModel):
    """``POST /tokens``."""

    user: str = Field(max_length=320)
    name: str = Field(default="api", max_length=200)
    role: Role | None = None
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


class AuditOut(BaseModel):
    """One audit entry."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: Any
    after: Any


def _user_out(user: User) -> UserOut:
    return UserOut(
        email=user.email,
        name=user.name,
        role=user.role,
        team=user.team,
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def _token_out(token: ApiToken, email: str, plain: str | None = None) -> TokenOut:
    return TokenOut(
        id=token.id,
        user=email,
        name=token.name,
        prefix=token.prefix,
        role=token.role,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        token=plain,
    )


@router.get("/users", response_model=list[UserOut])
def list_users(request: Request, _: Principal = require(Permission.USERS_MANAGE)) -> list[UserOut]:
    """Every user."""
    with bot_of(request).engine.connect() as conn:
        return [_user_out(u) for u in accounts.list_users(conn)]


@router.post("/users", response_model=UserOut, status_code=201, responses={409: {}})
def add_user(
    body: NewUser, request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> UserOut:
    """Create a user."""
    bot = bot_of(request)
    now = bot.clock()
    password_hash = hash_password(body.password) if body.password else None
    try:
        with bot.engine.begin() as conn:
            user = accounts.add_user(
                conn,
                body.email,
                name=body.name,
                role=body.role,
                team=body.team,
                password_hash=password_hash,
                now=now,
            )
            out = _user_out(user)
            audit.record(
                conn,
                actor=principal.actor,
                action="user.create",
                target=f"user:{user.email}",
                before=None,
                after=out.model_dump(mode="json"),
                now=now,
            )
    except AccountError as exc:
        raise ApiProblem(409, str(exc)) from None
    return out


def _user_or_404(conn: Any, email: str) -> User:
    user = accounts.find_user(conn, email)
    if user is None:
        raise ApiProblem(404, f"no user {email}")
    return user


@router.patch("/users/{email}", response_model=UserOut, responses={404: {}, 409: {}})
def change_user(
    email: str, body: UserChange, request: Request, principal: Principal = require(Permission.USERS_MANAGE)
) -> UserOut:
    """Change a user's name, role, team, password, or disable them (their sessions end)."""
    bot = bot_of(request)
    now = bot.clock()
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"password"})
    for unchanged_when_null in ("name", "role", "active"):
        if changes.get(unchanged_when_null, "") is None:
            del changes[unchanged_when_null]
    if body.password is not None:
        changes["password_hash"] = hash_password(body.password)
    with bot.engine.begin() as conn:
        user = _user_or_404(conn, email)
        before = _user_out(user)
        loses_admin = (
            user.role is Role.ADMIN
            and user.active
            and (changes.get("role", Role.ADMIN) is not Role.ADMIN or changes.get("active", True) is False)
        )
        if loses_admin and accounts.count_active_admins(conn) <= 1:
            raise ApiProblem(409, "this is the last active admin; make another admin first")
        if "role" in changes:
            changes["role"] = Role(changes["role"]).value
        accounts.update_user(conn, user.id, now, **changes)
        if changes.get("active") is False or "password_hash" in changes:
            accounts.end_sessions_of(conn, user.id)
        after = _user_out(_user_or_404(conn, email))
        audit.record(
            conn,
            actor=principal.actor,
            action="user.update",
            target=f"user:{user.email}",
            before=before.model_dump(mode="json"),
            after={**after.model_dump(mode="json"), **({"password": "changed"} if body.password else {})},
            now=now,
        )
    return after


@router.get("/tokens", response_model=list[TokenOut], responses={404: {}})
def list_tokens(
    request: Request,
    user: str | None = Query(default=None, max_length=320),
    _: Principal = require(Permission.TOKENS_MANAGE),
) -> list[TokenOut]:
    """API tokens (never the tokens themselves), of one user or everyone, newest first."""
    with bot_of(request).engine.connect() as conn:
        emails = {u.id: u.email for u in accounts.list_users(conn)}
        owner = accounts.find_user(conn, user) if user else None
        if user and owner is None:
            raise ApiProblem(404, f"no user {user}")
        tokens = accounts.tokens_of(conn, owner.id if owner else None)
    return [_token_out(t, emails.get(t.user_id, "?")) for t in tokens]


@router.post("/tokens", response_model=TokenOut, status_code=201, responses={404: {}, 409: {}})
def create_token(
    body: NewToken, request: Request, principal: Principal = require(Permission.TOKENS_MANAGE)
) -> TokenOut:
    """A new token; the answer is the only place it is ever shown."""
    bot = bot_of(request)
    now = bot.clock()
    expires = now + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    with bot.engine.begin() as conn:
        owner = _user_or_404(conn, body.user)
        try:
            plain, token = accounts.create_token(
                conn, owner, name=body.name, role=body.role, expires_at=expires, now=now
            )
        except AccountError as exc:
            raise ApiProblem(409, str(exc)) from None
        out = _token_out(token, owner.email)
        audit.record(
            conn,
            actor=principal.actor,
            action="token.create",
            target=f"token:{token.id}",
            before=None,
            after=out.model_dump(mode="json"),
            now=now,
        )
    return _token_out(token, owner.email, plain)


@router.delete("/tokens/{token_id}", status_code=204, responses={404: {}})
def revoke_token(
    token_id: RowId, request: Request, principal: Principal = require(Permission.TOKENS_MANAGE)
) -> None:
    """Revoke a token at once."""
    bot = bot_of(request)
    now = bot.clock()
    with bot.engine.begin() as conn:
        token = accounts.token_by_id(conn, token_id)
        if token is None:
            raise ApiProblem(404, f"no token {token_id}")
        if accounts.revoke_token(conn, token_id, now):
            audit.record(
                conn,
                actor=principal.actor,
                action="token.revoke",
                target=f"token:{token_id}",
                before={"revoked_at": None},
                after={"revoked_at": now.isoformat()},
                now=now,
            )


@router.get("/audit", response_model=list[AuditOut])
def audit_log(
    request: Request,
    target: str | None = Query(default=None, max_length=400),
    actor: str | None = Query(default=None, max_length=320),
    before_id: int | None = Query(default=None, ge=1, le=ROW_ID_MAX),
    limit: int = Query(default=100, ge=1, le=1000),
    _: Principal = require(Permission.AUDIT_READ),
) -> list[AuditOut]:
    """Audit entries, newest first; ``before_id`` pages back."""
    with bot_of(request).engine.connect() as conn:
        found = audit.entries(conn, target=target, actor=actor, before_id=before_id, limit=limit)
    return [AuditOut(**vars(e)) for e in found]
