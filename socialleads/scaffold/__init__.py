"""``socialleads connector new``: a new source or sink package that passes the conformance kit as it is.

``layout`` renders the package from the templates in ``templates/``, ``names`` says what a connector
may be called, and ``entry_points`` declares it in pyproject.toml. docs/connectors.md walks through
what is generated and what to change.
"""

from __future__ import annotations

from socialleads.scaffold.entry_points import declared_names, register, with_entry_point
from socialleads.scaffold.layout import ConnectorKind, ConnectorSpec, rendered_files, scaffold
from socialleads.scaffold.names import name_problem, validate_name

__all__ = [
    "ConnectorKind",
    "ConnectorSpec",
    "declared_names",
    "name_problem",
    "register",
    "rendered_files",
    "scaffold",
    "validate_name",
    "with_entry_point",
]
