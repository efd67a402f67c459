"""The ``x_search`` source: posts matching named recent searches (product words, hashtags, mentions).

Each poll runs ``GET /2/tweets/search/recent`` for every search, newer than the search's ``since_id``,
every page (https://docs.x.com/x-api/posts/search/introduction). Recent search holds 7 days: a search
not read for longer starts again 7 days back, and says what could not be read. Posts by the brand's
accounts are left out by the query and dropped should one come through; retweets likewise, unless the
search includes them. A post matching two searches is yielded once, for the first.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.x.client import XClient
from connectors.x.config import SEARCHABLE, SearchConfig, XSearchConfig, XSearchCursor
from connectors.x.fields import (
    Page,
    author_of,
    draft_from_event,
    is_retweet,
    make_event,
    request_fields,
    snowflake_time,
)
from connectors.x.polling import Poller, XSourceBase
from socialleads.contracts import ConnectorContext
from socialleads.errors import RateLimitedError
from socialleads.models import Checkpoint, EventKind, Health, HealthState, LeadDraft, RawEvent

__all__ = ["SearchConfig", "XSearchConfig", "XSearchCursor", "XSearchSource"]

#: Start this far inside the 7 days, so a clock a little ahead of X's is not refused.
MARGIN = timedelta(minutes=5)


class XSearchSource(XSourceBase[XSearchConfig, XSearchCursor]):
    """Reads the configured recent searches; one instance per configured source.

    The runner calls ``check``, ``fetch`` and ``parse``; reports call ``usage_summary``.
    """

    name = "x_search"
    config_model = XSearchConfig
    cursor_model = XSearchCursor

    def __init__(self, config: XSearchConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self._poller = Poller(self.budget, "search", config.max_results, smallest_page=10)
        self._brand = {name.lower() for name in config.brand_accounts}
        self._told: set[tuple[str, str]] = set()

    def check(self) -> Health:
        """The bearer token reads posts (the first search, 10 posts, counted on the budget; with the budget
        spent, a lookup of the first brand account instead); the windows and the budget in details.

        Called by ``sources check``, ``doctor`` and the runner's health job. Raises ``AuthError`` for a
        token X rejects, ``ConfigurationError`` for a query X refuses, ``TransientError``.
        """
        client = self._app_client()
        first = self.config.searches[0]
        details = [f"search {s.name}: {self.config.query_of(s)}" for s in self.config.searches]
        try:
            if not self.budget.spent():
                since = self._poller.newest(first.name)
                fresh = since is not None and snowflake_time(since) > self._earliest()
                body = client.search(
                    self.config.query_of(first), max_results=10, since_id=since if fresh else None
                )
                self.budget.count(Page.of(body).result_count)
            elif self.config.brand_accounts:
                client.user_id(self.config.brand_accounts[0])
            else:
                details.append("token not checked: the budget is spent and checking it would read posts")
        except RateLimitedError as exc:
            windows = [line for line in client.rate_state()]
            return Health(state=HealthState.RATE_LIMITED, summary=str(exc), details=tuple(windows))
        names = ", ".join(s.name for s in self.config.searches)
        return self._health([], details, f"searching X for {names}")

    def fetch(self, since: XSearchCursor | None) -> Iterator[RawEvent | Checkpoint]:
        """Yield the posts of every search newer than its ``since_id`` (``first_window`` back for a search
        not read before, at most 7 days), newest first per search, each post once.

        Called by the runner at each poll. Raises ``RateLimitedError`` (a spent window or monthly budget),
        ``AuthError``, ``ConfigurationError`` (a query X refuses), ``TransientError``; what was yielded is
        kept and the cursor stays.
        """
        cursor = since or XSearchCursor()
        client = self._app_client()
        seen: set[str] = set()
        now = self.context.clock()
        earliest = self._earliest()
        for search in self.config.searches:
            key = search.name
            stored = cursor.start.get(key)
            start = (
                datetime.fromtimestamp(stored, UTC) if stored is not None else now - self.config.first_window
            )
            start = max(start, earliest).replace(microsecond=0)
            since_id = cursor.since.get(key)
            if since_id is not None and snowflake_time(since_id) <= earliest:
                self._out_of_reach(key, since_id, earliest)
                since_id, start = None, earliest.replace(microsecond=0)
            call = functools.partial(self._page, client, self.config.query_of(search))
            convert = functools.partial(self._convert, search, seen)
            yield from self._poller.read(key, since_id, start, call, convert, earliest)

    def parse(self, event: RawEvent) -> LeadDraft:
        """The draft of one post; called by the runner for each new event.

        Raises ``SkippableRecordError`` when the post has no text.
        """
        return draft_from_event(event, self.config.brand_accounts)

    # --- helpers ----------------------------------------------------------------------------------

    def _earliest(self) -> datetime:
        """The oldest time recent search still answers for, less a margin for clocks."""
        return self.context.clock() - SEARCHABLE + MARGIN

    def _page(
        self,
        client: XClient,
        query: str,
        since_id: str | None,
        start: datetime | None,
        token: str | None,
        size: int,
    ) -> dict[str, Any]:
        return client.search(
            query, since_id=since_id, start_time=start, next_token=token, max_results=size, **request_fields()
        )

    def _convert(
        self, search: SearchConfig, seen: set[str], post: dict[str, Any], page: Page
    ) -> RawEvent | None:
        """The event for one post; None for a brand post, a retweet not asked for, or one seen this poll."""
        post_id = str(post["id"])
        if post_id in seen:
            return None
        username = author_of(post, page).get("username")
        if isinstance(username, str) and username.lower() in self._brand:
            return None
        if is_retweet(post) and not search.include_retweets:
            return None
        seen.add(post_id)
        return make_event(
            EventKind.POST, post, page, {"search": search.name, "since_id": post_id}, search=search.name
        )

    def _out_of_reach(self, key: str, since_id: str, earliest: datetime) -> None:
        """Warn once that a search was last read more than 7 days ago: the posts in between are gone."""
        if (key, since_id) in self._told:
            return
        self._told.add((key, since_id))
        self.context.logger.warning(
            "x_search %s: search %s was last read at %s; recent search holds 7 days, so posts from before "
            "%s could not be read",
            self.context.instance,
            key,
            f"{snowflake_time(since_id):%Y-%m-%d %H:%M}Z",
            f"{earliest:%Y-%m-%d %H:%M}Z",
        )
