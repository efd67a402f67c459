"""When an open circuit probes its sink: backing off from the cooldown, capped, and at the moment a
Retry-After names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialleads.configuration.models import CircuitPolicy
from socialleads.pipeline.circuits import Change, SinkGate

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def probe_waits(gate: SinkGate, probes: int) -> list[float]:
    """Open the circuit, then fail ``probes`` probes, each at its time; the waits between them."""
    now = T0
    for _ in range(gate.policy.failures):
        gate.failed(now, "HTTP 500")
    waits = []
    for _ in range(probes):
        assert gate.state.probe_at is not None
        waits.append((gate.state.probe_at - now).total_seconds())
        now = gate.state.probe_at
        assert gate.admission(now) == 1
        gate.failed(now, "HTTP 500")
    return waits


def test_probes_back_off_from_the_cooldown_to_at_most_thirty_seconds_by_default() -> None:
    assert probe_waits(SinkGate("crm", CircuitPolicy()), 7) == [2, 4, 8, 16, 30, 30, 30]


def test_probes_never_wait_longer_than_the_retry_horizon() -> None:
    gate = SinkGate("crm", CircuitPolicy(max_cooldown=timedelta(hours=1)), horizon=timedelta(seconds=5))
    assert probe_waits(gate, 4) == [2, 4, 5, 5]


def test_a_retry_after_closes_the_circuit_and_opens_the_sink_at_that_moment() -> None:
    gate = SinkGate("crm", CircuitPolicy())
    probe_waits(gate, 1)
    answered = T0 + timedelta(seconds=3)
    gate.throttled(answered, 2.0)  # the probe met a 429 with Retry-After: 2
    assert gate.succeeded() is Change.CLOSED
    assert gate.next_opening(answered) == answered + timedelta(seconds=2)
    assert gate.admission(answered + timedelta(seconds=1.999)) == 0
    assert gate.admission(answered + timedelta(seconds=2)) is None
    assert gate.next_opening(answered + timedelta(seconds=2)) is None


def test_an_open_circuit_opens_next_at_its_probe() -> None:
    gate = SinkGate("crm", CircuitPolicy())
    probe_waits(gate, 0)
    assert gate.next_opening(T0) == T0 + timedelta(seconds=2)
    assert gate.next_opening(T0 + timedelta(seconds=2)) is None  # due now: nothing to wait for
