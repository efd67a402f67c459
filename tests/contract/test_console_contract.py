"""The console sink against the conformance kit; pytest's ``capsys`` is the receiver."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.console.sink import RULE, ConsoleSink
from socialleads.testing import DELIVERY_KEY, ObservedKeys, SinkConformance


class TestConsoleSink(SinkConformance):
    """The console sink: no receiver that can fail and no secrets, so those checks skip."""

    connector = ConsoleSink
    # A repeated (key, revision) is not printed again within the process.
    deduplicates_in_process = True

    @pytest.fixture
    def valid_config(self) -> dict[str, Any]:
        """Cards go to stdout, which ``capsys`` captures."""
        return {"stream": "stdout"}

    @pytest.fixture
    def observed_keys(self, capsys: pytest.CaptureFixture[str]) -> ObservedKeys:
        """One entry per card printed: a card shows no key, so each stands for the key delivered."""

        def keys() -> list[str | None]:
            out = capsys.readouterr().out
            # Each card is framed by two rule lines.
            return [DELIVERY_KEY] * (out.count(RULE + "\n") // 2)

        return keys
