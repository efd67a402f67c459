"""The three roles and what each may do (docs/api.md, "Roles").

``sales`` work leads; ``manager`` also steer campaigns, routing, teams, thresholds, exports and
statistics; ``admin`` also run the machinery: sources, sinks, deliveries, users, tokens, the audit log.
Each role holds every permission of the one below it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A person's (or a token's) role; ordered from least to most trusted."""

    SALES = "sales"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """0 for sales, 1 for manager, 2 for admin."""
        return list(Role).index(self)

    def covers(self, other: Role) -> bool:
        """True when this role may do everything ``other`` may (a token never outranks its user)."""
        return self.rank >= other.rank


class Permission(StrEnum):
    """One thing a call may need; each route requires exactly one."""

    LEADS_READ = "leads:read"
    LEADS_UPDATE = "leads:update"
    CAMPAIGNS_READ = "campaigns:read"
    CAMPAIGNS_WRITE = "campaigns:write"
    TEAMS_WRITE = "teams:write"
    EXPORTS = "exports"
    STATS_READ = "stats:read"
    SOURCES_READ = "sources:read"
    SOURCES_WRITE = "sources:write"
    SINKS_READ = "sinks:read"
    SINKS_WRITE = "sinks:write"
    DELIVERIES_READ = "deliveries:read"
    DELIVERIES_REPLAY = "deliveries:replay"
    USERS_MANAGE = "users:manage"
    TOKENS_MANAGE = "tokens:manage"
    AUDIT_READ = "audit:read"


_SALES = frozenset({Permission.LEADS_READ, Permission.LEADS_UPDATE, Permission.CAMPAIGNS_READ})
_MANAGER = _SALES | {
    Permission.CAMPAIGNS_WRITE,
    Permission.TEAMS_WRITE,
    Permission.EXPORTS,
    Permission.STATS_READ,
}
_ADMIN = frozenset(Permission)

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SALES: _SALES,
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: _ADMIN,
}
"""What each role may do."""


def allows(role: Role, permission: Permission) -> bool:
    """True when ``role`` holds ``permission``."""
    return permission in PERMISSIONS[role]
