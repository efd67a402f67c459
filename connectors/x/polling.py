"""What both X sources share: the monthly post budget, and reading one query to its end with ``since_id``.

X bills every post a search or mentions call returns, so each page is counted on the context's meter
(``x:<app>:posts`` per UTC month, shared by the sources of one app) before its posts are yielded, and
no call is made once the budget is spent. A read follows every page of one query (``next_token`` /
``pagination_token``) under the same ``since_id``; the newest id of its first page becomes the next
``since_id`` (https://docs.x.com/x-api/posts/search/integrate/paginate). When a poll stops part-way (a
rate limit), the runner keeps the cursor where it was; the read's paging token is kept in memory so the
next poll of the same instance goes on from the next page instead of paying for the same posts again.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import SecretStr

from connectors.x.client import XClient
from connectors.x.config import XAppConfig
from connectors.x.fields import Page, snowflake_time, x_time
from socialleads.contracts import ConnectorContext, CursorT, Meter, Source
from socialleads.errors import RateLimitedError
from socialleads.models import Checkpoint, Health, HealthState, RawEvent

#: ``call(since_id, start_time, token, max_results)`` → one JSON answer.
PageCall = Callable[[str | None, datetime | None, str | None, int], dict[str, Any]]
#: ``convert(post, page)`` → the event to yield, or None for a post that is not one (brand, retweet).
Convert = Callable[[dict[str, Any], Page], RawEvent | None]


def next_month(now: datetime) -> datetime:
    """00:00 UTC on the first day of the month after ``now``'s."""
    now = now.astimezone(UTC)
    return datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)


class PostBudget:
    """Posts read per calendar month (UTC) by the sources of one X app, on the context's meter."""

    def __init__(self, meter: Meter, app: str, budget: int | None, clock: Callable[[], datetime]) -> None:
        self.meter, self.name, self.budget, self.clock = meter, f"x:{app}:posts", budget, clock

    def period(self) -> str:
        """This month, ``YYYY-MM`` in UTC."""
        return self.clock().astimezone(UTC).strftime("%Y-%m")

    def used(self) -> int:
        """Posts read this month by every source of the app."""
        return self.meter.used(self.name, self.period())

    def spent(self) -> bool:
        """True when no more posts may be read this month."""
        return self.budget is not None and self.used() >= self.budget

    def before_call(self) -> None:
        """Raise ``RateLimitedError`` until next month when the budget is spent; called before each read."""
        if self.spent():
            raise RateLimitedError(
                f"the monthly budget of {self.budget} posts read is spent", next_month(self.clock())
            )

    def count(self, posts: int) -> None:
        """Count the posts one answer returned (before they are yielded, so a failure later still counts)."""
        if posts > 0:
            self.meter.add(self.name, self.period(), posts)

    def page_size(self, wanted: int, smallest: int) -> int:
        """``max_results`` for the next page: no more than the budget has left, no less than X allows."""
        if self.budget is None:
            return wanted
        return max(smallest, min(wanted, self.budget - self.used()))

    def summary(self) -> dict[str, Any]:
        """``{"period", "posts_read", "budget"}`` for reports."""
        return {"period": self.period(), "posts_read": self.used(), "budget": self.budget}

    def note(self) -> str | None:
        """The health summary when the budget is spent, else None."""
        if not self.spent():
            return None
        return (
            f"monthly budget spent: {self.used()} of {self.budget} posts; polling resumes on "
            f"{next_month(self.clock()):%Y-%m-%d}"
        )

    def line(self) -> str:
        """One detail line: posts read this month, of how many."""
        of = f" of {self.budget}" if self.budget is not None else " (no budget set)"
        return f"posts read in {self.period()} by app {self.name.split(':')[1]}: {self.used()}{of}"


@dataclass(frozen=True)
class ReadSummary:
    """What one finished read got: how many posts, the oldest (id, time) and the newest id."""

    since_id: str | None
    start_time: datetime | None
    count: int
    oldest: tuple[str, datetime | None] | None
    newest_id: str | None


@dataclass
class _Read:
    since_id: str | None
    start_time: datetime | None
    token: str | None = None
    newest: str | None = None
    count: int = 0
    oldest: tuple[str, datetime | None] | None = None


@dataclass
class _Memo:
    """What this instance did for one key since the cursor was ``base``: ids reached, a read under way."""

    base: str | None
    reached: str | None = None
    pending: _Read | None = None
    carried: list[dict[str, Any]] = field(default_factory=list)


