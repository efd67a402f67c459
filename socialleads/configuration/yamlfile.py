"""Reading one YAML config file: the data, the line of every key, and resolved secret references.

A secret is written as a reference, never as a value: ``{$env: NAME}`` (the environment, then the
secrets file) or ``{$file: /run/secrets/name}``, optionally with a ``default:`` used when the
variable or file is absent. References are resolved here, at load.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from socialleads.errors import ConfigurationError

#: Where a value sits in a YAML document: its keys and list indexes from the top ("sources", "fair", "every").
#: Files and messages spell it "sources.fair.every" (``key_text``).
KeyPath = tuple[str | int, ...]
_REF_KEYS = frozenset({"$env", "$file"})


@dataclass
class YamlDocument:
    """A parsed config file: its data, the line of each key path, and which paths were references."""

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    reference_paths: set[KeyPath] = field(default_factory=set)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path`` or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def key_text(path: KeyPath) -> str:
    """``("sources", "fair", "config", "folder")`` → ``sources.fair.config.folder``; list items as ``[i]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_secrets_file(path: Path | None) -> dict[str, str]:
    """Parse a ``NAME=value`` secrets file (``#`` comments, optional quotes); empty when unset."""
    if path is None:
        return {}
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        values[name.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def _record_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], file: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise ConfigurationError(
                    "key appears twice",
                    file=file,
                    key=key_text((*path, key)),
                    fix="keep one of them",
                    line=key_node.start_mark.line + 1,
                )
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _record_lines(value_node, (*path, key), lines, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines, file)


class ConfigLoader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 booleans: only true/false are booleans.

    YAML 1.1 reads ``NO`` (Norway), ``yes``, ``on`` and ``off`` as booleans, which turns
    ``countries: [IS, NO]`` into ``["IS", False]``. Settings that are booleans still accept
    ``yes``/``no`` as text (pydantic converts them).
    """


ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(path: Path) -> YamlDocument:
    """Parse ``path`` keeping the line of every key.

    Raises ``ConfigurationError`` on syntax errors and duplicate keys.
    """
    file = str(path)
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=ConfigLoader)
        data = yaml.load(text, Loader=ConfigLoader)  # noqa: S506 - ConfigLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = f"not valid YAML: {getattr(exc, 'problem', exc)}"
        raise ConfigurationError(problem, file=file, fix="fix the syntax", line=line) from None
    doc = YamlDocument(file=file, data=data if data is not None else {})
    if node is not None:
        _record_lines(node, (), doc.lines, file)
    return doc


def resolve_references(
    doc: YamlDocument, secrets: dict[str, str], environ: dict[str, str] | None = None
) -> None:
    """Replace every ``{$env: NAME}`` / ``{$file: PATH}`` in ``doc.data`` with its value, recording where.

    Called by the configuration loader on each file it reads. Raises ``ConfigurationError`` naming
    the key and the missing variable or file.
    """
    resolver = _References(doc, secrets, dict(os.environ) if environ is None else environ)
    doc.data = resolver.resolve(doc.data, ())


def _is_reference(value: dict[Any, Any]) -> bool:
    """A mapping of ``$env`` or ``$file`` (and perhaps ``default``) only."""
    return bool(value) and bool(set(value) & _REF_KEYS) and set(value) <= _REF_KEYS | {"default"}


@dataclass
class _References:
    """Resolves the references of one document, from ``environ`` then ``secrets``, or from files."""

    doc: YamlDocument
    secrets: dict[str, str]
    environ: dict[str, str]

    def resolve(self, value: Any, path: KeyPath) -> Any:
        """``value`` (at ``path``) with every reference in it replaced by what it refers to."""
        if isinstance(value, dict):
            if _is_reference(value):
                return self._resolve_one(value, path)
            return {k: self.resolve(v, (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, (*path, i)) for i, v in enumerate(value)]
        return value

    def _resolve_one(self, ref: dict[str, Any], path: KeyPath) -> Any:
        self.doc.reference_paths.add(path)
        kinds = set(ref) & _REF_KEYS
        if len(kinds) != 1:
            raise self._problem(path, "a reference has exactly one of $env or $file", "write {$env: NAME}")
        kind = kinds.pop()
        target = ref[kind]
        if not isinstance(target, str) or not target:
            raise self._problem(path, f"{kind} needs a name", "write {$env: NAME}")
        if kind == "$env":
            return self._from_environment(ref, target, path)
        return self._from_file(ref, target, path)

    def _from_environment(self, ref: dict[str, Any], name: str, path: KeyPath) -> Any:
        if name in self.environ:
            return self.environ[name]
        if name in self.secrets:
            return self.secrets[name]
        if "default" in ref:
            return ref["default"]
        raise self._problem(
            path,
            f"environment variable {name} is not set",
            f"export {name}=... or add it to the secrets file (SOCIALLEADS_SECRETS_FILE)",
        )

    def _from_file(self, ref: dict[str, Any], target: str, path: KeyPath) -> Any:
        try:
            return Path(target).read_text(encoding="utf-8").strip()
        except OSError as exc:
            if "default" in ref:
                return ref["default"]
            problem = f"cannot read secret file {target}: {exc.strerror}"
            raise self._problem(path, problem, "check the path and its permissions") from None

    def _problem(self, path: KeyPath, problem: str, fix: str) -> ConfigurationError:
        doc = self.doc
        return ConfigurationError(problem, file=doc.file, key=key_text(path), fix=fix, line=doc.line_of(path))
