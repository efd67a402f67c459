"""The ``csv`` source's config and cursor: which folder to watch, and which files were read.

Validated by the configuration loader (``CsvConfig``) and folded by the runner (``CsvCursor``).
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.csv.columns import FIELDS
from connectors.csv.reader import DELIMITERS
from connectors.csv.reading import Reading
from socialleads.contracts import ConnectorConfig, Cursor
from socialleads.settings import Duration


class CsvConfig(ConnectorConfig):
    """One watched inbox folder; validated when ``sources.yaml`` is loaded (raises ``ValidationError``)."""

    folder: Path
    patterns: tuple[str, ...] = Field(default=("*.csv", "*.jsonl", "*.ndjson"), min_length=1)
    columns: dict[str, str] = Field(default_factory=dict)
    """Our field name → the header used in the files; wins over the built-in aliases."""
    encoding: str | None = None
    """None: detected per file (byte-order mark, UTF-16, UTF-8, else an 8-bit code page; see
    ``connectors.csv.encoding``). A name (``cp1250``, ``utf-16``) is used for every file as it is."""
    delimiter: str | None = None
    """None: sniffed per file among ``, ; tab |`` from the header and the first rows."""
    settle: Duration = timedelta(seconds=2)
    """A file modified less than this long ago may still be being copied, and waits for the next poll."""
    create_folder: bool = True
    consent_text: str | None = None
    """What people agreed to, in the words they saw (``May we contact you about our offer?``)."""

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field {', '.join(unknown)}; the fields are: {', '.join(FIELDS)}")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}; use e.g. utf-8-sig, cp1252 or latin-1") from None
        try:  # rot13, base64, hex are codecs too, but not text encodings: decoding bytes with them fails
            b"a".decode(value)
        except LookupError:
            problem = f"{value!r} is not a text encoding; use e.g. utf-8-sig, cp1252 or latin-1"
            raise ValueError(problem) from None
        except ValueError:
            pass  # a text encoding that cannot decode this one byte is still a text encoding
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError(f"the delimiter is one character, e.g. one of {' '.join(map(repr, DELIMITERS))}")
        return value

    @field_validator("settle")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("settle cannot be negative")
        return value


class FileMark(BaseModel):
    """How a file looked when it was read (content hash, size, modification time) and how it was read."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    sha256: str
    size: int
    mtime_ns: int
    read_as: Reading | None = None
    """The encoding and separator assumed; None for a file read before they were recorded."""

    def rank(self) -> tuple[int, int, str]:
        """Order of two marks of one file name: the later write wins, whatever order they arrive in."""
        return self.mtime_ns, self.size, self.sha256


class CsvCursor(Cursor):
    """The files read so far, keyed by file name; ``CsvCursor()`` is the cursor before any poll."""

    files: dict[str, FileMark] = Field(default_factory=dict)

    def advance(self, position: Mapping[str, Any]) -> Self:
        """Remember the file in ``position`` (``{"file": name, **mark}``); called by the runner per item.

        A union, so order does not matter; for two marks of one name the later write is kept.
        Raises ``ValueError`` for a position this connector did not produce.
        """
        name = position.get("file")
        if not isinstance(name, str):
            raise ValueError(f"a csv position names its file, got {sorted(position)}")
        mark = FileMark.model_validate({k: v for k, v in position.items() if k != "file"})
        current = self.files.get(name)
        if current is not None and current.rank() >= mark.rank():
            return self
        return self.model_copy(update={"files": {**self.files, name: mark}})
