"""``/webhooks/{name}``: the platforms' webhook deliveries, answered fast and never lost.

A delivery is checked by its receiver (signature, shape), kept verbatim in the store, and only
then answered 200; the work it asks for (fetch the lead, store it, qualify it) runs after, in the
bot's background pool. Anything it loses is recovered by the next poll (push and pull together).
A repeat (the same bytes again, also while the first copy is being stored by another request) is
answered 200 too, marked ``"repeat": true``, and asks for no work: Meta retries anything else
for 36 hours (https://developers.facebook.com/docs/graph-api/webhooks/getting-started).
"""

from __future__ import annotations

import logging
import threading

from anyio import to_thread
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from socialleads.bot import Bot
from socialleads.contracts import WebhookJob, WebhookReceiver
from socialleads.errors import WebhookRejected
from socialleads.models import AdminNotice
from socialleads.redact import REDACTOR
from socialleads.store.webhooks import store_delivery

log = logging.getLogger("socialleads.webhooks")


def install_webhooks(app: FastAPI, bot: Bot) -> None:
    """Add the webhook routes of ``bot``'s receivers to ``app``."""
    told: set[str] = set()
    told_lock = threading.Lock()

    def receiver_for(name: str) -> WebhookReceiver:
        receiver = bot.webhooks.get(name)
        if receiver is None:
            raise HTTPException(404, f"no webhook receiver named {name!r} is configured")
        return receiver

    def tell_admin_once(name: str, reasons: list[str]) -> None:
        for reason in reasons:
            with told_lock:
                if reason in told:
                    continue
                told.add(reason)
            log.warning("webhook %s: %s (parked as unrouted)", name, reason)
            bot.runner.health.notify(
                AdminNotice(
                    subject=f"socialleads: a {name} webhook delivered something no source watches",
                    body=f"{reason}. It is kept as an 'unrouted' dead letter; add a source to receive it.",
                    severity="warning",
                )
            )

    def run(job: WebhookJob) -> None:
        try:
            job.run()
        except Exception as exc:  # noqa: BLE001 - the next poll recovers what a job could not do
            log.warning(
                "webhook job failed (%s): %s: %s; the next poll will pick it up",
                job.description,
                type(exc).__name__,
                REDACTOR.scrub(str(exc)),
            )

    @app.get("/webhooks/{name}", response_class=PlainTextResponse)
    def handshake(name: str, request: Request) -> PlainTextResponse:
        """The platform's subscription check: echo its challenge when the verify token matches."""
        answer = receiver_for(name).handshake(dict(request.query_params))
        if answer is None:
            raise HTTPException(403, "verification failed")
        return PlainTextResponse(answer)

    @app.post("/webhooks/{name}")
    async def deliver(name: str, request: Request) -> JSONResponse:
        """Check the delivery, keep it verbatim, answer 200, then do its work in the background."""
        receiver = receiver_for(name)
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            acceptance = receiver.accept(body, headers)
        except WebhookRejected as exc:
            log.warning("webhook %s refused: %s", name, exc)
            return JSONResponse({"error": str(exc)}, status_code=exc.status)

        def keep() -> bool:
            with bot.engine.begin() as conn:
                new = store_delivery(
                    conn, name, body, headers, acceptance.summary, acceptance.unrouted, bot.runner.clock()
                )
            # Kept: start the work from this thread, while the event loop writes the answer. A
            # repeated delivery (the same bytes again) asks for nothing new.
            for job in acceptance.jobs if new else ():
                bot.background.submit(run, job)
            return new

        new = await to_thread.run_sync(keep)
        if acceptance.test:
            log.info("webhook %s: the platform's test payload arrived; the endpoint works", name)
        if new:
            tell_admin_once(name, [reason for reason, _ in acceptance.unrouted])
        return JSONResponse({"ok": True, "jobs": len(acceptance.jobs) if new else 0, "repeat": not new})
