"""``socialleads config export``: the configuration changed through the API, as YAML for version control.

The files stay the source of truth for what they define; this writes what the database holds
(``socialleads.configuration.export``), never a secret in the clear, so it can be committed, read
in review, and copied into the files to make an item managed there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialleads.cli.common import console, engine_from, errors, labelled, settings_from
from socialleads.configuration.export import export_items
from socialleads.configuration.stored import read_items
from socialleads.registry import discover
from socialleads.store.db import reading

config_app = typer.Typer(no_args_is_help=True)


@config_app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Option("--out", help="The folder to write sources.yaml, sinks.yaml and campaigns.yaml to."),
    ] = Path("config-export"),
) -> None:
    """Write the database's campaigns, teams, sources and sinks as YAML files; secrets as references."""
    settings = settings_from(ctx)
    if out.resolve() == settings.config_dir.resolve():
        errors.print(
            labelled(
                "error:",
                "red",
                f"{out} is the configuration folder: exporting there would replace its files; "
                "export to another folder and copy what you want managed in the files",
            )
        )
        raise typer.Exit(1)
    engine = engine_from(ctx)
    with reading(engine) as conn:
        items = read_items(conn)
    exported = export_items(items, discover())
    out.mkdir(parents=True, exist_ok=True)
    for stem in ("sources", "sinks", "campaigns"):
        (out / f"{stem}.yaml").write_text(exported.text(stem), encoding="utf-8")
    counts = {
        kind: sum(1 for i in items if i.kind == kind) for kind in ("campaign", "team", "source", "sink")
    }
    summary = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts.items())
    console.print(f"wrote {out / 'sources.yaml'}, sinks.yaml and campaigns.yaml: {summary}", markup=False)
    for variable, key in exported.variables:
        console.print(
            labelled("secret", "yellow", f"{key} was stored as a value; the export refers to ${variable}"),
        )
