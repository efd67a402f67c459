"""Deliver leads to HubSpot as contacts, with a timeline note per new revision and a deal for top grades.

One delivery, in this order (each step is safe to repeat, so a retried delivery converges):

1. The contact. ``lead.external_id`` (the id this sink reported before) is updated directly; when it
   is gone (404: deleted or merged away) the lead is matched again. A lead with an email is upserted
   by email (``batch/upsert``, idProperty ``email``: https://developers.hubspot.com/docs/api/crm/contacts),
   never blindly created. A lead without one is searched by its key and phone (``phone``/``mobilephone``)
   and updated, or created; a create answered 409 "Contact already exists. Existing ID: N" updates N.
   Search lags writes by a few seconds (https://developers.hubspot.com/docs/api/crm/search), so the
   contact also carries ``socialleads_key``.
2. The deal, when the grade is in ``deal_for_grades``: looked up by its unique ``socialleads_key``
   (``GET /crm/v3/objects/deals/{key}?idProperty=socialleads_key``), created with an association to
   the contact only when absent; a duplicate create is refused by HubSpot, so there is one per lead.
3. A note on the contact (the lead card, every unmapped answer) when this revision has not been
   delivered before (``lead.delivered_revision``). It comes last: a failure before it leaves no note.

The status a person set on the lead (``Sink.models_status``: a change is delivered again) is written
with the contact as ``lifecyclestage`` and ``hs_lead_status`` (``mapping.STATUS_PROPERTIES``); a lead
still at the ``new`` it started with writes neither, so HubSpot keeps what it knows of a contact. HubSpot
ignores a write that moves the lifecycle stage back (https://knowledge.hubspot.com/records/use-lifecycle-stages):
when the stage it answers with (or, when the answer does not say, the one it holds) is not the one
sent, the stage is cleared and set again, in two requests.

The custom properties in ``mapping.CUSTOM_PROPERTIES`` must be created in the portal once (the deal's
``socialleads_key`` with "unique values"); ``check()`` names any that are missing.
"""

from __future__ import annotations

from typing import Any

from connectors.hubspot.api import HubSpotApi, HubSpotFailure, HubSpotUnreachable, Written
from connectors.hubspot.config import HubSpotConfig
from connectors.hubspot.mapping import (
    CUSTOM_PROPERTIES,
    DEAL_KEY_PROPERTY,
    DEAL_TO_CONTACT,
    LIFECYCLE_PROPERTY,
    NOTE_TO_CONTACT,
    contact_properties,
    deal_properties,
    existing_id,
    note_html,
    note_timestamp,
    refused_properties,
    split_answers,
    status_properties,
)
from socialleads.contracts import ConnectorContext, Sink
from socialleads.errors import AuthError, DeliveryError, RetriableDeliveryError
from socialleads.http_failures import FailureAction, delivery_error, failure_action
from socialleads.models import Delivery, Health, HealthState, Lead
from socialleads.redact import MASK, REDACTOR

TOKEN_HINT = "check the private app token"  # noqa: S105 - advice, not a credential