class Poller:
    """Reads keys (accounts, searches) page by page; one per source instance, one thread at a time."""

    def __init__(self, budget: PostBudget, key_field: str, max_results: int, smallest_page: int) -> None:
        self.budget, self.key_field = budget, key_field
        self.max_results, self.smallest_page = max_results, smallest_page
        self._memo: dict[str, _Memo] = {}

    def newest(self, key: str) -> str | None:
        """The newest post id this instance knows for ``key`` (None before its first read)."""
        memo = self._memo.get(key)
        return memo.reached or memo.base if memo else None

    def carry(self, key: str, position: dict[str, Any]) -> Checkpoint:
        """A position to report now and again with every poll until the cursor moves (a gap noted)."""
        memo = self._memo.get(key)
        if memo is not None:
            memo.carried.append(position)
        return Checkpoint(position=position)

    def read(
        self,
        key: str,
        since: str | None,
        start: datetime | None,
        call: PageCall,
        convert: Convert,
        earliest: datetime | None = None,
    ) -> Generator[RawEvent | Checkpoint, None, ReadSummary]:
        """Yield the events of every page of ``key`` newer than ``since`` (else from ``start``), then the
        Checkpoint moving the key to the newest id read; returns what the read got.

        ``earliest``: the oldest time the endpoint answers for (recent search: 7 days); what this instance
        kept from before it (a read under way, ids reached) is dropped rather than sent and refused.
        Raises ``RateLimitedError`` (window or budget) and the other ``SourceError`` subclasses of ``call``.
        """
        memo = self._memo.get(key)
        if memo is None or memo.base != since:
            memo = self._memo[key] = _Memo(base=since)
        if earliest is not None:
            if memo.reached is not None and snowflake_time(memo.reached) <= earliest:
                memo.reached = None
            pending = memo.pending
            if pending is not None and (_when(pending.since_id, pending.start_time) or earliest) <= earliest:
                memo.pending = None
        for position in memo.carried:
            yield Checkpoint(position=position)
        if memo.reached is not None:
            yield Checkpoint(position={self.key_field: key, "since_id": memo.reached})
        floor = memo.reached or since
        read = memo.pending or _Read(since_id=floor, start_time=None if floor else start)
        memo.pending = read
        while True:
            self.budget.before_call()
            size = self.budget.page_size(self.max_results, self.smallest_page)
            page = Page.of(call(read.since_id, read.start_time, read.token, size))
            self.budget.count(page.result_count)
            read.newest = read.newest or page.newest_id
            for post in page.posts:
                event = convert(post, page)
                if event is not None:
                    yield event
            read.count += len(page.posts)
            if page.posts:
                last = page.posts[-1]
                read.oldest = (str(last["id"]), x_time(last.get("created_at")))
            if page.next_token is None:
                break
            read.token = page.next_token  # only once the page's events were taken
        memo.pending = None
        if read.newest is not None:
            memo.reached = max(read.newest, memo.reached or "0", key=int)
            yield Checkpoint(position={self.key_field: key, "since_id": memo.reached})
        elif memo.reached is None and since is None and read.start_time is not None:
            yield Checkpoint(position={self.key_field: key, "start": int(read.start_time.timestamp())})
        return ReadSummary(read.since_id, read.start_time, read.count, read.oldest, read.newest)


def _when(since_id: str | None, start: datetime | None) -> datetime | None:
    """Where a read begins: its ``since_id``'s time, else its ``start_time``."""
    return snowflake_time(since_id) if since_id is not None else start


AppConfigT = TypeVar("AppConfigT", bound=XAppConfig)


class XSourceBase(Source[AppConfigT, CursorT]):
    """What ``x_mentions`` and ``x_search`` share: the app-only client, the budget, health and closing."""

    platform = "x"

    def __init__(self, config: AppConfigT, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self.budget = PostBudget(context.meter, config.app, config.monthly_post_budget, context.clock)
        self._clients: list[XClient] = []
        self._bearer: XClient | None = None

    def _new_client(self, token: SecretStr, token_field: str) -> XClient:
        """A client with its own session from the context (routing, retries, the configured timeout)."""
        seconds = self.config.timeout.total_seconds()
        session = self.context.new_session(timeout=(min(5.0, seconds), seconds))
        client = XClient(token, session, self.context.clock, token_field)
        self._clients.append(client)
        return client

    def _app_client(self) -> XClient:
        """The bearer-token client every read uses, kept between polls (its rate-limit windows with it)."""
        if self._bearer is None:
            self._bearer = self._new_client(self.config.bearer_token, "bearer_token")
        return self._bearer

    def _health(self, problems: list[str], details: list[str], ok: str) -> Health:
        """DEGRADED with the problems when there are any, else OK; details get windows and the budget."""
        budget = self.budget.note()
        problems = ([budget] if budget else []) + problems
        windows = [line for client in self._clients for line in client.rate_state()]
        details = [*details, self.budget.line(), *windows]
        state = HealthState.DEGRADED if problems else HealthState.OK
        return Health(state=state, summary="; ".join(problems) or ok, details=tuple(details))

    def usage_summary(self) -> dict[str, Any]:
        """``{"period", "posts_read", "budget"}``: posts read this month by this source's app, for reports."""
        return self.budget.summary()

    def close(self) -> None:
        """Close every HTTP session; called once when the bot stops."""
        for client in self._clients:
            client.close()
        self._clients.clear()
        self._bearer = None
