"""Fuzz target: the ``csv`` source reading a dropped file (``connectors/csv``: reader, records, encoding).

Feeds arbitrary bytes as one file in the source's inbox folder, read by a real ``CsvSource.fetch``
(encoding detected, separator sniffed) and each event then given to ``CsvSource.parse``, as the runner
does. The first byte picks the file: ``j`` makes it ``leads.jsonl`` (JSON Lines), ``;`` a ``leads.csv``
read with ``delimiter: ";"`` and ``encoding: cp1252`` configured, any other byte ``leads.csv`` with
nothing configured; the rest is the file's content.

A finding is:

- any exception from ``fetch`` (the reader promises never to raise for content: a row it cannot read
  is a dead letter with its line and reason), and any from ``parse`` but ``SkippableRecordError``
  (the documented "dead-letter this row" error, ``socialleads.errors``);
- a fetch that does not end with exactly one checkpoint, rows out of order or on lines the file does
  not have, a bad row without its reason;
- an event, or a lead drafted from it, that cannot be stored (``harness.storable``).
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # ``python fuzz/csv_reader.py``: import ``fuzz`` from the repository root
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from fuzz.harness import Finding, instrumented, main, storable

with instrumented(__name__, ["socialleads", "connectors", "charset_normalizer"]):
    from connectors.csv.config import CsvConfig
    from connectors.csv.source import CsvSource
    from socialleads.contracts import ConnectorContext
    from socialleads.errors import SkippableRecordError
    from socialleads.models import Checkpoint, RawEvent

JSONL, CONFIGURED = ord("j"), ord(";")
#: The source's clock: far after any file's modification time, so no file waits to settle.
NOW = datetime(2100, 1, 1, tzinfo=UTC)
INBOX = Path(tempfile.mkdtemp(prefix="fuzz-csv-"))
atexit.register(shutil.rmtree, INBOX, ignore_errors=True)


def _source(**config: Any) -> CsvSource:
    settings = CsvConfig.model_validate({"folder": str(INBOX), "settle": timedelta(0), **config})
    return CsvSource(settings, ConnectorContext(instance="fuzz", clock=lambda: NOW))


DETECTED, DECLARED = _source(), _source(delimiter=";", encoding="cp1252")


def check(data: bytes) -> None:
    """One fuzz input: the first byte picks the file's kind (module docstring), the rest is the file."""
    mode = data[0] if data else 0
    name = "leads.jsonl" if mode == JSONL else "leads.csv"
    check_file(name, data[1:], DECLARED if mode == CONFIGURED else DETECTED)


def check_file(name: str, content: bytes, source: CsvSource = DETECTED) -> list[RawEvent]:
    """Drop ``content`` as file ``name`` in the inbox, fetch and parse it; the events read."""
    for old in INBOX.iterdir():
        old.unlink()
    (INBOX / name).write_bytes(content)
    items = list(source.fetch(None))
    if not items or not isinstance(items[-1], Checkpoint):
        raise Finding(f"the fetch of a file did not end with its checkpoint: {items[-1:]!r}")
    events = [item for item in items[:-1] if isinstance(item, RawEvent)]
    if len(events) != len(items) - 1:
        raise Finding("a fetch yielded a second checkpoint for one file")
    storable(items[-1].position, "the file's checkpoint", json_column=True)
    # Every line break the reader splits on is one of these bytes (UTF-16 and UTF-32 too): an upper bound.
    lines = content.count(b"\n") + content.count(b"\r") + 1
    previous = 0
    for event in events:
        payload = event.payload
        line = payload.get("line")
        if not isinstance(line, int) or not previous < line <= lines:
            raise Finding(f"row on line {line!r} after line {previous}, in a file of at most {lines} lines")
        previous = line
        if "row" not in payload and not (isinstance(payload.get("error"), str) and payload["error"]):
            raise Finding(f"line {line} is neither a row nor a bad row with its reason: {sorted(payload)}")
        storable(payload, f"the event of line {line}", json_column=True)
        try:
            draft = source.parse(event)
        except SkippableRecordError:
            continue  # dead-lettered with the payload verbatim, which is storable (above)
        storable(draft.model_dump(mode="json"), f"the lead drafted from line {line}")
    return events


if __name__ == "__main__":
    main("csv_reader", check)
