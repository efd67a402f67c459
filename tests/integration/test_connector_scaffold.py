"""``socialleads connector new``: a scaffolded source and sink install, lint, type-check and pass the kit.

The connectors are generated into a project of their own under a temporary folder (never into this
repository), laid out like this one (``connectors/<name>/``, ``tests/contract/``), declared in its
pyproject.toml with ``--register``, installed with ``pip install -e`` into a throwaway virtual
environment that sees this one's packages (entry points are read at install time, so that is what
makes the registry find them), and their generated contract tests run there in a subprocess.

The connectors are named ``tapir``, not ``acme`` as in docs/connectors.md: a newcomer who follows the
guide in this checkout has an ``acme`` of their own, and the names would collide.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialleads.cli import app
from socialleads.scaffold import ConnectorSpec, with_entry_point

REPO = Path(__file__).resolve().parents[2]
MINIMAL_PYPROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "tapir-connectors"
version = "0.0.1"

[tool.setuptools.packages.find]
include = ["connectors*"]

[tool.pytest.ini_options]
addopts = "--import-mode=importlib -p no:cacheprovider"
"""
#: The one kit test a generated sink skips on purpose: it does not accept admin notices.
EXPECTED_SKIPS = {"test_send_notice_does_not_raise"}


def invoke(*args: str) -> tuple[int, str]:
    """Run the command line in-process; returns the exit code and everything it printed."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``command``; fail the test with its output when it exits non-zero."""
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    shown = " ".join(map(str, command))
    assert done.returncode == 0, f"{shown} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh project with ``tapir`` (source) and ``tapir_crm`` (sink) scaffolded and registered."""
    root = tmp_path_factory.mktemp("tapir-project")
    (root / "pyproject.toml").write_text(MINIMAL_PYPROJECT)
    for name, kind in (("tapir", "source"), ("tapir_crm", "sink")):
        code, out = invoke("connector", "new", name, "--kind", kind, "--dir", str(root), "--register")
        assert code == 0, out
        assert "pip install -e ." in out, "the command must say that the entry point needs a reinstall"
    return root