class HubSpotSink(Sink[HubSpotConfig]):
    """Upserts each lead as a HubSpot contact (CRM v3, hubspot-api-client) with a note and maybe a deal."""

    name = "hubspot"
    config_model = HubSpotConfig
    accepts_notices = False
    models_status = True

    def __init__(self, config: HubSpotConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self._token = config.access_token.get_secret_value()
        self._api = HubSpotApi(self._token, config.base_url, config.timeout.total_seconds(), context.clock)

    # --- messages ---------------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        """``text`` without the token, emails or phone numbers (HubSpot messages may quote values)."""
        if len(self._token) >= 4:
            text = text.replace(self._token, MASK)
        return REDACTOR.scrub(" ".join(text.split()), limit=300)

    def _describe(self, failure: HubSpotFailure) -> str:
        """What HubSpot said, for a person: status, category and the reason it gave."""
        status = f"HTTP {failure.status} {failure.category}".strip()
        if failure.status in (401, 403):
            scopes = [
                scope
                for error in failure.body.get("errors") or []
                if isinstance(error, dict)
                for scope in (error.get("context") or {}).get("requiredGranularScopes") or []
            ]
            what = "rejected the access token" if failure.status == 401 else "refused the call"
            needs = f"; it needs the scope {', '.join(map(str, scopes))}" if scopes else ""
            return f"HubSpot {what} ({status}): {TOKEN_HINT}{needs}"
        if failure.status == 400 and (refused := refused_properties(failure.body)):
            return (
                f"HubSpot refused the value of {', '.join(refused)} ({status}): create the property in "
                "HubSpot or fix answer_properties"
            )
        reason = self._scrub(failure.message)
        return f"HubSpot answered {status}" + (f": {reason}" if reason else "")

    def _delivery_error(self, failure: HubSpotFailure) -> DeliveryError:
        action = failure_action(failure.status, failure.retry_after)
        return delivery_error(action, self._describe(failure), failure.retry_after)

    # --- delivery ---------------------------------------------------------------------------------

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """Upsert the contact, then the deal and the note; returns the contact id and its HubSpot link.

        Called by the dispatcher, possibly from several threads. Raises ``RetriableDeliveryError``
        (429 with its ``retry_after``, 408/423/425, 5xx, timeouts, connection failures),
        ``SinkNeedsAdminError`` (401/403: the token) or ``PermanentDeliveryError`` (400: a refused
        property, named; other 4xx), by the bot's one HTTP failure policy (``socialleads.http_failures``).
        """
        error: DeliveryError
        try:
            return self._deliver(lead, key)
        except HubSpotFailure as failure:
            error = self._delivery_error(failure)
        except HubSpotUnreachable as exc:
            error = RetriableDeliveryError(f"cannot reach HubSpot: {exc}")
        raise error

    def _deliver(self, lead: Lead, key: str) -> Delivery:
        config = self.config
        values = {
            **contact_properties(lead, key, config.answer_properties, config.owners),
            **status_properties(lead),
        }
        contact, how = self._contact(lead, key, values)
        contact_id = contact.id
        done = [f"contact {contact_id} {how}"]
        if (moved := self._stage_back(contact, values)) is not None:
            done.append(moved)
        if lead.quality is not None and lead.quality.grade in config.deal_for_grades:
            deal_id, created = self._deal(lead, key, contact_id)
            done.append(f"deal {deal_id} {'created' if created else 'already there'}")
        if lead.delivered_revision is None or lead.delivered_revision < lead.revision:
            _, unmapped = split_answers(lead, config.answer_properties)
            note = {
                "hs_note_body": note_html(lead, unmapped),
                "hs_timestamp": note_timestamp(lead, self.context.clock()),
            }
            done.append(f"note {self._api.create_note(note, contact_id, NOTE_TO_CONTACT)}")
        url = f"{config.app_url}/contacts/{config.portal_id}/record/0-1/{contact_id}"
        return Delivery(external_id=contact_id, url=url, detail="; ".join(done))

    def _stage_back(self, contact: Written, values: dict[str, str]) -> str | None:
        """Set the lifecycle stage HubSpot ignored because it moves the contact back: clear it, then set
        it (two requests; a failure between them is repaired by the retried delivery, which sets the
        stage on an empty one). Returns what was done, or None when the stage took."""
        wanted = values.get(LIFECYCLE_PROPERTY)
        if wanted is None:
            return None
        if LIFECYCLE_PROPERTY in contact.properties:
            held = contact.properties[LIFECYCLE_PROPERTY]
        else:  # the answer did not say: read it
            held = self._api.contact_values(contact.id, [LIFECYCLE_PROPERTY])[LIFECYCLE_PROPERTY]
        if held == wanted:
            return None
        self._api.update_contact(contact.id, {LIFECYCLE_PROPERTY: ""})
        self._api.update_contact(contact.id, {LIFECYCLE_PROPERTY: wanted})
        return f"lifecycle stage moved back from {held or 'none'} to {wanted}"

    def _contact(self, lead: Lead, key: str, values: dict[str, str]) -> tuple[Written, str]:
        """(the contact written, what was done)."""
        if lead.external_id:
            try:
                return self._update(lead.external_id, values), "updated"
            except HubSpotFailure as failure:
                if failure.status != 404:
                    raise
            self.context.logger.info(
                "HubSpot contact %s is gone (deleted or merged); matching lead %s again",
                lead.external_id,
                lead.id,
            )
        if values.get("email"):
            return self._api.upsert_contact("email", values["email"], values), "upserted by email"
        groups = [[("socialleads_key", key)]]
        if values.get("phone"):
            groups += [[("phone", values["phone"])], [("mobilephone", values["phone"])]]
        found = self._api.search_contacts(groups, ["socialleads_key", "createdate"])
        if found:
            ours = [c for c in found if c.get("socialleads_key") == key]
            best = (ours or sorted(found, key=lambda c: (str(c.get("createdate") or ""), int(c["id"]))))[0]
            return self._update(str(best["id"]), values), "updated (found by key or phone)"
        try:
            return self._api.create_contact(values), "created"
        except HubSpotFailure as failure:
            taken = existing_id(failure.message) if failure.status == 409 else None
            if taken is None:
                raise
        return self._update(taken, values), "updated (HubSpot named it in a 409)"

    def _update(self, contact_id: str, values: dict[str, str]) -> Written:
        """PATCH the contact; when its new email belongs to another contact, keep the old email."""
        try:
            return self._api.update_contact(contact_id, values)
        except HubSpotFailure as failure:
            if failure.status != 409 or "email" not in values:
                raise
        self.context.logger.warning(
            "the lead's email belongs to another HubSpot contact than %s; its email was left unchanged "
            "(the note shows the new one)",
            contact_id,
        )
        return self._api.update_contact(contact_id, {k: v for k, v in values.items() if k != "email"})

    def _deal(self, lead: Lead, key: str, contact_id: str) -> tuple[str, bool]:
        """(deal id, created now); at most one deal per key, however often the lead is delivered."""
        found = self._api.find_deal(DEAL_KEY_PROPERTY, key)
        if found is not None:
            return found, False
        owner = self.config.owners.get(lead.owner) if lead.owner else None
        values = deal_properties(lead, key, self.config.deal_pipeline, self.config.deal_stage, owner)
        try:
            return self._api.create_deal(values, contact_id, DEAL_TO_CONTACT), True
        except HubSpotFailure as failure:
            if failure.status not in (400, 409):
                raise
            # Another delivery of the same lead created it in between: the unique key refused ours.
            again = self._api.find_deal(DEAL_KEY_PROPERTY, key)
            if again is None:
                raise
            return again, False

    # --- health -----------------------------------------------------------------------------------

    def check(self) -> Health:
        """Read the contact (and deal) property definitions: proves the token and scopes, finds missing ones.

        Raises ``AuthError`` for a rejected token or missing scopes; returns FAILING naming each
        property the sink writes that the portal lacks.
        """
        problem: AuthError | None = None
        try:
            found = {"contacts": self._api.property_definitions("contacts")}
            if self.config.deal_for_grades:
                found["deals"] = self._api.property_definitions("deals")
        except HubSpotFailure as failure:
            if failure.status not in (401, 403):
                waits = failure_action(failure.status, failure.retry_after) is FailureAction.WAIT
                state = HealthState.RATE_LIMITED if waits else HealthState.FAILING
                return Health(state=state, summary=self._describe(failure))
            problem = AuthError(self._describe(failure))
        except HubSpotUnreachable as exc:
            return Health(state=HealthState.FAILING, summary=f"cannot reach HubSpot: {exc}")
        if problem is not None:
            raise problem
        return self._properties_health(found)

    def _properties_health(self, found: dict[str, dict[str, bool]]) -> Health:
        missing: list[str] = []
        for spec in CUSTOM_PROPERTIES:
            if spec.object_type not in found:
                continue
            unique = found[spec.object_type].get(spec.name)
            if unique is None:
                missing.append(f"{spec.object_type} property {spec.name} ({spec.label!r}, {spec.field_type})")
            elif spec.unique and not unique:
                missing.append(f"{spec.object_type} property {spec.name} must be created with unique values")
        for question, prop in self.config.answer_properties.items():
            if prop not in found["contacts"]:
                missing.append(f"contacts property {prop} (mapped from the answer to {question!r})")
        portal = f"HubSpot portal {self.config.portal_id}"
        if missing:
            details: tuple[Any, ...] = (
                *missing,
                "create them in HubSpot: Settings > Properties, or POST /crm/v3/properties/{objectType}",
            )
            return Health(
                state=HealthState.FAILING,
                summary=f"{portal} lacks {len(missing)} of the properties the sink writes",
                details=tuple(str(d) for d in details),
            )
        return Health(
            state=HealthState.OK, summary=f"{portal} accepts the token and has every property the sink writes"
        )

    def close(self) -> None:
        """Release the HTTP connections; called once when the bot stops."""
        self._api.close()


__all__ = ["HubSpotConfig", "HubSpotSink"]
