"""Users, API tokens and console sessions in the store (docs/api.md, "People and access").

Secrets never reach the database in the clear: passwords as argon2id hashes, tokens and session ids
as SHA-256 digests (both are 256 random bits, so a slow hash would add nothing). The plain token or
session id exists only in what ``create_token`` / ``create_session`` return, once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from socialleads.accounts.roles import Role
from socialleads.store.tables import api_tokens, login_failures, users, web_sessions

TOKEN_PREFIX = "sl_"  # noqa: S105 - the prefix of every token, not a secret


class AccountError(ValueError):
    """A request about accounts that cannot be done as asked (the message says why, for people)."""


@dataclass(frozen=True)
class User:
    """A person who may use the console and the API."""

    id: int
    email: str
    name: str
    role: Role
    team: str | None
    active: bool
    password_hash: str | None
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class ApiToken:
    """An API token's stored facts (never the token itself)."""

    id: int
    user_id: int
    name: str
    prefix: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    def usable_at(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True)
class WebSession:
    """A console session: its user and the CSRF token every form post must carry."""

    user_id: int
    csrf_token: str
    expires_at: datetime


def digest(secret: str) -> str:
    """The SHA-256 hex digest under which a token or session id is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normal_email(email: str) -> str:
    """Emails are compared without case or surrounding blanks."""
    return email.strip().lower()


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=Role(row["role"]),
        team=row["team"],
        active=row["active"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        last_login_at=row["last_login_at"],
    )


def add_user(
    conn: Connection,
    email: str,
    *,
    name: str,
    role: Role,
    team: str | None,
    password_hash: str | None,
    now: datetime,
) -> User:
    """Create a user; raises ``AccountError`` when the email is taken or not an address."""
    email = normal_email(email)
    if "@" not in email or len(email) > 320:
        raise AccountError(f"{email!r} is not an email address")
    if find_user(conn, email) is not None:
        raise AccountError(f"a user with email {email} exists already")
    conn.execute(
        insert(users).values(
            email=email,
            name=name or email.split("@")[0],
            role=role.value,
            team=team,
            active=True,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
        )
    )
    user = find_user(conn, email)
    assert user is not None
    return user


def find_user(conn: Connection, email: str) -> User | None:
    """The user with ``email`` (any case), or None."""
    row = conn.execute(select(users).where(users.c.email == normal_email(email))).mappings().first()
    return _user(row) if row else None


def user_by_id(conn: Connection, user_id: int) -> User | None:
    """The user with ``user_id``, or None."""
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return _user(row) if row else None


def list_users(conn: Connection) -> list[User]:
    """Every user, by email."""
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.email)).mappings()]


def update_user(conn: Connection, user_id: int, now: datetime, **values: object) -> None:
    """Change some of a user's columns (name, role, team, active, password_hash, last_login_at)."""
    allowed = {"name", "role", "team", "active", "password_hash", "last_login_at"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)} of a user")
    conn.execute(update(users).where(users.c.id == user_id).values(**values, updated_at=now))


def count_active_admins(conn: Connection) -> int:
    """Active admins; the last one may not be disabled or demoted (nobody could undo it)."""
    query = select(func.count()).select_from(users).where(users.c.role == Role.ADMIN.value, users.c.active)
    return int(conn.execute(query).scalar_one())


