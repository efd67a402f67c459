"""What a Facebook or Instagram comment looks like to the ``meta_comments`` source, as pure functions.

Graph field lists, Graph times, the event payload built from a polled comment or a webhook change,
and the ``LeadDraft`` parsed from a stored payload. Nothing here makes a call; ``comments.py`` does.
Shapes: https://developers.facebook.com/docs/graph-api/reference/comment/ (Facebook) and
https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment (Instagram).

Names: a Facebook comment's ``from.name`` is the person's profile name, kept as the handle's display
name, and as the contact's name only when it reads as a person's name (letters, with spaces, hyphens,
apostrophes or dots between): "Anna 🌸 Jónsdóttir" or "✨Sigga✨" stay on the handle only. An Instagram
``username`` is a handle, never a name: the contact's name stays empty.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from socialleads.errors import SkippableRecordError
from socialleads.models import BUSINESS_HANDLES, EDITED, Contact, EventKind, Handle, LeadDraft, RawEvent

POST_FIELDS = "id,created_time,message,permalink_url"
MEDIA_FIELDS = "id,timestamp,caption,permalink,media_product_type"
FB_COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},permalink_url,attachment"
IG_REPLY_FIELDS = "id,text,timestamp,username,from{id,username},parent_id"
IG_COMMENT_FIELDS = f"id,text,timestamp,username,from{{id,username}},replies{{{IG_REPLY_FIELDS}}}"
#: How much of a post's text or a media caption travels with each comment, for context.
EXCERPT = 200
#: What may stand between the letters of a person's name.
NAME_MARKS = frozenset(" -'.\u2019")
#: A page ``feed`` change's verbs for an edited comment: ``edited``, now and then ``edit``
#: (https://github.com/restfb/restfb/issues/749, /897).
EDIT_VERBS = frozenset({"edited", "edit"})


@dataclass(frozen=True)
class LinkedAccount:
    """The Instagram business account linked to a page: its id and username."""

    id: str
    username: str | None


def graph_time(value: Any) -> datetime | None:
    """``2026-11-27T08:49:14+0000`` (Graph) or epoch seconds (webhooks) as aware UTC; None otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        try:
            when = datetime.fromisoformat(text)  # Python 3.11 reads "+0000" offsets
        except ValueError:
            return None
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return None


def unix(when: datetime) -> int:
    """Whole seconds since the epoch: the unit of Graph's ``since`` and of the cursor."""
    return int(when.timestamp())


def as_graph_time(when: datetime) -> str:
    """``when`` written as Graph writes times."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _id(value: Any) -> str | None:
    """Graph ids are strings; webhook payloads may carry them as numbers."""
    return str(value) if value is not None and value != "" else None


def _excerpt(value: Any) -> str | None:
    text = _text(value)
    return text[:EXCERPT] if text else None


def post_summary(post: Mapping[str, Any]) -> dict[str, Any]:
    """The post a Facebook comment belongs to, as kept in each event: id, permalink, start of its text."""
    return {
        "id": _id(post.get("id")),
        "permalink_url": post.get("permalink_url"),
        "message": _excerpt(post.get("message")),
    }


def webhook_post(value: Mapping[str, Any], polled: Mapping[str, Any] | None) -> dict[str, Any]:
    """The post of a ``feed`` change: what the last poll read of it, completed by the change's own
    ``post`` object (``{"id", "permalink_url", "status_type", ...}``), so a comment seen only by webhook
    still links to its post."""
    given = _dict(value.get("post"))
    summary = post_summary({"id": value.get("post_id") or given.get("id"), **given, "message": None})
    known = {k: v for k, v in (polled or {}).items() if v is not None}
    return {**summary, **known}


def person_name(name: str | None) -> str | None:
    """``name`` when it reads as a person's name (letters of any script, with spaces, hyphens, apostrophes
    or dots between), else None: a profile name with emoji or symbols stays a display name only."""
    text = " ".join((name or "").split())
    letters = 0
    for char in text:
        category = unicodedata.category(char)
        if category.startswith("L"):
            letters += 1
        elif not (category.startswith("M") or char in NAME_MARKS):
            return None
    return text if letters >= 2 and len(text) <= 120 else None


def media_summary(media: Mapping[str, Any]) -> dict[str, Any]:
    """The Instagram media a comment belongs to, as kept in each event (its caption cut to 200 characters)."""
    return {
        "id": _id(media.get("id")),
        "permalink": media.get("permalink"),
        "caption": _excerpt(media.get("caption")),
        "media_product_type": media.get("media_product_type"),
        "timestamp": media.get("timestamp"),
    }


def ig_thread(comment: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    """A top-level IG comment without its nested ``replies``, the replies (each with ``parent_id``), and
    whether Graph announced more replies than it nested (``replies.paging.next``): then read
    ``/{comment}/replies``. ``/{media}/comments`` lists top-level comments only."""
    top = {k: v for k, v in comment.items() if k != "replies"}
    nested = _dict(comment.get("replies"))
    replies = [
        {**reply, "parent_id": reply.get("parent_id") or top.get("id")}
        for reply in nested.get("data") or []
        if isinstance(reply, dict)
    ]
    return top, replies, bool(_dict(nested.get("paging")).get("next"))


def is_own_facebook(comment: Mapping[str, Any], page_id: str) -> bool:
    """True for the page's own comments and replies (``from.id`` is the page)."""
    return str(_dict(comment.get("from")).get("id") or "") == page_id


