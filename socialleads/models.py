"""The records that flow through the pipeline (``docs/architecture.md``, "The flow").

``RawEvent`` (verbatim from a platform) → ``LeadDraft`` (parsed by the connector, validated by
``pipeline.normalize``) → ``Qualification`` (``qualify``) → ``Lead`` (a person, with every ``Touch``).
Sinks receive ``Lead`` and answer with ``Delivery``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventKind(StrEnum):
    """What a raw event is; lead forms and imported rows carry intent by construction."""

    LEAD_FORM = "lead_form"
    IMPORT_ROW = "import_row"
    COMMENT = "comment"
    POST = "post"
    MENTION = "mention"
    WEBHOOK = "webhook"
    """A webhook delivery as received (its body); the items it announces are stored as their own events."""


#: Kinds that are leads without asking the intent classifier.
LEAD_BY_CONSTRUCTION = frozenset({EventKind.LEAD_FORM, EventKind.IMPORT_ROW})


class ReceivedVia(StrEnum):
    """The path an event took to reach us; reports count leads per path."""

    POLL = "poll"
    WEBHOOK = "webhook"
    BACKFILL = "backfill"


class EventStatus(StrEnum):
    """What became of a raw event: the ``status`` stored with it (``raw_events.status``)."""

    RECEIVED = "received"
    """A webhook delivery's body, kept as received; the items it announces are their own events."""
    LEAD = "lead"
    IGNORED = "ignored"
    """Kept as a raw event only; its status reason says why it is not a lead."""
    DEAD = "dead"
    """Unusable (its status reason says why); dead-lettered verbatim."""
    PARSED = "parsed"
    """Never stored: parsed by the connector, not yet normalized and qualified (``pipeline.prepare``)."""


class LeadMagnet(StrEnum):
    """What the campaign offers in exchange for contact data; it weighs on lead quality."""

    DEMO_REQUEST = "demo_request"
    QUOTE = "quote"
    CONSULTATION = "consultation"
    FREE_TRIAL = "free_trial"
    DOWNLOAD = "download"
    WEBINAR = "webinar"
    NEWSLETTER = "newsletter"
    CONTEST = "contest"
    NONE = "none"


class RawEvent(_Record):
    """One item exactly as the platform gave it, plus the position the connector reports for it.

    ``native_id`` is the platform's id (leadgen id, comment id, post id, or a content hash for
    imported rows); the store keeps one event per (source, native_id) whatever the path.
    ``position`` is folded into the source's cursor by the runner once the whole poll is stored.
    """

    native_id: str = Field(min_length=1)
    kind: EventKind
    occurred_at: datetime | None = None
    payload: dict[str, Any]
    position: dict[str, Any] | None = None
    received_via: ReceivedVia = ReceivedVia.POLL


class Checkpoint(_Record):
    """A position reached without an event (an empty file read, a page with nothing new)."""

    position: dict[str, Any]


class FieldFlag(_Record):
    """A contact value that failed validation: kept verbatim with the problem, never dropped."""

    field: str
    raw: str
    problem: str


class Contact(_Record):
    """How to reach a person. After ``normalize``: email lower-cased domain, phone in E.164."""

    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    job_title: str | None = None
    city: str | None = None
    country: str | None = None
    zip_code: str | None = None
    flags: tuple[FieldFlag, ...] = ()

    def display_name(self) -> str:
        """The best human name available, or a placeholder that says none was given."""
        if self.full_name:
            return self.full_name
        joined = " ".join(p for p in (self.first_name, self.last_name) if p)
        return joined or "(no name given)"


#: The contact fields, in ``Contact`` order (every field but ``flags``).
CONTACT_FIELDS: tuple[str, ...] = tuple(name for name in Contact.model_fields if name != "flags")


class Handle(_Record):
    """A person's account on a platform; ``platform`` + ``user_id`` identifies them there."""

    platform: str
    user_id: str | None = None
    username: str | None = None
    display_name: str | None = None
    profile_url: str | None = None

    def identity_value(self) -> str | None:
        """The stable key used by identity resolution: the user id when known, else the username."""
        if self.user_id:
            return f"{self.platform}:id:{self.user_id}"
        if self.username:
            return f"{self.platform}:@{self.username.lower().lstrip('@')}"
        return None


def clean_display_name(text: str) -> str:
    """A platform display name as a name: its first part, without emoji, symbols and control characters.

    Display names are labels people decorate ("🚀 Anna Berg | Growth ✨"); a name field of a CRM wants
    letters. Cuts at the separators labels use (``|``, ``•``, ``·``, ``/``, dashes set in spaces),
    keeps letters, marks, digits, spaces and the punctuation names use (``.-'`` and the apostrophe).
    """
    for part in _LABEL_SEPARATORS.split(unicodedata.normalize("NFC", text)):
        kept = "".join(
            ch if unicodedata.category(ch)[0] in "LMN" or ch in _NAME_PUNCTUATION else " " for ch in part
        )
        name = " ".join(kept.split()).strip(_NAME_PUNCTUATION)
        if name:
            return name
    return ""


