"""The qualify step: is a draft a lead, and how good is it (DESIGN §6).

This is the hook the pipeline calls for every new draft. The built-in ``RulesOfConstruction``
qualifier knows only what needs no model: lead forms and imported rows are leads by construction.
Comments, posts and mentions need the intent classifier, which is not built yet (issue #4): until
then they are kept as raw events and not turned into leads, and the reason says so.
"""

from __future__ import annotations

from typing import Protocol

from socialleads.configuration.models import Campaign
from socialleads.models import LEAD_BY_CONSTRUCTION, EventKind, LeadDraft, Qualification


class Qualifier(Protocol):
    """Decides for one normalized draft; called by the runner before identity resolution."""

    def qualify(self, draft: LeadDraft, campaign: Campaign | None) -> Qualification:
        """Return whether ``draft`` is a lead, with intent and quality when known. Must not raise."""
        ...


_LEAD = Qualification(is_lead=True)
_WAITING = {
    kind: Qualification(
        is_lead=False, why_not=f"{kind.value} needs the intent classifier, which is not built yet"
    )
    for kind in EventKind
}


class RulesOfConstruction:
    """Leads by construction only: lead forms and imported rows; no intent or quality scoring yet."""

    def qualify(self, draft: LeadDraft, campaign: Campaign | None) -> Qualification:
        """Forms and imports are leads; other kinds wait for the intent classifier (issue #4)."""
        return _LEAD if draft.kind in LEAD_BY_CONSTRUCTION else _WAITING[draft.kind]
