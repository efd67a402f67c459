"""What stands before every emulated HubSpot call: simulated outages, the token and its scopes, rate limits.

HubSpot authenticates private apps with ``Authorization: Bearer <token>``
(https://developers.hubspot.com/docs/api/private-apps); a token HubSpot does not know is 401
``INVALID_AUTHENTICATION``, a missing scope 403 ``MISSING_SCOPES``. A rate-limited call is 429 with
``errorType: RATE_LIMIT`` and the policy that was hit (https://developers.hubspot.com/docs/api/usage-details).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from socialleads.contracts import utc_now
from socialleads.sandbox.crm.hubspot.rules import HubSpotError

ALL_SCOPES = None
"""A token granted every scope."""


@dataclass
class Switches:
    """Failures to simulate. ``fail_next`` and ``outage_until`` answer ``fail_status`` before auth."""

    fail_next: int = 0
    fail_status: int = 500
    outage_until: datetime | None = None
    rate_limit_next: int = 0
    retry_after: int = 10
    search_lag: timedelta = field(default_factory=timedelta)
    """How long a new record stays invisible to search (HubSpot indexes asynchronously)."""


class HubSpotGate:
    """Tokens (each with its scopes, None for all) and the failure switches; thread-safe."""

    def __init__(
        self,
        tokens: Mapping[str, frozenset[str] | None] | Iterable[str] = (),
        clock: Callable[[], datetime] = utc_now,
        portal_id: int = 123456,
    ) -> None:
        self.tokens: dict[str, frozenset[str] | None] = (
            dict(tokens) if isinstance(tokens, Mapping) else dict.fromkeys(tokens, ALL_SCOPES)
        )
        self.clock = clock
        self.portal_id = portal_id
        self._switches = Switches()
        self._lock = threading.Lock()

    @property
    def switches(self) -> Switches:
        """A copy of the switches as they are."""
        with self._lock:
            return replace(self._switches)

    def fail(self, count: int, status: int = 500) -> None:
        """Answer the next ``count`` API requests with ``status``."""
        with self._lock:
            self._switches.fail_next, self._switches.fail_status = count, status

    def outage(self, duration: timedelta, status: int = 500) -> None:
        """Answer every API request with ``status`` until ``duration`` has passed on the clock."""
        with self._lock:
            self._switches.outage_until, self._switches.fail_status = self.clock() + duration, status

    def rate_limit(self, count: int, retry_after: int = 10) -> None:
        """Answer the next ``count`` authenticated requests with 429 and ``Retry-After: retry_after``."""
        with self._lock:
            self._switches.rate_limit_next, self._switches.retry_after = count, retry_after

    def search_lag(self, lag: timedelta) -> None:
        """Keep new records out of search results for ``lag`` (HubSpot's index trails its writes)."""
        with self._lock:
            self._switches.search_lag = lag

    def recover(self) -> None:
        """Stop every simulated failure (the search lag stays)."""
        with self._lock:
            self._switches = Switches(search_lag=self._switches.search_lag)

    def check(self, authorization: str | None, scope: str) -> None:
        """Apply outages, authentication, scopes and rate limits, in that order; raises ``HubSpotError``."""
        with self._lock:
            s = self._switches
            if s.fail_next > 0 or (s.outage_until is not None and self.clock() < s.outage_until):
                s.fail_next = max(0, s.fail_next - 1)
                raise HubSpotError(s.fail_status, "", "internal error")
            token = (authorization or "").removeprefix("Bearer ").strip()
            if not token or token not in self.tokens:
                raise HubSpotError(
                    401,
                    "INVALID_AUTHENTICATION",
                    "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
                    "you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                )
            granted = self.tokens[token]
            if granted is not None and scope not in granted:
                raise HubSpotError(
                    403,
                    "MISSING_SCOPES",
                    "This app hasn't been granted all required scopes to make this call. "
                    "Read more about required scopes here: https://developers.hubspot.com/scopes.",
                    errors=[
                        {
                            "message": "One or more of the following scopes are required.",
                            "context": {"requiredGranularScopes": [scope]},
                        }
                    ],
                )
            if s.rate_limit_next > 0:
                s.rate_limit_next -= 1
                raise HubSpotError(
                    429,
                    "",
                    "You have reached your ten_secondly_rolling limit.",
                    {"Retry-After": str(s.retry_after), "X-HubSpot-RateLimit-Remaining": "0"},
                    errorType="RATE_LIMIT",
                    policyName="TEN_SECONDLY_ROLLING",
                    groupName=f"private-app:{self.portal_id}",
                )


__all__ = ["ALL_SCOPES", "HubSpotGate", "Switches"]
