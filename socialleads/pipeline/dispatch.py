"""Dispatch: drain the outbox into the sinks, retrying with backoff, dead-lettering when out of attempts.

Deliveries are claimed with a lease, so a worker that dies mid-delivery only delays them. Each
delivery carries a key stable for its (lead, sink) pair: a sink upserts on it, so delivering twice
(after a crash between the sink's answer and our commit) has one effect.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from socialleads.configuration.models import RetryPolicy
from socialleads.contracts import Sink, utc_now
from socialleads.errors import PermanentDeliveryError, RetriableDeliveryError
from socialleads.models import Lead
from socialleads.redact import REDACTOR
from socialleads.settings import DispatchSettings
from socialleads.store import leads as lead_store
from socialleads.store import outbox

log = logging.getLogger("socialleads.dispatch")


@dataclass
class DispatchReport:
    """What one ``dispatch_due`` call did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0

    @property
    def attempted(self) -> int:
        """Deliveries tried, whatever the outcome."""
        return self.delivered + self.retried + self.dead


def backoff_delay(policy: RetryPolicy, attempts: int, rng: random.Random) -> timedelta:
    """Exponential backoff with "equal jitter": half the delay fixed, half random (AWS architecture blog)."""
    base = policy.first_delay.total_seconds() * 2 ** max(attempts - 1, 0)
    capped = min(base, policy.max_delay.total_seconds())
    return timedelta(seconds=capped / 2 + rng.uniform(0, capped / 2))


class Dispatcher:
    """Delivers due outbox rows to the configured sinks."""

    def __init__(
        self,
        engine: Engine,
        sinks: Mapping[str, Sink[Any]],
        policies: Mapping[str, RetryPolicy],
        settings: DispatchSettings,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.sinks = sinks
        self.policies = policies
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()

    def dispatch_due(self, should_stop: Callable[[], bool] = lambda: False) -> DispatchReport:
        """Deliver every due delivery, oldest first, until none is due or ``should_stop()``."""
        report = DispatchReport()
        while not should_stop():
            with self.engine.begin() as conn:
                claimed = outbox.claim_due(
                    conn, list(self.sinks), self.clock(), self.settings.lease, self.settings.batch_size
                )
            if not claimed:
                break
            with self.engine.connect() as conn:
                leads = lead_store.load_leads(conn, sorted({c.lead_id for c in claimed}))
            for index, item in enumerate(claimed):
                if should_stop():
                    with self.engine.begin() as conn:
                        outbox.release(conn, claimed[index:])
                    return report
                self._deliver_one(item, leads[item.lead_id], report)
            if len(claimed) < self.settings.batch_size:
                break
        return report

    def _deliver_one(self, item: outbox.Claimed, lead: Lead, report: DispatchReport) -> None:
        sink = self.sinks[item.sink]
        policy = self.policies.get(item.sink, RetryPolicy())
        started = self.clock()
        try:
            result = sink.deliver(
                lead.model_copy(
                    update={"delivered_revision": item.delivered_revision, "external_id": item.external_id}
                ),
                item.key,
            )
        except PermanentDeliveryError as exc:
            self._give_up(item, lead, _message(exc), started, permanent=True)
            report.dead += 1
            return
        except RetriableDeliveryError as exc:
            error, retry_after = _message(exc), exc.retry_after
        except Exception as exc:  # a sink bug is retried like an outage, and logged
            log.exception("sink %s raised an unexpected error", item.sink)
            error, retry_after = f"unexpected {type(exc).__name__}: {_message(exc)}", None
        else:
            with self.engine.begin() as conn:
                outbox.record_delivered(conn, item, result, started, self.clock())
            report.delivered += 1
            return
        if item.attempts + 1 >= policy.max_attempts:
            self._give_up(item, lead, error, started, permanent=False)
            report.dead += 1
            return
        delay = backoff_delay(policy, item.attempts + 1, self.rng)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        now = self.clock()
        with self.engine.begin() as conn:
            outbox.record_retry(conn, item, error, now + delay, started, now)
        log.info(
            "delivery %d to %s failed (attempt %d of %d): %s; next try in %.0fs",
            item.id,
            item.sink,
            item.attempts + 1,
            policy.max_attempts,
            error,
            delay.total_seconds(),
        )
        report.retried += 1

    def _give_up(
        self, item: outbox.Claimed, lead: Lead, error: str, started: datetime, permanent: bool
    ) -> None:
        with self.engine.begin() as conn:
            outbox.record_dead(
                conn, item, error, lead.model_dump(mode="json"), started, self.clock(), permanent
            )
        log.warning(
            "delivery %d of lead %d to %s is dead-lettered: %s (replay with "
            "`socialleads deliveries replay --id %d`)",
            item.id,
            item.lead_id,
            item.sink,
            error,
            item.id,
        )


def _message(exc: Exception) -> str:
    return REDACTOR.scrub(str(exc) or type(exc).__name__)[:1000]
