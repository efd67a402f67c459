"""What a new connector may be called: its entry-point name, ``name`` and the folder of its package."""

from __future__ import annotations

import keyword
import re
from collections.abc import Collection

#: Lowercase ASCII letters, digits and ``_``, starting with a letter: a Python identifier and a
#: package name that looks the same on every file system.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
#: Longer names push the generated code past the line length.
MAX_LENGTH = 24
#: Packages a connector may not be generated into: the core, and what Python or pytest own.
RESERVED_PACKAGES = frozenset({"socialleads", "tests", "test"})


def name_problem(name: str, taken: Collection[str] = ()) -> str | None:
    """Why ``name`` cannot name a new connector, as a sentence with the fix, or None when it can.

    ``taken`` holds the names already in use (installed connectors, entry points being declared).
    """
    if not name:
        return "a connector needs a name, e.g. acme or acme_crm"
    if name != name.lower() and NAME_PATTERN.fullmatch(name.lower()):
        return f"{name!r} has capital letters: connector names are lowercase (try {name.lower()!r})"
    if not NAME_PATTERN.fullmatch(name):
        hint = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
        suggestion = f" (try {hint!r})" if NAME_PATTERN.fullmatch(hint) else ""
        return (
            f"{name!r} is not a lowercase Python identifier: use a-z, 0-9 and _, "
            f"starting with a letter{suggestion}"
        )
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword and cannot name a package (try {name + '_api'!r})"
    if len(name) > MAX_LENGTH:
        return f"{name!r} is longer than {MAX_LENGTH} characters"
    if name in taken:
        return f"there is already a connector named {name!r}; choose another name"
    return None


def validate_name(name: str, taken: Collection[str] = ()) -> str:
    """``name`` when it can name a new connector; raises ``ValueError`` saying why not, with the fix."""
    problem = name_problem(name, taken)
    if problem is not None:
        raise ValueError(problem)
    return name


def package_problem(package: str) -> str | None:
    """Why ``package`` (dotted, e.g. ``connectors.acme``) cannot hold a new connector, or None."""
    parts = package.split(".")
    if not all(part.isidentifier() and part.isascii() and not keyword.iskeyword(part) for part in parts):
        return f"{package!r} is not a dotted Python package name, e.g. connectors.acme or socialleads_acme"
    if parts[0] in RESERVED_PACKAGES:
        return f"{package!r} is inside {parts[0]!r}; a connector lives in its own package (connectors.NAME)"
    return None