def handle_label(handle: Handle, marked: bool = True) -> str | None:
    """How to show a handle as a person's name: ``Anna Berg (X display name)``, or ``@anna on X``.

    ``marked=False`` leaves out the "(X display name)" mark, for a record's name field (a CRM person).
    """
    if handle.display_name:
        cleaned = clean_display_name(handle.display_name)
        if cleaned:
            return f"{cleaned} ({handle.platform.capitalize()} display name)" if marked else cleaned
    if handle.username:
        return f"@{handle.username.lstrip('@')} on {handle.platform.capitalize()}"
    return None


class Consent(_Record):
    """What a person agreed to, in the words they saw, when they agreed."""

    kind: str
    granted: bool
    text: str | None = None
    captured_at: datetime | None = None


_LABEL_SEPARATORS = re.compile(r"[|•·/]| [-\u2013\u2014] ")
_NAME_PUNCTUATION = " .-'\u2019"


class ContactHint(_Record):
    """Contact data found about a person rather than given by them (an email in an X bio).

    Shown to sales as a hint with where it was found; never an identity key for merging people, never
    copied into the ``Contact`` (which holds what the person gave), so it never overwrites given data.
    """

    field: Literal["email", "phone", "website"]
    value: str
    source: str
    """Where it was found, in words: ``"X bio of @anna"``."""
    caution: str | None = None
    """Why it may not be the person's own (``"labelled 'Media enquiries'"``); None when nothing says so."""


#: ``LeadDraft.context`` (and ``Touch.context``) key set on an edited post or comment: the ids of its
#: earlier versions, oldest first (``LeadDraft.revises``), and when the edit was seen.
EDITED = "edited"

#: ``Touch.context`` keys the store step fills from the draft: its ``hints`` and its ``test_lead``.
CONTACT_HINTS, TEST_LEAD = "contact_hints", "test_lead"

#: ``LeadDraft.context`` key a connector fills with the business's own handles (its X accounts, its
#: Instagram username): a text that mentions them talks to the seller, not to a friend.
BUSINESS_HANDLES = "business_handles"


class LeadDraft(_Record):
    """A candidate lead parsed from one raw event; not yet matched to a person.

    Connectors fill it from the platform payload (raw contact values); ``pipeline.normalize``
    validates the contact and returns a new draft.
    """

    native_id: str
    kind: EventKind
    platform: str
    occurred_at: datetime
    contact: Contact = Contact()
    handle: Handle | None = None
    message: str | None = None
    url: str | None = None
    answers: dict[str, str] = Field(default_factory=dict)
    consents: tuple[Consent, ...] = ()
    context: dict[str, Any] = Field(default_factory=dict)
    hints: tuple[ContactHint, ...] = ()
    """Contact data found in a profile, not given (see ``ContactHint``)."""
    revises: tuple[str, ...] = ()
    """Native ids of earlier versions of this same item (an edited X post's ``edit_history_tweet_ids``
    before its own id; an edited comment's id). The store step updates the touch of the earlier
    version instead of adding a touch: an edit is never a second lead or a new-lead delivery."""
    test_lead: str | None = None
    """Why this is a platform's test lead (the Lead Ads Testing Tool's dummy data), or None for a real
    one. Test leads are stored and shown as tests, and delivered only where a campaign asks."""


class Reason(_Record):
    """One named signal behind a verdict or score, shown to sales as it is."""

    signal: str
    detail: str
    span: tuple[int, int] | None = None
    points: float | None = None


class IntentVerdict(_Record):
    """How sure the bot is that a comment or post shows buying intent, with the evidence."""

    score: float = Field(ge=0.0, le=1.0)
    is_lead: bool
    reasons: tuple[Reason, ...] = ()
    language: str | None = None


Grade = Literal["A", "B", "C", "D"]


class QualityScore(_Record):
    """How good a lead is (0-100) and its grade, every point explained."""

    score: int = Field(ge=0, le=100)
    grade: Grade
    reasons: tuple[Reason, ...] = ()


class Qualification(_Record):
    """The qualify step's answer for one draft: is it a lead, and how good."""

    is_lead: bool
    why_not: str | None = None
    intent: IntentVerdict | None = None
    quality: QualityScore | None = None


