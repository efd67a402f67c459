"""Owner assignment: the owner named for the lead's country, otherwise the next of a team in turn.

An owner is assigned once, when a rule (or the campaign's ``owner_team``) first asks; later touches
keep it, so a salesperson never loses a lead they are already working.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Connection

from socialleads.configuration.models import Assign
from socialleads.store.owner_rotation import take_turns

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class OwnerChoice:
    """Either an owner decided outright (by country), or a team whose next member takes the lead."""

    owner: str | None
    team: str | None
    why: str


def choose(assign: Assign, country: str | None) -> OwnerChoice:
    """Apply ``assign`` to a lead from ``country`` (turns are taken later, in bulk)."""
    if country and assign.by_country:
        wanted = country.upper()
        for code, owner in assign.by_country.items():
            if code.upper() == wanted:
                return OwnerChoice(owner, None, f"country {wanted} belongs to {owner}")
    fallback = f" (no owner named for country {country or 'unknown'})" if assign.by_country else ""
    if assign.team:
        return OwnerChoice(None, assign.team, f"team {assign.team} in turn{fallback}")
    return OwnerChoice(None, None, f"nobody assigned{fallback}")


def take_team_turns(
    conn: Connection,
    wanted: Sequence[tuple[K, str]],
    teams: Mapping[str, tuple[str, ...]],
    now: datetime,
) -> dict[K, str]:
    """Give each (key, team) of ``wanted`` the team's next member, in order; one update per team."""
    by_team: dict[str, list[K]] = defaultdict(list)
    for key, team in wanted:
        by_team[team].append(key)
    owners: dict[K, str] = {}
    for team, keys in by_team.items():
        members = teams.get(team) or ()
        if not members:
            continue  # the loader rejects empty or unknown teams; a hand-built config may not
        start = take_turns(conn, team, len(keys), now)
        for offset, key in enumerate(keys):
            owners[key] = members[(start + offset) % len(members)]
    return owners
