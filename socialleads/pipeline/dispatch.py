"""Dispatch: drain the outbox into the sinks, oldest first, surviving outages (DESIGN §2, dispatch).

Deliveries are claimed with a lease, so a worker that dies mid-delivery only delays them. Each
delivery carries a key stable for its (lead, sink) pair: a sink upserts on it, so delivering twice
(after a crash between the sink's answer and our commit) has one effect.

Per sink: up to ``concurrency`` deliveries in flight; a failure is retried with backoff and jitter
until the retry horizon (48 hours by default) has passed since the delivery first failed, then
dead-lettered; a sink that keeps failing opens its circuit (``circuits.py``) and its deliveries
wait untried; a 429's retry time pauses the sink. A batch's outcomes are recorded in one
transaction after its deliveries ran (at-least-once: the idempotency key absorbs a repeat).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from socialleads.configuration.models import CircuitPolicy, RetryPolicy
from socialleads.contracts import Sink, utc_now
from socialleads.errors import PermanentDeliveryError, RetriableDeliveryError, SinkNeedsAdminError
from socialleads.models import AdminNotice, Delivery, Lead
from socialleads.pipeline.circuits import Change, SinkGate
from socialleads.redact import REDACTOR
from socialleads.settings import DispatchSettings
from socialleads.store import leads as lead_store
from socialleads.store import outbox
from socialleads.store.db import reading
from socialleads.store.sink_state import load_states, save_state

log = logging.getLogger("socialleads.dispatch")


@dataclass
class DispatchReport:
    """What one ``dispatch_due`` call did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0
    paused: int = 0
    """Claimed deliveries given back untried: their sink's circuit opened or it asked to wait."""

    @property
    def attempted(self) -> int:
        """Deliveries tried, whatever the outcome."""
        return self.delivered + self.retried + self.dead


@dataclass(frozen=True)
class SinkLimits:
    """A sink's delivery limits from ``sinks.yaml``."""

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    circuit: CircuitPolicy = field(default_factory=CircuitPolicy)
    concurrency: int = 4


@dataclass
class _Outcome:
    item: outbox.Claimed
    started: datetime
    finished: datetime
    result: Delivery | None = None
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    needs_admin: bool = False
    tried: bool = True


#: A floor for a delivery's measured CPU time (a refused connection fails in microseconds).
MIN_CPU_S = 0.0001


def workers_that_help(wall_s: float, cpu_s: float, concurrency: int, waiting: int) -> int:
    """How many deliveries to run side by side: one per multiple of our CPU time the sink makes
    a delivery wait, at least one, at most the sink's concurrency and the deliveries waiting."""
    return max(1, min(concurrency, waiting, int(wall_s / max(cpu_s, MIN_CPU_S))))


def backoff_delay(policy: RetryPolicy, attempts: int, rng: random.Random) -> timedelta:
    """Exponential backoff with "equal jitter": half the delay fixed, half random (AWS architecture blog)."""
    base = policy.first_delay.total_seconds() * 2 ** min(max(attempts - 1, 0), 40)
    capped = min(base, policy.max_delay.total_seconds())
    return timedelta(seconds=capped / 2 + rng.uniform(0, capped / 2))


