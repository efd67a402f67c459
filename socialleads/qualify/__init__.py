"""The qualify step: is a draft a lead, and how good is it (``docs/architecture.md``, "The flow", step 5).

``Qualifier`` is the hook the pipeline calls for every new draft; ``qualifier.LeadQualifier`` is
the one the bot uses (intent for comments and posts, quality for every lead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from socialleads.models import LeadDraft, Qualification

if TYPE_CHECKING:
    from socialleads.configuration.models import Campaign


class Qualifier(Protocol):
    """Decides for one normalized draft; called by the runner before identity resolution."""

    def qualify(self, draft: LeadDraft, campaign: Campaign | None) -> Qualification:
        """Return whether ``draft`` is a lead, with intent and quality when known. Must not raise."""
        ...
