"""How one file was read: the encoding and separator assumed, and how each was decided.

Built by ``reader.open_file`` for every new file, remembered per file in the cursor (``FileMark``),
logged once per file at INFO and shown by ``socialleads sources report``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe", " ": "space"}


class Reading(BaseModel):
    """What was assumed about one file; ``delimiter`` is None for a JSON Lines file."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    encoding: str
    """A Python codec name, as ``encoding:`` in the source config takes it (``cp1252``, ``utf-16``)."""
    encoding_by: str
    """How it was decided: ``configured``, ``byte-order mark``, ``valid UTF-8``, ``charset-normalizer`` …"""
    delimiter: str | None = None
    delimiter_by: str = ""

    def describe(self) -> str:
        """One line for logs and reports: ``encoding utf-16 (…), separator tab (sniffed)``."""
        encoding = f"encoding {self.encoding} ({self.encoding_by})"
        if self.delimiter is None:
            return f"{encoding}, JSON Lines"
        separator = _NAMES.get(self.delimiter, repr(self.delimiter))
        return f"{encoding}, separator {separator} ({self.delimiter_by})"
