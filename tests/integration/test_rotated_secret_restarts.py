"""Issue #19: a source stopped for its credentials starts again when a nested secret is replaced.

A Meta lead-ads source keeps each page's token inside ``pages``. The runner stops calling a source
whose token Meta refused until its configuration changes (``runner.config_fingerprint``); replacing
only that page token must count as a change, and restarting with the same bad token must not.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from socialleads.bot import Bot, build_bot
from socialleads.pipeline.runner import config_fingerprint
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.settings import Settings
from tests.support.configs import write_config
from tests.support.meta_leads import build, lead_world

STALE = "EAAB-revoked-page-token-0000"


@pytest.fixture
def sandbox_url() -> Iterator[str]:
    with SandboxServer(lead_world(), Chaos()) as sandbox:
        yield sandbox.url


def meta_bot(tmp_path: Path, database_url: str, sandbox_url: str) -> Bot:
    """The bot as it starts: one page whose token comes from ``$META_MAIN_TOKEN``."""
    config = write_config(
        tmp_path / "config",
        sources={
            "leads": {
                "type": "meta_lead_ads",
                "config": {"pages": [{"id": fixtures.MAIN_PAGE, "token": {"$env": "META_MAIN_TOKEN"}}]},
            }
        },
        sinks={"console": {"type": "console"}},
        default_route=["console"],
        admin_sinks=["console"],
    )
    world = lead_world()
    return build_bot(
        Settings(database_url=database_url, config_dir=config, sandbox_url=sandbox_url),
        clock=lambda: world.now,
    )


def test_a_new_page_token_restarts_a_source_stopped_for_its_old_one(
    tmp_path: Path, database_url: str, sandbox_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("META_MAIN_TOKEN", STALE)
    bot = meta_bot(tmp_path, database_url, sandbox_url)
    try:
        outcome = bot.runner.poll("leads")
        assert outcome.status == "needs_reauth", outcome
        assert STALE not in (outcome.message or "")
        assert bot.runner.poll("leads").status == "skipped"
    finally:
        bot.close()

    again = meta_bot(tmp_path, database_url, sandbox_url)  # restarted, the token not yet replaced
    try:
        assert again.runner.poll("leads").status == "skipped"
    finally:
        again.close()

    monkeypatch.setenv("META_MAIN_TOKEN", lead_world().tokens.page_tokens[fixtures.MAIN_PAGE])
    rotated = meta_bot(tmp_path, database_url, sandbox_url)
    try:
        assert rotated.runner.poll("leads").status == "ok"
    finally:
        rotated.close()


def test_the_fingerprint_counts_secrets_at_every_depth(sandbox_url: str) -> None:
    world = lead_world()
    source = build(world, sandbox_url)
    pages = source.config.pages
    changed = build(world, sandbox_url, pages=[pages[0], {"id": pages[1].id, "token": STALE}])
    assert config_fingerprint(changed) != config_fingerprint(source)
    assert config_fingerprint(build(world, sandbox_url)) == config_fingerprint(source)
    assert STALE not in repr(changed.config)  # what the fingerprint reveals stays in memory
