"""Health changes: logged once, told to the admin once, and again once when the source recovers.

A source that stops without a word is the failure users of lead tools complain of most, so every
change of a source's health state goes through ``HealthReporter.change``; staying in a state says
nothing (``docs/architecture.md``, "Fail loudly, once").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from socialleads.contracts import Sink
from socialleads.models import AdminNotice, HealthState
from socialleads.pipeline.event_bus import EventBus
from socialleads.store.state import SourceState

log = logging.getLogger("socialleads.health")

BAD_STATES = frozenset(
    {
        HealthState.DEGRADED,
        HealthState.FAILING,
        HealthState.NEEDS_REAUTH,
        HealthState.DISABLED,
        HealthState.RATE_LIMITED,
    }
)
_SEVERITY: dict[HealthState, Literal["info", "warning", "error"]] = {
    HealthState.DEGRADED: "warning",
    HealthState.NEEDS_REAUTH: "error",
    HealthState.DISABLED: "error",
    HealthState.FAILING: "warning",
    HealthState.RATE_LIMITED: "info",
}


class HealthReporter:
    """Applies health changes to a source's state and tells people about the changes only."""

    def __init__(self, admin_sinks: Mapping[str, Sink[Any]], events: EventBus | None = None) -> None:
        self.admin_sinks = admin_sinks
        self.events = events
        """Told of every change (``source.health``), for live screens."""

    def change(self, state: SourceState, new: HealthState, summary: str, now: datetime) -> bool:
        """Set ``state``'s health; returns True (and logs and notifies) only when the state changed."""
        old = HealthState(state.health)
        state.health_summary = summary
        if old == new:
            return False
        state.health = new.value
        state.health_changed_at = now
        if self.events is not None:
            self.events.source_health(state.source, new.value, summary)
        if new in BAD_STATES:
            level = logging.INFO if new == HealthState.RATE_LIMITED else logging.WARNING
            log.log(level, "source %s is now %s: %s", state.source, new.value, summary)
            self._notify(
                AdminNotice(
                    subject=f"socialleads: source {state.source} is {new.value}",
                    body=summary,
                    severity=_SEVERITY[new],
                    source=state.source,
                )
            )
        elif old in BAD_STATES:
            log.warning("source %s recovered (was %s): %s", state.source, old.value, summary)
            self._notify(
                AdminNotice(
                    subject=f"socialleads: source {state.source} recovered",
                    body=f"It was {old.value}. {summary}",
                    severity="info",
                    source=state.source,
                )
            )
        return True

    def notify(self, notice: AdminNotice) -> None:
        """Send ``notice`` to every admin sink now (callers decide that it is worth telling once)."""
        self._notify(notice)

    def _notify(self, notice: AdminNotice) -> None:
        for name, sink in self.admin_sinks.items():
            try:
                sink.send_notice(notice)
            except Exception as exc:  # noqa: BLE001 - a broken admin channel must not stop the poll
                log.warning("could not send the admin notice to sink %s: %s", name, type(exc).__name__)