def is_own_instagram(comment: Mapping[str, Any], account_id: str, username: str | None) -> bool:
    """True for the Instagram account's own comments (its username, or its id as author)."""
    author = _dict(comment.get("from"))
    name = comment.get("username") or author.get("username")
    return str(author.get("id") or "") == account_id or (username is not None and name == username)


def comment_from_feed_value(value: Mapping[str, Any]) -> dict[str, Any]:
    """A page ``feed`` webhook comment change in the shape of a polled Graph comment.

    In a change, ``parent_id`` is the post itself for a top-level comment and a comment for a reply
    (https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed); ids may be numbers.
    """
    comment: dict[str, Any] = {"id": str(value.get("comment_id"))}
    if isinstance(value.get("message"), str):
        comment["message"] = value["message"]
    when = graph_time(value.get("created_time"))
    if when is not None:
        comment["created_time"] = as_graph_time(when)
    author = _dict(value.get("from"))
    if author:
        comment["from"] = {k: str(v) for k, v in author.items() if k in ("id", "name") and v is not None}
    parent = value.get("parent_id")
    if parent is not None and str(parent) != str(value.get("post_id")):
        comment["parent"] = {"id": str(parent)}
    for media in ("photo", "video"):  # a photo or video comment's link (restfb/restfb#667)
        if _text(value.get(media)):
            comment[media] = value[media]
    return comment


def edit_id(comment_id: str, value: Mapping[str, Any], message: str | None) -> str:
    """The native id of an edit of ``comment_id``: ``<comment id>@edited@<the change's created_time>``, or
    a hash of the new text when the change has no time; the comment's own id stays its first version's."""
    when = graph_time(value.get("created_time"))
    if when is not None:
        return f"{comment_id}@edited@{unix(when)}"
    digest = hashlib.sha256((message or "").encode()).hexdigest()[:16]
    return f"{comment_id}@edited@{digest}"


def facebook_payload(page_id: str, comment: dict[str, Any], post: dict[str, Any]) -> dict[str, Any]:
    """The payload of a Facebook comment event: the comment verbatim, its page and post."""
    return {"platform": "facebook", "page_id": page_id, "comment": comment, "post": post}


def instagram_payload(
    page_id: str, account: Mapping[str, Any], comment: dict[str, Any], media: dict[str, Any]
) -> dict[str, Any]:
    """The payload of an Instagram comment event: the comment verbatim, the account and the media."""
    return {
        "platform": "instagram",
        "page_id": page_id,
        "account": {"id": account.get("id"), "username": account.get("username")},
        "comment": comment,
        "media": media,
    }


def report_group(payload: Mapping[str, Any]) -> str:
    """Where an event came from, for per-path reports: ``facebook page <id>`` or ``instagram @<username>``."""
    if payload.get("platform") == "instagram":
        account = _dict(payload.get("account"))
        if account.get("username"):
            return f"instagram @{account['username']}"
        return f"instagram account {account.get('id') or payload.get('page_id')}"
    return f"facebook page {payload.get('page_id')}"


def derived_permalink(page_id: str, post_id: str, comment_id: str, parent_id: str | None) -> str:
    """The ``permalink_url`` Graph gives a comment, built from ids when a webhook brought none.

    Graph's form: ``https://www.facebook.com/{page}/posts/{post}/?comment_id={c}`` and, for a reply,
    ``?comment_id={parent}&reply_comment_id={c}``, each number the part after the last ``_`` of the id.
    """
    link = f"https://www.facebook.com/{page_id}/posts/{post_id.split('_')[-1]}/?comment_id="
    if parent_id:
        return f"{link}{parent_id.split('_')[-1]}&reply_comment_id={comment_id.split('_')[-1]}"
    return link + comment_id.split("_")[-1]


