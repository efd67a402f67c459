"""``GET /api/v1/events``: server-sent events for live screens (docs/api.md, "Events").

A client opens the stream with ``Accept: text/event-stream`` (what ``EventSource`` sends; any
other ``Accept`` is answered 406, so a plain GET never hangs on an endless body) and receives::

    event: lead.stored       data: {"lead_id": 7, "campaign": "spring", "grade": "A", "new": true}
    event: lead.updated      data: {"lead_id": 7, "changed": ["owner", "status"]}
    event: delivery.done     data: {"delivery_id": 9, "lead_id": 7, "sink": "crm", "status": "delivered"}
    event: source.health     data: {"source": "fb", "health": "needs_reauth", "summary": "..."}
    event: dropped           data: {"count": 120}   (this stream fell behind and lost that many)

each with an ``id:`` (the event's number on the bus), and a comment line as heartbeat every 15 s
so proxies keep the connection. Events carry ids and the names of things, never a person's data:
a screen fetches the lead, and the leads API decides what the caller may see. A ``sales`` caller
who sees only their team's leads (``api.sales_see: team``) gets lead events reduced to the lead's
id (they cannot tell from the stream whether the lead is theirs; the fetch answers 404 if not),
and ``source.health`` only goes to callers who may read sources. There is no replay: a client
that reconnects (``Last-Event-ID``) fetches its lists again.

The stream ends when the bot's event bus closes or the uvicorn server it runs under is told to
exit (``end_streams_with``): uvicorn waits for open responses before it stops, so an endless
stream that did not watch for that would hold the shutdown until its timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import StreamingResponse

from socialleads.accounts.roles import Permission, Role
from socialleads.api.auth import Principal, api_settings, bot_of, require
from socialleads.api.problems import ApiProblem
from socialleads.bot import Bot
from socialleads.pipeline import event_bus
from socialleads.pipeline.event_bus import BusEvent, EventBus

router = APIRouter(prefix="/api/v1", tags=["events"])

MEDIA_TYPE = "text/event-stream"
#: Seconds between two looks at whether the server stops, while a stream waits for events.
STOP_CHECK_S = 0.25
#: What the client waits before it reconnects after the stream ended (the SSE ``retry`` field).
RETRY_MS = 3000
#: The permission each kind of event needs besides LEADS_READ (the stream's own).
_NEEDS: dict[str, Permission] = {event_bus.SOURCE_HEALTH: Permission.SOURCES_READ}


class _Exits(Protocol):
    """A server that can be told to stop (``uvicorn.Server``)."""

    should_exit: bool


def end_streams_with(app: FastAPI, server: _Exits) -> None:
    """End every event stream of ``app`` once ``server.should_exit`` is set.

    Called by ``scheduler.start_web`` right after it made the uvicorn server for ``app``.
    """
    app.state.events_server = server


def bus_of(bot: Bot) -> EventBus:
    """The bot's event bus (``build_bot`` hands it to the runner, the dispatcher and the health reporter)."""
    return bot.events


def publish_lead_updated(bot: Bot, lead_id: int, changed: list[str] | tuple[str, ...] = ()) -> None:
    """Tell live screens that a person changed lead ``lead_id`` (``changed``: the fields, e.g.
    ``status``, ``owner``, ``notes``); called by the leads API after its change committed. Never raises."""
    bus = bus_of(bot)
    if bus.listening:
        bus.lead_updated(lead_id, changed)


def _frame(kind: str, data: dict[str, Any], seq: int | None = None) -> str:
    """One SSE message. JSON has no raw newline, so ``data`` is one line whatever strangers wrote."""
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def _view(principal: Principal, ids_only: bool) -> Callable[[BusEvent], dict[str, Any] | None]:
    """What the caller may see of an event: its data, the lead id alone, or nothing."""

    def view(event: BusEvent) -> dict[str, Any] | None:
        needed = _NEEDS.get(event.kind)
        if needed is not None and not principal.may(needed):
            return None
        if ids_only and "lead_id" in event.data:
            return {"lead_id": event.data["lead_id"]}
        return event.data

    return view


async def _stream(
    bus: EventBus,
    view: Callable[[BusEvent], dict[str, Any] | None],
    stopping: Callable[[], bool],
) -> AsyncIterator[str]:
    """The stream's text until the bus closes or the server stops.

    It subscribes when the response starts and leaves the bus however it ends (the client went away,
    the server stops), so a response that never started holds no queue.
    """
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()

    def notify() -> None:
        loop.call_soon_threadsafe(woken.set)  # raises once the loop is closed; the bus logs and goes on

    try:
        subscription = bus.subscribe(notify)
    except RuntimeError:  # the bus closed since the request came in
        return
    heartbeat_s = bus.heartbeat_s
    try:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        last_sent = time.monotonic()
        while not stopping():
            woken.clear()  # before draining: an event published after the drain wakes the wait below
            events, dropped = subscription.drain()
            chunks = [_frame("dropped", {"count": dropped})] if dropped else []
            chunks += [_frame(e.kind, data, e.seq) for e in events if (data := view(e)) is not None]
            if chunks:
                yield "".join(chunks)
                last_sent = time.monotonic()
                continue
            if subscription.closed:
                return
            idle = time.monotonic() - last_sent
            if idle >= heartbeat_s:
                yield ": heartbeat\n\n"
                last_sent = time.monotonic()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), min(STOP_CHECK_S, heartbeat_s - idle))
    finally:
        subscription.close()


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {MEDIA_TYPE: {"schema": {"type": "string"}}}, "description": "the event stream"},
        401: {},
        403: {},
        406: {},
        503: {},
    },
)
async def events(
    request: Request, principal: Principal = require(Permission.LEADS_READ)
) -> StreamingResponse:
    """Server-sent events for live screens; see the module docstring for the events and who sees what."""
    if MEDIA_TYPE not in request.headers.get("accept", ""):
        raise ApiProblem(406, f"this is an event stream: ask for it with 'Accept: {MEDIA_TYPE}'")
    bus = bus_of(bot_of(request))
    if bus.closed:
        raise ApiProblem(503, "the bot is stopping")
    server: _Exits | None = getattr(request.app.state, "events_server", None)

    def stopping() -> bool:
        return bus.closed or (server is not None and server.should_exit)

    ids_only = principal.role is Role.SALES and api_settings(request).sales_see == "team"
    body = _stream(bus, _view(principal, ids_only), stopping)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type=MEDIA_TYPE, headers=headers)
