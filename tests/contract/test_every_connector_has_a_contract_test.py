"""Every installed source and sink entry point has a conformance test class in ``tests/contract/``."""

from __future__ import annotations

import importlib
from pathlib import Path

from socialleads.registry import discover
from socialleads.testing import SinkConformance, SourceConformance

HERE = Path(__file__).parent


def contract_classes() -> dict[tuple[str, str], str]:
    """(kind, entry point) → the ``Test...`` class covering it, from every test module in this folder."""
    covered: dict[tuple[str, str], str] = {}
    for path in sorted(HERE.glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        module = importlib.import_module(f"tests.contract.{path.stem}")
        for attr, obj in vars(module).items():
            # Only what pytest collects counts: a class named Test..., defined in that module.
            if not (attr.startswith("Test") and isinstance(obj, type) and obj.__module__ == module.__name__):
                continue
            if issubclass(obj, SourceConformance | SinkConformance):
                name = obj.entry_point or getattr(obj.connector, "name", None)
                covered[(obj.kind, str(name))] = f"{path.name}::{attr}"
    return covered


def test_every_entry_point_has_a_contract_test() -> None:
    registry = discover()
    covered = contract_classes()
    missing = [
        f"{kind} {name!r}"
        for kind in ("source", "sink")
        for name in sorted(registry.plugins(kind))
        if (kind, name) not in covered
    ]
    assert not missing, (
        f"no conformance test class for {', '.join(missing)}: add a "
        "tests/contract/test_<name>_contract.py with a Test... class subclassing "
        "SourceConformance or SinkConformance"
    )


def test_the_built_in_connectors_are_covered() -> None:
    """Guards the check above against finding nothing: the four built-ins are always installed."""
    covered = contract_classes()
    for key in (("source", "csv"), ("sink", "console"), ("sink", "email"), ("sink", "webhook")):
        assert key in covered, f"{key} has no contract test class"
