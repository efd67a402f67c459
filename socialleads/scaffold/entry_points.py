"""Declaring a connector's entry point in pyproject.toml, touching nothing else in the file.

The table ``[project.entry-points."socialleads.sources"]`` (or ``."socialleads.sinks"``) gets one
line after its last entry; a file without that table gets it at its end. Comments, order and blank
lines stay as they were. Entry points are read when the project is installed: after editing, run
``pip install -e .`` again, or the registry does not see the connector.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from socialleads.registry import SINK_GROUP, SOURCE_GROUP
from socialleads.scaffold.layout import ConnectorSpec

_ANY_TABLE = re.compile(r"\s*\[")
_ENTRY = re.compile(r"\s*[^\s#]")


def _table_header(group: str) -> re.Pattern[str]:
    quoted = "[\"']" + re.escape(group) + "[\"']"
    return re.compile(rf"\s*\[\s*project\s*\.\s*entry-points\s*\.\s*{quoted}\s*\]\s*(#.*)?$")


def _entry_points(text: str) -> dict[str, Any]:
    found = tomllib.loads(text).get("project", {}).get("entry-points", {})
    return found if isinstance(found, dict) else {}


def declared_names(pyproject: Path) -> set[str]:
    """The source and sink names ``pyproject`` declares (none when it does not exist).

    Raises ``ValueError`` when it is not valid TOML.
    """
    if not pyproject.exists():
        return set()
    try:
        groups = _entry_points(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{pyproject} is not valid TOML: {exc}") from None
    return {name for group in (SOURCE_GROUP, SINK_GROUP) for name in groups.get(group, {})}


def with_entry_point(text: str, spec: ConnectorSpec) -> str:
    """``text`` (a pyproject.toml) with ``spec``'s entry point added to its group's table.

    Raises ``ValueError`` when the name is declared already, when the group is declared in a form
    this edit cannot extend (an inline table), or when the result would not read back as intended.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    if spec.name in _entry_points(text).get(spec.group, {}):
        raise ValueError(f"{spec.group} already declares {spec.name!r}")
    lines = text.splitlines(keepends=True)
    header = _table_header(spec.group)
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        if spec.group in _entry_points(text):
            raise ValueError(f"{spec.group} is declared without its own table; add {spec.entry_point_line!r}")
        body = text if not text or text.endswith(("\n", "\r")) else text + newline
        separator = newline if body.strip() else ""
        table = f'[project.entry-points."{spec.group}"]'
        edited = f"{body}{separator}{table}{newline}{spec.entry_point_line}{newline}"
    else:
        end = next((i for i in range(start + 1, len(lines)) if _ANY_TABLE.match(lines[i])), len(lines))
        last = max((i for i in range(start + 1, end) if _ENTRY.match(lines[i])), default=start)
        if not lines[last].endswith(("\n", "\r")):
            lines[last] += newline
        lines.insert(last + 1, spec.entry_point_line + newline)
        edited = "".join(lines)
    if _entry_points(edited).get(spec.group, {}).get(spec.name) != spec.target:
        raise ValueError(f"could not add {spec.entry_point_line!r} to the {spec.group} table; add it by hand")
    return edited


def register(pyproject: Path, spec: ConnectorSpec) -> None:
    """Add ``spec``'s entry point to the file ``pyproject``; called by ``connector new --register``.

    Raises ``FileNotFoundError`` when there is no such file, ``ValueError`` as ``with_entry_point``.
    """
    text = pyproject.read_bytes().decode("utf-8")  # as it is: read_text would turn \r\n into \n
    pyproject.write_text(with_entry_point(text, spec), encoding="utf-8", newline="")
