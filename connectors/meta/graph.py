"""The one module that talks to facebook-sdk: a Graph API client with timeouts, appsecret_proof,
usage tracking and Meta's errors turned into ours.

facebook-sdk 3.1.0 rejects every current API version in its constructor and defaults to v2.8, so
the client is built without one and ``version`` is set afterwards (only the constructor checks
it). It returns no response headers, so the usage headers are read by a response hook on the
session. It puts the token in the URL, so no message built here contains a URL.
https://github.com/mobolic/facebook-sdk/blob/v3.1.0/facebook/__init__.py
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import facebook
import requests
from pydantic import SecretStr

from connectors.meta.errors import classify_graph_error, classify_request_error
from socialleads.errors import RateLimitedError

USAGE_HEADERS = ("X-App-Usage", "X-Business-Use-Case-Usage", "X-Page-Usage", "X-Ad-Account-Usage")


@dataclass
class UsageBudget:
    """The highest share of Meta's rate-limit budget seen recently, and when access comes back.

    Meta reports usage in percent; throttling starts at 100.
    https://developers.facebook.com/docs/graph-api/overview/rate-limiting
    """

    percent: float = 0.0
    regain_minutes: int = 0
    seen_at: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def observe(self, headers: requests.structures.CaseInsensitiveDict[str], now: datetime) -> None:
        """Read the usage headers of one response (JSON strings); malformed ones are ignored."""
        percent, regain = 0.0, 0
        for name in USAGE_HEADERS:
            raw = headers.get(name)
            if not raw:
                continue
            try:
                document = json.loads(raw)
            except ValueError:
                continue
            for usage in _usage_entries(document):
                percent = max(
                    percent,
                    *(
                        float(usage.get(k) or 0)
                        for k in ("call_count", "total_time", "total_cputime", "acc_id_util_pct")
                    ),
                )
                regain = max(regain, int(usage.get("estimated_time_to_regain_access") or 0))
        with self.lock:
            self.percent, self.regain_minutes, self.seen_at = percent, regain, now


def _usage_entries(document: Any) -> list[dict[str, Any]]:
    """X-App-Usage is one object; X-Business-Use-Case-Usage maps object ids to lists of objects."""
    if isinstance(document, dict) and any(isinstance(v, list) for v in document.values()):
        return [
            u for value in document.values() if isinstance(value, list) for u in value if isinstance(u, dict)
        ]
    return [document] if isinstance(document, dict) else []


class GraphClient:
    """Reads from the Graph API with one page's (or user's) token. Not shared between threads."""

    def __init__(
        self,
        token: SecretStr,
        version: str,
        session: requests.Session,
        clock: Callable[[], datetime],
        app_secret: SecretStr | None = None,
        timeout: float = 20.0,
        slow_down_at: float = 90.0,
        budget: UsageBudget | None = None,
    ) -> None:
        self._token = token
        self._proof = (
            hmac.new(
                app_secret.get_secret_value().encode(), token.get_secret_value().encode(), hashlib.sha256
            ).hexdigest()
            if app_secret
            else None
        )
        self.clock = clock
        self.budget = budget or UsageBudget()
        self.slow_down_at = slow_down_at
        session.hooks["response"].append(self._on_response)
        self._graph = facebook.GraphAPI(
            access_token=token.get_secret_value(), timeout=timeout, session=session
        )
        self._graph.version = version if version.startswith("v") else f"v{version}"

    def _on_response(self, response: requests.Response, *_: Any, **__: Any) -> None:
        self.budget.observe(response.headers, self.clock())

    def _before_call(self) -> None:
        """Slow down before Meta throttles: past ``slow_down_at`` percent, wait for the budget to recover.

        The wait counts from the response that reported the usage; once it is over, the call is made
        and its answer's headers tell anew (a client kept between polls is never locked out for good).
        """
        if self.budget.percent >= self.slow_down_at:
            now = self.clock()
            reset = (self.budget.seen_at or now) + timedelta(minutes=max(self.budget.regain_minutes, 5))
            if now < reset:
                raise RateLimitedError(
                    f"Meta usage at {self.budget.percent:.0f}% of the rate limit; slowing down", reset
                )

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """``GET /{version}/{path}``; raises the ``SourceError`` our error table gives for Meta's error."""
        self._before_call()
        if self._proof:
            params["appsecret_proof"] = self._proof
        for key, value in list(params.items()):
            if isinstance(value, list | dict):
                params[key] = json.dumps(value)
        try:
            result = self._graph.request(f"{self._graph.version}/{path}", params)
        except facebook.GraphAPIError as exc:
            raise classify_graph_error(
                exc.result if isinstance(exc.result, dict) else {},
                str(exc.message or ""),
                path,
                self.clock(),
                self.budget.regain_minutes,
            ) from None
        except (requests.RequestException, KeyError, ValueError) as exc:
            raise classify_request_error(exc, path) from None
        return result if isinstance(result, dict) else {}

    def pages(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paged edge, following ``paging.next`` until it is absent (Meta's only end marker:
        a short or empty page may still have more). https://developers.facebook.com/docs/graph-api/results"""
        while True:
            page = self.get(path, **params)
            yield from (item for item in page.get("data") or [] if isinstance(item, dict))
            paging = page.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            params["after"] = after
