"""The in-process event bus: fan-out, bounded queues that drop the oldest, never raising, closing."""

from __future__ import annotations

import threading

import pytest

from socialleads.pipeline.event_bus import DELIVERY_DONE, LEAD_STORED, SOURCE_HEALTH, EventBus, StoredLead
from socialleads.redact import REDACTOR


def test_every_subscriber_gets_every_event_in_order_and_is_woken_once_per_publish() -> None:
    bus = EventBus()
    wakes = [0, 0]
    first = bus.subscribe(lambda: wakes.__setitem__(0, wakes[0] + 1))
    second = bus.subscribe(lambda: wakes.__setitem__(1, wakes[1] + 1))
    bus.leads_stored([StoredLead(1, "spring", "A", True), StoredLead(2, None, None, False)])
    bus.deliveries_done([(9, 1, "crm", "delivered")])
    for subscription in (first, second):
        events, dropped = subscription.drain()
        assert dropped == 0
        assert [(e.seq, e.kind) for e in events] == [(1, LEAD_STORED), (2, LEAD_STORED), (3, DELIVERY_DONE)]
        assert events[0].data == {"lead_id": 1, "campaign": "spring", "grade": "A", "new": True}
        assert events[2].data == {"delivery_id": 9, "lead_id": 1, "sink": "crm", "status": "delivered"}
    assert wakes == [2, 2]
    assert first.drain() == ([], 0)


def test_a_slow_subscriber_loses_the_oldest_and_is_told_how_many() -> None:
    bus = EventBus(queue_size=3)
    slow = bus.subscribe(lambda: None)
    bus.leads_stored(StoredLead(n, None, "B", True) for n in range(1, 11))
    events, dropped = slow.drain()
    assert dropped == 7
    assert [e.data["lead_id"] for e in events] == [8, 9, 10]
    assert slow.drain() == ([], 0)  # told once


def test_nothing_is_built_while_nobody_listens() -> None:
    bus = EventBus()
    built: list[int] = []

    def leads() -> object:
        for n in range(3):
            built.append(n)
            yield StoredLead(n, None, None, True)

    assert not bus.listening
    bus.leads_stored(leads())  # type: ignore[arg-type]
    assert built == []
    subscription = bus.subscribe(lambda: None)
    assert bus.listening
    subscription.close()
    assert not bus.listening and subscription.closed


def test_publishing_never_raises_into_the_pipeline() -> None:
    bus = EventBus()

    def broken() -> None:
        raise RuntimeError("the stream's event loop is closed")

    bad = bus.subscribe(broken)
    good = bus.subscribe(lambda: None)
    bus.lead_updated(5, ["status", "owner"])
    assert good.drain()[0][0].data == {"lead_id": 5, "changed": ["owner", "status"]}
    assert len(bad.drain()[0]) == 1

    class Unlistable:
        def __iter__(self) -> object:
            raise ValueError("a payload that cannot be built")

    bus.publish_many(LEAD_STORED, Unlistable())  # type: ignore[arg-type]
    assert good.drain() == ([], 0)


def test_health_summaries_are_scrubbed_like_log_lines() -> None:
    REDACTOR.register(["tok-93817263-secret"])
    bus = EventBus()
    subscription = bus.subscribe(lambda: None)
    bus.source_health("fb", "needs_reauth", "token tok-93817263-secret refused for ann@example.com")
    [event] = subscription.drain()[0]
    assert event.kind == SOURCE_HEALTH
    assert event.data == {
        "source": "fb",
        "health": "needs_reauth",
        "summary": "token *** refused for <email>",
    }


def test_closing_ends_every_subscription_and_refuses_new_ones() -> None:
    bus = EventBus()
    woken = threading.Event()
    subscription = bus.subscribe(woken.set)
    bus.close()
    assert woken.is_set() and subscription.closed and bus.closed and not bus.listening
    with pytest.raises(RuntimeError):
        bus.subscribe(lambda: None)
