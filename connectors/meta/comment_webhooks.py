"""The webhook side of the ``meta_comments`` source: page ``feed`` and ``instagram`` ``comments`` changes.

Mixed into ``MetaCommentsSource``; the Meta webhook router (``connectors.meta.webhook``) calls these
from its jobs, in threads other than the poll's, so every call here goes through the ``webhook`` client.
https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-pages
https://developers.facebook.com/docs/instagram-platform/webhooks
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.meta import comment_fields as cf
from connectors.meta.comment_fields import LinkedAccount
from connectors.meta.comments_check import read_linked_account
from connectors.meta.comments_config import CommentsPageConfig, MetaCommentsConfig
from connectors.meta.graph import GraphClient
from socialleads.contracts import ConnectorContext
from socialleads.errors import ConfigurationError, SourceError
from socialleads.models import EventKind, RawEvent, ReceivedVia


class CommentWebhooks:
    """What the webhook router calls on a ``MetaCommentsSource``: claim an object, build an event."""

    config: MetaCommentsConfig
    context: ConnectorContext
    _accounts: dict[str, LinkedAccount | None]
    """Page id → its linked Instagram account, as the last poll (or a webhook) found it."""
    _media: dict[str, dict[str, Any]]
    """IG media id → its summary (permalink, caption), as the last poll (or a webhook) read it."""
    _posts: dict[str, dict[str, Any]]
    """Post id → its summary (permalink, start of its text), as the last poll read it."""

    def _client(self, page: CommentsPageConfig, lane: str = "poll") -> GraphClient:
        raise NotImplementedError  # provided by MetaCommentsSource

    def claims_object(self, object_id: str) -> bool:
        """True when this instance watches the page or Instagram account ``object_id`` (a webhook entry id).

        Called by the router while it accepts a delivery. Instagram accounts are known from the last
        poll; before the first one they are looked up once. A page whose lookup fails is logged and
        not claimed (its comments still arrive by polling).
        """
        wanted = str(object_id)
        if any(page.id == wanted for page in self.config.pages):
            return True
        return self._page_of_account(wanted) is not None

    def event_from_feed_change(self, page_id: str, value: Mapping[str, Any]) -> RawEvent | None:
        """The event for a page ``feed`` change announcing a new or edited comment; None for anything else.

        Called by the router's job for the change. None for other items (posts, reactions), for removals
        and hidings, and for the page's own comments. When Meta left out ``from`` or ``message``, the
        comment is read first (``GET /{comment_id}``); a comment deleted meanwhile gives None. The post's
        permalink and text come from the last poll when it saw the post, else from the change's ``post``.
        An edit (``verb: edited``) is an event of its own (``cf.edit_id``) that revises the comment's first
        version, kept with its edit time. Raises ``SourceError``.
        https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed
        """
        page = next((p for p in self.config.pages if p.id == str(page_id)), None)
        verb = value.get("verb")
        if page is None or value.get("item") != "comment" or (verb != "add" and verb not in cf.EDIT_VERBS):
            return None
        comment_id, post_id = value.get("comment_id"), value.get("post_id")
        if comment_id is None or post_id is None:
            self.context.logger.warning(
                "meta_comments %s: a feed comment change without comment_id or post_id was ignored",
                self.context.instance,
            )
            return None
        shaped = cf.comment_from_feed_value(value)
        if verb in cf.EDIT_VERBS:
            shaped.pop("created_time", None)  # an edit's created_time is when it was edited
        comment = self._completed(page, shaped)
        if comment is None or cf.is_own_facebook(comment, page.id):
            return None
        post = cf.webhook_post(value, self._posts.get(str(post_id)))
        payload = {**cf.facebook_payload(page.id, comment, post), "webhook": dict(value)}
        native_id, occurred_at = str(comment["id"]), cf.graph_time(comment.get("created_time"))
        if verb in cf.EDIT_VERBS:
            occurred_at = cf.graph_time(value.get("created_time")) or self.context.clock()
            message = comment.get("message")
            native_id = cf.edit_id(native_id, value, message if isinstance(message, str) else None)
            payload["edited"] = {"of": str(comment["id"]), "at": occurred_at.isoformat(), "verb": verb}
        return RawEvent(
            native_id=native_id,
            kind=EventKind.COMMENT,
            occurred_at=occurred_at,
            payload=payload,
            received_via=ReceivedVia.WEBHOOK,
        )

    def _completed(self, page: CommentsPageConfig, comment: dict[str, Any]) -> dict[str, Any] | None:
        """``comment`` (from a change) with what Graph says of it when Meta left out ``from`` or ``message``
        (for people who have not authorised the app); None when it is gone."""
        if isinstance(comment.get("from"), dict) and isinstance(comment.get("message"), str):
            return comment
        if cf.is_own_facebook(comment, page.id):
            return None
        try:
            fetched = self._client(page, "webhook").get(str(comment["id"]), fields=cf.FB_COMMENT_FIELDS)
        except ConfigurationError:
            self.context.logger.info(
                "meta_comments %s: comment %s is gone; ignored", self.context.instance, comment["id"]
            )
            return None
        return {**comment, **fetched}

    def event_from_instagram_change(self, account_id: str, value: Mapping[str, Any]) -> RawEvent | None:
        """The event for an ``instagram`` ``comments`` change; None for the account's own comments.

        Called by the router's job for the change. The change carries no time, so the event's is the
        time it arrived; the media's permalink and caption come from the last poll, else are read once.
        None too when the account's page cannot be looked up (logged). Raises ``SourceError``.
        https://developers.facebook.com/docs/instagram-platform/webhooks
        """
        linked = self._page_of_account(str(account_id))
        if linked is None or value.get("id") is None:
            return None
        page, account = linked
        comment = {**value, "id": str(value["id"])}
        if cf.is_own_instagram(comment, account.id, account.username):
            return None
        media = self._media_of(page, comment.get("media"))
        payload = cf.instagram_payload(
            page.id, {"id": account.id, "username": account.username}, comment, media
        )
        return RawEvent(
            native_id=comment["id"],
            kind=EventKind.COMMENT,
            occurred_at=self.context.clock(),
            payload=payload,
            received_via=ReceivedVia.WEBHOOK,
        )

    def report_group(self, payload: Mapping[str, Any]) -> str:
        """``facebook page <id>`` or ``instagram @<username>``: the group an event is counted under."""
        return cf.report_group(payload)

    # --- lookups -----------------------------------------------------------------------------------

    def _page_of_account(self, account_id: str) -> tuple[CommentsPageConfig, LinkedAccount] | None:
        for page in self.config.pages:
            if not page.instagram:
                continue
            try:
                account = self._webhook_account(page)
            except SourceError as exc:
                self.context.logger.warning(
                    "meta_comments %s: cannot look up page %s's Instagram account: %s",
                    self.context.instance,
                    page.id,
                    exc,
                )
                continue
            if account is not None and account.id == account_id:
                return page, account
        return None

    def _webhook_account(self, page: CommentsPageConfig) -> LinkedAccount | None:
        """The linked account looked up for a webhook before any poll did (cached until the next poll)."""
        if page.id not in self._accounts:
            self._accounts[page.id] = read_linked_account(self._client(page, "webhook"), page.id)
        return self._accounts[page.id]

    def _media_of(self, page: CommentsPageConfig, media: Any) -> dict[str, Any]:
        """The summary of the media a webhook names: from the last poll, else read once (bare ids if gone)."""
        given = media if isinstance(media, dict) else {}
        if given.get("id") is None:
            return cf.media_summary(given)
        media_id = str(given["id"])
        if media_id not in self._media:
            try:
                self._media[media_id] = cf.media_summary(
                    self._client(page, "webhook").get(media_id, fields=cf.MEDIA_FIELDS)
                )
            except ConfigurationError as exc:  # not readable with this token, or gone
                self.context.logger.warning(
                    "meta_comments %s: cannot read Instagram media %s (%s); the lead has no link",
                    self.context.instance,
                    media_id,
                    exc,
                )
                return cf.media_summary(given)
        return self._media[media_id]
