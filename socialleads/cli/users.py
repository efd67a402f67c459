"""``socialleads users`` and ``socialleads tokens``: people and API tokens from the server's shell.

The first admin is made here (there is no default account and no default password):
``socialleads users add ada@example.com --role admin`` prints a generated password once, or reads
one from standard input with ``--password-stdin``. Every change is audited as ``cli:<os user>``.
"""

from __future__ import annotations

import getpass
import secrets
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy import Connection

from socialleads.accounts.passwords import MIN_LENGTH, hash_password
from socialleads.accounts.roles import Role
from socialleads.cli.common import console, engine_from, errors, labelled, say
from socialleads.settings import parse_duration
from socialleads.store import accounts, audit
from socialleads.store.accounts import AccountError, User

users_app = typer.Typer(no_args_is_help=True)
tokens_app = typer.Typer(no_args_is_help=True)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _now() -> datetime:
    return datetime.now(UTC)


def _fail(message: str) -> typer.Exit:
    errors.print(labelled("error:", "red", message))
    return typer.Exit(1)


def _existing(conn: Connection, email: str) -> User:
    user = accounts.find_user(conn, email)
    if user is None:
        raise _fail(f"no user {email}; `socialleads users list` shows who there is")
    return user


def _password(from_stdin: bool) -> tuple[str, bool]:
    """(the password, whether it was generated and must be shown)."""
    if not from_stdin:
        return secrets.token_urlsafe(18), True
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_LENGTH:
        raise _fail(f"the password read from standard input is shorter than {MIN_LENGTH} characters")
    return password, False


@users_app.command("add")
def add_user(
    ctx: typer.Context,
    email: str,
    role: Annotated[Role, typer.Option(help="sales, manager or admin")],
    name: Annotated[str, typer.Option(help="How the console greets them.")] = "",
    team: Annotated[str | None, typer.Option(help="Their team (for lead visibility and routing).")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a person who may sign in; prints a generated password once unless --password-stdin."""
    engine = engine_from(ctx)
    password, generated = _password(password_stdin)
    now = _now()
    try:
        with engine.begin() as conn:
            user = accounts.add_user(
                conn, email, name=name, role=role, team=team, password_hash=hash_password(password), now=now
            )
            audit.record(
                conn,
                actor=_actor(),
                action="user.create",
                target=f"user:{user.email}",
                before=None,
                after={"email": user.email, "role": role.value, "team": team},
                now=now,
            )
    except AccountError as exc:
        raise _fail(str(exc)) from None
    console.print(labelled("added", "green", f"{user.email} ({role.value})"))
    if generated:
        console.print("password (shown once, change it after the first sign-in):", markup=False)
        console.print(password, markup=False)


@users_app.command("list")
def list_users(ctx: typer.Context) -> None:
    """Everyone who may sign in, with role, team and last sign-in."""
    with engine_from(ctx).connect() as conn:
        found = accounts.list_users(conn)
    if not found:
        console.print(
            "no users yet; add the first admin with `socialleads users add EMAIL --role admin`", markup=False
        )
    for user in found:
        state = "active" if user.active else "disabled"
        last = user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "never"
        say(f"{user.email}  {user.role.value}  team={user.team or '-'}  {state}  last sign-in {last}")


def _set_active(ctx: typer.Context, email: str, active: bool) -> None:
    now = _now()
    with engine_from(ctx).begin() as conn:
        user = _existing(conn, email)
        if not active and user.role is Role.ADMIN and user.active and accounts.count_active_admins(conn) <= 1:
            raise _fail("this is the last active admin; add another admin first")
        accounts.update_user(conn, user.id, now, active=active)
        if not active:
            accounts.end_sessions_of(conn, user.id)
        audit.record(
            conn,
            actor=_actor(),
            action="user.update",
            target=f"user:{user.email}",
            before={"active": user.active},
            after={"active": active},
            now=now,
        )
    console.print(labelled("enabled" if active else "disabled", "green", user.email))


@users_app.command("disable")
def disable_user(ctx: typer.Context, email: str) -> None:
    """Stop a person signing in (their sessions end; their tokens stop working)."""
    _set_active(ctx, email, False)


@users_app.command("enable")
def enable_user(ctx: typer.Context, email: str) -> None:
    """Let a disabled person sign in again."""
    _set_active(ctx, email, True)


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    user: Annotated[str, typer.Option(help="Whose token (their email).")],
    expires: Annotated[str | None, typer.Option(help="Lifetime, e.g. 90d; omit for none.")] = "90d",
    role: Annotated[Role | None, typer.Option(help="A lower role than the user's, to limit it.")] = None,
    name: Annotated[str, typer.Option(help="What it is for, to tell tokens apart.")] = "cli",
) -> None:
    """Create an API token and print it once (it is stored only as a digest)."""
    now = _now()
    try:
        lifetime = parse_duration(expires) if expires else None
    except ValueError as exc:
        raise _fail(f"--expires: {exc}") from None
    with engine_from(ctx).begin() as conn:
        owner = _existing(conn, user)
        try:
            plain, token = accounts.create_token(
                conn, owner, name=name, role=role, expires_at=now + lifetime if lifetime else None, now=now
            )
        except AccountError as exc:
            raise _fail(str(exc)) from None
        audit.record(
            conn,
            actor=_actor(),
            action="token.create",
            target=f"token:{token.id}",
            before=None,
            after={"user": owner.email, "role": token.role.value, "name": name},
            now=now,
        )
    until = token.expires_at.date().isoformat() if token.expires_at else "never"
    errors.print(
        f"token {token.id} for {owner.email} ({token.role.value}), expires {until}; shown once:", markup=False
    )
    console.print(plain, markup=False)


@tokens_app.command("list")
def list_tokens(
    ctx: typer.Context, user: Annotated[str | None, typer.Option(help="Only this user's.")] = None
) -> None:
    """Tokens (never the tokens themselves): id, prefix, owner, role, expiry, last use."""
    with engine_from(ctx).connect() as conn:
        owners = {u.id: u.email for u in accounts.list_users(conn)}
        owner = _existing(conn, user) if user else None
        found = accounts.tokens_of(conn, owner.id if owner else None)
    for t in found:
        state = "revoked" if t.revoked_at else "active"
        until = t.expires_at.date().isoformat() if t.expires_at else "never"
        used = t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "never"
        say(  # a token's name is whatever its maker typed, through the API too
            f"{t.id}  {t.prefix}…  {owners.get(t.user_id, '?')}  {t.role.value}  {state}  "
            f"expires {until}  last used {used}  ({t.name})"
        )


@tokens_app.command("revoke")
def revoke_token(ctx: typer.Context, token_id: int) -> None:
    """Revoke a token at once."""
    now = _now()
    with engine_from(ctx).begin() as conn:
        if accounts.token_by_id(conn, token_id) is None:
            raise _fail(f"no token {token_id}; `socialleads tokens list` shows them")
        if accounts.revoke_token(conn, token_id, now):
            audit.record(
                conn,
                actor=_actor(),
                action="token.revoke",
                target=f"token:{token_id}",
                before={"revoked_at": None},
                after={"revoked_at": now.isoformat()},
                now=now,
            )
    console.print(labelled("revoked", "green", f"token {token_id}"))
