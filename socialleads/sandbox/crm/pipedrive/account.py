"""The state behind the Pipedrive emulator: one company's persons, Leads Inbox, lead labels and notes.

Shapes follow API v1 (https://developers.pipedrive.com/docs/api/v1): persons carry ``email``/``phone``
lists of ``{label, value, primary}``; leads have UUID ids, ``label_ids`` and ``source_name: "API"``;
a new company has the lead labels Hot, Warm and Cold. Rate limiting is per token in 2-second
windows, with a 10-second penalty once exceeded, and every answer carries ``x-ratelimit-*`` headers
(https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting).
"""

from __future__ import annotations

import math
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from socialleads.contracts import utc_now

WINDOW = 2.0
PENALTY = 10.0
ERROR_INFO = "Please check developers.pipedrive.com for more information about Pipedrive API."
DEFAULT_LABELS = (("Hot", "red"), ("Warm", "yellow"), ("Cold", "blue"))
#: The colors a lead label may have (https://developers.pipedrive.com/docs/api/v1/LeadLabels#addLeadLabel).
LABEL_COLORS = frozenset({"green", "blue", "red", "yellow", "purple", "gray"})
LEAD_KEYS = frozenset({
    "title", "owner_id", "label_ids", "person_id", "organization_id", "value", "expected_close_date",
    "visible_to", "was_seen", "is_archived", "channel", "channel_id",
})  # fmt: skip
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class PipedriveFault(Exception):
    """An error answer: status, the envelope's ``error`` text, extra headers."""

    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.headers = headers or {}


def digits(text: str) -> str:
    """Only the digits of a phone number, for comparisons that ignore formatting."""
    return re.sub(r"\D", "", text)


def contact_list(value: Any, label: str) -> list[dict[str, Any]]:
    """A person's ``email``/``phone`` as the API stores it, from a string, strings or objects.

    A person without any is ``[{"value": "", "primary": true}]``, as Pipedrive answers.
    """
    items = value if isinstance(value, list) else [value] if value else []
    out = []
    for item in items:
        entry = item if isinstance(item, dict) else {"value": str(item)}
        if entry.get("value"):
            text = str(entry["value"])
            out.append(
                {"label": entry.get("label") or label, "value": text, "primary": bool(entry.get("primary"))}
            )
    if out and not any(e["primary"] for e in out):
        out[0]["primary"] = True
    return out or [{"value": "", "primary": True}]


def invalid(message: str) -> PipedriveFault:
    """A 400 ``Validation failed: ...`` answer."""
    return PipedriveFault(400, f"Validation failed: {message}")