@pytest.fixture(scope="module")
def installed(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a new virtual environment that sees this one's packages, with ``project`` installed
    in editable mode (offline: the build backend is this environment's setuptools)."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=project)
    python = venv / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(run(python, "-c", where, cwd=project).strip())
    ours = sysconfig.get_path("purelib")
    (site / "socialleads_dev_env.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    quiet = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    run(
        python,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-e",
        ".",
        cwd=project,
        env=quiet,
    )
    return python


def test_the_scaffolded_source_and_sink_pass_the_conformance_kit(project: Path, installed: Path) -> None:
    report = project / "kit.xml"
    env = {**os.environ, "PYTHONPATH": str(project)}
    env.pop("PYTEST_ADDOPTS", None)
    run(installed, "-m", "pytest", "-q", f"--junitxml={report}", "tests/contract", cwd=project, env=env)
    cases = ElementTree.parse(report).getroot().iter("testcase")  # noqa: S314 - the report pytest just wrote
    outcomes: Counter[tuple[str, str]] = Counter()
    skipped: set[str] = set()
    for case in cases:
        test_class = case.get("classname", "").rsplit(".", 1)[-1]
        verdicts = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        verdict = verdicts[0] if verdicts else "passed"
        outcomes[(test_class, verdict)] += 1
        if verdict == "skipped":
            skipped.add(case.get("name", ""))
    assert outcomes[("TestTapirSource", "passed")] >= 10, outcomes
    assert outcomes[("TestTapirCrmSink", "passed")] >= 10, outcomes
    assert not [key for key in outcomes if key[1] in ("failure", "error")], outcomes
    assert skipped <= EXPECTED_SKIPS, f"hooks left unfilled: {sorted(skipped - EXPECTED_SKIPS)}"


def test_the_installed_connectors_are_listed_by_the_registry(project: Path, installed: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(project)}
    script = (
        "from socialleads.registry import discover; r = discover(); "
        "print(r.sources['tapir'].target, r.sources['tapir'].available, "
        "r.sinks['tapir_crm'].target, r.sinks['tapir_crm'].available)"
    )
    out = run(installed, "-c", script, cwd=project, env=env)
    source, sink = "connectors.tapir.source:TapirSource", "connectors.tapir_crm.sink:TapirCrmSink"
    assert out.split() == [source, "True", sink, "True"]


def test_the_generated_code_passes_the_projects_lint_and_type_checks(project: Path) -> None:
    bin_dir = Path(sys.executable).parent
    first_party = "lint.isort.known-first-party = ['connectors', 'socialleads']"
    run(
        bin_dir / "ruff",
        "check",
        "--config",
        REPO / "pyproject.toml",
        "--config",
        first_party,
        "connectors",
        "tests",
        cwd=project,
    )
    env = {**os.environ, "MYPYPATH": str(REPO)}
    run(
        bin_dir / "mypy",
        "--config-file",
        REPO / "pyproject.toml",
        "--cache-dir",
        project / ".mypy_cache",
        "connectors/tapir",
        "connectors/tapir_crm",
        cwd=project,
        env=env,
    )


def test_without_register_it_prints_the_entry_point_and_leaves_pyproject_alone(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(MINIMAL_PYPROJECT)
    code, out = invoke("connector", "new", "tapir", "--kind", "source", "--dir", str(tmp_path))
    assert code == 0, out
    table = '[project.entry-points."socialleads.sources"]'
    assert f'{table}\ntapir = "connectors.tapir.source:TapirSource"' in out
    assert (tmp_path / "pyproject.toml").read_text() == MINIMAL_PYPROJECT
    assert (tmp_path / "connectors" / "tapir" / "source.py").is_file()
    assert (tmp_path / "tests" / "contract" / "test_tapir_contract.py").is_file()


@pytest.mark.parametrize(
    ("name", "says"),
    [("csv", "already a connector named 'csv'"), ("Tapir", "lowercase"), ("tapir-crm", "(try 'tapir_crm')")],
)
def test_a_name_that_cannot_be_used_writes_nothing(tmp_path: Path, name: str, says: str) -> None:
    code, out = invoke("connector", "new", name, "--kind", "sink", "--dir", str(tmp_path))
    assert code == 2
    assert says in out
    assert list(tmp_path.iterdir()) == []


def test_a_name_declared_in_pyproject_or_an_existing_folder_is_refused(tmp_path: Path) -> None:
    declared = '\n[project.entry-points."socialleads.sinks"]\nzoho = "x:Y"\n'
    (tmp_path / "pyproject.toml").write_text(MINIMAL_PYPROJECT + declared)
    code, out = invoke("connector", "new", "zoho", "--kind", "sink", "--dir", str(tmp_path))
    assert (code, "already a connector named 'zoho'" in out) == (2, True), out
    (tmp_path / "connectors" / "tapir").mkdir(parents=True)
    code, out = invoke("connector", "new", "tapir", "--kind", "source", "--dir", str(tmp_path))
    assert (code, "already exists" in out) == (2, True), out
    assert not (tmp_path / "tests").exists()


def test_register_adds_one_line_to_the_table_and_keeps_the_rest_of_the_file() -> None:
    """On this repository's own pyproject.toml (read, never written): one line after the last source."""
    text = (REPO / "pyproject.toml").read_text()
    spec = ConnectorSpec.of("tapir", "source")
    edited = with_entry_point(text, spec)
    before, after = text.splitlines(), edited.splitlines()
    assert len(after) == len(before) + 1
    at = after.index(spec.entry_point_line)
    assert after[:at] + after[at + 1 :] == before
    table = before.index('[project.entry-points."socialleads.sources"]')
    next_table = next(i for i in range(table + 1, len(before)) if before[i].startswith("["))
    entries = [i for i in range(table + 1, next_table) if before[i].strip() and not before[i].startswith("#")]
    last_entry = entries[-1]
    assert at == last_entry + 1
    with pytest.raises(ValueError, match="already declares 'tapir'"):
        with_entry_point(edited, spec)


def test_register_appends_a_missing_table_and_keeps_crlf_line_ends() -> None:
    spec = ConnectorSpec.of("tapir_crm", "sink")
    text = '[project]\r\nname = "x"\r\n\r\n[project.entry-points."socialleads.sources"]\r\ntapir = "a:B"\r\n'
    edited = with_entry_point(text, spec)
    table = '[project.entry-points."socialleads.sinks"]'
    assert edited == f'{text}\r\n{table}\r\ntapir_crm = "connectors.tapir_crm.sink:TapirCrmSink"\r\n'


def test_register_refuses_a_group_declared_inline() -> None:
    text = '[project]\nname = "x"\nentry-points = {"socialleads.sinks" = {other = "a:B"}}\n'
    with pytest.raises(ValueError, match="without its own table"):
        with_entry_point(text, ConnectorSpec.of("tapir_crm", "sink"))


def test_a_package_of_its_own_goes_where_its_name_says(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(MINIMAL_PYPROJECT)
    own = ("--package", "socialleads_tiktok", "--dir", str(tmp_path))
    code, out = invoke("connector", "new", "tiktok", "--kind", "source", *own)
    assert code == 0, out
    assert 'tiktok = "socialleads_tiktok.source:TiktokSource"' in out
    assert (tmp_path / "socialleads_tiktok" / "source.py").is_file()
    assert not (tmp_path / "connectors").exists()
    test = (tmp_path / "tests" / "contract" / "test_tiktok_contract.py").read_text()
    assert "from socialleads_tiktok.source import (\n    TiktokSource,\n)" in test
