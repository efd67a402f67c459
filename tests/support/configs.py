"""Writing configuration folders for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def write_config(
    folder: Path,
    sources: dict[str, Any] | None = None,
    sinks: dict[str, Any] | None = None,
    campaigns: dict[str, Any] | None = None,
    default_route: list[str] | None = None,
    admin_sinks: list[str] | None = None,
    teams: dict[str, list[str]] | None = None,
) -> Path:
    """Write sources.yaml, sinks.yaml and campaigns.yaml into ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.yaml").write_text(yaml.safe_dump({"sources": sources or {}}, allow_unicode=True))
    sinks_doc: dict[str, Any] = {"sinks": sinks or {}}
    if admin_sinks:
        sinks_doc["admin_sinks"] = admin_sinks
    (folder / "sinks.yaml").write_text(yaml.safe_dump(sinks_doc, allow_unicode=True))
    campaigns_doc: dict[str, Any] = {"campaigns": campaigns or {}}
    if default_route is not None:
        campaigns_doc["default_route"] = {"deliver_to": default_route}
    if teams:
        campaigns_doc["teams"] = teams
    (folder / "campaigns.yaml").write_text(yaml.safe_dump(campaigns_doc, allow_unicode=True))
    return folder
