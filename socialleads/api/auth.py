"""Who is calling: a bearer token or the console's session cookie; what they may do (docs/api.md).

Every route under ``/api/v1`` depends on ``require(permission)``: no credentials is 401, a
credential whose role lacks the permission is 403. A call made with the session cookie that
changes something (POST, PUT, PATCH, DELETE) must also carry the session's CSRF token in the
``X-CSRF-Token`` header (the cookie is sent by the browser on its own; the header only by our pages),
otherwise 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Depends, Request
from sqlalchemy import Engine

from socialleads.accounts.roles import Permission, Role, allows
from socialleads.api.problems import ApiProblem
from socialleads.bot import Bot
from socialleads.settings import ApiSettings
from socialleads.store import accounts
from socialleads.store.accounts import User

SESSION_COOKIE = "sl_session"
CSRF_HEADER = "X-CSRF-Token"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="socialleads"'}


@dataclass(frozen=True)
class Principal:
    """The caller of one request: the user, the role in force (a token's may be lower), and how."""

    user: User
    role: Role
    via: str
    """``token`` or ``session``."""
    token_id: int | None = None
    csrf_token: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names the caller."""
        return self.user.email

    def may(self, permission: Permission) -> bool:
        """True when the caller's role holds ``permission``."""
        return allows(self.role, permission)


def bot_of(request: Request) -> Bot:
    """The bot the app serves (``create_app`` puts it on ``app.state``)."""
    bot: Bot = request.app.state.bot
    return bot


def api_settings(request: Request) -> ApiSettings:
    """The API's settings."""
    return bot_of(request).settings.api


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _by_token(engine: Engine, plain: str, now: datetime) -> Principal:
    with engine.begin() as conn:
        token = accounts.token_by_secret(conn, plain)
        if token is None or not token.usable_at(now):
            reason = "unknown" if token is None else ("revoked" if token.revoked_at else "expired")
            raise ApiProblem(401, f"the API token is {reason}", headers=_CHALLENGE)
        user = accounts.user_by_id(conn, token.user_id)
        if user is None or not user.active:
            raise ApiProblem(401, "the token's user is disabled", headers=_CHALLENGE)
        accounts.mark_token_used(conn, token.id, now)
    # A user demoted after the token was made keeps only the lower role.
    role = token.role if user.role.covers(token.role) else user.role
    return Principal(user=user, role=role, via="token", token_id=token.id)


def _by_session(engine: Engine, plain: str, now: datetime) -> Principal | None:
    with engine.connect() as conn:
        session = accounts.session_by_secret(conn, plain, now)
        user = accounts.user_by_id(conn, session.user_id) if session else None
    if session is None or user is None or not user.active:
        return None
    return Principal(user=user, role=user.role, via="session", csrf_token=session.csrf_token)


def authenticate(request: Request) -> Principal | None:
    """The caller, or None when the request carries no credentials.

    Raises ``ApiProblem(401)`` for a bearer token that is unknown, expired or revoked.
    """
    bot = bot_of(request)
    now = bot.clock()
    plain = _bearer(request)
    if plain is not None:
        return _by_token(bot.engine, plain, now)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return _by_session(bot.engine, cookie, now)
    return None


def _check_csrf(request: Request, principal: Principal) -> None:
    if principal.via != "session" or request.method not in _UNSAFE:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
        raise ApiProblem(403, f"a change made with the session cookie needs the {CSRF_HEADER} header")


def signed_in(request: Request) -> Principal:
    """Dependency: any authenticated caller (401 otherwise), CSRF checked for session changes."""
    principal = authenticate(request)
    if principal is None:
        raise ApiProblem(
            401, "sign in, or send an API token as 'Authorization: Bearer sl_...'", headers=_CHALLENGE
        )
    _check_csrf(request, principal)
    return principal


def require(permission: Permission) -> Any:
    """Dependency for a route that needs ``permission``; yields the ``Principal``.

    Use as ``principal: Principal = require(Permission.LEADS_READ)``.
    """

    def dependency(principal: Principal = Depends(signed_in)) -> Principal:
        if not principal.may(permission):
            raise ApiProblem(403, f"a {principal.role} may not do this (needs {permission})")
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]  # read by permission_of
    checker: Callable[..., Principal] = dependency
    return Depends(checker)


def permission_of(route: Any) -> Permission | None:
    """The permission an API route requires (None: any signed-in caller, or none); for tests and docs."""
    dependant = getattr(route, "dependant", None)
    for dependency in dependant.dependencies if dependant is not None else []:
        found = getattr(dependency.call, "permission", None)
        if isinstance(found, Permission):
            return found
    return None
