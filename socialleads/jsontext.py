"""JSON text for derived store columns and sink bodies: orjson, with the standard library as the fallback.

orjson (https://github.com/ijl/orjson) encodes and decodes 5-10 times faster than ``json``; a lead
takes about ten JSON columns on its way in and out, so it shows in bench/ingest.py and
bench/dispatch.py. Where orjson refuses a value the standard library accepts (a lone surrogate,
an integer beyond 64 bits, a key that is not a string), ``json`` does the work, so nothing that
could be stored before is refused now. orjson writes NaN and infinities as ``null``: use it for
what the bot derives, not for payloads kept verbatim (those stay with ``json``, see store.events).
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import orjson


def dumps(value: Any) -> str:
    """``value`` as compact JSON text, non-ASCII characters as themselves."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dumps_bytes(value: Any) -> bytes:
    """``dumps`` as UTF-8 bytes, for an HTTP body."""
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def loads(text: str | bytes) -> Any:
    """The document in ``text``; the standard library reads what orjson refuses (``NaN``, say)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def refuse_constant(name: str) -> NoReturn:
    """A ``parse_constant`` for ``json.loads``: ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON
    (RFC 8259 section 6), though Python's parser reads them, and no database's JSON column takes them."""
    raise ValueError(f"{name} is not a JSON value")


def nests_deeper_than(document: Any, limit: int) -> bool:
    """True when objects and arrays in ``document`` nest more than ``limit`` levels (the outermost is
    level 1; a scalar nests none). Iterative: a recursive walk is what such a limit guards against."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False
