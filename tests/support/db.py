"""Database fixtures: every store test runs on SQLite (a file in tmp) and on PostgreSQL.

PostgreSQL comes from SOCIALLEADS_TEST_POSTGRES_URL (default: the local server's ``test`` database).
Each test gets its own schema, dropped afterwards. Without a server the PostgreSQL variants skip
with the reason, except under CI=true, where they fail: CI must run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from socialleads.store.db import make_engine, migrate

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    """The server the PostgreSQL tests use."""
    return os.environ.get("SOCIALLEADS_TEST_POSTGRES_URL", DEFAULT_PG)


def _postgres_unavailable() -> str | None:
    try:
        engine = create_engine(postgres_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available here"
        return (
            f"PostgreSQL not reachable at {make_url(postgres_url()).render_as_string(hide_password=True)}: "
            f"{type(exc).__name__}"
        )
    return None


_PG_PROBLEM: list[str | None] = []


def require_postgres() -> None:
    """Skip (or, under CI=true, fail) when PostgreSQL is not reachable."""
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_postgres_unavailable())
    problem = _PG_PROBLEM[0]
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{problem}; under CI=true the PostgreSQL tests must run")
        pytest.skip(problem)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'socialleads.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on each backend."""
    eng = make_engine(database_url)
    migrate(eng)
    yield eng
    eng.dispose()
