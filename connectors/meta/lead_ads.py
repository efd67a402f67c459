"""The ``meta_lead_ads`` source: Facebook and Instagram Lead Ads forms of one or more pages.

Each poll lists the forms of every page (or reads the configured ones), then reads each form's leads
created after the form's cursor minus ``lookback`` with ``filtering`` on ``time_created``, following
every page of results to the end
(https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving/#filtering-leads).
Webhooks announce single leads; the webhook router fetches them with ``fetch_lead``. Each event keeps
the lead JSON verbatim with its form's definition, so ``parse`` needs no call.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import requests
from pydantic import SecretStr

from connectors.meta import lead_fields
from connectors.meta.errors import as_skippable
from connectors.meta.graph import GraphClient
from connectors.meta.health import check_pages
from connectors.meta.lead_config import MetaLeadAdsConfig, MetaLeadsCursor, PageConfig
from connectors.meta.lead_fields import FORM_FIELDS, LEAD_FIELDS, form_summary, parse_created, text_of
from socialleads.contracts import BackfillPart, ConnectorContext, Source
from socialleads.errors import ConfigurationError, SkippableRecordError, SourceError
from socialleads.models import Checkpoint, EventKind, Health, LeadDraft, RawEvent, ReceivedVia

__all__ = ["MetaLeadAdsConfig", "MetaLeadAdsSource", "MetaLeadsCursor", "PageConfig"]


class MetaLeadAdsSource(Source[MetaLeadAdsConfig, MetaLeadsCursor]):
    """Reads Lead Ads leads of the configured pages; one instance per configured source.

    The runner calls ``check``, ``fetch`` and ``parse``; the webhook router calls ``claims``,
    ``fetch_lead`` and ``report_group``, possibly from another thread (it has its own clients).
    """

    name = "meta_lead_ads"
    platform = "facebook"
    config_model = MetaLeadAdsConfig
    cursor_model = MetaLeadsCursor

    def __init__(self, config: MetaLeadAdsConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self._sessions: list[requests.Session] = []
        self._poll_clients: dict[str, GraphClient] = {}
        self._hook_clients: dict[str, GraphClient] = {}
        self._hook_lock = threading.Lock()
        self._forms: dict[str, dict[str, Any]] = {}
        """Form definitions by id (as ``form_summary``), refreshed by each poll, read by ``fetch_lead``."""

    # --- the runner's calls -----------------------------------------------------------------------

    def check(self) -> Health:
        """Tokens, permissions and webhook subscriptions of every page; called by ``sources check``,
        ``doctor`` and the runner's health job. Raises ``AuthError`` for a token Meta rejects, and the
        other ``SourceError`` subclasses when Meta cannot be asked."""
        sessions: list[requests.Session] = []

        def client_for(token: SecretStr) -> GraphClient:
            sessions.append(self.context.new_session())
            return self._client(token, sessions[-1])

        try:
            return check_pages(self.config, client_for, self.context.clock())
        finally:
            for session in sessions:
                session.close()

    def fetch(self, since: MetaLeadsCursor | None) -> Iterator[RawEvent | Checkpoint]:
        """Yield the leads of every watched form created after the form's cursor minus ``lookback``
        (``first_window`` back for a form not read before), newest first per form.

        Called by the runner at each poll. A failure mid-form raises (``AuthError``,
        ``RateLimitedError``, ``TransientError``, ``ConfigurationError``); what was yielded is kept and
        the cursor stays put.
        """
        cursor = since or MetaLeadsCursor()
        now = self.context.clock()
        log, instance = self.context.logger, self.context.instance
        for page in self.config.pages:
            client = self._poll_clients.get(page.id) or self._new_client(page, self._poll_clients)
            for form in self._watched_forms(page, client):
                stored = cursor.forms.get(form["id"])
                floor = (
                    stored - int(self.config.lookback.total_seconds())
                    if stored is not None
                    else int((now - self.config.first_window).timestamp())
                )
                count = 0
                for lead in client.pages(
                    f"{form['id']}/leads",
                    fields=LEAD_FIELDS,
                    filtering=[{"field": "time_created", "operator": "GREATER_THAN", "value": floor}],
                    limit=self.config.page_size,
                ):
                    count += 1
                    yield self._event(page.id, form, lead, ReceivedVia.POLL)
                # A form read to the end: anchor its window, so a form without leads yet never loses time.
                yield Checkpoint(position={"form": form["id"], "created": floor})
                log.debug("meta_lead_ads %s: form %s: %d leads", instance, form["id"], count)

    def backfill_parts(self, since: datetime) -> Iterator[BackfillPart]:
        """One part per watched form: its leads created after ``since`` (Meta keeps leads 90 days).

        Called by ``socialleads backfill``; a part finished is not read again when a backfill resumes.
        """
        floor = int(since.timestamp())
        for page in self.config.pages:
            client = self._poll_clients.get(page.id) or self._new_client(page, self._poll_clients)
            for form in self._watched_forms(page, client):
                yield BackfillPart(
                    key=form["id"],
                    label=f"{form.get('name') or 'form'} ({form['id']})",
                    events=functools.partial(self._backfill_form, client, page.id, form, floor),
                )

    def _backfill_form(
        self, client: GraphClient, page_id: str, form: dict[str, Any], floor: int
    ) -> Iterator[RawEvent]:
        leads = client.pages(
            f"{form['id']}/leads",
            fields=LEAD_FIELDS,
            limit=self.config.page_size,
            filtering=[{"field": "time_created", "operator": "GREATER_THAN", "value": floor}],
        )
        for lead in leads:
            yield self._event(page_id, form, lead, ReceivedVia.BACKFILL, position=False)

    def parse(self, event: RawEvent) -> LeadDraft:
        """The draft of one lead event (polled or from a webhook); called by the runner for each new event.

        Raises ``SkippableRecordError`` with what is missing when the payload is unusable.
        """
        return lead_fields.draft_from_payload(event.native_id, event.payload, event.occurred_at)

    def close(self) -> None:
        """Close every HTTP session; called once when the bot stops."""
        for session in self._sessions:
            session.close()
        self._sessions.clear()
        self._poll_clients.clear()
        self._hook_clients.clear()

    # --- the webhook router's calls ---------------------------------------------------------------

    def claims(self, page_id: str, form_id: str | None) -> bool:
        """True when this instance watches page ``page_id`` and form ``form_id`` (any form when None).

        Called by the webhook router for each leadgen change; ids may be numbers. Never raises.
        """
        page = self.config.page(text_of(page_id))
        if page is None:
            return False
        return page.forms == "all" or form_id is None or text_of(form_id) in page.forms

    def fetch_lead(self, page_id: str, leadgen_id: str, form_id: str | None) -> RawEvent:
        """``GET /{leadgen_id}`` with the page's token, as a webhook event with its form's definition.

        Called by the webhook router after ``claims``. The event has no position: a webhook must not
        move the poll's cursor past leads the poll has not read. Raises ``SkippableRecordError`` when
        the lead is gone or is a test id (Meta error 100), or belongs to a page or form not watched;
        the other ``SourceError`` subclasses as ``fetch`` does.
        """
        page = self.config.page(text_of(page_id))
        lead_id = text_of(leadgen_id)
        if page is None:
            raise SkippableRecordError(
                f"lead {lead_id} belongs to page {text_of(page_id)}, which source {self.context.instance} "
                "does not watch; add the page to its pages:"
            )
        # The lock guards creating the page's client; its calls run side by side (the leads of one
        # burst are fetched together: connectors/meta/webhook.py), as requests sessions allow.
        with self._hook_lock:
            client = self._hook_clients.get(page.id) or self._new_client(page, self._hook_clients)
        try:
            lead = client.get(lead_id, fields=LEAD_FIELDS)
        except SourceError as exc:
            raise as_skippable(exc, f"lead {lead_id} of page {page.id}") from None
        wanted = text_of(lead.get("form_id")) or text_of(form_id)
        if page.forms != "all" and wanted not in page.forms:
            raise SkippableRecordError(
                f"lead {lead_id} came from form {wanted or '(unknown)'}, which source "
                f"{self.context.instance} does not watch; add it to forms: of page {page.id}"
            )
        form = self._forms.get(wanted) or self._form_for_webhook(client, wanted)
        return self._event(page.id, form, lead, ReceivedVia.WEBHOOK, position=False)

    def report_group(self, payload: dict[str, Any]) -> str:
        """The form a stored lead payload belongs to, ``"<form name> (<form id>)"``, for per-form reports."""
        return lead_fields.report_group(payload)

    # --- helpers ----------------------------------------------------------------------------------

    def _client(self, token: SecretStr, session: requests.Session) -> GraphClient:
        return GraphClient(
            token,
            self.config.graph_version,
            session,
            self.context.clock,
            app_secret=self.config.app_secret,
            timeout=self.config.timeout.total_seconds(),
            slow_down_at=self.config.slow_down_at,
        )

    def _new_client(self, page: PageConfig, pool: dict[str, GraphClient]) -> GraphClient:
        """A client for ``page`` with its own session, kept in ``pool`` for the next calls."""
        session = self.context.new_session()
        self._sessions.append(session)
        pool[page.id] = self._client(page.token, session)
        return pool[page.id]

    def _watched_forms(self, page: PageConfig, client: GraphClient) -> list[dict[str, Any]]:
        """This poll's definitions of the page's forms: every form listed (any status), or the named ones."""
        if page.forms == "all":
            listed = client.pages(f"{page.id}/leadgen_forms", fields=FORM_FIELDS, limit=100)
            forms = [form_summary(f) for f in listed if text_of(f.get("id"))]
        else:
            forms = []
            for form_id in page.forms:
                try:
                    forms.append(form_summary(client.get(form_id, fields=FORM_FIELDS)))
                except ConfigurationError as exc:
                    raise ConfigurationError(
                        f"form {form_id} of page {page.id} cannot be read ({exc}); check its id under "
                        f"forms: in source {self.context.instance}"
                    ) from None
        self._forms.update({f["id"]: f for f in forms})
        return forms

    def _form_for_webhook(self, client: GraphClient, form_id: str) -> dict[str, Any]:
        """The form's definition (its questions' types, keys and labels), cached per form.

        A form that cannot be read now (gone, a permission missing, Meta throttling or down) never costs
        the lead: it goes through without the form's definition, its answers placed by their keys and
        shapes (``lead_contact``), and the form is asked for again with the next lead.
        """
        if not form_id:
            return form_summary({})
        try:
            form = form_summary(client.get(form_id, fields=FORM_FIELDS))
        except SourceError as exc:
            self.context.logger.warning(
                "meta_lead_ads %s: form %s cannot be read (%s); its answers are placed by their keys",
                self.context.instance,
                form_id,
                exc,
            )
            return form_summary({"id": form_id})
        self._forms[form_id] = form
        return form

    def _event(
        self,
        page_id: str,
        form: dict[str, Any],
        lead: dict[str, Any],
        via: ReceivedVia,
        position: bool = True,
    ) -> RawEvent:
        """One lead as a raw event: the lead verbatim, its page and its form's definition."""
        created = parse_created(lead.get("created_time"))
        native_id = (
            text_of(lead.get("id"))
            or "noid:"
            + hashlib.sha256(json.dumps(lead, sort_keys=True, default=str).encode()).hexdigest()[:32]
        )
        form_id = form.get("id") or text_of(lead.get("form_id"))
        return RawEvent(
            native_id=native_id,
            kind=EventKind.LEAD_FORM,
            occurred_at=created,
            payload={"lead": lead, "page_id": page_id, "form": form},
            position={"form": form_id, "created": int(created.timestamp())}
            if position and created is not None
            else None,
            received_via=via,
        )
