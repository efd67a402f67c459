"""``socialleads connector new``: scaffold a source or sink package that passes the conformance kit."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from socialleads.cli.common import console, errors, labelled
from socialleads.registry import discover
from socialleads.scaffold import ConnectorSpec, declared_names, name_problem, register, scaffold

connector_app = typer.Typer(no_args_is_help=True)


class Kind(StrEnum):
    """What the new connector does."""

    SOURCE = "source"
    SINK = "sink"


def _refuse(message: str) -> typer.Exit:
    errors.print(labelled("cannot scaffold:", "red", message))
    return typer.Exit(2)


@connector_app.command("new")
def new_connector(
    name: Annotated[str, typer.Argument(help="Lowercase Python identifier: acme, acme_crm.")],
    kind: Annotated[Kind, typer.Option("--kind", help="source (reads events) or sink (delivers leads).")],
    directory: Annotated[
        Path, typer.Option("--dir", help="The project root: where pyproject.toml and tests/ are.")
    ] = Path("."),
    package: Annotated[
        str | None, typer.Option(help="The package to create, dotted; default connectors.NAME.")
    ] = None,
    add_entry_point: Annotated[
        bool, typer.Option("--register", help="Add the entry point to DIR/pyproject.toml.")
    ] = False,
) -> None:
    """Write a working connector package, its emulator and its contract test; print its entry point.

    Exits 2, writing nothing, when the name is not a lowercase identifier, names an installed or
    declared connector, or its files exist already.
    """
    root = directory
    pyproject = root / "pyproject.toml"
    try:
        installed = discover()
        taken = set(installed.sources) | set(installed.sinks) | declared_names(pyproject)
        problem = name_problem(name, taken)
        if problem is not None:
            raise ValueError(problem)
        spec = ConnectorSpec.of(name, "source" if kind is Kind.SOURCE else "sink", package)
        if add_entry_point and not pyproject.is_file():
            raise ValueError(f"--register needs {pyproject}; run from the project root or give --dir")
        written = scaffold(spec, root)
    except (ValueError, FileExistsError) as exc:
        raise _refuse(str(exc)) from None
    for path in written:
        console.print(labelled("created", "green", str(path)))
    table = f'[project.entry-points."{spec.group}"]'
    if add_entry_point:
        try:
            register(pyproject, spec)
        except ValueError as exc:
            errors.print(labelled("not registered:", "red", str(exc)))
            console.print(f"Add these lines to {pyproject} by hand:", markup=False)
            console.print(f"\n{table}\n{spec.entry_point_line}\n", markup=False)
            raise typer.Exit(1) from None
        console.print(labelled("registered", "green", f"{spec.entry_point_line} in {pyproject}"))
    else:
        console.print(f"\nAdd the entry point to {pyproject} (or run again with --register):", markup=False)
        console.print(f"\n{table}\n{spec.entry_point_line}\n", markup=False)
    test = spec.test_file(root)
    console.print(
        "Entry points are read when the project is installed: run `pip install -e .` now, then\n"
        f"`pytest {test}` runs the conformance kit and `socialleads sources list` shows {name!r}.\n"
        "docs/connectors.md says what to change next.",
        markup=False,
    )
