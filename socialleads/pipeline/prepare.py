"""The steps before storing: parse (the connector) → normalize → qualify, for one chunk of events.

CPU-only; nothing here touches the database, so it runs outside any write transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from socialleads.configuration.models import Campaign
from socialleads.errors import SkippableRecordError
from socialleads.models import EventStatus, LeadDraft, Qualification, RawEvent
from socialleads.pipeline.identity import IdentityKey, identity_keys
from socialleads.pipeline.normalize import normalize
from socialleads.qualify import Qualifier


@dataclass(frozen=True)
class SourceBinding:
    """What the pipeline needs to know about the source an event came from."""

    name: str
    platform: str
    campaign_name: str | None = None
    campaign: Campaign | None = None
    phone_region: str | None = None
    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """``campaigns.yaml`` teams, for the owner assignment routing may ask for."""


@dataclass(slots=True)
class Prepared:
    """One event after parse → normalize → qualify, before it is stored.

    ``status`` is ``DEAD`` (unusable: ``problem`` says why), ``LEAD``, or ``IGNORED`` (kept as a raw
    event only: ``qualification.why_not`` says why); ``PARSED`` between the two steps.
    """

    event: RawEvent
    status: EventStatus
    draft: LeadDraft | None = None
    qualification: Qualification | None = None
    problem: str | None = None
    keys: tuple[IdentityKey, ...] = ()

    @property
    def reason(self) -> str | None:
        """Why the event is not a lead, for the raw event's status reason."""
        if self.status is EventStatus.DEAD:
            return self.problem
        return self.qualification.why_not if self.qualification else None


def parse_all(parse: Callable[[RawEvent], LeadDraft], events: Iterable[RawEvent]) -> list[Prepared]:
    """The connector's parse of each event: ``parsed`` with its raw draft, or ``dead`` with the reason."""
    parsed = []
    for event in events:
        try:
            parsed.append(Prepared(event, EventStatus.PARSED, parse(event)))
        except SkippableRecordError as exc:
            parsed.append(Prepared(event, EventStatus.DEAD, problem=str(exc) or "unusable"))
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            # A payload the connector did not expect: keep it for a person to look at, never lose it.
            parsed.append(
                Prepared(event, EventStatus.DEAD, problem=f"could not parse: {type(exc).__name__}: {exc}")
            )
    return parsed


def qualify_all(binding: SourceBinding, parsed: list[Prepared], qualifier: Qualifier) -> list[Prepared]:
    """Normalize and qualify each parsed event; the dead ones stay as they are."""
    prepared = []
    for item in parsed:
        if item.draft is None:
            prepared.append(item)
            continue
        draft = normalize(item.draft, binding.phone_region)
        qualification = qualifier.qualify(draft, binding.campaign)
        if qualification.is_lead:
            prepared.append(
                Prepared(item.event, EventStatus.LEAD, draft, qualification, keys=identity_keys(draft))
            )
        else:
            prepared.append(Prepared(item.event, EventStatus.IGNORED, draft, qualification))
    return prepared
