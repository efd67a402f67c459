"""Dispatch: drain the outbox into the sinks, oldest first, surviving outages.

Deliveries are claimed with a short lease naming this process, renewed while it holds them
(``leases.py``); a bot that restarts after a crash takes back its dead predecessor's claims at once
(``store.lease_holders``), and a worker on another host gets them when the lease runs out. Each
delivery carries a key stable for its (lead, sink) pair: a sink upserts on it, so delivering twice
(after a crash between the sink's answer and our commit) has one effect.

Per sink: up to ``concurrency`` deliveries in flight; a failure is retried with backoff and jitter
until the retry horizon (48 hours by default) has passed since the delivery first failed, then
dead-lettered; a sink that keeps failing opens its circuit (``circuits.py``) and its deliveries
wait untried; a 429's retry time pauses the sink, and the dispatcher comes back at that moment.
Outcomes are committed as they come, in small groups (every ``record_every`` or ``record_batch``
outcomes, ``outcomes.py``), so a crash re-sends only the deliveries in flight; outcomes the store
cannot take during an outage are kept and committed when it answers (at-least-once: the
idempotency key absorbs a repeat).
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from socialleads.configuration.models import CircuitPolicy, RetryPolicy
from socialleads.contracts import Sink, utc_now
from socialleads.errors import PermanentDeliveryError, RetriableDeliveryError, SinkNeedsAdminError
from socialleads.models import AdminNotice, Delivery, Lead
from socialleads.pipeline.circuits import Change, SinkGate
from socialleads.pipeline.event_bus import EventBus
from socialleads.pipeline.leases import LeaseKeeper
from socialleads.pipeline.outcomes import Outcome, PendingOutcomes
from socialleads.redact import REDACTOR
from socialleads.settings import DispatchSettings
from socialleads.store import leads as lead_store
from socialleads.store import lease_holders, outbox
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
        events: EventBus | None = None,
    ) -> None:
        self.engine = engine
        self.sinks = sinks
        self.limits = {name: limits.get(name, SinkLimits()) for name in sinks}
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.notify = notify
        self.events = events
        """Told of every delivery committed as delivered or dead (``delivery.done``), for live screens."""
        self.gates: dict[str, SinkGate] = {}
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._pace: dict[str, tuple[float, float]] = {}
        """Per sink, a delivery's smoothed (wall, CPU) seconds: how many workers help (``_sink_batch``)."""
        self.pending = PendingOutcomes(settings.record_every.total_seconds(), settings.record_batch)
        """Outcomes noted by the delivery threads and not committed yet."""
        self.keeper = LeaseKeeper(engine, settings.lease, clock)
        self._started = False
        """Whether the claims of a predecessor that is gone were taken back (``_start``)."""
        self._store_failures = 0
        """Commits of outcomes that failed in a row (the store is unavailable)."""

    def close(self) -> None:
        """Stop the delivery threads (after the batch in flight) and the lease renewals; commit the
        outcomes an outage kept back if the store answers now (else they are sent again after a
        restart: their deliveries were in flight)."""
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        self._pools.clear()
        self.keeper.close()
        if len(self.pending):
            try:
                self._record_now(DispatchReport(), final=True)
            except (OperationalError, InterfaceError):
                log.warning("%d delivery outcomes could not be committed before stopping", len(self.pending))

    def _load_gates(self) -> None:
        """Read the circuits from the store (another process may have opened or closed one)."""
        with reading(self.engine) as conn:
            stored = load_states(conn)
        for name in self.sinks:
            gate = self.gates.get(name)
            if gate is None or not gate.dirty:
                limits = self.limits[name]
                self.gates[name] = SinkGate(name, limits.circuit, stored.get(name), limits.retry.horizon)

    def adopt(self, claimed: list[outbox.Claimed]) -> None:
        """Hold deliveries claimed for this dispatcher by someone else (a webhook lead's, claimed
        by the runner) until ``deliver_leased`` gets them: their leases are renewed meanwhile, and
        no claim of this dispatcher takes them a second time."""
        self.keeper.hold(item.id for item in claimed)

    def next_opening(self) -> float | None:
        """Seconds until a paused sink takes deliveries again or an open one is probed, if one waits.

        The dispatch loop waits no longer than this, so a Retry-After is honoured to the moment.
        """
        now = self.clock()
        openings = [at for gate in self.gates.values() if (at := gate.next_opening(now)) is not None]
        return (min(openings) - now).total_seconds() if openings else None

    def _start(self, report: DispatchReport) -> None:
        """Before any claim: commit outcomes an outage kept back, and (once) take back the claims of a
        predecessor that is gone. Raises the store's error while it cannot be reached."""
        self._record_now(report, final=True)
        if self._started:
            return
        with self.engine.begin() as conn:
            taken = outbox.reclaim_abandoned(conn, self.clock(), lease_holders.is_gone)
        self._started = True
        if taken:
            log.info("took back %d deliveries claimed by a bot that is gone; they go out now", taken)

    def dispatch_due(self, should_stop: Callable[[], bool] = lambda: False) -> DispatchReport:
        """Deliver every due delivery, oldest first, until none is due or ``should_stop()``.

        Raises the store's error when it cannot be reached; outcomes it could not take are kept and
        committed by the next call.
        """
        report = DispatchReport()
        self._start(report)
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
            full = len(claimed) - len(probes) >= size
            # A lease that ran out while this dispatcher held the delivery in memory (an outage,
            # or a webhook lead waiting for its hand-over): it goes out from there, not twice.
            claimed = [c for c in claimed if not self.keeper.holds(c.id)]
            if not claimed:
                break
            self.keeper.hold(c.id for c in claimed)
            try:
                with reading(self.engine) as conn:
                    leads = lead_store.load_leads(conn, sorted({c.lead_id for c in claimed}))
            except BaseException:
                self.keeper.drop(c.id for c in claimed)
                raise
            self._deliver_all(claimed, leads, should_stop, probes, report)
            reopened = any(self.gates[name].admission(self.clock()) is None for name in probing)
            if (not full and not reopened) or report.paused:
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
        Raises the store's error when it cannot be reached (the items are then left to their lease).
        """
        report = DispatchReport()
        self.adopt(claimed)
        try:
            self._start(report)
            if any(item.sink not in self.gates for item in claimed):
                self._load_gates()
        except BaseException:
            self.keeper.drop(item.id for item in claimed)
            raise
        self._deliver_all(claimed, leads, should_stop, set(), report)
        return report

    def _deliver_all(
        self,
        claimed: list[outbox.Claimed],
        leads: dict[int, Lead],
        should_stop: Callable[[], bool],
        probes: set[int],
        report: DispatchReport,
    ) -> None:
        """Run the batch: each sink's deliveries in order, up to its concurrency, sinks side by side;
        commit their outcomes as they come (``_record_due``) and the rest at the end.

        Raises the store's error if the last outcomes cannot be committed; they are kept for the
        next call, and their deliveries stay held.
        """
        by_sink: dict[str, list[outbox.Claimed]] = defaultdict(list)
        for item in claimed:
            by_sink[item.sink].append(item)
        try:
            if len(claimed) == 1:
                # A fresh lead: no thread hop. A batch goes to the sinks' threads even when it is one
                # sink taking one at a time, so that committing its outcomes (mostly waiting for the
                # database) overlaps with its next deliveries (mostly waiting for the sink).
                for item in claimed:
                    self._deliver_one(item, leads[item.lead_id], should_stop, item.id in probes)
                    self._record_due(report)
            else:
                futures: list[Future[None]] = []
                for sink, items in by_sink.items():
                    pool = self._pools.get(sink)
                    if pool is None:
                        pool = ThreadPoolExecutor(
                            self.limits[sink].concurrency, thread_name_prefix=f"sink-{sink}"
                        )
                        self._pools[sink] = pool
                    future = pool.submit(self._sink_batch, sink, items, leads, should_stop, probes, pool)
                    future.add_done_callback(lambda _: self.pending.wake())
                    futures.append(future)
                self._record_while_waiting(futures, report)
        except BaseException:
            # A bug, not a sink's failure (those are outcomes): what has no outcome is given back
            # to its lease; what has one is still committed below or by the next call.
            noted = self.pending.ids()
            self.keeper.drop(item.id for item in claimed if item.id not in noted)
            raise
        finally:
            self._record_now(report, final=True)

    def _record_while_waiting(self, futures: list[Future[None]], report: DispatchReport) -> None:
        """Wait for the delivery threads, committing each group of outcomes as it becomes due."""

        def finished() -> bool:
            return all(f.done() for f in futures)

        while True:
            due = self.pending.due_in()
            if self.pending.wait(self.pending.every if due is None else due, finished):
                break
            self._record_due(report)
        for f in futures:
            f.result()  # a delivery thread's bug surfaces here

    def _sink_batch(
        self,
        sink: str,
        items: list[outbox.Claimed],
        leads: dict[int, Lead],
        should_stop: Callable[[], bool],
        probes: set[int],
        pool: ThreadPoolExecutor,
    ) -> None:
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
        self._deliver_one(first, leads[first.lead_id], should_stop, first.id in probes)
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
        self._work_through(queue, leads, should_stop, probes)
        for f in futures:
            f.result()

    def _work_through(
        self,
        queue: deque[outbox.Claimed],
        leads: dict[int, Lead],
        should_stop: Callable[[], bool],
        probes: set[int],
    ) -> None:
        """One worker's share of a sink's batch: deliver the oldest item left until none is."""
        while True:
            try:
                item = queue.popleft()
            except IndexError:
                return
            self._deliver_one(item, leads[item.lead_id], should_stop, item.id in probes)

    def _deliver_one(
        self, item: outbox.Claimed, lead: Lead, should_stop: Callable[[], bool], probe: bool
    ) -> None:
        """Deliver one item, unless the bot is stopping or its sink stopped accepting (then untried),
        and note the outcome for the next commit."""
        gate = self.gates[item.sink]
        started = self.clock()
        if should_stop() or not (probe or gate.accepting(started)):
            self.pending.add(Outcome(item, lead, started, started, tried=False))
            return
        outcome = Outcome(item, lead, started, started)
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
        # Recorded with this outcome (after its retry): the sink's backlog is due from then on.
        outcome.closed_circuit = change is Change.CLOSED
        self.pending.add(outcome)
        if change is not None:
            self._announce(item.sink, change)

    def _record_due(self, report: DispatchReport) -> None:
        """Commit the waiting outcomes if a group is due (see ``PendingOutcomes``)."""
        due = self.pending.due_in()
        if due is not None and due <= 0:
            self._record_now(report, final=False)

    def _record_now(self, report: DispatchReport, final: bool) -> None:
        """Commit every waiting outcome, with the circuits that changed.

        When the store cannot be reached (an outage, a lock held too long), the outcomes are put
        back and tried again: mid-batch after a short wait (0.5 s, doubling to 2 s), so delivering
        goes on meanwhile; at the end of a batch (``final``) the error is raised for the caller to
        try again, and its next call commits them before it claims anything.
        """
        outcomes = self.pending.take()
        if not outcomes:
            return
        try:
            self._record(outcomes, report)
        except (OperationalError, InterfaceError) as exc:
            self._store_failures += 1
            self.pending.put_back(outcomes, retry_in=min(0.5 * 2 ** (self._store_failures - 1), 2.0))
            if self._store_failures == 1:
                log.warning(
                    "the store cannot take %d delivery outcomes (%s); they are kept, and committed "
                    "when it answers",
                    len(outcomes),
                    type(exc.orig).__name__,
                )
            if final:
                raise
            return
        self.pending.committed()
        self.keeper.drop(o.item.id for o in outcomes)
        if self._store_failures:
            log.warning("the store answers again; %d kept delivery outcomes are committed", len(outcomes))
            self._store_failures = 0

    def _record(self, outcomes: list[Outcome], report: DispatchReport) -> None:
        """Write outcomes (and changed circuits) in one transaction; the report counts them once it
        committed. Raises the store's error, with nothing written."""
        now = self.clock()
        done = [
            outbox.Done(o.item, o.result or Delivery(), o.started, o.finished)
            for o in outcomes
            if o.tried and o.error is None
        ]
        untried = [o.item for o in outcomes if not o.tried]
        failed = [o for o in outcomes if o.tried and o.error is not None]
        dirty = [gate for gate in self.gates.values() if gate.dirty]
        recovered = sorted({o.item.sink for o in outcomes if o.closed_circuit})
        dead: list[outbox.Claimed] = []
        try:
            with self.engine.begin() as conn:
                outbox.record_delivered(conn, done)
                for o in failed:
                    if o.permanent or self._out_of_time(o.item, o):
                        self._give_up(conn, o)
                        dead.append(o.item)
                    else:
                        self._retry(conn, o)
                outbox.release(conn, untried)
                for gate in dirty:
                    gate.dirty = False
                    save_state(conn, gate.snapshot(), now)
                for name in recovered:
                    made_due = outbox.make_due(conn, name, now)
                    log.info(
                        "sink %s recovered: %d waiting deliveries are due now, oldest first", name, made_due
                    )
        except BaseException:
            for gate in dirty:
                gate.dirty = True
            raise
        report.delivered += len(done)
        report.dead += len(dead)
        report.retried += len(failed) - len(dead)
        report.paused += len(untried)
        if self.events is not None and self.events.listening:
            finished = [(d.claimed, outbox.DELIVERED) for d in done] + [(c, outbox.DEAD) for c in dead]
            self.events.deliveries_done((c.id, c.lead_id, c.sink, status) for c, status in finished)

    def _out_of_time(self, item: outbox.Claimed, o: Outcome) -> bool:
        policy = self.limits[item.sink].retry
        if policy.max_attempts is not None and item.attempts + 1 >= policy.max_attempts:
            return True
        first_failure = item.failing_since or o.started
        return o.finished - first_failure >= policy.horizon

    def _retry(self, conn: Any, o: Outcome) -> None:
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

    def _give_up(self, conn: Any, o: Outcome) -> None:
        item = o.item
        assert o.error is not None
        snapshot = o.lead.model_dump(mode="json")
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
            log.warning("sink %s answers again; its circuit is closed", sink)
            notice = AdminNotice(
                subject=f"socialleads: sink {sink} recovered",
                body="It answers again; the deliveries that waited are being sent, oldest first.",
                severity="info",
            )
        if self.notify is not None:
            self.notify(notice)


def _message(exc: Exception) -> str:
    return REDACTOR.scrub(str(exc) or type(exc).__name__, limit=1000)