class Touch(_Record):
    """One time a person reached us, and why it was attached to this lead."""

    id: int
    source: str
    native_id: str
    platform: str
    kind: EventKind
    occurred_at: datetime
    received_at: datetime
    received_via: ReceivedVia
    merge_reason: str
    message: str | None = None
    url: str | None = None
    answers: dict[str, str] = Field(default_factory=dict)
    consents: tuple[Consent, ...] = ()
    context: dict[str, Any] = Field(default_factory=dict)
    flags: tuple[FieldFlag, ...] = ()

    @property
    def hints(self) -> tuple[ContactHint, ...]:
        """Contact data found (not given) with this touch (``LeadDraft.hints``, kept in the context)."""
        found = self.context.get(CONTACT_HINTS)
        return tuple(ContactHint.model_validate(h) for h in found) if isinstance(found, list) else ()

    @property
    def test_lead(self) -> str | None:
        """Why this touch is a platform's test lead (``LeadDraft.test_lead``), or None."""
        reason = self.context.get(TEST_LEAD)
        return reason if isinstance(reason, str) and reason else None

    @property
    def edited(self) -> bool:
        """Whether the post or comment was edited after we first stored it (``pipeline.revisions``)."""
        return isinstance(self.context.get(EDITED), dict)


class LeadStatus(StrEnum):
    """Where sales stands with a lead (``leads.status``); a person sets it through the API.

    Sinks that model a status (``Sink.models_status``: the CRMs) receive each change as an update.
    """

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    WON = "won"
    LOST = "lost"


class LeadNote(_Record):
    """A note a person wrote on a lead (``lead_notes``): never edited, only added."""

    author: str
    created_at: datetime
    body: str


class Lead(_Record):
    """A person who may buy, with every touch; what sinks deliver.

    ``revision`` grows with each new touch and each status change; ``delivered_revision`` tells a
    sink whether it has seen this lead before.
    """

    id: int
    contact: Contact
    handles: tuple[Handle, ...] = ()
    campaign: str | None = None
    touches: tuple[Touch, ...] = ()
    intent: IntentVerdict | None = None
    quality: QualityScore | None = None
    created_at: datetime
    updated_at: datetime
    revision: int = 1
    delivered_revision: int | None = None
    """The revision the receiving sink got last time; None when this is its first delivery of the lead.

    Set by the dispatcher for each delivery, so a card can say "new lead" or "update".
    """
    external_id: str | None = None
    """The record id the receiving sink reported last time (a CRM contact id): update it, never create
    a second. Set by the dispatcher; None before the first successful delivery."""
    owner: str | None = None
    """The salesperson routing assigned, when a rule assigns one."""
    status: LeadStatus = LeadStatus.NEW
    status_reason: str | None = None
    """Why the status was set (asked for ``lost``), in the words of the person who set it."""
    status_changed_at: datetime | None = None
    """When a person last set the status; None while it is the ``new`` every lead starts with, so a
    sink can tell a status a person chose (pushed to the CRM) from the starting one (left alone)."""
    notes: tuple[LeadNote, ...] = ()
    """The notes people wrote on the lead, oldest first."""
    identifier_notes: tuple[str, ...] = ()
    """Why the lead's email or phone is not used to match people (a shared number, a placeholder, a
    team's mailbox), in words for sales (``socialleads.identifiers``)."""

    @property
    def is_test(self) -> bool:
        """A platform's test lead: every touch is a test (one real touch makes the person real)."""
        return bool(self.touches) and all(t.test_lead for t in self.touches)

    @property
    def hints(self) -> tuple[ContactHint, ...]:
        """Contact data found (not given) with any touch, each once, newest first."""
        found: dict[tuple[str, str], ContactHint] = {}
        for touch in sorted(self.touches, key=lambda t: (t.received_at, t.id), reverse=True):
            for hint in touch.hints:
                found.setdefault((hint.field, hint.value.casefold()), hint)
        return tuple(found.values())

    def display_name(self, marked: bool = True) -> str:
        """What to call the person: the name they gave, else a platform display name marked as such
        (``handle_label``; unmarked for a record's name field), else their handle, else a placeholder
        that says none was given."""
        if self.contact.full_name or self.contact.first_name or self.contact.last_name:
            return self.contact.display_name()
        for handle in self.handles:
            label = handle_label(handle, marked)
            if label:
                return label
        return self.contact.display_name()

    @property
    def latest_touch(self) -> Touch | None:
        """The newest touch by time received (the one a notification is about)."""
        return max(self.touches, key=lambda t: (t.received_at, t.id), default=None)


class Delivery(_Record):
    """What a sink reports after delivering: the vendor's record id and a link, when it has them."""

    external_id: str | None = None
    url: str | None = None
    detail: str | None = None


class HealthState(StrEnum):
    """A connector's health as the admin sees it; the runner changes it, logging each change once."""

    OK = "ok"
    DEGRADED = "degraded"
    FAILING = "failing"
    RATE_LIMITED = "rate_limited"
    NEEDS_REAUTH = "needs_reauth"
    DISABLED = "disabled"
    UNKNOWN = "unknown"


class Health(_Record):
    """The answer of ``check()``: a state, one sentence for a person, and the details."""

    state: HealthState
    summary: str
    details: tuple[str, ...] = ()
    expires_at: datetime | None = None


class AdminNotice(_Record):
    """A message for the admin (a source failing or recovering), sent once per change."""

    subject: str
    body: str
    severity: Literal["info", "warning", "error"] = "warning"
    source: str | None = None
