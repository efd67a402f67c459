"""The ``x_mentions`` source: posts that mention the brand's X accounts.

Each poll reads ``GET /2/users/:id/mentions`` of every account (usernames resolved to ids once), newer
than the account's ``since_id``, every page (https://docs.x.com/x-api/posts/timelines/introduction).
The timeline reaches only the 800 most recent mentions: when more arrived since the last poll, X moves
``since_id`` to the oldest one it still has, and the ones before it are lost. The source cannot read
them either, but never hides it: a warning is logged once, the gap goes into the cursor, and ``check()``
names it. Posts by the accounts themselves and retweets are not yielded (their ids still move the cursor).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.x.client import XClient
from connectors.x.config import SEARCHABLE, Gap, XMentionsConfig, XMentionsCursor
from connectors.x.fields import Page, draft_from_event, is_retweet, make_event, request_fields, snowflake_time
from connectors.x.polling import Poller, ReadSummary, XSourceBase
from socialleads.contracts import ConnectorContext
from socialleads.errors import RateLimitedError
from socialleads.models import Checkpoint, EventKind, Health, HealthState, LeadDraft, RawEvent

__all__ = ["XMentionsConfig", "XMentionsCursor", "XMentionsSource"]

#: How many of the most recent mentions X returns (https://docs.x.com/x-api/posts/timelines/introduction).
HORIZON = 800
#: ``check()`` is DEGRADED this long after a gap was noted.
GAP_NEWS = timedelta(days=1)


class XMentionsSource(XSourceBase[XMentionsConfig, XMentionsCursor]):
    """Reads the mentions of the configured accounts; one instance per configured source.

    The runner calls ``check``, ``fetch`` and ``parse``; reports call ``usage_summary``.
    """

    name = "x_mentions"
    config_model = XMentionsConfig
    cursor_model = XMentionsCursor

    def __init__(self, config: XMentionsConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self._poller = Poller(self.budget, "account", config.max_results, smallest_page=5)
        self._user: XClient | None = None
        self._ids: dict[str, str] = {}
        self._gaps: dict[tuple[str, str], Gap] = {}

    def check(self) -> Health:
        """The tokens work (``/2/users/me`` with ``user_token``, else a 10-post search for the first account),
        every account exists; the windows, the budget and any mentions lost beyond X's reach in details.

        Called by ``sources check``, ``doctor`` and the runner's health job. Raises ``AuthError`` for a
        token X rejects, ``ConfigurationError`` for an unknown account, ``TransientError``.
        """
        details: list[str] = []
        try:
            if self.config.user_token is not None:
                if self._user is None:
                    self._user = self._new_client(self.config.user_token, "user_token")
                who = str(self._user.me().get("username") or "")
                mine = who.lower() in (a.lower() for a in self.config.accounts)
                details.append(f"user token of @{who}" + ("" if mine else ", which is not one of accounts"))
            client = self._app_client()
            ids = self._account_ids(client)
            if self.config.user_token is None:
                self._probe(client, self.config.accounts[0])
        except RateLimitedError as exc:
            windows = [line for c in self._clients for line in c.rate_state()]
            return Health(state=HealthState.RATE_LIMITED, summary=str(exc), details=tuple(windows))
        details.append("accounts: " + ", ".join(f"@{a} ({ids[a.lower()]})" for a in self.config.accounts))
        now = self.context.clock()
        problems = [self._gap_text(g) for g in self._gaps.values() if _iso(g.noted_at) > now - GAP_NEWS]
        details += [self._gap_text(g) for g in sorted(self._gaps.values(), key=lambda g: g.noted_at)]
        ok = "reading the mentions of " + ", ".join(f"@{a}" for a in self.config.accounts)
        return self._health(problems, details, ok)

    def fetch(self, since: XMentionsCursor | None) -> Iterator[RawEvent | Checkpoint]:
        """Yield the mentions of every account newer than its ``since_id`` (``first_window`` back for an
        account not read before), newest first per account, each post once.

        Called by the runner at each poll. Raises ``RateLimitedError`` (a spent window or monthly budget),
        ``AuthError``, ``ConfigurationError``, ``TransientError``; what was yielded is kept, the cursor stays.
        """
        cursor = since or XMentionsCursor()
        self._gaps.update({(g.account, g.after): g for g in cursor.gaps})
        client = self._app_client()
        ids = self._account_ids(client)
        own = set(ids.values())
        seen: set[str] = set()
        now = self.context.clock()
        for account in self.config.accounts:
            key = account.lower()
            stored = cursor.start.get(key)
            start = (
                datetime.fromtimestamp(stored, UTC)
                if stored is not None
                else _floor(now - self.config.first_window)
            )
            call = functools.partial(self._page, client, ids[key])
            convert = functools.partial(self._convert, account, own, seen)
            summary = yield from self._poller.read(key, cursor.since.get(key), start, call, convert)
            gap = self._horizon(key, summary, now)
            if gap is not None:
                yield self._poller.carry(key, {"gap": gap.model_dump()})

    def parse(self, event: RawEvent) -> LeadDraft:
        """The draft of one mention; called by the runner for each new event.

        Raises ``SkippableRecordError`` when the post has no text.
        """
        return draft_from_event(event, self.config.accounts)

    # --- helpers ----------------------------------------------------------------------------------

    def _account_ids(self, client: XClient) -> dict[str, str]:
        """Username (lower case) → user id, looked up once per instance; ``ConfigurationError`` if unknown."""
        for account in self.config.accounts:
            if account.lower() not in self._ids:
                self._ids[account.lower()] = client.user_id(account)
        return self._ids

    def _probe(self, client: XClient, account: str) -> None:
        """One small read proving the bearer token reads posts: 10 recent mentions (counted on the budget),
        or with the budget spent a user lookup, which reads no post."""
        if self.budget.spent():
            client.user_id(account)
            return
        since = self._poller.newest(account.lower())
        recent = since is not None and snowflake_time(since) > self.context.clock() - SEARCHABLE + timedelta(
            hours=1
        )
        body = client.search(f"@{account} -is:retweet", max_results=10, since_id=since if recent else None)
        self.budget.count(Page.of(body).result_count)

    def _page(
        self,
        client: XClient,
        user_id: str,
        since_id: str | None,
        start: datetime | None,
        token: str | None,
        size: int,
    ) -> dict[str, Any]:
        return client.mentions(
            user_id,
            since_id=since_id,
            start_time=start,
            pagination_token=token,
            max_results=size,
            **request_fields(),
        )

    def _convert(
        self, account: str, own: set[str], seen: set[str], post: dict[str, Any], page: Page
    ) -> RawEvent | None:
        """The event for one mention, or None for one of our own posts, a retweet, or one seen this poll."""
        post_id = str(post["id"])
        if post_id in seen or str(post.get("author_id")) in own:
            return None
        if is_retweet(post) and not self.config.include_retweets:
            return None
        seen.add(post_id)
        position = {"account": account.lower(), "since_id": post_id}
        return make_event(EventKind.MENTION, post, page, position, account=account)

    def _horizon(self, key: str, read: ReadSummary, now: datetime) -> Gap | None:
        """A gap when a read reached X's 800-mention horizon with its oldest post still newer than where
        the previous poll stopped; logged here, once."""
        if read.count < HORIZON - 1 or read.oldest is None:
            return None
        after = snowflake_time(read.since_id) if read.since_id else read.start_time
        before = read.oldest[1] or snowflake_time(read.oldest[0])
        if after is None or before <= after:
            return None
        gap = Gap(account=key, after=after.isoformat(), before=before.isoformat(), noted_at=now.isoformat())
        self._gaps[(gap.account, gap.after)] = gap
        self.context.logger.warning("x_mentions %s: %s", self.context.instance, self._gap_text(gap))
        return gap

    @staticmethod
    def _gap_text(gap: Gap) -> str:
        return (
            f"mentions of @{gap.account} between {gap.after} and {gap.before} were beyond the 800 most "
            "recent that X returns and could not be read; poll more often"
        )

    def close(self) -> None:
        """Close every HTTP session; called once when the bot stops."""
        super().close()
        self._user = None


def _floor(when: datetime) -> datetime:
    """Whole seconds: X takes ``start_time`` to the second."""
    return when.replace(microsecond=0)


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
