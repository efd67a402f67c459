"""Graph list parameters and cursor paging, as the sandbox serves them.

The cursor envelope ``{"data": [...], "paging": {"cursors": {"before", "after"}, "previous"?, "next"?}}``:
``cursors.after`` is always there, ``next`` only when more items exist, as a full URL that repeats
every query parameter (https://developers.facebook.com/docs/graph-api/results/). Cursors are opaque
base64 of the last item's sort key, so items added meanwhile neither repeat nor shift a page. Leads
are filtered with ``filtering=[{"field":"time_created","operator":"GREATER_THAN","value":<unix>}]``
(https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving/#filtering-leads).
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from socialleads.sandbox.meta import errors

T = TypeVar("T")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "GREATER_THAN": operator.gt,
    "GREATER_THAN_OR_EQUAL": operator.ge,
    "LESS_THAN": operator.lt,
    "LESS_THAN_OR_EQUAL": operator.le,
}
Rule = tuple[Callable[[int, int], bool], int]


def limit_of(params: Mapping[str, str]) -> int:
    """``limit`` (default 25, at most 100)."""
    raw = params.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        return max(1, min(int(raw), MAX_LIMIT))
    except ValueError:
        raise errors.bad_param("Param limit must be a number") from None


def time_param(params: Mapping[str, str], name: str) -> int | None:
    """``since``/``until`` as unix seconds: a unix timestamp or an ISO 8601 date and time."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lstrip("-").isdigit():
        return int(raw)
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise errors.bad_param(f"Param {name} must be a unix timestamp or a date") from None
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())


def filtering(raw: str | None) -> list[Rule]:
    """The ``time_created`` rules of ``filtering`` (JSON, or the single-quoted form some clients send)."""
    if raw is None or raw == "":
        return []
    try:
        rules = json.loads(raw)
    except ValueError:
        try:
            rules = json.loads(raw.replace("'", '"'))
        except ValueError:
            raise errors.bad_param("param filtering must be an array.") from None
    if isinstance(rules, dict):
        rules = [rules]
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        raise errors.bad_param("param filtering must be an array.")
    parsed: list[Rule] = []
    for rule in rules:
        if rule.get("field") != "time_created":
            raise errors.bad_param(f"Filtering field '{rule.get('field')}' is not supported on leads.")
        test = OPERATORS.get(str(rule.get("operator", "")).upper())
        if test is None:
            raise errors.bad_param(f"Filtering operator '{rule.get('operator')}' is not supported.")
        try:
            parsed.append((test, int(rule.get("value", ""))))
        except (TypeError, ValueError):
            raise errors.bad_param("Filtering value of time_created must be a unix timestamp.") from None
    return parsed


def _cursor(key: tuple[str, str]) -> str:
    return base64.b64encode(json.dumps(list(key)).encode()).decode()


def _uncursor(cursor: str) -> tuple[str, str]:
    try:
        stamp, ident = json.loads(base64.b64decode(cursor, validate=True))
        return str(stamp), str(ident)
    except (binascii.Error, ValueError, TypeError):
        raise errors.bad_param("The cursor is not valid for this request") from None


def paginate(
    items: Sequence[T],
    key: Callable[[T], tuple[str, str]],
    newest_first: bool,
    render: Callable[[T], dict[str, Any]],
    query: Sequence[tuple[str, str]],
    url: str,
    limit: int,
    short: bool,
) -> dict[str, Any]:
    """One page of ``items`` (ordered by ``key``) around the request's ``after`` or ``before`` cursor.

    ``next`` repeats every query parameter of the request (``access_token`` too: facebook-sdk's
    ``get_all_connections`` needs it) with the new ``after``, and only when more items exist.
    ``short`` serves fewer items than ``limit`` (``chaos.short_pages``) while still announcing more.
    """
    after = next((value for name, value in query if name == "after"), None)
    before = next((value for name, value in query if name == "before"), None)
    size = max(1, limit // 2) if short else limit
    start, end = 0, size
    if after is not None:
        mark = _uncursor(after)
        start = next(
            (i for i, item in enumerate(items) if (key(item) < mark if newest_first else key(item) > mark)),
            len(items),
        )
        end = start + size
    elif before is not None:
        mark = _uncursor(before)
        end = sum(1 for item in items if (key(item) > mark if newest_first else key(item) < mark))
        start = max(0, end - size)
    chunk = items[start:end]
    if chunk:
        first, last = _cursor(key(chunk[0])), _cursor(key(chunk[-1]))
    else:
        first = last = after or before or _cursor(("", ""))
    paging: dict[str, Any] = {"cursors": {"before": first, "after": last}}
    kept = [(name, value) for name, value in query if name not in ("after", "before", "limit")]
    if start > 0 and chunk:
        paging["previous"] = f"{url}?{urlencode([*kept, ('limit', str(limit)), ('before', first)])}"
    if start + len(chunk) < len(items):
        paging["next"] = f"{url}?{urlencode([*kept, ('limit', str(limit)), ('after', last)])}"
    return {"data": [render(item) for item in chunk], "paging": paging}