class Dispatcher:
    """Delivers due outbox rows to the configured sinks."""

    def __init__(
        self,
        engine: Engine,
        sinks: Mapping[str, Sink[Any]],
        limits: Mapping[str, SinkLimits],
        settings: DispatchSettings,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        notify: Callable[[AdminNotice], None] | None = None,
    ) -> None:
        self.engine = engine
        self.sinks = sinks
        self.limits = {name: limits.get(name, SinkLimits()) for name in sinks}
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.notify = notify
        self.gates: dict[str, SinkGate] = {}
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._pace: dict[str, tuple[float, float]] = {}
        """Per sink, a delivery's smoothed (wall, CPU) seconds: how many workers help (``_sink_batch``)."""
        self._recovered: set[str] = set()
        self._recovered_lock = threading.Lock()

    def close(self) -> None:
        """Stop the delivery threads (after the batch in flight)."""
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        self._pools.clear()

    def _load_gates(self) -> None:
        """Read the circuits from the store (another process may have opened or closed one)."""
        with reading(self.engine) as conn:
            stored = load_states(conn)
        for name in self.sinks:
            gate = self.gates.get(name)
            if gate is None or not gate.dirty:
                self.gates[name] = SinkGate(name, self.limits[name].circuit, stored.get(name))

    def dispatch_due(self, should_stop: Callable[[], bool] = lambda: False) -> DispatchReport:
        """Deliver every due delivery, oldest first, until none is due or ``should_stop()``."""
        report = DispatchReport()
        self._load_gates()
        while not should_stop():
            now = self.clock()
            open_for_all, probing = [], []
            for name, gate in self.gates.items():
                admitted = gate.admission(now)
                if admitted is None:
                    open_for_all.append(name)
                elif admitted > 0:
                    probing.append(name)
            probes: set[int] = set()
            with self.engine.begin() as conn:
                lease, size = self.settings.lease, self.settings.batch_size
                claimed = outbox.claim_due(conn, open_for_all, now, lease, size)
                for name in probing:  # the oldest waiting delivery, whatever its backoff says
                    probe = outbox.claim_due(conn, [name], now, lease, 1, ignore_backoff=True)
                    probes.update(p.id for p in probe)
                    claimed += probe
            if not claimed:
                break
            with reading(self.engine) as conn:
                leads = lead_store.load_leads(conn, sorted({c.lead_id for c in claimed}))
            outcomes = self._deliver_all(claimed, leads, should_stop, probes)
            self._record(outcomes, leads, report)
            if len(claimed) < self.settings.batch_size or report.paused:
                break
        return report

    def deliver_leased(
        self,
        claimed: list[outbox.Claimed],
        leads: dict[int, Lead],
        should_stop: Callable[[], bool] = lambda: False,
    ) -> DispatchReport:
        """Deliver deliveries already claimed for this dispatcher (a webhook lead's, see Runner._store).

        The same delivery, retry and circuit rules as ``dispatch_due``; a sink whose circuit is open
        or that asked to wait gets its items back unclaimed, to go out with the rest of its queue.
        """
        report = DispatchReport()
        if any(item.sink not in self.gates for item in claimed):
            self._load_gates()
        outcomes = self._deliver_all(claimed, leads, should_stop, probes=set())
        self._record(outcomes, leads, report)
        return report

    def _deliver_all(
        self,
        claimed: list[outbox.Claimed],
        leads: dict[int, Lead],
        should_stop: Callable[[], bool],
        probes: set[int],
    ) -> list[_Outcome]:
        """Run the batch: each sink's deliveries in order, up to its concurrency, sinks side by side."""
        by_sink: dict[str, list[outbox.Claimed]] = defaultdict(list)
        for item in claimed:
            by_sink[item.sink].append(item)
        if len(claimed) == 1 or (len(by_sink) == 1 and self.limits[claimed[0].sink].concurrency == 1):
            # A fresh lead, or one sink taking one at a time: no thread hop.
            return [self._deliver_one(i, leads[i.lead_id], should_stop, i.id in probes) for i in claimed]
        futures: list[Future[list[_Outcome]]] = []
        for sink, items in by_sink.items():
            pool = self._pools.get(sink)
            if pool is None:
                pool = ThreadPoolExecutor(self.limits[sink].concurrency, thread_name_prefix=f"sink-{sink}")
                self._pools[sink] = pool
            futures.append(pool.submit(self._sink_batch, sink, items, leads, should_stop, probes, pool))
        return [outcome for f in futures for outcome in f.result()]

    def _sink_batch(
        self,
        sink: str,
        items: list[outbox.Claimed],
        leads: dict[int, Lead],
        should_stop: Callable[[], bool],
        probes: set[int],
        pool: ThreadPoolExecutor,
    ) -> list[_Outcome]:
        """One sink's share of a batch, on its pool: the first delivery alone, then as many side by side
        as can help, up to the sink's concurrency.

        Side by side helps while a delivery mostly waits for the sink; under the GIL it cannot when
        our own CPU is most of a delivery (a receiver on loopback answers in a fraction of the time
        ``requests`` takes to send), and every hand-off between threads then costs. So the first
        delivery's wall time over its CPU time sets the number of workers: a CRM answering in 200 ms
        gets all of them, a local receiver one. Each worker takes the oldest item not yet taken, so
        deliveries start oldest first, and the dispatcher waits once per worker, not per delivery.
        """
        queue = deque(items)  # workers share it: popleft is atomic, and hands out the oldest left
        first = queue.popleft()
        wall, cpu = time.perf_counter(), time.thread_time()
        done = [self._deliver_one(first, leads[first.lead_id], should_stop, first.id in probes)]
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        # Smoothed over the batches: one delivery's times are noisy (a garbage collection, a
        # receiver that was descheduled), the sink's pace changes slowly.
        pace = self._pace.get(sink)
        pace = (
            (wall, cpu) if pace is None else (pace[0] + (wall - pace[0]) / 4, pace[1] + (cpu - pace[1]) / 4)
        )
        self._pace[sink] = pace
        helpers = workers_that_help(pace[0], pace[1], self.limits[sink].concurrency, len(items) - 1) - 1
        futures = [pool.submit(self._work_through, queue, leads, should_stop, probes) for _ in range(helpers)]
        done += self._work_through(queue, leads, should_stop, probes)
        return done + [outcome for f in futures for outcome in f.result()]

    def _work_through(
        self,
        queue: deque[outbox.Claimed],
        leads: dict[int, Lead],
        should_stop: Callable[[], bool],
        probes: set[int],
    ) -> list[_Outcome]:
        """One worker's share of a sink's batch: deliver the oldest item left until none is."""
        done: list[_Outcome] = []
        while True:
            try:
                item = queue.popleft()
            except IndexError:
                return done
            done.append(self._deliver_one(item, leads[item.lead_id], should_stop, item.id in probes))

    def _deliver_one(
        self, item: outbox.Claimed, lead: Lead, should_stop: Callable[[], bool], probe: bool
    ) -> _Outcome:
        """Deliver one item, unless the bot is stopping or its sink stopped accepting (then untried)."""
        gate = self.gates[item.sink]
        started = self.clock()
        if should_stop() or not (probe or gate.accepting(started)):
            return _Outcome(item, started, started, tried=False)
        outcome = _Outcome(item, started, started)
        try:
            outcome.result = self.sinks[item.sink].deliver(
                lead.model_copy(
                    update={"delivered_revision": item.delivered_revision, "external_id": item.external_id}
                ),
                item.key,
            )
        except PermanentDeliveryError as exc:
            outcome.error, outcome.permanent = _message(exc), True
        except SinkNeedsAdminError as exc:
            outcome.error, outcome.needs_admin = _message(exc), True
        except RetriableDeliveryError as exc:
            outcome.error, outcome.retry_after = _message(exc), exc.retry_after
        except Exception as exc:  # a sink bug is retried like an outage, and logged
            log.exception("sink %s raised an unexpected error", item.sink)
            outcome.error = f"unexpected {type(exc).__name__}: {_message(exc)}"
        outcome.finished = self.clock()
        if outcome.error is None or outcome.permanent:
            change = gate.succeeded()
        elif outcome.retry_after is not None:  # it answered, and said when to come back: alive
            gate.throttled(outcome.finished, outcome.retry_after)
            change = gate.succeeded()
        else:
            change = gate.failed(outcome.finished, outcome.error, open_now=outcome.needs_admin)
        if change is not None:
            self._announce(item.sink, change)
        return outcome

    def _record(self, outcomes: list[_Outcome], leads: dict[int, Lead], report: DispatchReport) -> None:
        """Write the batch's outcomes (and changed circuits) in one transaction."""
        now = self.clock()
        untried: list[outbox.Claimed] = []
        done = [
            outbox.Done(o.item, o.result or Delivery(), o.started, o.finished)
            for o in outcomes
            if o.tried and o.error is None
        ]
        report.delivered += len(done)
        with self.engine.begin() as conn:
            outbox.record_delivered(conn, done)
            for o in outcomes:
                item = o.item
                if not o.tried:
                    untried.append(item)
                elif o.error is None:
                    continue
                elif o.permanent or self._out_of_time(item, o):
                    self._give_up(conn, o, leads[item.lead_id])
                    report.dead += 1
                else:
                    self._retry(conn, o)
                    report.retried += 1
            outbox.release(conn, untried)
            report.paused += len(untried)
            for gate in self.gates.values():
                if gate.dirty:
                    gate.dirty = False
                    save_state(conn, gate.snapshot(), now)
            with self._recovered_lock:
                recovered, self._recovered = self._recovered, set()
            for name in recovered:
                made_due = outbox.make_due(conn, name, now)
                log.info("sink %s recovered: %d waiting deliveries are due now, oldest first", name, made_due)

    def _out_of_time(self, item: outbox.Claimed, o: _Outcome) -> bool:
        policy = self.limits[item.sink].retry
        if policy.max_attempts is not None and item.attempts + 1 >= policy.max_attempts:
            return True
        first_failure = item.failing_since or o.started
        return o.finished - first_failure >= policy.horizon

    def _retry(self, conn: Any, o: _Outcome) -> None:
        item, policy = o.item, self.limits[o.item.sink].retry
        delay = backoff_delay(policy, item.attempts + 1, self.rng)
        if o.retry_after is not None:
            delay = max(delay, timedelta(seconds=o.retry_after))
        assert o.error is not None
        outbox.record_retry(conn, item, o.error, o.finished + delay, o.started, o.finished)
        log.info(
            "delivery %d to %s failed (attempt %d): %s; next try in %.0fs",
            item.id,
            item.sink,
            item.attempts + 1,
            o.error,
            delay.total_seconds(),
        )

    def _give_up(self, conn: Any, o: _Outcome, lead: Lead) -> None:
        item = o.item
        assert o.error is not None
        snapshot = lead.model_dump(mode="json")
        outbox.record_dead(conn, item, o.error, snapshot, o.started, o.finished, o.permanent)
        log.warning(
            "delivery %d of lead %d to %s is dead-lettered: %s (replay with "
            "`socialleads deliveries replay --id %d`)",
            item.id,
            item.lead_id,
            item.sink,
            o.error,
            item.id,
        )

    def _announce(self, sink: str, change: Change) -> None:
        state = self.gates[sink].snapshot()
        if change is Change.OPENED:
            log.warning(
                "sink %s failed %d times in a row; its deliveries are paused: %s",
                sink,
                state.consecutive_failures,
                state.last_error,
            )
            failures = (
                f"{state.consecutive_failures} deliveries in a row failed"
                if state.consecutive_failures > 1
                else "A delivery failed in a way only an admin can fix"
            )
            notice = AdminNotice(
                subject=f"socialleads: sink {sink} is failing; its deliveries are paused",
                body=(
                    f"{failures}, the last with: "
                    f"{state.last_error}. No lead is lost: deliveries wait, and one is tried every "
                    f"{state.cooldown_s:.0f}s (up to {self.limits[sink].circuit.max_cooldown}) until "
                    "the sink answers; then the backlog is sent oldest first."
                ),
                severity="error",
            )
        else:
            with self._recovered_lock:
                self._recovered.add(sink)
            log.warning("sink %s answers again; its circuit is closed", sink)
            notice = AdminNotice(
                subject=f"socialleads: sink {sink} recovered",
                body="It answers again; the deliveries that waited are being sent, oldest first.",
                severity="info",
            )
        if self.notify is not None:
            self.notify(notice)


def _message(exc: Exception) -> str:
    return REDACTOR.scrub(str(exc) or type(exc).__name__)[:1000]
