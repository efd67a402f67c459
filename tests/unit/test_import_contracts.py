"""The rules of the layout (docs/architecture.md), checked over the import graph of the source tree.

- The product never imports the sandbox: only ``socialleads/sandbox/`` itself and the ``sandbox`` and
  ``demo`` commands do.
- The core knows no vendor: no module of ``socialleads/`` outside the sandbox (and the two commands
  that run it) imports a vendor SDK or holds a vendor's API host in its code (docstrings may cite
  vendor documentation; a ``www.`` page link in sample data is a page for people, not an API host).
- Connectors never touch the store: ``connectors/`` imports none of ``socialleads.store``,
  ``socialleads.pipeline``, ``socialleads.web``, ``socialleads.cli`` or ``socialleads.bot``.

Each rule is also run over a small tree written here that breaks it, so a checker that lets
everything through fails.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_USERS = {"socialleads/cli/sandbox.py", "socialleads/cli/demo.py"}
VENDOR_SDKS = {"tweepy", "facebook", "hubspot", "simple_salesforce", "slack_sdk", "pymsteams", "linkedin_api"}
VENDOR_HOST = re.compile(
    r"(?<![\w.-])(?!www\.)[\w.-]*\b(facebook|instagram|twitter|x|pipedrive|salesforce|hubapi|hubspot|slack|"
    r"office|linkedin|tiktok|tiktokapis)\.com\b"
)
STORE_SIDE = tuple(f"socialleads.{part}" for part in ("store", "pipeline", "web", "cli", "bot"))


def _modules(root: Path, folder: str) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted((root / folder).rglob("*.py")):
        yield path.relative_to(root).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _code_strings(tree: ast.Module) -> Iterator[str]:
    """String constants that are not docstrings."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value


def product_imports_of_the_sandbox(root: Path) -> list[str]:
    """``module: import`` for every product module that imports the sandbox."""
    found = []
    for folder in ("socialleads", "connectors"):
        for name, tree in _modules(root, folder):
            if name.startswith("socialleads/sandbox/") or name in SANDBOX_USERS:
                continue
            found += [
                f"{name}: {i}"
                for i in _imports(tree)
                if i == "socialleads.sandbox" or i.startswith("socialleads.sandbox.")
            ]
    return sorted(set(found))


def vendor_knowledge_in_the_core(root: Path) -> list[str]:
    """``module: what`` for every vendor SDK import or vendor API host in the core's code."""
    found = []
    for name, tree in _modules(root, "socialleads"):
        if name.startswith("socialleads/sandbox/") or name in SANDBOX_USERS:
            continue
        found += [f"{name}: imports {i}" for i in _imports(tree) if i.split(".")[0] in VENDOR_SDKS]
        found += [f"{name}: names {m.group(0)}" for s in _code_strings(tree) for m in VENDOR_HOST.finditer(s)]
    return sorted(set(found))


def connectors_touching_the_store(root: Path) -> list[str]:
    """``module: import`` for every connector module that imports the store side of the core."""
    found = []
    for name, tree in _modules(root, "connectors"):
        found += [f"{name}: {i}" for i in _imports(tree) if i.startswith(STORE_SIDE)]
    return sorted(set(found))


def test_the_product_never_imports_the_sandbox() -> None:
    assert product_imports_of_the_sandbox(ROOT) == []


def test_the_core_names_no_vendor_host_and_imports_no_vendor_sdk() -> None:
    assert vendor_knowledge_in_the_core(ROOT) == []


def test_connectors_never_touch_the_store() -> None:
    assert connectors_touching_the_store(ROOT) == []


@pytest.fixture
def broken_tree(tmp_path: Path) -> Path:
    """A tree that breaks every rule once."""
    files = {
        "socialleads/bot_part.py": "from socialleads.sandbox.world.living import World\n",
        "socialleads/cli/demo.py": "from socialleads.sandbox.runtime import Sandbox\n",  # allowed
        "socialleads/http_part.py": (
            '"""See https://graph.facebook.com/docs."""\nHOSTS = ("api.pipedrive.com", "https://www.x.com/a")\n'
        ),
        "socialleads/sdk_part.py": "import tweepy\nfrom slack_sdk import WebClient\n",
        "connectors/acme/sink.py": "from socialleads.store import outbox\nimport socialleads.sandbox\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_checks_catch_a_tree_that_breaks_the_rules(broken_tree: Path) -> None:
    assert product_imports_of_the_sandbox(broken_tree) == [
        "connectors/acme/sink.py: socialleads.sandbox",
        "socialleads/bot_part.py: socialleads.sandbox.world.living",
        "socialleads/bot_part.py: socialleads.sandbox.world.living.World",
    ]
    assert vendor_knowledge_in_the_core(broken_tree) == [
        "socialleads/http_part.py: names api.pipedrive.com",
        "socialleads/sdk_part.py: imports slack_sdk",
        "socialleads/sdk_part.py: imports slack_sdk.WebClient",
        "socialleads/sdk_part.py: imports tweepy",
    ]
    assert connectors_touching_the_store(broken_tree) == [
        "connectors/acme/sink.py: socialleads.store",
        "connectors/acme/sink.py: socialleads.store.outbox",
    ]
