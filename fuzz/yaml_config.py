"""Fuzz target: the YAML configuration (``socialleads/configuration``: ``yamlfile`` and ``loader``).

Feeds arbitrary bytes as a config file. The first byte picks where they go: ``S``, ``K`` or ``C`` make
them ``sources.yaml``, ``sinks.yaml`` or ``campaigns.yaml`` in an otherwise empty config folder, loaded
in full by ``load_app_config`` with the installed connectors, a secrets file holding ``FUZZ_SECRET``
and ``FUZZ_TOKEN``; any other byte gives the rest to ``load_yaml`` and ``resolve_references`` alone.

A finding is:

- any exception but ``ConfigurationError`` (from ``load_yaml`` and ``resolve_references``) and
  ``ConfigurationErrors`` (from ``load_app_config``), both ``socialleads.errors``;
- a problem that does not name its file, or a message that quotes a secret's value.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

if __name__ == "__main__":  # ``python fuzz/yaml_config.py``: import ``fuzz`` from the repository root
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from fuzz.harness import Finding, instrumented, main

with instrumented(__name__, ["socialleads", "connectors", "yaml"]):
    from socialleads.configuration.loader import AppConfig, load_app_config
    from socialleads.configuration.yamlfile import YamlDocument, load_yaml, resolve_references
    from socialleads.errors import ConfigurationError, ConfigurationErrors
    from socialleads.registry import discover
    from socialleads.settings import Settings

FILES = {ord("S"): "sources.yaml", ord("K"): "sinks.yaml", ord("C"): "campaigns.yaml"}
SECRETS = {"FUZZ_SECRET": "sl-fuzz-secret-7f3a9c", "FUZZ_TOKEN": "sl-fuzz-token-e41b02"}
ENVIRON = {"SMTP_HOST": "localhost", "SMTP_PORT": "1025"}
ROOT = Path(tempfile.mkdtemp(prefix="fuzz-yaml-"))
atexit.register(shutil.rmtree, ROOT, ignore_errors=True)
CONFIG = ROOT / "config"
CONFIG.mkdir()
SECRETS_FILE = ROOT / "secrets.env"
SECRETS_FILE.write_text("".join(f"{name}={value}\n" for name, value in SECRETS.items()))
SETTINGS = Settings(config_dir=CONFIG, secrets_file=SECRETS_FILE, data_dir=ROOT / "data")
REGISTRY = discover()


def check(data: bytes) -> None:
    """One fuzz input: the first byte picks the file (module docstring), the rest is its content."""
    name = FILES.get(data[0]) if data else None
    if name is None:
        check_document(data[1:])
    else:
        check_folder(name, data[1:])


def check_document(content: bytes) -> YamlDocument | None:
    """``load_yaml`` and ``resolve_references`` on one file: its document, or None for a problem."""
    path = ROOT / "file.yaml"
    path.write_bytes(content)
    try:
        doc = load_yaml(path)
        resolve_references(doc, dict(SECRETS), dict(ENVIRON))
    except ConfigurationError as exc:
        check_problems([exc])
        return None
    return doc


def check_folder(name: str, content: bytes) -> AppConfig | None:
    """``load_app_config`` on a folder holding only ``name``: the config, or None for ConfigurationErrors."""
    for old in CONFIG.iterdir():
        old.unlink()
    (CONFIG / name).write_bytes(content)
    try:
        return load_app_config(SETTINGS, REGISTRY)
    except ConfigurationErrors as exc:
        check_problems(exc.errors)
        return None


def check_problems(errors: list[ConfigurationError]) -> None:
    """Each problem names the file it is in, and none quotes a secret."""
    if not errors:
        raise Finding("ConfigurationErrors without a problem in it")
    for error in errors:
        if not isinstance(error, ConfigurationError) or not error.file:
            raise Finding(f"a problem that does not name its file: {error!r}")
        text = str(error)
        for secret in SECRETS.values():
            if secret in text:
                raise Finding(f"a message quotes a secret: {error.key or error.file}")


if __name__ == "__main__":
    main("yaml_config", check)
