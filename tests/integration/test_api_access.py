"""Who may call what: roles, tokens, sessions, CSRF, the sign-in limit, over real HTTP on both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from socialleads.accounts.roles import PERMISSIONS, Role
from socialleads.api.app import ROUTERS
from socialleads.api.auth import permission_of
from socialleads.store import accounts
from tests.support.api import ANY_PORT, PASSWORD, ApiServer, serving_api
from tests.support.bots import ScriptedBot, scripted_bot


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[ScriptedBot, ApiServer]]:
    sb = scripted_bot(tmp_path, database_url, web=ANY_PORT)
    try:
        with serving_api(sb.bot) as api:
            yield sb, api
    finally:
        sb.bot.close()


def _api_routes() -> list[tuple[str, str, APIRoute]]:
    found = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                found.extend((method, route.path, route) for method in sorted(route.methods))
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_api_route_refuses_strangers_with_401(served: tuple[ScriptedBot, ApiServer]) -> None:
    _, api = served
    stranger = api.anonymous()
    checked = 0
    for method, path, _route in _api_routes():
        if (method, path) == ("POST", "/api/v1/session"):
            continue  # signing in is what strangers do
        answer = stranger.request(method, _concrete(path), json={})
        assert answer.status_code == 401, f"{method} {path}: {answer.status_code}"
        assert answer.headers["content-type"].startswith("application/problem+json")
        checked += 1
    assert checked >= 7


def test_each_role_is_refused_exactly_what_its_permissions_lack(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    _, api = served
    callers = {role: api.person(f"{role.value}@example.com", role) for role in Role}
    guarded = [(m, p, permission_of(r)) for m, p, r in _api_routes() if permission_of(r) is not None]
    assert len(guarded) >= 7
    for role, caller in callers.items():
        for method, path, permission in guarded:
            answer = caller.request(method, _concrete(path), json={})
            refused = answer.status_code == 403
            assert refused == (permission not in PERMISSIONS[role]), (
                f"{role} {method} {path}: {answer.status_code} {answer.text[:200]}"
            )


def test_sales_and_managers_cannot_manage_people_but_admins_can(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    manager = api.person("max@example.com", Role.MANAGER)
    new = {"email": "new@example.com", "role": "sales", "password": "a long enough password"}
    assert manager.post("/api/v1/users", json=new).status_code == 403
    created = admin.post("/api/v1/users", json=new)
    assert created.status_code == 201, created.text
    assert "password" not in created.text and "hash" not in created.text
    assert admin.post("/api/v1/users", json=new).status_code == 409


def test_a_cookie_session_change_without_the_csrf_header_is_refused(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    _, api = served
    api.person("ada@example.com", Role.ADMIN)
    browser, csrf = api.signed_in("ada@example.com")
    new = {"email": "sam@example.com", "role": "sales"}
    refused = browser.post("/api/v1/users", json=new)
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    wrong = browser.post("/api/v1/users", json=new, headers={"X-CSRF-Token": "not-it"})
    assert wrong.status_code == 403
    assert browser.post("/api/v1/users", json=new, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert browser.get("/api/v1/me").json()["csrf_token"] == csrf  # reads need no header


def test_the_session_cookie_is_httponly_and_samesite(served: tuple[ScriptedBot, ApiServer]) -> None:
    _, api = served
    api.person("ada@example.com", Role.ADMIN)
    browser = api.anonymous()
    answer = browser.post("/api/v1/session", json={"email": "ada@example.com", "password": PASSWORD})
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback; behind https it is set


def test_signing_out_ends_the_session(served: tuple[ScriptedBot, ApiServer]) -> None:
    _, api = served
    api.person("ada@example.com", Role.ADMIN)
    browser, csrf = api.signed_in("ada@example.com")
    assert browser.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert browser.get("/api/v1/me").status_code == 401


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    sb, api = served
    api.person("ada@example.com", Role.ADMIN)
    browser = api.anonymous()
    limit = sb.bot.settings.api.login_failures_per_account
    for _ in range(limit):
        wrong = browser.post(
            "/api/v1/session", json={"email": "ada@example.com", "password": "guess guess guess"}
        )
        assert wrong.status_code == 401
    locked = browser.post("/api/v1/session", json={"email": "ada@example.com", "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    sb.clock.advance(seconds=sb.bot.settings.api.login_window.total_seconds() + 1)
    assert (
        browser.post("/api/v1/session", json={"email": "ada@example.com", "password": PASSWORD}).status_code
        == 200
    )


def test_one_address_guessing_many_accounts_is_limited(served: tuple[ScriptedBot, ApiServer]) -> None:
    sb, api = served
    browser = api.anonymous()
    for n in range(sb.bot.settings.api.login_failures_per_address):
        answer = browser.post(
            "/api/v1/session", json={"email": f"u{n}@example.com", "password": "guess guess"}
        )
        assert answer.status_code == 401
    api.person("ada@example.com", Role.ADMIN)
    assert (
        browser.post("/api/v1/session", json={"email": "ada@example.com", "password": PASSWORD}).status_code
        == 429
    )


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    _, api = served
    api.person("ada@example.com", Role.ADMIN)
    browser = api.anonymous()
    unknown = browser.post("/api/v1/session", json={"email": "nobody@example.com", "password": PASSWORD})
    wrong = browser.post("/api/v1/session", json={"email": "ada@example.com", "password": "not the password"})
    assert (unknown.status_code, unknown.json()["detail"]) == (wrong.status_code, wrong.json()["detail"])


def test_an_expired_token_is_refused(served: tuple[ScriptedBot, ApiServer]) -> None:
    sb, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    made = admin.post("/api/v1/tokens", json={"user": "ada@example.com", "expires_in_days": 1}).json()
    short = api.anonymous()
    short.token = made["token"]
    assert made["token"].startswith("sl_")
    assert short.get("/api/v1/me").status_code == 200
    sb.clock.advance(days=1, seconds=1)
    refused = short.get("/api/v1/me")
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    assert refused.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_at_once(served: tuple[ScriptedBot, ApiServer]) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    made = admin.post("/api/v1/tokens", json={"user": "ada@example.com"}).json()
    other = api.anonymous()
    other.token = made["token"]
    assert other.get("/api/v1/me").status_code == 200
    assert admin.delete(f"/api/v1/tokens/{made['id']}").status_code == 204
    assert other.get("/api/v1/me").status_code == 401
    listed = admin.get("/api/v1/tokens", params={"user": "ada@example.com"}).json()
    assert all("token" not in t or t["token"] is None for t in listed)
    assert any(t["id"] == made["id"] and t["revoked_at"] for t in listed)


def test_a_token_never_outranks_its_user_and_a_demotion_lowers_it(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    api.person("max@example.com", Role.MANAGER)
    refused = admin.post("/api/v1/tokens", json={"user": "max@example.com", "role": "admin"})
    assert refused.status_code == 409
    promoted = api.person("eve@example.com", Role.ADMIN)
    assert promoted.get("/api/v1/users").status_code == 200
    assert admin.patch("/api/v1/users/eve@example.com", json={"role": "sales"}).status_code == 200
    assert promoted.get("/api/v1/users").status_code == 403


def test_a_disabled_user_loses_tokens_and_sessions(served: tuple[ScriptedBot, ApiServer]) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    sam = api.person("sam@example.com", Role.SALES)
    browser, _ = api.signed_in("sam@example.com")
    assert admin.patch("/api/v1/users/sam@example.com", json={"active": False}).status_code == 200
    assert sam.get("/api/v1/me").status_code == 401
    assert browser.get("/api/v1/me").status_code == 401


def test_the_last_admin_cannot_be_disabled_or_demoted(served: tuple[ScriptedBot, ApiServer]) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    assert admin.patch("/api/v1/users/ada@example.com", json={"active": False}).status_code == 409
    assert admin.patch("/api/v1/users/ada@example.com", json={"role": "manager"}).status_code == 409


def test_each_change_to_people_and_tokens_is_audited_without_secrets(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    _, api = served
    admin = api.person("ada@example.com", Role.ADMIN)
    admin.post(
        "/api/v1/users", json={"email": "sam@example.com", "role": "sales", "password": "sam's long password"}
    )
    admin.patch("/api/v1/users/sam@example.com", json={"team": "north", "password": "another long password"})
    made = admin.post("/api/v1/tokens", json={"user": "sam@example.com"}).json()
    admin.delete(f"/api/v1/tokens/{made['id']}")
    log = admin.get("/api/v1/audit").json()
    assert [e["action"] for e in log] == ["token.revoke", "token.create", "user.update", "user.create"]
    assert all(e["actor"] == "ada@example.com" for e in log)
    update = log[2]
    assert update["before"]["team"] is None and update["after"]["team"] == "north"
    text = str(log)
    assert "long password" not in text and made["token"] not in text


def test_health_details_and_the_schema_are_for_signed_in_callers(
    served: tuple[ScriptedBot, ApiServer],
) -> None:
    _, api = served
    sam = api.person("sam@example.com", Role.SALES)
    stranger = api.anonymous()
    assert stranger.get("/healthz").status_code == 200
    assert stranger.get("/health").json() == {"status": "ok"}
    assert "sources" in sam.get("/health").json()
    assert stranger.get("/api/v1/openapi.json").status_code == 401
    assert stranger.get("/api/openapi.json").status_code == 404
    assert stranger.get("/api/docs").status_code == 404
    schema = sam.get("/api/v1/openapi.json").json()
    assert "/api/v1/me" in schema["paths"] and not any(p.startswith("/webhooks") for p in schema["paths"])


def test_no_account_exists_until_one_is_added(served: tuple[ScriptedBot, ApiServer]) -> None:
    sb, api = served
    with sb.bot.engine.connect() as conn:
        assert accounts.list_users(conn) == []
    for guess in ("admin", "admin@example.com", "root"):
        answer = api.anonymous().post("/api/v1/session", json={"email": guess, "password": "admin"})
        assert answer.status_code == 401