def draft(event: RawEvent) -> LeadDraft:
    """The lead draft of one comment event; raises ``SkippableRecordError`` naming what is missing."""
    payload = event.payload
    comment = payload.get("comment")
    where = f"comment {event.native_id}"
    if not isinstance(comment, dict) or not _text(comment.get("id")):
        raise SkippableRecordError(
            f"{where}: the event has no comment object with an id; it was not made by meta_comments"
        )
    page_id = _text(payload.get("page_id"))
    if page_id is None:
        raise SkippableRecordError(f"{where}: the event names no page_id; it was not made by meta_comments")
    platform = payload.get("platform")
    if platform == "facebook":
        parts = _facebook(comment, _dict(payload.get("post")), page_id, where)
    elif platform == "instagram":
        account = _text(_dict(payload.get("account")).get("username"))
        parts = _instagram(comment, _dict(payload.get("media")), page_id, where, account)
    else:
        raise SkippableRecordError(f"{where}: platform is {platform!r}, expected 'facebook' or 'instagram'")
    occurred_at = event.occurred_at or graph_time(comment.get("created_time") or comment.get("timestamp"))
    if occurred_at is None:
        raise SkippableRecordError(f"{where}: the comment has no readable time (created_time or timestamp)")
    revises, parts["context"] = _edit(_dict(payload.get("edited")), parts["context"])
    return LeadDraft(
        native_id=event.native_id, kind=EventKind.COMMENT, occurred_at=occurred_at, revises=revises, **parts
    )


def _edit(edited: dict[str, Any], context: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """For an edited comment's event (``payload["edited"]``: the comment's id, when it was edited), the ids
    it revises and its context with ``EDITED`` noted; nothing for a first version."""
    earlier = _text(edited.get("of"))
    if earlier is None:
        return (), context
    noted = {"versions": [earlier], "edited_at": edited.get("at"), "verb": edited.get("verb") or "edited"}
    return (earlier,), {**context, EDITED: noted}


def _facebook(comment: dict[str, Any], post: dict[str, Any], page_id: str, where: str) -> dict[str, Any]:
    post_id = _text(post.get("id"))
    if post_id is None:
        raise SkippableRecordError(f"{where}: the event does not say which post the comment is on")
    author = _dict(comment.get("from"))
    parent_id = _text(_dict(comment.get("parent")).get("id"))
    name = _text(author.get("name"))
    handle = (
        Handle(
            platform="facebook",
            user_id=_text(author.get("id")),
            display_name=name,
            profile_url=_text(author.get("link")),
        )
        if author
        else None
    )
    url = _text(comment.get("permalink_url")) or derived_permalink(page_id, post_id, comment["id"], parent_id)
    context = {
        "page_id": page_id,
        "post_id": post_id,
        "parent_id": parent_id,
        "post_permalink": _text(post.get("permalink_url")),
        "post_excerpt": _excerpt(post.get("message")),
        "photo": _photo(comment),
        "video": _text(comment.get("video")),
    }
    return {
        "platform": "facebook",
        "contact": Contact(full_name=person_name(name)),
        "handle": handle,
        "message": _text(comment.get("message")),
        "url": url,
        "context": {k: v for k, v in context.items() if v is not None},
    }


def _photo(comment: Mapping[str, Any]) -> str | None:
    """A photo comment's image: the ``photo`` link of a webhook change, or a polled comment's ``attachment``
    (``{"type": "photo", "media": {"image": {"src"}}}``)."""
    attachment = _dict(comment.get("attachment"))
    polled = _dict(_dict(attachment.get("media")).get("image")).get("src") if attachment else None
    return _text(comment.get("photo")) or (_text(polled) if attachment.get("type") == "photo" else None)


def _instagram(
    comment: dict[str, Any], media: dict[str, Any], page_id: str, where: str, account: str | None
) -> dict[str, Any]:
    media_id = _text(media.get("id")) or _text(_dict(comment.get("media")).get("id"))
    if media_id is None:
        raise SkippableRecordError(f"{where}: the event does not say which Instagram media the comment is on")
    author = _dict(comment.get("from"))
    username = _text(comment.get("username")) or _text(author.get("username"))
    user_id = _text(author.get("id"))
    handle = (
        Handle(
            platform="instagram",
            user_id=user_id,
            username=username,
            profile_url=f"https://www.instagram.com/{username}/" if username else None,
        )
        if username or user_id
        else None
    )
    permalink = _text(media.get("permalink"))
    context = {
        "page_id": page_id,
        "media_id": media_id,
        "parent_id": _text(comment.get("parent_id")),
        "post_permalink": permalink,
        "post_excerpt": _excerpt(media.get("caption")),
        "media_product_type": _text(media.get("media_product_type")),
        # "@ourshop do you ship?" asks the seller: the qualifier must not read it as tagging a friend.
        BUSINESS_HANDLES: [account] if account else None,
    }
    return {
        "platform": "instagram",
        "handle": handle,
        "message": _text(comment.get("text")),
        # IG comments have no permalink of their own; the media's is where a person answers them.
        "url": permalink,
        "context": {k: v for k, v in context.items() if v is not None},
    }


def flatten_replies(items: Iterator[dict[str, Any]], parent_id: str) -> list[dict[str, Any]]:
    """Replies read from ``/{comment}/replies``, each with ``parent_id`` set (Graph may leave it out)."""
    return [{**reply, "parent_id": reply.get("parent_id") or parent_id} for reply in items]
