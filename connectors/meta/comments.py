"""The ``meta_comments`` source: comments and replies on a page's recent posts and its Instagram media.

Each poll lists the posts of the last ``post_window`` (``/{page}/feed``) and the linked Instagram
account's media (``/{ig}/media``), then reads each one's comments newer than what the cursor holds for
it, less ``lookback``. Facebook comments come with ``filter=stream``, which includes replies
(https://developers.facebook.com/docs/graph-api/reference/object/comments/); ``/{media}/comments``
lists top-level Instagram comments only, so replies are asked for as a nested field and flattened
(https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments).
Comments are read faithfully, whatever they say: the qualify step decides which are leads. The page's
and the account's own comments are never leads and are left out, but their positions still count.
The webhook router turns page ``feed`` and ``instagram`` ``comments`` changes into events here too.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import datetime
from typing import Any

import requests

from connectors.meta import comment_fields as cf
from connectors.meta.comment_fields import LinkedAccount
from connectors.meta.comment_webhooks import CommentWebhooks
from connectors.meta.comments_check import check_pages, read_linked_account
from connectors.meta.comments_config import CommentsPageConfig, MetaCommentsConfig, MetaCommentsCursor
from connectors.meta.graph import GraphClient
from socialleads.contracts import ConnectorContext, Source
from socialleads.models import Checkpoint, EventKind, Health, LeadDraft, RawEvent

__all__ = [
    "CommentsPageConfig",
    "LinkedAccount",
    "MetaCommentsConfig",
    "MetaCommentsCursor",
    "MetaCommentsSource",
]


class MetaCommentsSource(CommentWebhooks, Source[MetaCommentsConfig, MetaCommentsCursor]):
    """Reads the comments on the configured pages' posts and Instagram media; one instance per config."""

    name = "meta_comments"
    platform = "facebook"
    config_model = MetaCommentsConfig
    cursor_model = MetaCommentsCursor

    def __init__(self, config: MetaCommentsConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self._clients: dict[tuple[str, str], GraphClient] = {}
        self._sessions: list[requests.Session] = []
        self._accounts: dict[str, LinkedAccount | None] = {}
        self._media: dict[str, dict[str, Any]] = {}
        self._posts: dict[str, dict[str, Any]] = {}
        self._seen_posts: dict[str, dict[str, Any]] = {}
        self._seen_media: dict[str, dict[str, Any]] = {}

    # --- the contract ------------------------------------------------------------------------------

    def check(self) -> Health:
        """Token, permissions, Instagram link and webhook subscription of every page: OK or DEGRADED.

        Called by ``sources check``, ``doctor`` and the runner's health job. Raises ``AuthError`` for a
        token Meta rejects.
        """
        sessions: list[requests.Session] = []

        def client_of(page: CommentsPageConfig) -> GraphClient:
            # Its own sessions: the health job may run while a poll or a webhook job is reading.
            sessions.append(self.context.new_session())
            return self._new_client(page, sessions[-1])

        try:
            return check_pages(self.config, client_of)
        finally:
            for session in sessions:
                session.close()

    def fetch(self, since: MetaCommentsCursor | None) -> Iterator[RawEvent | Checkpoint]:
        """Yield every comment on the watched posts and media after the cursor (less ``lookback``).

        Called by the runner at each poll. Raises the ``SourceError`` subclasses of Meta's errors
        (``connectors.meta.errors``).
        """
        cursor = since if since is not None else MetaCommentsCursor()
        now = self.context.clock()
        # The summaries webhooks reuse: only what this poll lists is kept, so they never pile up.
        self._seen_posts, self._seen_media = {}, {}
        for page in self.config.pages:
            yield from self._facebook(page, cursor, now)
            if page.instagram:
                # Read at every poll (one call), so a newly linked account is picked up.
                account = self._accounts[page.id] = read_linked_account(self._client(page), page.id)
                if account is None:
                    self.context.logger.warning(
                        "meta_comments %s: page %s has no linked Instagram business account; "
                        "link one or set instagram: false",
                        self.context.instance,
                        page.id,
                    )
                    continue
                yield from self._instagram(page, account, cursor, now)
        self._posts, self._media = self._seen_posts, self._seen_media

    def parse(self, event: RawEvent) -> LeadDraft:
        """The draft of one comment (message, permalink, author's handle, post context).

        Called by the runner for each new event, from polls and webhooks alike. Raises
        ``SkippableRecordError`` for a payload this source did not make.
        """
        return cf.draft(event)

    def close(self) -> None:
        """Close the HTTP sessions; called once when the bot stops."""
        for session in self._sessions:
            session.close()
        self._sessions.clear()
        self._clients.clear()

    # --- reading -----------------------------------------------------------------------------------

    def _facebook(
        self, page: CommentsPageConfig, cursor: MetaCommentsCursor, now: datetime
    ) -> Iterator[RawEvent | Checkpoint]:
        client = self._client(page)
        floor = yield from self._floor(cursor, page.id, now)
        window = cf.unix(now - self.config.post_window)
        size = self.config.page_size
        posts = list(client.pages(f"{page.id}/feed", since=window, fields=cf.POST_FIELDS, limit=size))
        for post in posts:
            if not post.get("id"):
                continue
            post_id = str(post["id"])
            start = self._start(cursor, post_id, cf.graph_time(post.get("created_time")), floor)
            self._posts[post_id] = self._seen_posts[post_id] = summary = cf.post_summary(post)
            comments = client.pages(
                f"{post_id}/comments",
                filter="stream",
                order="chronological",
                since=start,
                fields=cf.FB_COMMENT_FIELDS,
                limit=size,
            )
            for comment in comments:
                own = cf.is_own_facebook(comment, page.id)
                payload = cf.facebook_payload(page.id, comment, summary)
                item = self._item(post_id, comment, "created_time", own, payload)
                if item is not None:
                    yield item

    def _instagram(
        self, page: CommentsPageConfig, account: LinkedAccount, cursor: MetaCommentsCursor, now: datetime
    ) -> Iterator[RawEvent | Checkpoint]:
        client, size = self._client(page), self.config.page_size
        floor = yield from self._floor(cursor, account.id, now)
        oldest = now - self.config.post_window
        owner = {"id": account.id, "username": account.username}
        for media in client.pages(f"{account.id}/media", fields=cf.MEDIA_FIELDS, limit=size):
            created = cf.graph_time(media.get("timestamp"))
            if created is not None and created < oldest:
                break  # media are listed newest first
            if not media.get("id"):
                continue
            media_id = str(media["id"])
            self._media[media_id] = self._seen_media[media_id] = summary = cf.media_summary(media)
            start = self._start(cursor, media_id, created, floor)
            for listed in client.pages(f"{media_id}/comments", fields=cf.IG_COMMENT_FIELDS, limit=size):
                top, replies, more = cf.ig_thread(listed)
                if more:
                    every = client.pages(f"{top.get('id')}/replies", fields=cf.IG_REPLY_FIELDS, limit=size)
                    replies = cf.flatten_replies(every, str(top.get("id")))
                for comment in (top, *replies):
                    when = cf.graph_time(comment.get("timestamp"))
                    if when is not None and cf.unix(when) < start:
                        continue  # IG lists every comment each time; the cursor filters here
                    own = cf.is_own_instagram(comment, account.id, account.username)
                    payload = cf.instagram_payload(page.id, owner, comment, summary)
                    item = self._item(media_id, comment, "timestamp", own, payload)
                    if item is not None:
                        yield item

    def _item(
        self, object_id: str, comment: dict[str, Any], time_key: str, own: bool, payload: dict[str, Any]
    ) -> RawEvent | Checkpoint | None:
        """The event of one comment, or only its position for the page's or account's own comments."""
        comment_id = comment.get("id")
        if not isinstance(comment_id, str) or not comment_id:
            self.context.logger.warning(
                "meta_comments %s: a comment on %s came without an id; ignored",
                self.context.instance,
                object_id,
            )
            return None
        when = cf.graph_time(comment.get(time_key))
        position = {"object": object_id, "created": cf.unix(when)} if when is not None else None
        if own:
            return Checkpoint(position=position) if position else None
        return RawEvent(
            native_id=comment_id, kind=EventKind.COMMENT, occurred_at=when, payload=payload, position=position
        )

    def _floor(self, cursor: MetaCommentsCursor, key: str, now: datetime) -> Generator[Checkpoint, None, int]:
        """Where reading may begin for a page or account: on its first poll ``first_window`` ago, reported."""
        if key in cursor.accounts:
            return cursor.accounts[key]
        floor = cf.unix(now - self.config.first_window)
        yield Checkpoint(position={"account": key, "from": floor})
        return floor

    def _start(self, cursor: MetaCommentsCursor, object_id: str, created: datetime | None, floor: int) -> int:
        """The ``since`` for one post or media: its newest comment less lookback, else its creation."""
        known = cursor.objects.get(object_id)
        if known is not None:
            return max(floor, known - int(self.config.lookback.total_seconds()))
        return max(floor, cf.unix(created)) if created is not None else floor

    # --- clients and lookups -----------------------------------------------------------------------

    def _client(self, page: CommentsPageConfig, lane: str = "poll") -> GraphClient:
        """The page's client for polls (``poll``) or webhook jobs (``webhook``), which run in other threads:
        a ``GraphClient`` and its session are not shared between threads."""
        client = self._clients.get((page.id, lane))
        if client is None:
            session = self.context.new_session()
            self._sessions.append(session)
            client = self._clients[(page.id, lane)] = self._new_client(page, session)
        return client

    def _new_client(self, page: CommentsPageConfig, session: requests.Session) -> GraphClient:
        return GraphClient(
            page.token,
            self.config.graph_version,
            session,
            self.context.clock,
            app_secret=self.config.app_secret,
            timeout=self.config.timeout.total_seconds(),
            slow_down_at=self.config.slow_down_at,
        )
