"""Entry-point discovery: built-ins load like plugins; a broken plugin is listed, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialleads.bot import build_bot
from socialleads.registry import discover
from socialleads.settings import Settings
from tests.support.configs import write_config


def install_fake_distribution(site: Path, name: str, entry_points: str, module: str | None = None) -> None:
    """Put a dist-info with ``entry_points`` (and optionally a module) on a folder that is on sys.path."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)
    if module:
        (site / f"{name}.py").write_text(module)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def test_the_built_in_connectors_are_discovered_through_entry_points() -> None:
    registry = discover()
    assert registry.sources["csv"].available
    assert {"console", "email", "webhook"} <= {n for n, i in registry.sinks.items() if i.available}
    assert registry.sources["csv"].distribution == "socialleads"


def test_a_plugin_that_fails_to_import_is_unavailable_with_its_reason(site: Path) -> None:
    install_fake_distribution(
        site,
        "tiktok_leads",
        "[socialleads.sources]\ntiktok = tiktok_leads:TikTokSource\n",
        module="import no_such_dependency_xyz\n",
    )
    info = discover().sources["tiktok"]
    assert not info.available
    assert info.distribution == "tiktok_leads"
    assert "ModuleNotFoundError" in (info.error or "") and "no_such_dependency_xyz" in (info.error or "")


def test_a_plugin_that_is_not_a_source_is_unavailable(site: Path) -> None:
    install_fake_distribution(
        site,
        "not_a_source",
        "[socialleads.sources]\nodd = not_a_source:Thing\n",
        module="class Thing:\n    name = 'odd'\n",
    )
    assert discover().sources["odd"].error == "not_a_source:Thing: it is not a Source subclass"


def test_a_plugin_whose_name_differs_from_its_entry_point_is_unavailable(site: Path) -> None:
    install_fake_distribution(
        site,
        "misnamed",
        "[socialleads.sinks]\nchat = misnamed:ChatSink\n",
        module="from connectors.console.sink import ConsoleSink as ChatSink\n",
    )
    assert "declares name 'console' but its entry point is 'chat'" in (discover().sinks["chat"].error or "")


def test_a_broken_plugin_does_not_stop_the_bot(site: Path, tmp_path: Path) -> None:
    install_fake_distribution(
        site,
        "tiktok_leads",
        "[socialleads.sources]\ntiktok = tiktok_leads:TikTokSource\n",
        module="raise RuntimeError('boom')\n",
    )
    config = write_config(
        tmp_path / "config",
        sources={
            "tt": {"type": "tiktok"},
            "fair": {"type": "csv", "config": {"folder": str(tmp_path / "inbox")}},
        },
        sinks={"console": {"type": "console"}},
    )
    bot = build_bot(Settings(config_dir=config, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"))
    try:
        assert list(bot.sources) == ["fair"]
        assert "RuntimeError: boom" in bot.unavailable["tt"]
    finally:
        bot.close()
