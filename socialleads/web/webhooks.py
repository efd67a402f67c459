"""``/webhooks/{name}``: the platforms' webhook deliveries, answered fast and never lost.

A delivery is checked by its receiver (signature, shape), kept verbatim in the store, and only
then answered 200; the work it asks for (fetch the lead, store it, qualify it) runs after, in the
bot's background pool. Anything it loses is recovered by the next poll (push and pull together).
A repeat (the same bytes again, also while the first copy is being stored by another request) is
answered 200 too, marked ``"repeat": true``, and asks for no work: Meta retries anything else
for 36 hours (https://developers.facebook.com/docs/graph-api/webhooks/getting-started).

A refused delivery (unsigned, badly signed, malformed; too large or too slow is refused while it is
read, by ``socialleads.web.body_limits``) is answered with its reason and counted in the ``RefusalLog``:
the internet may send thousands, and the log gets a line a minute, not one each.
"""

from __future__ import annotations

import logging
import threading

from anyio import to_thread
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from socialleads.bot import Bot
from socialleads.contracts import WebhookAcceptance, WebhookJob, WebhookReceiver
from socialleads.errors import WebhookRejected
from socialleads.models import AdminNotice
from socialleads.redact import REDACTOR
from socialleads.store.webhooks import store_delivery
from socialleads.web.refusals import RefusalLog, kind_of

log = logging.getLogger("socialleads.webhooks")
UNKNOWN = "(no such receiver)"
"""The place refusals at ``/webhooks/{name}`` of a name no receiver has are counted under."""


class WebhookRoutes:
    """The ``/webhooks/{name}`` routes of one bot's receivers; ``create_app`` installs them once."""

    def __init__(self, bot: Bot, refusals: RefusalLog | None = None) -> None:
        self.bot = bot
        self.refusals = refusals or RefusalLog(log)
        """Where refused deliveries are counted and, sparingly, logged."""
        self._told: set[str] = set()
        """Unrouted reasons the admin has been told of (once each, while the process lives)."""
        self._told_lock = threading.Lock()

    def install(self, app: FastAPI) -> None:
        """Add the handshake (GET) and delivery (POST) routes to ``app``."""
        app.add_api_route(
            "/webhooks/{name}", self.handshake, methods=["GET"], response_class=PlainTextResponse
        )
        app.add_api_route("/webhooks/{name}", self.deliver, methods=["POST"])

    def handshake(self, name: str, request: Request) -> PlainTextResponse:
        """The platform's subscription check: echo its challenge when the verify token matches."""
        answer = self._receiver(name).handshake(dict(request.query_params))
        if answer is None:
            raise HTTPException(403, "verification failed")
        return PlainTextResponse(answer)

    async def deliver(self, name: str, request: Request) -> JSONResponse:
        """Check the delivery, keep it verbatim, answer 200, then do its work in the background."""
        receiver = self._receiver(name)
        body = await request.body()  # at most WebSettings.webhook_body_limit: BodyLimits saw to that
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            acceptance = receiver.accept(body, headers)
        except WebhookRejected as exc:
            self.refusals.refused(self.place(name), kind_of(exc), str(exc))
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        new = await to_thread.run_sync(self._keep, name, body, headers, acceptance)
        if acceptance.test:
            log.info("webhook %s: the platform's test payload arrived; the endpoint works", name)
        if new:
            self._tell_admin_once(name, [reason for reason, _ in acceptance.unrouted])
        return JSONResponse({"ok": True, "jobs": len(acceptance.jobs) if new else 0, "repeat": not new})

    def place(self, name: str) -> str:
        """What refusals at ``/webhooks/{name}`` are counted under: the receiver's name when it has one
        (a stranger's made-up names are counted together, so they cannot grow the counters)."""
        return f"webhook {name if name in self.bot.webhooks else UNKNOWN}"

    def refused_body(self, path: str, kind: str, reason: str) -> None:
        """``BodyLimits`` refused a body sent to ``path`` (``/webhooks/{name}``): too large or too slow."""
        name = path.removeprefix("/webhooks/").strip("/")
        self.refusals.refused(self.place(name), kind, reason)

    def _receiver(self, name: str) -> WebhookReceiver:
        receiver = self.bot.webhooks.get(name)
        if receiver is None:
            raise HTTPException(404, f"no webhook receiver named {name!r} is configured")
        return receiver

    def _keep(self, name: str, body: bytes, headers: dict[str, str], acceptance: WebhookAcceptance) -> bool:
        """Store the delivery verbatim, then start its jobs; False for a repeat (which starts none).

        Runs in a worker thread, so the jobs start while the event loop writes the answer.
        """
        bot = self.bot
        with bot.engine.begin() as conn:
            new = store_delivery(
                conn, name, body, headers, acceptance.summary, acceptance.unrouted, bot.runner.clock()
            )
        for job in acceptance.jobs if new else ():
            bot.background.submit(_run, job)
        return new

    def _tell_admin_once(self, name: str, reasons: list[str]) -> None:
        for reason in reasons:
            with self._told_lock:
                if reason in self._told:
                    continue
                self._told.add(reason)
            log.warning("webhook %s: %s (parked as unrouted)", name, reason)
            self.bot.runner.health.notify(
                AdminNotice(
                    subject=f"socialleads: a {name} webhook delivered something no source watches",
                    body=f"{reason}. It is kept as an 'unrouted' dead letter; add a source to receive it.",
                    severity="warning",
                )
            )


def _run(job: WebhookJob) -> None:
    """Do one job a delivery asked for, in the background pool; a failure is logged, never raised."""
    try:
        job.run()
    except Exception as exc:  # noqa: BLE001 - the next poll recovers what a job could not do
        log.warning(
            "webhook job failed (%s): %s: %s; the next poll will pick it up",
            job.description,
            type(exc).__name__,
            REDACTOR.scrub(str(exc)),
        )
