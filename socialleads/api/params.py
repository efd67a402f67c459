"""Parameter types shared by the API's routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path
from pydantic import BeforeValidator

ROW_ID_MAX = 2**63 - 1
"""The largest id a BIGINT (and SQLite's integer) holds; a larger one would overflow the driver."""

RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="a numeric id")]
"""A numeric id in a path (``/tokens/{token_id}``)."""


#: The times the API takes: any a lead may have, with room for a window around them.
_EARLIEST, _LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)


def _iso_instant(value: object) -> datetime:
    """An ISO 8601 time with its zone, as UTC; raises ``ValueError`` for anything else (a bare number,
    which pydantic would read as a Unix time, a time without a zone, one out of range)."""
    try:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip().upper())
    except ValueError:
        raise ValueError("not an ISO 8601 time (e.g. 2026-11-27T12:00:00Z)") from None
    if parsed.tzinfo is None:
        raise ValueError("a time needs its zone (e.g. 2026-11-27T12:00:00Z)")
    try:
        in_utc = parsed.astimezone(UTC)
    except OverflowError:
        in_utc = _LATEST
    if not _EARLIEST <= in_utc < _LATEST:
        raise ValueError(f"a time from {_EARLIEST.year} to {_LATEST.year - 1}, please")
    return in_utc


Instant = Annotated[datetime, BeforeValidator(_iso_instant)]
"""A query parameter that is a point in time: ISO 8601 with a zone (``2026-11-27T12:00:00Z``)."""
