"""``socialleads backfill``: history the polls never read, part by part, resumable, never doubled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from socialleads.cli import app
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import Rates, World
from tests.support.configs import write_config


@pytest.fixture
def env(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[dict[str, str], World, Chaos]]:
    # The CLI reads the wall clock, so the world's present is now.
    world = World(
        seed=5,
        start=datetime.now(UTC),
        history=timedelta(days=3),
        population=120,
        rates=Rates(
            leads=0.5, fb_comments=0, ig_comments=0, x_posts=0, fb_posts_per_hour=0, ig_media_per_hour=0
        ),
    )
    chaos = Chaos()
    monkeypatch.setenv("META_MAIN_TOKEN", world.tokens.page_tokens[fixtures.MAIN_PAGE])
    with SandboxServer(world, chaos) as sandbox:
        config = write_config(
            tmp_path / "config",
            sources={
                "leads": {
                    "type": "meta_lead_ads",
                    "config": {
                        "first_window": "2h",
                        "pages": [{"id": fixtures.MAIN_PAGE, "token": {"$env": "META_MAIN_TOKEN"}}],
                    },
                }
            },
            sinks={"console": {"type": "console"}},
            default_route=["console"],
        )
        yield (
            {
                "SOCIALLEADS_CONFIG_DIR": str(config),
                "SOCIALLEADS_DATABASE_URL": database_url,
                "SOCIALLEADS_SANDBOX_URL": sandbox.url,
                "COLUMNS": "200",
            },
            world,
            chaos,
        )


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout + result.stderr


def stored(env: dict[str, str]) -> list[str]:
    engine = create_engine(env["SOCIALLEADS_DATABASE_URL"])
    with engine.connect() as conn:
        from socialleads.store.tables import raw_events

        ids = [
            r[0] for r in conn.execute(select(raw_events.c.native_id).where(raw_events.c.source == "leads"))
        ]
    engine.dispose()
    return ids


def main_leads(world: World) -> set[str]:
    return {lead.id for lead in world.leads if lead.page_id == fixtures.MAIN_PAGE}


def test_a_backfill_reads_what_the_poll_window_left_out_without_doubling(
    env: tuple[dict[str, str], World, Chaos],
) -> None:
    settings, world, _ = env
    assert run(settings, "poll", "leads", "--once", "--no-deliver")[0] == 0
    polled = set(stored(settings))
    assert 0 < len(polled) < len(main_leads(world))  # two hours of three days
    code, out = run(settings, "backfill", "leads", "--since", "4d")
    assert code == 0, out
    ids = stored(settings)
    assert set(ids) == main_leads(world) and len(ids) == len(set(ids))
    assert f"{len(polled)} already stored" in out


def test_an_interrupted_backfill_resumes_with_the_forms_it_had_not_finished(
    env: tuple[dict[str, str], World, Chaos],
) -> None:
    settings, world, chaos = env
    chaos.update({"fail_5xx": 3})  # the form listing passes; a form's lead pages fail
    code, out = run(settings, "backfill", "leads", "--since", "4d")
    assert code == 1 and "run the same command again to resume" in out
    chaos.update({"fail_5xx": 0})
    code, out = run(settings, "backfill", "leads", "--since", "4d")
    assert code == 0, out
    ids = stored(settings)
    assert set(ids) == main_leads(world) and len(ids) == len(set(ids))
    code, out = run(settings, "backfill", "leads", "--since", "4d")
    assert out.count("done in an earlier run") == 2  # both forms of the page
