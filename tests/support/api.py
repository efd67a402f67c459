"""Serving a bot's web app on loopback and calling its API as people with roles, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

import scheduler
from socialleads.accounts.passwords import hash_password
from socialleads.accounts.roles import Role
from socialleads.bot import Bot
from socialleads.settings import WebSettings
from socialleads.store import accounts

PASSWORD = "correct horse battery staple"
"""The password ``ApiServer.person`` gives everyone it creates."""

#: Settings for a bot whose web app listens on a free loopback port.
ANY_PORT = WebSettings(enabled=True, host="127.0.0.1", port=0)


@dataclass
class Caller:
    """Calls the API as one person, with a bearer token (``session`` for the cookie instead)."""

    base_url: str
    email: str
    token: str | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """``method`` on ``/api/v1`` + ``path`` (or any path starting with ``/``) with the token."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        return self.session.request(method, url, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


@dataclass
class ApiServer:
    """A bot's web app on loopback; ``person`` makes users and hands back a caller for each."""

    bot: Bot
    origin: str
    """``http://127.0.0.1:PORT``."""

    def person(
        self, email: str, role: Role | str = Role.SALES, *, team: str | None = None, name: str = ""
    ) -> Caller:
        """A new active user with password ``PASSWORD`` and an API token of their role."""
        now = self.bot.clock()
        with self.bot.engine.begin() as conn:
            user = accounts.add_user(
                conn,
                email,
                name=name or email.split("@")[0],
                role=Role(role),
                team=team,
                password_hash=hash_password(PASSWORD),
                now=now,
            )
            token, _ = accounts.create_token(conn, user, name="tests", role=None, expires_at=None, now=now)
        return Caller(base_url=self.origin, email=user.email, token=token)

    def anonymous(self) -> Caller:
        """A caller with no credentials."""
        return Caller(base_url=self.origin, email="")

    def signed_in(self, email: str, password: str = PASSWORD) -> tuple[Caller, str]:
        """Sign in with ``POST /api/v1/session`` as the console does: (a caller with the cookie, its CSRF)."""
        caller = Caller(base_url=self.origin, email=email)
        answer = caller.post("/api/v1/session", json={"email": email, "password": password})
        assert answer.status_code == 200, answer.text
        return caller, answer.json()["csrf_token"]


@contextmanager
def serving_api(bot: Bot) -> Iterator[ApiServer]:
    """Serve ``bot``'s app (its settings must ask for a web port, ``ANY_PORT`` for a free one)."""
    web = scheduler.start_web(bot)
    assert web is not None, "the bot's web server is disabled"
    port = web[0].servers[0].sockets[0].getsockname()[1]
    try:
        yield ApiServer(bot=bot, origin=f"http://127.0.0.1:{port}")
    finally:
        web[0].should_exit = True
        web[1].join(10)
