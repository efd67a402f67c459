"""Signing in and out of the console, and ``/me`` (docs/api.md, "Signing in").

``POST /api/v1/session`` checks the password and sets the session cookie (HttpOnly, SameSite=Lax,
Secure behind https); it answers the CSRF token the console sends back on every change. Failed
attempts are counted per account and per address: past the limit within the window, log-ins are
refused with 429 and a Retry-After, whether or not the password is right (so guessing cannot go on).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from socialleads.accounts.passwords import hash_password, needs_rehash, password_matches
from socialleads.accounts.roles import PERMISSIONS
from socialleads.api.auth import SESSION_COOKIE, Principal, api_settings, bot_of, signed_in
from socialleads.api.problems import ApiProblem
from socialleads.settings import ApiSettings
from socialleads.store import accounts, audit
from socialleads.store.accounts import User

router = APIRouter(prefix="/api/v1", tags=["session"])


class Credentials(BaseModel):
    """What the sign-in form sends."""

    email: str = Field(max_length=320)
    password: str = Field(max_length=1000)


class Me(BaseModel):
    """The caller: who they are, their role, and (for a console session) the CSRF token."""

    email: str
    name: str
    role: str
    team: str | None
    via: str
    permissions: list[str]
    csrf_token: str | None = None


def me_of(user: User, principal: Principal | None = None, csrf_token: str | None = None) -> Me:
    """The ``/me`` answer for ``user``."""
    role = principal.role if principal else user.role
    return Me(
        email=user.email,
        name=user.name,
        role=role.value,
        team=user.team,
        via=principal.via if principal else "session",
        permissions=sorted(p.value for p in PERMISSIONS[role]),
        csrf_token=csrf_token if csrf_token is not None else (principal.csrf_token if principal else None),
    )


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _refuse_if_limited(request: Request, email: str, settings: ApiSettings, now: datetime) -> None:
    since = now - settings.login_window
    with bot_of(request).engine.connect() as conn:
        by_email, by_address = accounts.recent_login_failures(
            conn, email=email, address=_client_address(request), since=since
        )
    if by_email >= settings.login_failures_per_account or by_address >= settings.login_failures_per_address:
        wait = int(settings.login_window.total_seconds())
        raise ApiProblem(429, "too many failed sign-ins; try again later", headers={"Retry-After": str(wait)})


def _secure(request: Request, settings: ApiSettings) -> bool:
    if settings.secure_cookies == "auto":
        return request.url.scheme == "https"
    return settings.secure_cookies == "always"


@router.post("/session", response_model=Me, responses={401: {}, 429: {}})
def sign_in(credentials: Credentials, request: Request, response: Response) -> Me:
    """Check the email and password; set the session cookie; answer who signed in and the CSRF token."""
    bot, settings = bot_of(request), api_settings(request)
    now = bot.clock()
    _refuse_if_limited(request, credentials.email, settings, now)
    with bot.engine.begin() as conn:
        user = accounts.find_user(conn, credentials.email)
        ok = password_matches(user.password_hash if user else None, credentials.password)
        if user is None or not ok or not user.active:
            accounts.record_login_failure(conn, credentials.email, _client_address(request), now)
    if user is None or not ok or not user.active:
        raise ApiProblem(401, "wrong email or password, or the account is disabled")
    with bot.engine.begin() as conn:
        accounts.clear_login_failures(conn, user.email)
        changes: dict[str, Any] = {"last_login_at": now}
        if user.password_hash and needs_rehash(user.password_hash):
            changes["password_hash"] = hash_password(credentials.password)
        accounts.update_user(conn, user.id, now, **changes)
        plain, session = accounts.create_session(conn, user.id, lifetime=settings.session_lifetime, now=now)
        audit.record(
            conn,
            actor=user.email,
            action="session.create",
            target=f"user:{user.email}",
            before=None,
            after={"address": _client_address(request)},
            now=now,
        )
    response.set_cookie(
        SESSION_COOKIE,
        plain,
        max_age=int(settings.session_lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request, settings),
        path="/",
    )
    return me_of(user, csrf_token=session.csrf_token)


@router.delete("/session", status_code=204, responses={401: {}, 403: {}})
def sign_out(request: Request, response: Response, _: Principal = Depends(signed_in)) -> None:
    """End the console session (needs the CSRF token, like every change)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with bot_of(request).engine.begin() as conn:
            accounts.end_session(conn, cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=Me, responses={401: {}})
def who_am_i(principal: Principal = Depends(signed_in)) -> Me:
    """The caller, their role and permissions."""
    return me_of(principal.user, principal)
