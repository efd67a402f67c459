"""Reading one YAML config file: the data, the line of every key, and resolved secret references.

A secret is written as a reference, never as a value: ``{$env: NAME}`` (the environment, then the
secrets file) or ``{$file: /run/secrets/name}``, optionally with a ``default:`` used when the
variable or file is absent. References are resolved here, at load.

What a reference may read (issue #19):

- ``$file`` reads only under the *secret roots* its caller gives (``loader.secret_file_roots``: the
  config folder, the secrets file's folder, ``SOCIALLEADS_SECRETS_DIR``, ``/run/secrets`` where Docker
  and Compose mount secrets, systemd's ``$CREDENTIALS_DIRECTORY``, and ``SOCIALLEADS_SECRET_ROOTS``).
  The path is resolved first (symlinks and ``..``), so a link or ``../../etc/passwd`` under a root
  does not lead out of it, and the resolved path is what is read. A path outside every root is an
  error even when a ``default:`` is given: it is a mistake in the file, not a missing secret.
- ``$env`` reads any variable of the environment or the secrets file except the bot's own
  settings (``SOCIALLEADS_*``). Non-secret values are referenced too (``SMTP_HOST``, a demo's
  URLs), so a rule on names would break real files; whoever sets the environment also writes
  these files. The bot's own settings are refused because they are no connector's business and
  one of them holds the database password (``SOCIALLEADS_DATABASE_URL``): copied into a connector's
  field, it would travel to that connector's server.
- The value a reference gives is never quoted back: the loader's messages leave it out
  (``loader.Problems.validate``, using ``YamlDocument.reference_paths``), and the messages here name
  the variable or the path, never what it holds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from socialleads.errors import ConfigurationError

#: Where a value sits in a YAML document: its keys and list indexes from the top ("sources", "fair", "every").
#: Files and messages spell it "sources.fair.every" (``key_text``).
KeyPath = tuple[str | int, ...]
_REF_KEYS = frozenset({"$env", "$file"})
#: The prefix of the bot's own settings, which a reference may not read (see the module's docstring).
_OWN_SETTINGS = "SOCIALLEADS_"


@dataclass
class YamlDocument:
    """A parsed config file: its data, the line of each key path, and which paths were references."""

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    reference_paths: set[KeyPath] = field(default_factory=set)

    def referenced_values(self, near: KeyPath) -> list[str]:
        """What the references at, inside or around ``near`` resolved to, as text (longest first).

        "Around" is a reference below ``near`` (an error about a whole mapping may quote any of its
        values) or above it (``near`` is inside what a reference gave, e.g. through its ``default:``).
        """
        found: set[str] = set()
        for ref in self.reference_paths:
            if ref[: len(near)] == near or near[: len(ref)] == ref:
                found.update(_texts(_value_at(self.data, ref)))
        return sorted(found, key=len, reverse=True)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path`` or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def _value_at(data: Any, path: KeyPath) -> Any:
    for part in path:
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not in_list and not (isinstance(data, dict) and part in data):
            return None
        data = data[part]
    return data


def _texts(value: Any) -> Iterator[str]:
    """Every scalar inside ``value``, as text."""
    if isinstance(value, dict):
        for inner in value.values():
            yield from _texts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts(inner)
    elif value is not None:
        yield str(value)


def key_text(path: KeyPath) -> str:
    """``("sources", "fair", "config", "folder")`` → ``sources.fair.config.folder``; list items as ``[i]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_secrets_file(path: Path | None) -> dict[str, str]:
    """Parse a ``NAME=value`` secrets file (``#`` comments, optional quotes); empty when unset.

    Raises ``OSError`` when it cannot be read, ``ConfigurationError`` when it is not UTF-8.
    """
    if path is None:
        return {}
    values: dict[str, str] = {}
    for raw in decode_utf8(path.read_bytes(), str(path)).splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        values[name.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


#: The deepest a value may sit, in keys and list items from the top. Real files nest less than ten
#: levels; PyYAML builds a document recursively, so ``[[[[...`` a few hundred deep would exhaust
#: Python's stack (RecursionError) before any error of ours.
MAX_DEPTH = 64
#: The most values a file may hold once its aliases are expanded: ``a: &a [x, x, x]``,
#: ``b: &b [*a, *a, *a]`` and so on multiply with each line ("billion laughs"), and every value
#: is visited again by the checks after the parse.
MAX_VALUES = 100_000
#: The longest a number may be written, in characters. Python reads no integer of more than 4,300
#: digits (https://docs.python.org/3/library/stdtypes.html#int-max-str-digits) and no setting needs
#: more than a few dozen.
MAX_NUMBER_TEXT = 100
_TOO_DEEP_FIX = "nest less deeply; an alias (*name) may not stand inside the value it names"
_INT_OR_FLOAT = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


class _Refused(yaml.YAMLError):
    """A document refused while it is read, with its line and the fix: nested too deeply, or a value that
    cannot be built (``node``, when known, locates its key)."""

    def __init__(self, problem: str, fix: str, line: int | None, node: yaml.Node | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix
        self.line = line
        self.node = node


@dataclass
class _Lines:
    """Walks a composed document: records the line of every key path, and refuses what no config file
    holds (a key written twice, a key that is a list or mapping, nesting past ``MAX_DEPTH``, more
    than ``MAX_VALUES`` values once aliases are expanded)."""

    file: str
    lines: dict[KeyPath, int]
    paths: dict[int, KeyPath] = field(default_factory=dict)
    """The first key path of each node (by ``id``), to name the key of a value that cannot be built."""
    values: int = 0

    def record(self, node: yaml.Node, path: KeyPath) -> None:
        """Record ``node`` (at ``path``) and everything inside it."""
        if len(path) > MAX_DEPTH:  # an alias can nest a value past what the composer saw
            raise self._problem(
                path, f"values are nested more than {MAX_DEPTH} levels deep", _TOO_DEEP_FIX, node
            )
        self.values += 1
        if self.values > MAX_VALUES:
            problem = f"the file holds more than {MAX_VALUES:,} values once its aliases (*name) are expanded"
            raise self._problem(path, problem, "repeat large blocks through aliases less often", node)
        self.lines.setdefault(path, node.start_mark.line + 1)
        self.paths.setdefault(id(node), path)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    problem = "a key must be a plain name, not a list or a mapping"
                    raise self._problem(path, problem, "write the key as text", key_node)
                key = str(key_node.value)
                if key in seen:
                    raise self._problem((*path, key), "key appears twice", "keep one of them", key_node)
                seen.add(key)
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                self.record(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.record(item, (*path, index))

    def _problem(self, path: KeyPath, problem: str, fix: str, node: yaml.Node) -> ConfigurationError:
        line = node.start_mark.line + 1
        return ConfigurationError(problem, file=self.file, key=key_text(path), fix=fix, line=line)


class ConfigLoader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 booleans (only true/false are booleans), refusing what it cannot
    read as a ``_Refused`` error rather than Python's own exceptions.

    YAML 1.1 reads ``NO`` (Norway), ``yes``, ``on`` and ``off`` as booleans, which turns
    ``countries: [IS, NO]`` into ``["IS", False]``. Settings that are booleans still accept
    ``yes``/``no`` as text (pydantic converts them).

    PyYAML's constructors raise what Python raises for a value that does not exist: ``ValueError``
    for ``2027-02-30`` or an offset of ``+99:00``, for an integer past Python's 4,300 digits, and
    ``OverflowError`` for a base-60 float (``1:00:00:...``) past the largest float. These become
    ``_Refused`` with the value's line; a number longer than ``MAX_NUMBER_TEXT`` is refused before it
    is read. Nesting past ``MAX_DEPTH`` is refused before PyYAML's recursive composer runs out of stack.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """PyYAML's ``compose_node``, refusing a node nested more than ``MAX_DEPTH`` levels deep."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:  # the top node is level 0
                event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
                line = event.start_mark.line + 1 if event.start_mark is not None else None
                raise _Refused(f"values are nested more than {MAX_DEPTH} levels deep", _TOO_DEEP_FIX, line)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's ``construct_object``, turning a value it cannot build into ``_Refused``."""
        if node.tag in _INT_OR_FLOAT and len(str(node.value)) > MAX_NUMBER_TEXT:
            problem = f"a number longer than {MAX_NUMBER_TEXT} characters"
            fix = "write a shorter number, or quote it to keep it as text"
            raise _Refused(problem, fix, node.start_mark.line + 1, node)
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:
            raise _unbuildable(node, exc) from None


def _unbuildable(node: yaml.Node, exc: Exception) -> _Refused:
    """The ``_Refused`` for a value of ``node`` that PyYAML's constructor failed on with ``exc``."""
    if node.tag == "tag:yaml.org,2002:timestamp":
        problem, fix = f"not a real date or time: {exc}", "write a date that exists, as YYYY-MM-DD"
    elif node.tag in _INT_OR_FLOAT:
        problem, fix = (
            f"the number cannot be read: {exc}",
            "write a smaller number, or quote it to keep it as text",
        )
    else:
        problem, fix = f"the value cannot be read: {exc}", "fix the value, or quote it to keep it as text"
    return _Refused(problem, fix, node.start_mark.line + 1, node)


ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def read_utf8(path: Path, file: str) -> str:
    """The text of ``path``; a ``ConfigurationError`` naming ``file`` when it cannot be read or is not UTF-8.

    The error gives the offset and line of the first byte that is not UTF-8 (a Latin-1 ``é`` in a
    comment, a file saved as UTF-16) and never quotes the text around it.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = f"cannot read the file: {exc.strerror or type(exc).__name__}"
        raise ConfigurationError(problem, file=file, fix="check the path and its permissions") from None
    return decode_utf8(raw, file)


def decode_utf8(raw: bytes, file: str) -> str:
    """``raw`` as UTF-8 text, or a ``ConfigurationError`` naming ``file`` and the line of the first byte
    that is not UTF-8 (never the text around it: the file may hold secrets)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        problem = (
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}, "
            f"line {line}, column {column})"
        )
        raise ConfigurationError(problem, file=file, fix="save the file as UTF-8", line=line) from None


def _syntax_error(exc: yaml.YAMLError, text: str, file: str) -> ConfigurationError:
    """A PyYAML error as a ``ConfigurationError`` with its line."""
    if isinstance(exc, yaml.reader.ReaderError):  # a control character: a position, no mark
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else "a character"
        problem = f"not valid YAML: {character} is not allowed in a YAML file ({exc.reason})"
        return ConfigurationError(problem, file=file, fix="remove the control character", line=line)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    what = getattr(exc, "problem", None) or getattr(exc, "context", None) or exc
    return ConfigurationError(f"not valid YAML: {what}", file=file, fix="fix the syntax", line=line)


def load_yaml(path: Path) -> YamlDocument:
    """Parse ``path`` keeping the line of every key.

    Raises ``ConfigurationError`` naming the file (and the line, and the key where known) for a file
    that cannot be read or is not UTF-8, a syntax error, a key written twice, nesting too deep, too
    many values, and a value that does not exist (``2027-02-30``); never another exception.
    """
    file = str(path)
    text = read_utf8(path, file)
    doc = YamlDocument(file=file, data={})
    walk = _Lines(file, doc.lines)
    loader: ConfigLoader | None = None
    try:
        loader = ConfigLoader(text)  # a control character is refused here
        node = loader.get_single_node()
        if node is not None:
            walk.record(node, ())  # before building: building merges ``<<`` keys into the nodes
            data = loader.construct_document(node)
            doc.data = data if data is not None else {}
    except _Refused as exc:
        key = key_text(walk.paths.get(id(exc.node), ())) if exc.node is not None else ""
        raise ConfigurationError(exc.problem, file=file, key=key, fix=exc.fix, line=exc.line) from None
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, file) from None
    except RecursionError:  # the last resort: MAX_DEPTH is meant to come first
        raise ConfigurationError("values are nested too deeply", file=file, fix=_TOO_DEEP_FIX) from None
    except (ValueError, OverflowError, TypeError) as exc:  # the last resort: ConfigLoader names the value
        problem = f"a value cannot be read: {exc}"
        raise ConfigurationError(problem, file=file, fix="fix the value, or quote it") from None
    finally:
        if loader is not None:
            loader.dispose()
    return doc


def resolve_references(
    doc: YamlDocument,
    secrets: dict[str, str],
    environ: dict[str, str] | None = None,
    file_roots: Sequence[Path] = (),
) -> None:
    """Replace every ``{$env: NAME}`` / ``{$file: PATH}`` in ``doc.data`` with its value, recording where.

    Called by the configuration loader on each file it reads. ``file_roots`` are the folders a
    ``$file`` may read under (none: no file may be read). Raises ``ConfigurationError`` naming the
    key and the missing variable or file, or the file outside the roots.
    """
    roots = tuple(_resolved_root(root) for root in file_roots)
    resolver = _References(doc, secrets, dict(os.environ) if environ is None else environ, roots)
    try:
        doc.data = resolver.resolve(doc.data, ())
    except RecursionError:  # a stored item's body: a file is refused at MAX_DEPTH by load_yaml
        raise ConfigurationError("values are nested too deeply", file=doc.file, fix=_TOO_DEEP_FIX) from None


def _resolved_root(root: Path) -> Path:
    try:
        return root.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop: RuntimeError before Python 3.13
        return root.absolute()


def _is_reference(value: dict[Any, Any]) -> bool:
    """A mapping of ``$env`` or ``$file`` (and perhaps ``default``) only."""
    return bool(value) and bool(set(value) & _REF_KEYS) and set(value) <= _REF_KEYS | {"default"}


@dataclass
class _References:
    """Resolves the references of one document, from ``environ`` then ``secrets``, or from files."""

    doc: YamlDocument
    secrets: dict[str, str]
    environ: dict[str, str]
    file_roots: tuple[Path, ...] = ()

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
        if name.upper().startswith(_OWN_SETTINGS):
            raise self._problem(
                path,
                f"{name} is one of the bot's own settings ({_OWN_SETTINGS}*), which a reference cannot read",
                "give the connector a variable of its own, set in the environment or the secrets file",
            )
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
        if "\0" in target:  # no path holds one: the OS refuses it (Python raises ValueError)
            problem = "the path of a secret file holds a NUL character (\\0)"
            raise self._problem(path, problem, "remove it from the path")
        try:
            # strict=False: a missing file resolves too, and is then reported as missing (or defaulted)
            real = Path(target).resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop: RuntimeError before Python 3.13
            raise self._problem(path, f"cannot resolve secret file {target}", "check the path") from None
        if not any(real.is_relative_to(root) for root in self.file_roots):
            roots = ", ".join(str(root) for root in self.file_roots) or "none"
            shown = target if str(real) == target else f"{target} (that is {real})"
            raise self._problem(
                path,
                f"secret file {shown} is outside the folders secret files are read from ({roots})",
                "move the file under one of them, or add its folder to SOCIALLEADS_SECRET_ROOTS "
                "(or set SOCIALLEADS_SECRETS_DIR)",
            )
        try:
            return real.read_text(encoding="utf-8").strip()
        except (OSError, ValueError) as exc:  # ValueError: UnicodeDecodeError
            if "default" in ref:
                return ref["default"]
            if isinstance(exc, OSError):
                problem, fix = (
                    f"cannot read secret file {target}: {exc.strerror}",
                    "check the path and its permissions",
                )
            else:
                problem, fix = f"cannot read secret file {target}: not UTF-8 text", "save the file as UTF-8"
            raise self._problem(path, problem, fix) from None

    def _problem(self, path: KeyPath, problem: str, fix: str) -> ConfigurationError:
        doc = self.doc
        return ConfigurationError(problem, file=doc.file, key=key_text(path), fix=fix, line=doc.line_of(path))
