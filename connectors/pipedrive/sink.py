"""Deliver leads to Pipedrive: a person (found first, never created blindly), a lead in the Leads
Inbox, a label per quality grade, and a note with the lead card on every touch.

The person is the one of last time, else the one found by email, then by phone
(``GET /persons/search``), given the email or phone it lacks; only when none is found is one
created. The lead (https://developers.pipedrive.com/docs/api/v1/Leads) is titled
``"<name> — <campaign>"`` and labelled by grade (label names from ``labels``, looked up in
``GET /leadLabels`` once and cached).

The status a person set on the lead is a lead label too (``status_labels``: Contacted, Qualified, Won,
Lost), created in Pipedrive (gray) the first time one is needed; a change of status is delivered again
(``models_status``) and replaces the lead's status label. A lead at the ``new`` it started with keeps
whatever status label a salesperson gave it in Pipedrive. A lead that left the Leads Inbox (converted
to a deal) gets the change as a note on the person, the card showing the status; its deal is not moved.

``Delivery.external_id`` is ``"<lead uuid>:<person id>"``: the lead to update on the next touch and
the person it belongs to. A next touch updates that lead (its grade label; other labels and a title
a salesperson changed are kept) and adds a note. A lead converted to a deal has left the Leads
Inbox: the note then goes on the person. A first delivery repeated (its answer lost) reuses an open
lead of the same person with the same title that this integration created, rather than a second.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from connectors.pipedrive.api import PipedriveApi, PipedriveAuthFailed
from connectors.pipedrive.config import PipedriveConfig
from connectors.pipedrive.mapping import (
    NAMELESS,
    latest_answers,
    note_html,
    question_key,
    same_email,
    same_phone,
    split_external_id,
)
from socialleads.contracts import ConnectorContext, Sink
from socialleads.errors import AuthError, DeliveryError
from socialleads.models import Delivery, Health, HealthState, Lead

#: How long a label list read from Pipedrive is trusted before a missing name is looked up again.
LABELS_TTL = timedelta(minutes=10)


class PipedriveSink(Sink[PipedriveConfig]):
    """Persons, Leads Inbox leads and notes in Pipedrive; safe to share across threads."""

    name = "pipedrive"
    config_model = PipedriveConfig
    models_status = True

    def __init__(self, config: PipedriveConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self._api = PipedriveApi(config, context)
        self._labels: dict[str, str] = {}
        self._labels_read: datetime | None = None
        self._lock = threading.Lock()
        self._creating = threading.Lock()
        """Held while a missing status label is created, so two deliveries do not create it twice."""

    # --- persons ----------------------------------------------------------------------------------------

    def _search(self, lead: Lead) -> dict[str, Any] | None:
        """The person with the lead's email, else with its phone; exact matches only."""
        contact = lead.contact
        probes = [(contact.email, "email"), (contact.phone, "phone")]
        for value, field in probes:
            if not value:
                continue
            # exact_match for email; phones are compared here on digits, whatever their formatting.
            params = {"term": value, "fields": field, "exact_match": str(field == "email").lower()}
            data = self._api.call("GET", "persons/search", "search persons", params=params) or {}
            for hit in data.get("items") or []:
                item = hit.get("item") or {}
                values = item.get("emails" if field == "email" else "phones") or []
                same = same_email if field == "email" else same_phone
                if any(same(str(v), value) for v in values):
                    return dict(item)
        return None

    @staticmethod
    def _lacks(lead: Lead, emails: list[Any], phones: list[Any]) -> bool:
        """True when the lead brings an email or phone the person does not have yet."""
        email, phone = lead.contact.email, lead.contact.phone
        new_email = email and not any(same_email(str(e), email) for e in emails)
        new_phone = phone and not any(same_phone(str(p), phone) for p in phones)
        return bool(new_email or new_phone)

    def _complete(self, person: dict[str, Any], lead: Lead) -> None:
        """Add the lead's email or phone to a person (full v1 object), keeping every value it has."""
        changes: dict[str, Any] = {}
        checks = (("email", lead.contact.email, same_email), ("phone", lead.contact.phone, same_phone))
        for key, value, same in checks:
            kept = [e for e in person.get(key) or [] if isinstance(e, dict) and e.get("value")]
            if value and not any(same(str(e["value"]), value) for e in kept):
                changes[key] = [*kept, {"value": value, "primary": not kept}]
        if changes and person.get("id"):
            self._api.call("PUT", f"persons/{person['id']}", "update the person", body=changes)

    def _person(self, lead: Lead, known: int | None) -> tuple[int, bool]:
        """(person id, whether it existed before this delivery): the person of last time, else the
        one with the lead's email or phone, else a new one."""
        if known is not None:
            person = self._api.call("GET", f"persons/{known}", "read the person", missing_ok=True)
            if person:
                self._complete(person, lead)
                return known, True
        found = self._search(lead)
        if found is not None:
            if self._lacks(lead, found.get("emails") or [], found.get("phones") or []):
                person = self._api.call("GET", f"persons/{found['id']}", "read the person", missing_ok=True)
                self._complete(person or {}, lead)
            return int(found["id"]), True
        c = lead.contact
        body: dict[str, Any] = {"name": self._name(lead)}
        if c.email:
            body["email"] = [{"value": c.email, "primary": True, "label": "work"}]
        if c.phone:
            body["phone"] = [{"value": c.phone, "primary": True, "label": "mobile"}]
        if self.config.owner_id is not None:
            body["owner_id"] = self.config.owner_id
        person = self._api.call("POST", "persons", "create the person", body=body)
        return int(person["id"]), False

    @staticmethod
    def _name(lead: Lead) -> str:
        return lead.display_name(marked=False)

    def _title(self, lead: Lead) -> str:
        """``"<name> — <campaign>"``, or the name alone without a campaign."""
        return self._name(lead) + (f" — {lead.campaign}" if lead.campaign else "")

    # --- labels -------------------------------------------------------------------------------------

    def _label_ids(self, wanted: set[str]) -> dict[str, str]:
        """Label name → id for the names in ``wanted`` that exist; the list is read once and cached."""
        with self._lock:
            stale = self._labels_read is None or (
                bool(wanted - set(self._labels)) and self.context.clock() - self._labels_read > LABELS_TTL
            )
        if stale:
            labels = self._api.call("GET", "leadLabels", "read the lead labels") or []
            with self._lock:
                self._labels = {str(x["name"]): str(x["id"]) for x in labels if isinstance(x, dict)}
                self._labels_read = self.context.clock()
        with self._lock:
            return {name: self._labels[name] for name in wanted if name in self._labels}

    def _status_label(self, name: str) -> str:
        """The id of the status label ``name``, created (gray) when Pipedrive has none of that name.

        https://developers.pipedrive.com/docs/api/v1/LeadLabels#addLeadLabel. Raises ``DeliveryError``.
        """
        with self._creating:
            found = self._label_ids({name})
            if name in found:
                return found[name]
            body = {"name": name, "color": "gray"}
            made = self._api.call("POST", "leadLabels", "create a lead label", body=body)
            self.context.logger.info("created the Pipedrive lead label %r for a lead status", name)
            with self._lock:
                self._labels[name] = str(made["id"])
                return self._labels[name]

    def _labels_for(self, lead: Lead, current: dict[str, Any] | None) -> tuple[list[str], str | None]:
        """The lead's label ids: the ones it has that are not ours, its grade's and its status's; and a
        note about a grade label that does not exist.

        Status labels are ours once a person set a status (``status_changed_at``): the lead then carries
        the one of its status (none for ``new``); before, whatever status label it has is kept.
        """
        grade_names, status_names = set(self.config.labels.values()), set(self.config.status_labels.values())
        ids = self._label_ids(grade_names | status_names)
        wanted = self.config.labels.get(lead.quality.grade) if lead.quality else None
        ours = {ids[name] for name in grade_names if name in ids}
        status = None
        if lead.status_changed_at is not None:
            ours |= {ids[name] for name in status_names if name in ids}
            name = self.config.status_labels.get(lead.status)
            status = None if name is None else ids.get(name) or self._status_label(name)
        kept = [x for x in (current or {}).get("label_ids") or [] if x not in ours]
        labels = kept + ([ids[wanted]] if wanted in ids else []) + ([status] if status else [])
        missing = f"no lead label named {wanted!r} in Pipedrive" if wanted and wanted not in ids else None
        return labels, missing

    def _lead_body(
        self, lead: Lead, person_id: int, current: dict[str, Any] | None
    ) -> tuple[dict[str, Any], str | None]:
        """The fields to send for the lead (``current``: as it is in Pipedrive), and a note about a
        configured label that does not exist.

        On an update, labels that are not grade or status labels are kept, and so is the title unless
        it was made without a name (a salesperson may have retitled the lead).
        """
        labels, missing = self._labels_for(lead, current)
        body: dict[str, Any] = {"title": self._title(lead), "person_id": person_id, "label_ids": labels}
        if current is not None and not str(current.get("title", "")).startswith(NAMELESS):
            del body["title"]
        answers = latest_answers(lead)
        for question, field in self.config.answer_fields.items():
            if question_key(question) in answers:
                body[field] = answers[question_key(question)]
        if self.config.owner_id is not None:
            body["owner_id"] = self.config.owner_id
        return body, missing

    # --- delivery -----------------------------------------------------------------------------------

    def _reusable(self, person_id: int, title: str) -> dict[str, Any] | None:
        """An open lead of this person made through the API with this title: a repeated first delivery."""
        params = {"person_id": person_id, "archived_status": "not_archived"}
        leads = self._api.call("GET", "leads", "list the person's leads", params=params) or []
        return next((x for x in leads if x.get("title") == title and x.get("source_name") == "API"), None)

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """Find or create the person, create or update the lead, and add the card as a note.

        Raises ``RetriableDeliveryError`` (5xx, 429 with its wait, timeouts) or ``PermanentDeliveryError``.
        """
        known_lead, known_person = split_external_id(lead.external_id)
        person_id, existed = self._person(lead, known_person)
        note = {"content": note_html(lead, key)}
        current: dict[str, Any] | None
        if known_lead:
            current = self._api.call("GET", f"leads/{known_lead}", "read the lead", missing_ok=True)
            if current is None:  # converted to a deal or deleted: the touch goes on the person
                self._api.call("POST", "notes", "add a note", body={**note, "person_id": person_id})
                gone = (
                    f"lead {known_lead} left the Leads Inbox (converted or deleted); note put on the person"
                )
                url = f"{self.config.app_url}/person/{person_id}"
                return Delivery(external_id=f"{known_lead}:{person_id}", url=url, detail=gone)
        else:
            current = self._reusable(person_id, self._title(lead)) if existed else None
        body, missing = self._lead_body(lead, person_id, current)
        if current is None:
            saved = self._api.call("POST", "leads", "create the lead", body=body)
        else:
            saved = self._api.call("PATCH", f"leads/{current['id']}", "update the lead", body=body)
        lead_id = str(saved["id"])
        self._api.call("POST", "notes", "add a note", body={**note, "lead_id": lead_id})
        url = f"{self.config.app_url}/leads/inbox/{lead_id}"
        return Delivery(external_id=f"{lead_id}:{person_id}", url=url, detail=missing)

    def check(self) -> Health:
        """Read the lead labels: proves the token, and names configured labels that do not exist."""
        labels: list[Any] = []
        rejected = False
        try:
            labels = self._api.call("GET", "leadLabels", "read the lead labels") or []
        except PipedriveAuthFailed:
            rejected = True
        except DeliveryError as exc:
            return Health(state=HealthState.FAILING, summary=str(exc))
        if rejected:  # raised here, not in the except block, so no library exception is chained
            raise AuthError(f"Pipedrive {self._api.host} rejected the API token: renew api_token")
        names = {str(x.get("name")) for x in labels if isinstance(x, dict)}
        missing = sorted(set(self.config.labels.values()) - names)
        if missing:
            details = tuple(f"no lead label named {name!r}: create it or change labels" for name in missing)
            return Health(
                state=HealthState.DEGRADED,
                summary=f"Pipedrive {self._api.host}: labels missing",
                details=details,
            )
        return Health(state=HealthState.OK, summary=f"Pipedrive {self._api.host}: the token works")

    def close(self) -> None:
        """Close the HTTP session's pooled connections; called once when the bot stops."""
        self._api.close()
