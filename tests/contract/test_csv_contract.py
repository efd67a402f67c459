"""The csv source against the conformance kit, on real files in a temporary folder."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from connectors.csv.source import CsvSource
from socialleads.testing import SourceConformance

#: Two usable rows and one without any contact value, which parse must skip with a reason.
LEADS = (
    "Name,E-mail,Mobile,Company,Opt-in\r\n"
    "Anna Jónsdóttir,anna@example.is,+354 690 1234,Sófar ehf.,yes\r\n"
    "Bo Berg,bo@example.se,,Berg AB,nej\r\n"
    ",,,Nobody Ltd,\r\n"
)


class TestCsvSource(SourceConformance):
    """The csv source: no credentials and no API, so the auth, secret and throttling checks skip."""

    connector = CsvSource

    @pytest.fixture
    def valid_config(self, tmp_path: Path) -> dict[str, Any]:
        """A watched folder inside the test's temporary directory; files count as settled at once."""
        return {"folder": str(tmp_path / "inbox"), "settle": "0s"}

    @pytest.fixture
    def seed(self, valid_config: dict[str, Any]) -> None:
        """One lead list, written an hour ago so it is settled whatever the clock's resolution."""
        folder = Path(valid_config["folder"])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "trade-fair.csv"
        path.write_text(LEADS, encoding="utf-8", newline="")
        hour_ago = time.time_ns() - 3600 * 1_000_000_000
        os.utime(path, ns=(hour_ago, hour_ago))
