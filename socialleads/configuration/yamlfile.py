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

from socialleads.errors import ConfigError

Path_ = tuple[str | int, ...]
_REF_KEYS = frozenset({"$env", "$file"})


@dataclass
class YamlDocument:
    """A parsed config file: its data, the line of each key path, and which paths were references."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    reference_paths: set[Path_] = field(default_factory=set)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path`` or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def key_text(path: Path_) -> str:
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


def _record_lines(node: yaml.Node, path: Path_, lines: dict[Path_, int], file: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise ConfigError(
                    file,
                    key_text((*path, key)),
                    "key appears twice",
                    "keep one of them",
                    key_node.start_mark.line + 1,
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

    Raises ``ConfigError`` on syntax errors and duplicate keys.
    """
    file = str(path)
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=ConfigLoader)
        data = yaml.load(text, Loader=ConfigLoader)  # noqa: S506 - ConfigLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(
            file, "", f"not valid YAML: {getattr(exc, 'problem', exc)}", "fix the syntax", line
        ) from None
    doc = YamlDocument(file=file, data=data if data is not None else {})
    if node is not None:
        _record_lines(node, (), doc.lines, file)
    return doc


def resolve_references(
    doc: YamlDocument, secrets: dict[str, str], environ: dict[str, str] | None = None
) -> None:
    """Replace every ``{$env: NAME}`` / ``{$file: PATH}`` in ``doc.data`` with its value, recording where.

    Raises ``ConfigError`` naming the key and the missing variable or file.
    """
    env = dict(os.environ) if environ is None else environ

    def resolve(value: Any, path: Path_) -> Any:
        if isinstance(value, dict):
            if value and set(value) & _REF_KEYS and set(value) <= _REF_KEYS | {"default"}:
                return _resolve_one(value, path)
            return {k: resolve(v, (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v, (*path, i)) for i, v in enumerate(value)]
        return value

    def _resolve_one(ref: dict[str, Any], path: Path_) -> Any:
        doc.reference_paths.add(path)
        where = key_text(path)
        kinds = set(ref) & _REF_KEYS
        if len(kinds) != 1:
            raise ConfigError(
                doc.file,
                where,
                "a reference has exactly one of $env or $file",
                "write {$env: NAME}",
                doc.line_of(path),
            )
        kind = kinds.pop()
        target = ref[kind]
        if not isinstance(target, str) or not target:
            raise ConfigError(
                doc.file, where, f"{kind} needs a name", "write {$env: NAME}", doc.line_of(path)
            )
        if kind == "$env":
            if target in env:
                return env[target]
            if target in secrets:
                return secrets[target]
            if "default" in ref:
                return ref["default"]
            raise ConfigError(
                doc.file,
                where,
                f"environment variable {target} is not set",
                f"export {target}=... or add it to the secrets file (SOCIALLEADS_SECRETS_FILE)",
                doc.line_of(path),
            )
        try:
            return Path(target).read_text(encoding="utf-8").strip()
        except OSError as exc:
            if "default" in ref:
                return ref["default"]
            raise ConfigError(
                doc.file,
                where,
                f"cannot read secret file {target}: {exc.strerror}",
                "check the path and its permissions",
                doc.line_of(path),
            ) from None

    doc.data = resolve(doc.data, ())
