"""The ``csv`` source: lead lists dropped into a folder (trade shows, events, manual exports).

Each file is read once: the cursor remembers every file by name, size, modification time and
content hash, so a file read before, or the same content under another name, yields nothing new.
Rows are kept verbatim; contact values are handed over raw and validated later by the core.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from connectors.csv.columns import as_text, consent_value, parse_when, resolve_columns
from connectors.csv.config import CsvConfig, CsvCursor, FileMark
from connectors.csv.reader import BadRow, Row, read_file
from connectors.csv.reading import Reading
from socialleads.contracts import Source
from socialleads.errors import ConfigurationError, SkippableRecordError
from socialleads.models import (
    CONTACT_FIELDS,
    Checkpoint,
    Consent,
    Contact,
    EventKind,
    Health,
    HealthState,
    LeadDraft,
    RawEvent,
)

__all__ = ["CsvConfig", "CsvCursor", "CsvSource", "FileMark"]

#: Files listed by ``report_lines``: the newest ones (an inbox collects hundreds over a year).
REPORTED_FILES = 20


#: Lines of repaired rows named in a file's log line; the rest are counted.
LOGGED_LINES = 10


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _file_name(path: Path) -> str:
    """``path.name`` as events and the cursor keep it (the cursor is keyed by it).

    A Linux file name is bytes, and Python shows each byte that is not valid UTF-8 as a lone surrogate
    (PEP 383, https://peps.python.org/pep-0383/), which no database can store: such a name was a
    poison file, failing every poll. Those bytes are written as ``\\xNN`` instead, the same way every
    time, so the file is still recognised at the next poll.
    """
    name = path.name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", errors="backslashreplace")
    return name


@dataclass
class _FileTally:
    """What one file held, for its log lines: rows, malformed rows, undated rows, columns not found,
    and the lines of rows repaired so that they can be stored (``Row.notes``)."""

    missing: set[str]
    rows: int = 0
    bad: int = 0
    undated: int = 0
    repaired: list[int] = field(default_factory=list)


def _row_id(values: dict[str, Any], mapping: dict[str, str]) -> str:
    """A row's native id: its ``id`` column when it has one, else a digest of the whole row."""
    ident = as_text(values[mapping["id"]]).strip() if "id" in mapping else ""
    if ident:
        return "id:" + ident
    return "row:" + _digest(json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def _row_time(values: dict[str, Any], mapping: dict[str, str], modified: datetime) -> tuple[datetime, bool]:
    """When a row happened: its ``occurred_at`` column, else the file's time; True when a stated time
    could not be read (the file's time is used then too)."""
    if "occurred_at" in mapping and (stated := as_text(values[mapping["occurred_at"]])).strip():
        parsed = parse_when(stated)
        return parsed or modified, parsed is None
    return modified, False


def _bad_row_event(
    name: str, item: BadRow, mark: FileMark, modified: datetime, position: dict[str, Any]
) -> RawEvent:
    """The event of a malformed row: its line verbatim and why, dead-lettered by ``parse``."""
    return RawEvent(
        native_id="bad:" + _digest(f"{mark.sha256}:{item.line}"),
        kind=EventKind.IMPORT_ROW,
        occurred_at=modified,
        position=dict(position),
        payload={"file": name, "line": item.line, "text": item.text, "error": item.error},
    )


class CsvSource(Source[CsvConfig, CsvCursor]):
    """Reads lead lists from ``config.folder``; one instance per configured folder."""

    name = "csv"
    platform = "csv"
    config_model = CsvConfig
    cursor_model = CsvCursor

    def check(self) -> Health:
        """OK with the number of matching files; called by ``sources check``, ``doctor`` and the runner.

        Creates the folder when allowed. Raises ``ConfigurationError`` when the folder is missing (and
        may not be created), is not a folder, or cannot be read.
        """
        count = len(self._files(self._folder()))
        plural = "" if count == 1 else "s"
        summary = f"watching {self.config.folder}: {count} file{plural} waiting"
        return Health(state=HealthState.OK, summary=summary)

    def fetch(self, since: CsvCursor | None) -> Iterator[RawEvent | Checkpoint]:
        """Yield the rows of every new, settled file, each file followed by a ``Checkpoint``.

        Called by the runner at each poll. Raises ``ConfigurationError`` when the folder cannot be used.
        """
        cursor = since if since is not None else CsvCursor()
        known = {mark.sha256: mark.read_as for mark in cursor.files.values()}
        now = self.context.clock()
        for path in self._files(self._folder()):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # moved away since the listing
            name = _file_name(path)
            seen = cursor.files.get(name)
            if seen is not None and (seen.size, seen.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                continue
            modified = datetime.fromtimestamp(stat.st_mtime, UTC)
            if now - modified < self.config.settle:
                self.context.logger.debug("csv %s: %s is still settling", self.context.instance, name)
                continue
            data = self._read(path, stat)
            if data is None:
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest in known:
                mark = FileMark(
                    sha256=digest, size=len(data), mtime_ns=stat.st_mtime_ns, read_as=known[digest]
                )
                position = {"file": name, **mark.model_dump()}
                self.context.logger.info(
                    "csv %s: %s was read before (same content); skipped", self.context.instance, name
                )
            else:
                reading, rows = read_file(name, data, self.config.encoding, self.config.delimiter)
                known[digest] = reading  # a copy later in this same poll is a duplicate too
                mark = FileMark(sha256=digest, size=len(data), mtime_ns=stat.st_mtime_ns, read_as=reading)
                position = {"file": name, **mark.model_dump()}
                yield from self._events(name, reading, rows, mark, modified, position)
            yield Checkpoint(position=position)

    def parse(self, event: RawEvent) -> LeadDraft:
        """Build a draft from one row payload; called by the runner for each new event.

        Raises ``SkippableRecordError`` for a malformed row and for a row with no email, phone or name.
        """
        payload = event.payload
        where = f"{payload.get('file')} line {payload.get('line')}"
        if "error" in payload:
            raise SkippableRecordError(f"{where}: {payload['error']}")
        row = payload.get("row")
        if not isinstance(row, dict):
            raise SkippableRecordError(f"{where}: the event has no row; the csv source did not produce it")
        mapping = resolve_columns(tuple(row), self.config.columns)
        values = {field: as_text(row[header]) for field, header in mapping.items()}
        # Raw values as found (the core validates them); an empty cell is no value.
        contact = Contact(**{f: values[f] for f in CONTACT_FIELDS if values.get(f, "").strip()})
        if not any((contact.email, contact.phone, contact.full_name, contact.first_name, contact.last_name)):
            raise SkippableRecordError(
                f"{where}: no email, phone or name column was found; map the file's column names with "
                'columns: in the source config, e.g. columns: {email: "Your e-mail"}'
            )
        mapped = set(mapping.values())
        answers = {h: as_text(v) for h, v in row.items() if h not in mapped and as_text(v).strip()}
        occurred_at = event.occurred_at or self.context.clock()
        consents: tuple[Consent, ...] = ()
        raw_consent = values.get("consent", "")
        if raw_consent.strip():
            granted = consent_value(raw_consent)
            if granted is None:
                answers["consent (unrecognised)"] = raw_consent
            consents = (
                Consent(
                    kind="contact",
                    granted=bool(granted),
                    text=self.config.consent_text,
                    captured_at=occurred_at,
                ),
            )
        message = values.get("message", "")
        return LeadDraft(
            native_id=event.native_id,
            kind=EventKind.IMPORT_ROW,
            platform=self.platform,
            occurred_at=occurred_at,
            contact=contact,
            message=message if message.strip() else None,
            answers=answers,
            consents=consents,
            context={"file": payload.get("file"), "line": payload.get("line")},
        )

    def report_lines(self, cursor: CsvCursor | None) -> list[str]:
        """How each file was read (encoding, separator, and how each was decided), newest first.

        Called by ``socialleads sources report`` with the stored cursor; never raises.
        """
        files = sorted((cursor or CsvCursor()).files.items(), key=lambda item: item[1].mtime_ns, reverse=True)
        if not files:
            return ["No file read yet."]
        lines = [
            "Files read, newest first, and what was assumed (encoding: and delimiter: in the config win)"
        ]
        for name, mark in files[:REPORTED_FILES]:
            how = mark.read_as.describe() if mark.read_as else "not recorded (read by an earlier version)"
            # Anyone names the files: control characters are shown escaped, never sent to the terminal.
            lines.append(f"  {name if name.isprintable() else repr(name)}: {how}")
        if len(files) > REPORTED_FILES:
            lines.append(f"  … and {len(files) - REPORTED_FILES} earlier files")
        return lines

    def _events(
        self,
        name: str,
        reading: Reading,
        items: Iterator[Row | BadRow],
        mark: FileMark,
        modified: datetime,
        position: dict[str, Any],
    ) -> Iterator[RawEvent]:
        """The events of one new file; logs its name, how it was read and counts, never its rows."""
        tally = _FileTally(missing=set(self.config.columns))
        for item in items:
            if isinstance(item, BadRow):
                tally.bad += 1
                yield _bad_row_event(name, item, mark, modified, position)
                continue
            tally.rows += 1
            mapping = resolve_columns(tuple(item.values), self.config.columns)
            tally.missing -= set(mapping)
            when, undated = _row_time(item.values, mapping, modified)
            tally.undated += undated
            payload: dict[str, Any] = {"file": name, "line": item.line, "row": item.values}
            if item.notes:  # what was changed so that the row can be stored, for whoever reads the event
                tally.repaired.append(item.line)
                payload["notes"] = list(item.notes)
            yield RawEvent(
                native_id=_row_id(item.values, mapping),
                kind=EventKind.IMPORT_ROW,
                occurred_at=when,
                payload=payload,
                position=dict(position),
            )
        self._log_file(name, reading, tally)

    def _log_file(self, name: str, reading: Reading, tally: _FileTally) -> None:
        """Log how a file was read and what it held; warn of named columns it lacks and undated rows."""
        log, instance = self.context.logger, self.context.instance
        log.info(
            "csv %s: read %s (%s): %d rows, %d malformed",
            instance,
            name,
            reading.describe(),
            tally.rows,
            tally.bad,
        )
        if tally.rows and tally.missing:
            missing = ", ".join(sorted(tally.missing))
            log.warning("csv %s: %s has no column for %s named in columns:", instance, name, missing)
        if tally.undated:
            log.warning(
                "csv %s: %s: %d rows have an occurred_at that is not an ISO 8601 date; used the file's time",
                instance,
                name,
                tally.undated,
            )
        if tally.repaired:
            lines = ", ".join(map(str, tally.repaired[:LOGGED_LINES]))
            more = (
                f" and {len(tally.repaired) - LOGGED_LINES} more"
                if len(tally.repaired) > LOGGED_LINES
                else ""
            )
            log.warning(
                "csv %s: %s: %d rows held JSON no database stores as written (lines %s%s): a lone "
                "surrogate escape became U+FFFD, a number beyond a float's range kept as text; each "
                "row's event says what in its notes",
                instance,
                name,
                len(tally.repaired),
                lines,
                more,
            )

    def _folder(self) -> Path:
        """The inbox folder, created when missing and allowed; raises ``ConfigurationError`` otherwise."""
        folder = self.config.folder
        where = f"{self.context.config_file}: csv source {self.context.instance}: folder {folder}"
        if not folder.exists():
            if not self.config.create_folder:
                raise ConfigurationError(f"{where} does not exist; create it, or set create_folder: true")
            try:  # lead lists are personal data: a folder the bot makes for them is its user's alone
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigurationError(
                    f"{where} cannot be created ({exc.strerror}); create it or change folder:"
                ) from exc
            self.context.logger.info("csv %s: created folder %s", self.context.instance, folder)
        if not folder.is_dir():
            raise ConfigurationError(f"{where} is not a folder; set folder: to a directory")
        if not os.access(folder, os.R_OK | os.X_OK):
            raise ConfigurationError(f"{where} cannot be read; give the bot's user read access to it")
        return folder

    def _files(self, folder: Path) -> list[Path]:
        """Matching plain files directly in ``folder``, by name; hidden files and sub-folders ignored."""
        try:
            entries = sorted(folder.iterdir(), key=lambda p: p.name)
        except OSError as exc:
            raise ConfigurationError(
                f"csv source {self.context.instance}: cannot list folder {folder} "
                f"({exc.strerror}); give the bot's user read access to it"
            ) from exc
        # Patterns match case-insensitively: exports arrive as LEADS.CSV as often as leads.csv.
        patterns = [p.lower() for p in self.config.patterns]
        return [
            p
            for p in entries
            if not p.name.startswith(".")
            and p.is_file()
            and any(fnmatchcase(p.name.lower(), pattern) for pattern in patterns)
        ]

    def _read(self, path: Path, stat: os.stat_result) -> bytes | None:
        """The file's bytes, or None when it vanished, cannot be read, or changed while being read."""
        log = self.context.logger
        try:
            data = path.read_bytes()
            after = path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning(
                "csv %s: cannot read %s (%s); will try again", self.context.instance, path.name, exc.strerror
            )
            return None
        if (len(data), after.st_size, after.st_mtime_ns) != (stat.st_size, stat.st_size, stat.st_mtime_ns):
            log.info("csv %s: %s changed while being read; will try again", self.context.instance, path.name)
            return None
        return data
