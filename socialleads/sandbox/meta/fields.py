"""``fields=`` as Graph handles it: parsing ``a,b{c,d},e.limit(5){f}`` and selecting from a node.

Each node is an ``Obj``: its full JSON, the fields Graph returns when none are asked, and the fields
its type has (asking for another is error 100, "Tried accessing nonexisting field"). Graph adds
``id`` to every node it returns and omits fields without a value
(https://developers.facebook.com/docs/graph-api/guides/field-expansion/).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialleads.sandbox.meta import errors

#: ``fields=a,b{c}`` parsed: field → its own sub-selection (None when none was given).
Fields = dict[str, "Fields | None"]


@dataclass(frozen=True)
class Obj:
    """A Graph node: ``full`` JSON (nested nodes are ``Obj`` too), default fields, and the type's fields."""

    type: str
    full: dict[str, Any]
    defaults: tuple[str, ...]
    known: frozenset[str]


@dataclass(frozen=True)
class EdgeField:
    """An edge asked for as a field (``replies{id,text}``): ``{"data": [...]}`` of its nodes."""

    items: tuple[Obj, ...]


#: Edges the node types have that the sandbox does not serve as fields: asking for one is a loud error.
UNSERVED_EDGE_FIELDS = frozenset(
    {"leadgen_forms", "feed", "posts", "published_posts", "subscribed_apps", "leads", "comments", "reactions"}
    | {"shares", "attachments", "media"}
)


def parse_fields(spec: str) -> Fields:
    """``id,questions{id,key},from.limit(1){name}`` → {"id": None, "questions": {...}, "from": {...}}."""
    result: Fields = {}
    name, depth, start, sub = "", 0, 0, None
    for i, char in enumerate(spec + ","):
        if char == "{":
            depth += 1
            if depth == 1:
                start = i + 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                sub = parse_fields(spec[start:i])
            elif depth < 0:
                raise errors.bad_param(f"Syntax error in fields: {spec}")
        elif depth == 0 and char == ",":
            field = name.strip().split(".")[0]
            if field:
                result[field] = sub
            name, sub = "", None
        elif depth == 0 and sub is None:
            name += char
    if depth:
        raise errors.bad_param(f"Syntax error in fields: {spec}")
    return result


def select(obj: Obj, fields: Fields | None) -> dict[str, Any]:
    """The node as Graph returns it for ``fields`` (its defaults when None), ``id`` always included."""
    wanted: Fields = fields if fields is not None else dict.fromkeys(obj.defaults)
    out: dict[str, Any] = {}
    for name, sub in wanted.items():
        if name not in obj.known:
            raise errors.nonexisting_field(name, obj.type)
        if name in UNSERVED_EDGE_FIELDS:
            raise errors.not_emulated(name, obj.type)
        if name in obj.full:
            out[name] = _value(obj.full[name], sub)
    if "id" in obj.full and "id" not in out:
        out["id"] = obj.full["id"]
    return out


def _value(value: Any, sub: Fields | None) -> Any:
    if isinstance(value, Obj):
        return select(value, sub)
    if isinstance(value, EdgeField):
        return {"data": [select(item, sub) for item in value.items]}
    if isinstance(value, list):
        return [_value(item, sub) for item in value]
    return value