def _token(row: RowMapping) -> ApiToken:
    return ApiToken(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        prefix=row["prefix"],
        role=Role(row["role"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


def create_token(
    conn: Connection, user: User, *, name: str, role: Role | None, expires_at: datetime | None, now: datetime
) -> tuple[str, ApiToken]:
    """A new token for ``user``: (the token, to show once; its stored facts).

    ``role`` defaults to the user's and may not outrank it (``AccountError``).
    """
    role = role or user.role
    if not user.role.covers(role):
        raise AccountError(f"a {user.role} cannot hold a {role} token")
    if expires_at is not None and expires_at <= now:
        raise AccountError("the expiry is in the past")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        insert(api_tokens).values(
            user_id=user.id,
            name=name,
            digest=digest(plain),
            prefix=plain[:10],
            role=role.value,
            created_at=now,
            expires_at=expires_at,
        )
    )
    row = conn.execute(select(api_tokens).where(api_tokens.c.digest == digest(plain))).mappings().one()
    return plain, _token(row)


def token_by_secret(conn: Connection, plain: str) -> ApiToken | None:
    """The stored token ``plain`` is, or None (unknown; expiry and revocation are the caller's check)."""
    row = conn.execute(select(api_tokens).where(api_tokens.c.digest == digest(plain))).mappings().first()
    return _token(row) if row else None


def tokens_of(conn: Connection, user_id: int | None = None) -> list[ApiToken]:
    """Tokens of one user (or of everyone), newest first."""
    query = select(api_tokens).order_by(api_tokens.c.id.desc())
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    return [_token(r) for r in conn.execute(query).mappings()]


def token_by_id(conn: Connection, token_id: int) -> ApiToken | None:
    """The token with ``token_id``, or None."""
    row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).mappings().first()
    return _token(row) if row else None


def mark_token_used(conn: Connection, token_id: int, now: datetime) -> None:
    """Record the token's last use (at most once a minute, to keep reads from writing every time)."""
    conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id)
        .where(
            (api_tokens.c.last_used_at.is_(None)) | (api_tokens.c.last_used_at < now - timedelta(minutes=1))
        )
        .values(last_used_at=now)
    )


def revoke_token(conn: Connection, token_id: int, now: datetime) -> bool:
    """Revoke a token; False when it was revoked already or does not exist."""
    done = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return done.rowcount == 1


def create_session(
    conn: Connection, user_id: int, *, lifetime: timedelta, now: datetime
) -> tuple[str, WebSession]:
    """A new console session: (the id for the cookie, shown once; the session)."""
    plain = secrets.token_urlsafe(32)
    session = WebSession(user_id=user_id, csrf_token=secrets.token_urlsafe(32), expires_at=now + lifetime)
    conn.execute(
        insert(web_sessions).values(
            digest=digest(plain),
            user_id=user_id,
            csrf_token=session.csrf_token,
            created_at=now,
            last_seen_at=now,
            expires_at=session.expires_at,
        )
    )
    return plain, session


def session_by_secret(conn: Connection, plain: str, now: datetime) -> WebSession | None:
    """The live session whose cookie holds ``plain``, or None (unknown or expired)."""
    row = (
        conn.execute(
            select(web_sessions).where(
                web_sessions.c.digest == digest(plain), web_sessions.c.expires_at > now
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return WebSession(user_id=row["user_id"], csrf_token=row["csrf_token"], expires_at=row["expires_at"])


def end_session(conn: Connection, plain: str) -> None:
    """Forget a session (log-out)."""
    conn.execute(delete(web_sessions).where(web_sessions.c.digest == digest(plain)))


def end_sessions_of(conn: Connection, user_id: int) -> None:
    """Forget every session of a user (disabled, or their password changed)."""
    conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))


def record_login_failure(conn: Connection, email: str, address: str, now: datetime) -> None:
    """Count one failed log-in against the account and the address; forgets failures older than a day."""
    conn.execute(
        insert(login_failures).values(email=normal_email(email)[:320], address=address[:100], at=now)
    )
    conn.execute(delete(login_failures).where(login_failures.c.at < now - timedelta(days=1)))


def recent_login_failures(conn: Connection, *, email: str, address: str, since: datetime) -> tuple[int, int]:
    """Failed log-ins since ``since``: (for this account, from this address)."""
    by_email = (
        select(func.count())
        .select_from(login_failures)
        .where(login_failures.c.email == normal_email(email), login_failures.c.at >= since)
    )
    by_address = (
        select(func.count())
        .select_from(login_failures)
        .where(login_failures.c.address == address, login_failures.c.at >= since)
    )
    return int(conn.execute(by_email).scalar_one()), int(conn.execute(by_address).scalar_one())


def clear_login_failures(conn: Connection, email: str) -> None:
    """Forget an account's failures after it logs in."""
    conn.execute(delete(login_failures).where(login_failures.c.email == normal_email(email)))
