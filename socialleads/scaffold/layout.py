"""A new connector package rendered from the templates beside this module: which files, where, from what.

``templates/source/`` and ``templates/sink/`` hold one ``.tmpl`` file per generated file; ``{{name}}``,
``{{Class}}``, ``{{title}}``, ``{{package}}`` and ``{{env}}`` are replaced (``ConnectorSpec.values``).
A generated package passes the conformance kit as it is: ``tests/integration/test_connector_scaffold.py``
installs one and runs its contract test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Literal

from socialleads.registry import SINK_GROUP, SOURCE_GROUP
from socialleads.scaffold.names import package_problem, validate_name

ConnectorKind = Literal["source", "sink"]
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
#: Generated file (relative to the package folder) → its template, per kind; ``test_contract`` goes
#: to ``tests/contract/test_<name>_contract.py`` under the project root instead.
PACKAGE_FILES: dict[ConnectorKind, tuple[str, ...]] = {
    "source": ("__init__.py", "config.py", "errors.py", "source.py", "emulator.py"),
    "sink": ("__init__.py", "config.py", "errors.py", "sink.py", "emulator.py"),
}
PARENT_DOCSTRING = '"""Connector packages, one folder per vendor."""\n'


@dataclass(frozen=True)
class ConnectorSpec:
    """What to generate: the connector's name, whether it is a source or a sink, and its package."""

    name: str
    kind: ConnectorKind
    package: str

    @classmethod
    def of(cls, name: str, kind: ConnectorKind, package: str | None = None) -> ConnectorSpec:
        """A spec with ``package`` defaulting to ``connectors.<name>``; raises ``ValueError`` for a
        name or package that cannot be used (the message says why and how to fix it)."""
        validate_name(name)
        chosen = package or f"connectors.{name}"
        problem = package_problem(chosen)
        if problem is not None:
            raise ValueError(problem)
        return cls(name, kind, chosen)

    @property
    def prefix(self) -> str:
        """The class-name prefix: ``acme_crm`` → ``AcmeCrm``."""
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def class_name(self) -> str:
        """``AcmeSource`` or ``AcmeCrmSink``."""
        return self.prefix + self.kind.capitalize()

    @property
    def group(self) -> str:
        """The entry-point group: ``socialleads.sources`` or ``socialleads.sinks``."""
        return SOURCE_GROUP if self.kind == "source" else SINK_GROUP

    @property
    def target(self) -> str:
        """What the entry point loads: ``connectors.acme.source:AcmeSource``."""
        return f"{self.package}.{self.kind}:{self.class_name}"

    @property
    def entry_point_line(self) -> str:
        """The line for the ``[project.entry-points."<group>"]`` table of pyproject.toml."""
        return f'{self.name} = "{self.target}"'

    @property
    def values(self) -> dict[str, str]:
        """The templates' placeholders and their values."""
        return {
            "name": self.name,
            "Class": self.prefix,
            "title": " ".join(part.capitalize() for part in self.name.split("_") if part),
            "package": self.package,
            "env": f"{self.name.upper()}_API_TOKEN",
        }

    def package_dir(self, root: Path) -> Path:
        """The package's folder under the project root ``root``."""
        return root.joinpath(*self.package.split("."))

    def test_file(self, root: Path) -> Path:
        """The contract test's path under the project root ``root``."""
        return root / "tests" / "contract" / f"test_{self.name}_contract.py"


def render(template: str, values: Mapping[str, str]) -> str:
    """``template`` with every ``{{key}}`` replaced; raises ``ValueError`` for a key without a value."""

    def value(match: re.Match[str]) -> str:
        try:
            return values[match[1]]
        except KeyError:
            raise ValueError(f"the template names {match[0]}, which has no value") from None

    return PLACEHOLDER.sub(value, template)


def _template(kind: ConnectorKind, file: str) -> str:
    return (files("socialleads.scaffold") / "templates" / kind / f"{file}.tmpl").read_text(encoding="utf-8")


def rendered_files(spec: ConnectorSpec, root: Path) -> dict[Path, str]:
    """Every file of the new connector under ``root``, with its content; nothing is written.

    Includes an ``__init__.py`` for each parent package folder that has none. Raises ``ValueError``
    for a template placeholder without a value.
    """
    package_dir = spec.package_dir(root)
    out: dict[Path, str] = {}
    for parent in reversed(package_dir.relative_to(root).parents[:-1]):
        init = root / parent / "__init__.py"
        if not init.exists():
            out[init] = PARENT_DOCSTRING
    for file in PACKAGE_FILES[spec.kind]:
        out[package_dir / file] = render(_template(spec.kind, file), spec.values)
    out[spec.test_file(root)] = render(_template(spec.kind, "test_contract.py"), spec.values)
    return out


def scaffold(spec: ConnectorSpec, root: Path) -> list[Path]:
    """Write the new connector's package and contract test under the project root ``root``.

    Called by ``socialleads connector new``. Writes nothing and raises ``FileExistsError`` when the
    package folder or the test file exists already; raises ``ValueError`` for a broken template.
    Returns the files written.
    """
    planned = rendered_files(spec, root)
    existing = [p for p in (spec.package_dir(root), spec.test_file(root)) if p.exists()]
    if existing:
        listed = ", ".join(str(p) for p in existing)
        raise FileExistsError(f"{listed} already exists; choose another name, or move it away first")
    for path, text in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(planned)
