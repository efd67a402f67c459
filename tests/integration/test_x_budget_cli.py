"""A spent X budget, as people see it: ``sources report`` and ``doctor`` say so, and polling waits.

The real command line in-process, against the sandbox's X emulator over HTTP through tweepy, on the
world's clock (the world is built at a fixed date; on the real clock its posts fall out of the 7-day
recent-search window a week later).
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from socialleads.cli import app
from socialleads.sandbox.server import SandboxServer
from tests.support.clocks import on_clock
from tests.support.configs import write_config
from tests.support.x_sources import search_data, x_world


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **env})
    return result.exit_code, result.stdout + result.stderr


def test_a_spent_monthly_budget_shows_in_the_report_and_doctor_and_stops_polls(
    tmp_path: Path, database_url: str
) -> None:
    world = x_world(intent_share=0.5)
    with SandboxServer(world) as sandbox, on_clock(world.now):
        search = search_data(world, monthly_post_budget=20, max_results=10, first_window="7d")
        config = write_config(
            tmp_path / "config",
            sources={"x_search": {"type": "x_search", "config": search}},
            sinks={"out": {"type": "console", "config": {"stream": "stderr"}}},
            default_route=["out"],
        )
        env = {
            "SOCIALLEADS_CONFIG_DIR": str(config),
            "SOCIALLEADS_DATABASE_URL": database_url,
            "SOCIALLEADS_SANDBOX_URL": sandbox.url,
        }
        _, out = invoke(env, "poll", "x_search", "--once")  # reads 20 posts and spends the budget
        assert "20 events seen" in out and "(the monthly budget of 20 posts read is spent)" in out, out

        code, out = invoke(env, "sources", "report", "x_search")
        assert code == 0, out
        paid = f"Paid reads in {world.now:%Y-%m}: 20 posts of a budget of 20 (spent: polling waits"
        assert paid in out, out
        assert "posts read per lead" in out

        code, out = invoke(env, "doctor")
        assert "monthly budget spent: 20 of 20 posts; polling resumes on" in out, out

        _, out = invoke(env, "poll", "x_search", "--once")
        assert "0 events seen" in out and "monthly budget of 20 posts read is spent" in out, out