def person_changes(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The person fields a POST or PUT body sets; a new person needs a name."""
    if creating and not str(body.get("name") or "").strip():
        raise PipedriveFault(400, "Name must be given.")
    changes: dict[str, Any] = {"name": str(body["name"])} if "name" in body else {}
    for key, label in (("email", "work"), ("phone", "mobile")):
        if key in body:
            changes[key] = contact_list(body[key], label)
    return changes


class PipedriveAccount:
    """One company account: records, the API tokens that work, custom lead fields, and fault switches."""

    def __init__(
        self,
        tokens: Iterable[str] = ("pd-sandbox-token",),
        labels: Iterable[tuple[str, str]] = DEFAULT_LABELS,
        deal_fields: Iterable[str] = (),
        rate_limit: int = 80,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.tokens = set(tokens)
        self.deal_fields = set(deal_fields)
        """Custom field keys (40 hex characters) that leads share with deals."""
        self.rate_limit = rate_limit
        self.clock = clock
        self.persons: dict[int, dict[str, Any]] = {}
        self.leads: dict[str, dict[str, Any]] = {}
        self.labels: dict[str, dict[str, Any]] = {}
        self.notes: dict[int, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        """(method, path) of every admitted call, for tests to count lookups."""
        self._windows: dict[str, tuple[float, int]] = {}
        self._blocked_until: dict[str, float] = {}
        self._outage: tuple[datetime, int] | None = None
        self._throttle_until: datetime | None = None
        self._next = 0
        self.lock = threading.RLock()
        """Held by the emulator while it answers a call, so tests read whole states."""
        for name, color in labels:
            self.add_label(name, color)

    # --- controls -----------------------------------------------------------------------------------

    def outage(self, seconds: float, status: int = 500) -> None:
        """Answer every call with ``status`` for ``seconds`` of the account's clock."""
        with self.lock:
            self._outage = (self.clock() + timedelta(seconds=seconds), status)

    def throttle(self, seconds: float) -> None:
        """Answer every call with 429 for ``seconds`` (the daily token budget used up, say)."""
        with self.lock:
            self._throttle_until = self.clock() + timedelta(seconds=seconds)

    def _id(self) -> int:
        self._next += 1
        return self._next

    def stamp(self) -> str:
        """Now as v1 writes times: ``YYYY-MM-DD HH:MM:SS`` in UTC."""
        return self.clock().strftime("%Y-%m-%d %H:%M:%S")

    def add_label(self, name: str, color: str = "gray") -> str:
        """Create a lead label; returns its UUID."""
        with self.lock:
            label_id = str(uuid.uuid4())
            self.labels[label_id] = {"id": label_id, "name": name, "color": color, "add_time": self.stamp()}
            return label_id

    def create_label(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /leadLabels``: a label needs a name and one of ``LABEL_COLORS``; returns it."""
        name, color = str(body.get("name") or "").strip(), body.get("color")
        if not name:
            raise invalid("name: Required")
        if color not in LABEL_COLORS:
            raise invalid(f"color: must be one of {', '.join(sorted(LABEL_COLORS))}")
        return self.labels[self.add_label(name, str(color))]

    def add_person(self, name: str, email: Any = None, phone: Any = None) -> int:
        """Create a person as someone would in the app; returns the id."""
        with self.lock:
            person_id = self._id()
            self.persons[person_id] = {
                "id": person_id,
                "name": name,
                "email": contact_list(email, "work"),
                "phone": contact_list(phone, "mobile"),
                "owner_id": {"id": 1, "name": "Sandbox Admin"},
                "org_id": None,
                "add_time": self.stamp(),
                "update_time": self.stamp(),
                "visible_to": "3",
                "active_flag": True,
            }
            return person_id

    def convert_lead(self, lead_id: str) -> None:
        """Convert a lead to a deal, as the app's button does: it leaves the Leads Inbox."""
        with self.lock:
            del self.leads[lead_id]

    def notes_of(self, *, lead_id: str | None = None, person_id: int | None = None) -> list[dict[str, Any]]:
        """Copies of the notes on a lead or a person, oldest first."""
        with self.lock:
            return [
                dict(n)
                for n in self.notes.values()
                if (lead_id is None or n["lead_id"] == lead_id)
                and (person_id is None or n["person_id"] == person_id)
            ]

    # --- what every call goes through -----------------------------------------------------------------

    def admit(self, token: str | None, method: str, path: str) -> dict[str, str]:
        """Outage, token, then rate limits; returns the ``x-ratelimit-*`` headers for the answer."""
        with self.lock:
            now = self.clock()
            if self._outage is not None and now < self._outage[0]:
                raise PipedriveFault(self._outage[1], "Internal server error")
            if token not in self.tokens:
                raise PipedriveFault(401, "unauthorized access")
            assert token is not None
            moment = now.timestamp()
            start, count = self._windows.get(token, (moment, 0))
            if moment - start >= WINDOW:
                start, count = moment, 0
            wait = max(self._blocked_until.get(token, 0.0) - moment, 0.0)
            if self._throttle_until is not None:
                wait = max(wait, (self._throttle_until - now).total_seconds())
            if not wait and count >= self.rate_limit:
                self._blocked_until[token] = moment + PENALTY
                wait = PENALTY
            if wait > 0:
                seconds = str(math.ceil(wait))
                limits = {"x-ratelimit-limit": str(self.rate_limit), "x-ratelimit-remaining": "0"}
                headers = {**limits, "x-ratelimit-reset": seconds, "Retry-After": seconds}
                raise PipedriveFault(429, "Request over limit", headers)
            self._windows[token] = (start, count + 1)
            self.calls.append((method, path))
            reset = max(math.ceil(start + WINDOW - moment), 1)
            return {
                "x-ratelimit-limit": str(self.rate_limit),
                "x-ratelimit-remaining": str(self.rate_limit - count - 1),
                "x-ratelimit-reset": str(reset),
            }

    # --- leads and notes --------------------------------------------------------------------------------

    def lead(self, lead_id: str) -> dict[str, Any]:
        """The lead (live, not a copy); 404 ``Lead not found`` when it is not in the Leads Inbox."""
        lead = self.leads.get(lead_id) if _UUID.match(lead_id) else None
        if lead is None:
            raise PipedriveFault(404, "Lead not found")
        return lead

    def check_lead(self, body: dict[str, Any], creating: bool) -> dict[str, Any]:
        """A lead body checked as the API does: known keys, a title, an existing person and labels."""
        unknown = sorted(k for k in body if k not in LEAD_KEYS and k not in self.deal_fields)
        if unknown:
            raise invalid(f"unknown field(s) {', '.join(unknown)}")
        if creating and not str(body.get("title") or "").strip():
            raise invalid("title: Required")
        if creating and body.get("person_id") is None and body.get("organization_id") is None:
            raise invalid("a lead must be linked to a person or an organization")
        person_id = body.get("person_id")
        if person_id is not None and (not isinstance(person_id, int) or person_id not in self.persons):
            raise invalid(f"person_id: person {person_id} does not exist")
        labels = body.get("label_ids", [])
        if not isinstance(labels, list) or any(label not in self.labels for label in labels):
            raise invalid("label_ids: every label id must be the UUID of an existing lead label")
        return body

    def add_note(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /notes``: HTML ``content`` on a lead or a person."""
        if not str(body.get("content") or "").strip():
            raise PipedriveFault(400, "Content must be given.")
        lead_id, person_id = body.get("lead_id"), body.get("person_id")
        if lead_id is None and person_id is None:
            raise PipedriveFault(
                400, "Note must be attached to a deal, person, organization, lead or project."
            )
        if lead_id is not None:
            self.lead(str(lead_id))
        if person_id is not None and person_id not in self.persons:
            raise PipedriveFault(404, "Person not found")
        with self.lock:
            note_id = self._id()
            self.notes[note_id] = {
                **{"id": note_id, "content": body["content"], "lead_id": lead_id, "person_id": person_id},
                **{"deal_id": None, "org_id": None, "user_id": 1, "active_flag": True},
                **{"add_time": self.stamp(), "update_time": self.stamp()},
            }
            return self.notes[note_id]
