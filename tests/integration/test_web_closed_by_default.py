"""The public port tells a stranger nothing beyond ``/healthz``, ``/health``'s status and ``/webhooks/*``.

FastAPI serves its docs pages and schema by default; the bot's app turns them off and serves the API
schema to signed-in callers only, unless ``SOCIALLEADS_WEB__EXPOSE_DOCS=true``. Checked over real
HTTP against the app under uvicorn, as ``socialleads run`` serves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from socialleads import __version__
from socialleads.settings import Settings, WebSettings
from tests.support.api import ApiServer, serving_api
from tests.support.bots import scripted_bot

DOCS_PATHS = (
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
    "/api/docs",
    "/api/redoc",
    "/api/openapi.json",
    "/api/v1/docs",
    "/api/v1/redoc",
)
SCHEMA = "/api/v1/openapi.json"
LEAKS = ("openapi", "swagger", "redoc", '"paths"', "components", "sources", "deliveries", "database")
"""What a schema, a docs page or health details would hold; a refusal holds none of it."""


def _serve(tmp_path: Path, **web: object) -> Iterator[ApiServer]:
    sb = scripted_bot(
        tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", web=WebSettings(host="127.0.0.1", port=0, **web)
    )
    try:
        with serving_api(sb.bot) as api:
            yield api
    finally:
        sb.bot.close()


@pytest.fixture
def closed(tmp_path: Path) -> Iterator[ApiServer]:
    yield from _serve(tmp_path)


@pytest.fixture
def exposed(tmp_path: Path) -> Iterator[ApiServer]:
    yield from _serve(tmp_path, expose_docs=True)


def _get(api: ApiServer, path: str) -> requests.Response:
    return requests.get(f"{api.origin}{path}", timeout=10, allow_redirects=False)


def _tells_nothing(answer: requests.Response) -> None:
    text = answer.text.lower()
    assert not [leak for leak in LEAKS if leak in text], (answer.url, answer.text[:300])
    assert __version__ not in answer.text and __version__ not in str(answer.headers)
    assert "server" not in answer.headers, answer.headers  # not even which server answers


def test_a_stranger_gets_no_schema_docs_or_details(closed: ApiServer) -> None:
    for path in DOCS_PATHS:
        answer = _get(closed, path)
        assert answer.status_code == 404, (path, answer.status_code)
        _tells_nothing(answer)
    schema = _get(closed, SCHEMA)
    assert schema.status_code == 401
    _tells_nothing(schema)
    health = _get(closed, "/health")
    assert health.status_code == 200 and set(health.json()) == {"status"}
    _tells_nothing(health)
    alive = _get(closed, "/healthz")
    assert alive.json() == {"status": "ok"}
    _tells_nothing(alive)
    login = _get(closed, "/login")
    assert login.status_code == 200 and "password" in login.text
    _tells_nothing(login)  # the log-in page does not say which version runs


def test_a_signed_in_caller_gets_the_schema_and_the_details(closed: ApiServer) -> None:
    admin = closed.person("ada@example.com", "admin")
    schema = admin.get(SCHEMA)
    assert schema.status_code == 200 and SCHEMA.removesuffix("openapi.json") in str(schema.json()["paths"])
    details = admin.get("/health").json()
    assert "src" in details["sources"] and "deliveries" in details
    assert admin.get("/docs").status_code == 404, "no docs page for anyone"


def test_expose_docs_serves_the_schema_to_anyone_and_still_no_docs_pages(exposed: ApiServer) -> None:
    schema = _get(exposed, SCHEMA)
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.") and "/api/v1/leads" in schema.json()["paths"]
    for path in DOCS_PATHS:
        answer = _get(exposed, path)
        assert answer.status_code == 404, (path, answer.status_code)
        _tells_nothing(answer)
    health = _get(exposed, "/health")
    assert set(health.json()) == {"status"}, "the docs switch shows the schema, not the bot's health"


def test_the_docs_switch_is_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCIALLEADS_WEB__EXPOSE_DOCS", raising=False)
    assert Settings().web.expose_docs is False
    monkeypatch.setenv("SOCIALLEADS_WEB__EXPOSE_DOCS", "true")
    assert Settings().web.expose_docs is True
