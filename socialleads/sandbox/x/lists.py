"""What the X emulator's routes answer: filtered, newest-first pages of posts with their includes, and users.

Pages follow https://docs.x.com/x-api/posts/search/integrate/paginate: ``meta`` has ``newest_id``,
``oldest_id``, ``result_count`` and ``next_token`` only when another page exists (``chaos.short_pages``
returns a third of the asked size and always announces a next page, which may then be empty);
an empty page is ``{"meta":{"result_count":0}}``.
"""

from __future__ import annotations

import bisect
from datetime import datetime
from typing import Any

from starlette.requests import Request

from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.world.entities import Tweet, XUser
from socialleads.sandbox.world.living import World
from socialleads.sandbox.x.params import (
    MAX_QUERY,
    MENTIONS_PARAMS,
    MENTIONS_REACH,
    SEARCH_PARAMS,
    SEARCHABLE,
    USER_PARAMS,
    USERNAME,
    Params,
    View,
    check_window,
    page_token,
)
from socialleads.sandbox.x.query import Query, QueryError, parse
from socialleads.sandbox.x.shapes import TWEET_EXPANSIONS, USER_EXPANSIONS, XJson, not_found


class XLists:
    """The routes' answers over ``world``; ``chaos.short_pages`` shortens pages."""

    def __init__(self, world: World, chaos: Chaos) -> None:
        self.world = world
        self.chaos = chaos

    def search(self, request: Request, caller: str) -> dict[str, Any]:
        """``GET /2/tweets/search/recent``."""
        p = Params(request, SEARCH_PARAMS)
        query = p.get("query") or ""
        parsed: Query | None = None
        if not query.strip():
            p.add("query", query, "The `query` query parameter can not be empty")
        elif len(query) > MAX_QUERY:
            p.add(
                "query",
                query,
                f"The `query` query parameter value [{query}] is {len(query)} characters "
                f"long; it must be at most {MAX_QUERY}",
            )
        else:
            try:
                parsed = parse(query)
            except QueryError as exc:
                p.add("query", query, f"There were errors processing your request: {exc}")
        view = View.of(p, TWEET_EXPANSIONS)
        since, until = p.id("since_id"), p.id("until_id")
        start, end = p.time("start_time"), p.time("end_time")
        size = p.count("max_results", 10, 100, 10)
        cursor = p.cursor("next_token") if p.get("next_token") else p.cursor("pagination_token")
        if p.get("sort_order") not in (None, "recency", "relevancy"):  # relevancy is served as recency
            p.add(
                "sort_order",
                p.get("sort_order") or "",
                "The `sort_order` query parameter value "
                f"[{p.get('sort_order')}] is not one of [recency,relevancy]",
            )
        with self.world.lock:
            now = self.world.now
            earliest = now - SEARCHABLE
            check_window(p, earliest, now, since, start, end)
            p.done()
            assert parsed is not None
            look = XJson(self.world.x_users, self.world.start)
            tweets = self.world.tweets  # in time order
            recent = tweets[bisect.bisect_left(tweets, earliest, key=lambda t: t.created) :]
            posts = [t for t in recent if parsed.matches(look.searchable(t))]
            return self._page(look, self._within(posts, since, until, start, end), size, cursor, view)

    def mentions(self, request: Request, caller: str) -> dict[str, Any]:
        """``GET /2/users/{id}/mentions``: newest first, the 800 most recent reachable."""
        p = Params(request, MENTIONS_PARAMS)
        user_id = request.path_params["id"]
        p.id("id", user_id)
        view = View.of(p, TWEET_EXPANSIONS)
        since, until = p.id("since_id"), p.id("until_id")
        start, end = p.time("start_time"), p.time("end_time")
        size = p.count("max_results", 5, 100, 10)
        cursor = p.cursor("pagination_token")
        p.done()
        with self.world.lock:
            user = self.world.x_users.get(user_id)
            if user is None:
                return {"errors": [not_found("user", "id", user_id)]}
            name = user.username.lower()
            every = [t for t in self.world.tweets if name in (m.lower() for m in t.mentions)]
            every.sort(key=lambda t: int(t.id), reverse=True)
            reach = every[:MENTIONS_REACH]
            if since is not None and sum(1 for t in every if int(t.id) > since) > MENTIONS_REACH:
                since = int(reach[-1].id)  # "since_id is forced to the oldest ID available"
            look = XJson(self.world.x_users, self.world.start)
            return self._page(look, self._within(reach, since, until, start, end), size, cursor, view)

    def user_by(self, request: Request, by: str, me_id: str | None) -> dict[str, Any]:
        """``/2/users/by/username/{username}``, ``/2/users/{id}`` and ``/2/users/me``."""
        p = Params(request, USER_PARAMS)
        view = View.of(p, USER_EXPANSIONS)
        value = me_id or request.path_params[by]
        if by == "username" and not USERNAME.match(value):
            p.add(
                "username",
                value,
                f"The `username` query parameter value [{value}] does not match ^[A-Za-z0-9_]{{1,15}}$",
            )
        if by == "id":
            p.id("id", value)
        p.done()
        with self.world.lock:
            users = self.world.x_users
            found = _user_named(users, value) if by == "username" else users.get(value)
            if found is None:
                return {"errors": [not_found("user", by, value)]}
            return {"data": XJson(users, self.world.start).user(found, view.user_fields)}

    # --- shared ---------------------------------------------------------------------------------

    @staticmethod
    def _within(
        posts: list[Tweet], since: int | None, until: int | None, start: datetime | None, end: datetime | None
    ) -> list[Tweet]:
        """The posts in the id and time range (``end_time`` exclusive), newest first."""
        kept = [
            t for t in posts
            if (since is None or int(t.id) > since) and (until is None or int(t.id) < until)
            and (start is None or t.created >= start) and (end is None or t.created < end)
        ]  # fmt: skip
        return sorted(kept, key=lambda t: int(t.id), reverse=True)

    def _page(
        self, look: XJson, posts: list[Tweet], size: int, cursor: int | None, view: View
    ) -> dict[str, Any]:
        if cursor is not None:
            posts = [t for t in posts if int(t.id) < cursor]
        short = self.chaos.state.short_pages
        if short:
            size = max(1, size // 3)
        page = posts[:size]
        if not page:
            return {"meta": {"result_count": 0}}
        replies = {t.id: self._replied_to(t) for t in page}
        body: dict[str, Any] = {"data": [look.tweet(t, view.tweet_fields, replies[t.id]) for t in page]}
        includes = self._includes(look, page, view)
        if includes:
            body["includes"] = includes
        meta: dict[str, Any] = {"newest_id": page[0].id, "oldest_id": page[-1].id, "result_count": len(page)}
        if len(posts) > size or short:
            meta["next_token"] = page_token(page[-1].id)
        body["meta"] = meta
        return body

    def _includes(self, look: XJson, page: list[Tweet], view: View) -> dict[str, Any]:
        wanted, referenced = view.expansions, []
        user_ids: list[str] = []
        for t in page:
            if "author_id" in wanted:
                user_ids.append(t.author_id)
            if "in_reply_to_user_id" in wanted and t.in_reply_to_user_id:
                user_ids.append(t.in_reply_to_user_id)
            if "entities.mentions.username" in wanted:
                user_ids += look.mentioned_ids(t)
            if wanted & {"referenced_tweets.id", "referenced_tweets.id.author_id"}:
                referenced += [self._tweet(ref) for _, ref in look.references(t, self._replied_to(t))]
        tweets = [t for t in referenced if t is not None]
        if "referenced_tweets.id.author_id" in wanted:
            user_ids += [t.author_id for t in tweets]
        users = [self.world.x_users[i] for i in dict.fromkeys(user_ids) if i in self.world.x_users]
        includes: dict[str, Any] = {}
        if users:
            includes["users"] = [look.user(u, view.user_fields) for u in users]
        if tweets and "referenced_tweets.id" in wanted:
            unique = {t.id: t for t in tweets}.values()
            includes["tweets"] = [look.tweet(t, view.tweet_fields, self._replied_to(t)) for t in unique]
        return includes

    def _tweet(self, tweet_id: str) -> Tweet | None:
        """A post by id (the world's posts are in id order)."""
        tweets = self.world.tweets
        at = bisect.bisect_left(tweets, int(tweet_id), key=lambda t: int(t.id))
        return tweets[at] if at < len(tweets) and tweets[at].id == tweet_id else None

    def _replied_to(self, tweet: Tweet) -> str | None:
        """The post a reply answers: the replied-to account's latest own post before it, if any."""
        if not tweet.in_reply_to_user_id:
            return None
        tweets = self.world.tweets
        at = bisect.bisect_left(tweets, int(tweet.id), key=lambda t: int(t.id))
        for earlier in reversed(tweets[max(0, at - 5000) : at]):
            if earlier.author_id == tweet.in_reply_to_user_id and earlier.retweet_of is None:
                return earlier.id
        return None


def _user_named(users: dict[str, XUser], name: str) -> XUser | None:
    return next((u for u in users.values() if u.username.lower() == name.lower()), None)
