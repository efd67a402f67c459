"""The JSON Meta's webhooks carry: leadgen, page feed comment and Instagram comment changes, and envelopes.

Shapes follow Meta's documentation and the samples in ``tests/fixtures/meta_webhooks/`` (its README
says where each comes from):

- Page ``leadgen`` (https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-leadgen,
  https://developers.facebook.com/documentation/ads-commerce/marketing-api/guides/lead-ads/retrieving): ids
  are JSON *strings* and times *ints* (epoch seconds) as real deliveries send them, although the doc's own
  example prints numbers. ``ad_id`` and ``adgroup_id`` (the legacy name of the ad, so the same id) are
  absent for organic leads.
- Page ``feed`` comment (https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-pages):
  ``{"item": "comment", "verb": "add", ...}``; ``parent_id`` only on replies to a comment; the post as
  ``post: {"id", "permalink_url", "status_type", "is_published", "updated_time", "promotion_status"}``;
  a photo comment's image as ``photo`` (https://github.com/restfb/restfb/issues/667). An edit is the same
  change with ``verb: "edited"``, the new ``message`` and the edit's ``created_time``.
- Instagram ``comments``: ``{"from": {"id", "username"}, "media": {"id", "media_product_type"}, "id",
  "parent_id"?, "text"}``; no verb and no time, only additions arrive.
- Envelope: ``{"object": "page" | "instagram", "entry": [{"id", "time", "changes": [{"field", "value"}]}]}``.
  One POST carries one object; "Event Notifications are aggregated and sent in a batch with a maximum of
  1000 updates" (https://developers.facebook.com/docs/graph-api/webhooks/getting-started). Apps on the
  Instagram API with Instagram Login get each Instagram change as an entry of its own with ``field`` and
  ``value`` in it and no ``changes`` (``Change.flat``;
  https://developers.facebook.com/docs/instagram-platform/webhooks/examples/).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialleads.sandbox.meta.shapes import graph_time
from socialleads.sandbox.world.entities import Comment, CommentEdit, IgComment, Lead
from socialleads.sandbox.world.living import World

#: Meta batches at most this many updates in one notification.
MAX_UPDATES = 1000
#: The ids the App Dashboard's "Test" button sends for ``leadgen`` (entry id ``"0"``); fetching them fails.
DASHBOARD_TEST_ID = "444444444444"


@dataclass(frozen=True)
class Change:
    """One update waiting to be sent: which object and entry it belongs to, and its ``field``/``value``."""

    object: str
    entry_id: str
    time: int
    field: str
    value: dict[str, Any]
    flat: bool = False
    """Sent in the Instagram Login shape: ``field`` and ``value`` in an entry of its own."""


def leadgen_value(lead: Lead) -> dict[str, Any]:
    """The ``value`` of a page ``leadgen`` change."""
    value: dict[str, Any] = {"leadgen_id": lead.id, "page_id": lead.page_id, "form_id": lead.form_id}
    if lead.ad is not None:
        value["adgroup_id"] = lead.ad.ad_id
        value["ad_id"] = lead.ad.ad_id
    value["created_time"] = int(lead.created.timestamp())
    return value


def feed_comment_value(comment: Comment) -> dict[str, Any]:
    """The ``value`` of a page ``feed`` change for a new comment."""
    value: dict[str, Any] = {
        "item": "comment",
        "verb": "add",
        "comment_id": comment.id,
        "post_id": comment.post_id,
    }
    if comment.parent_id is not None:
        value["parent_id"] = comment.parent_id
    value["from"] = {"id": comment.author_id, "name": comment.author_name}
    value["post"] = _post(comment.post_id, comment.created)
    if comment.photo is not None:
        value["photo"] = comment.photo
    value["message"] = comment.message
    value["created_time"] = int(comment.created.timestamp())
    return value


def feed_edit_value(edit: CommentEdit) -> dict[str, Any]:
    """The ``value`` of a page ``feed`` change for an edited comment: its new text, when it was edited."""
    value = feed_comment_value(edit.comment)
    value["verb"] = "edited"
    value["post"] = _post(edit.comment.post_id, edit.at)
    value["created_time"] = int(edit.at.timestamp())
    return value


def _post(post_id: str, updated: datetime) -> dict[str, Any]:
    """The ``post`` of a feed change: the page's post, with its permalink (as Graph's ``permalink_url``)."""
    page_id, number = post_id.split("_", 1)
    return {
        "status_type": "mobile_status_update",
        "is_published": True,
        "updated_time": graph_time(updated),
        "permalink_url": f"https://www.facebook.com/{page_id}/posts/{number}",
        "promotion_status": "inactive",
        "id": post_id,
    }


def ig_comment_value(comment: IgComment, media_product_type: str) -> dict[str, Any]:
    """The ``value`` of an ``instagram`` ``comments`` change."""
    value: dict[str, Any] = {
        "from": {"id": comment.user_id, "username": comment.username},
        "media": {"id": comment.media_id, "media_product_type": media_product_type},
        "id": comment.id,
    }
    if comment.parent_id is not None:
        value["parent_id"] = comment.parent_id
    value["text"] = comment.text
    return value


def changes_for(world: World, items: list[Any], unsubscribed: set[str]) -> list[Change]:
    """The webhook changes for a batch of the world's new items; nothing for ``unsubscribed`` pages.

    Leads and page comments go to their page's entry, Instagram comments to the account's entry (and
    nowhere when the account's page uninstalled the app). Entry times are the world's clock.
    """
    now = int(world.now.timestamp())
    changes: list[Change] = []
    for item in items:
        if isinstance(item, Lead) and item.page_id not in unsubscribed:
            changes.append(Change("page", item.page_id, now, "leadgen", leadgen_value(item)))
        elif isinstance(item, Comment | CommentEdit):
            comment = item if isinstance(item, Comment) else item.comment
            page_id = comment.post_id.split("_")[0]  # a post id is <page id>_<post number>
            value = feed_comment_value(item) if isinstance(item, Comment) else feed_edit_value(item)
            if page_id not in unsubscribed:
                changes.append(Change("page", page_id, now, "feed", value))
        elif isinstance(item, IgComment):
            with world.lock:
                media = next((m for m in reversed(world.ig_media) if m.id == item.media_id), None)
            account = media.account_id if media else None
            page = next(
                (p for p in world.pages.values() if p.ig_account and p.ig_account.id == account), None
            )
            if media is not None and page is not None and page.id not in unsubscribed:
                value = ig_comment_value(item, media.media_product_type)
                changes.append(Change("instagram", media.account_id, now, "comments", value))
    return changes


def leadgen_ids(payload: dict[str, Any]) -> tuple[str, ...]:
    """The ids of the leads a payload announces."""
    return tuple(
        str(change["value"]["leadgen_id"])
        for entry in payload["entry"]
        for change in entry.get("changes", ())
        if change["field"] == "leadgen"
    )


def payloads(changes: list[Change]) -> list[dict[str, Any]]:
    """Envelopes for ``changes``: one per object and 1000 updates, entries grouped by id in arrival order
    (a ``flat`` change is an entry of its own, with its ``field`` and ``value`` in it)."""
    out: list[dict[str, Any]] = []
    for obj in dict.fromkeys(c.object for c in changes):
        mine = [c for c in changes if c.object == obj]
        for start in range(0, len(mine), MAX_UPDATES):
            entries: list[dict[str, Any]] = []
            grouped: dict[str, dict[str, Any]] = {}
            for change in mine[start : start + MAX_UPDATES]:
                if change.flat:
                    flat = {"id": change.entry_id, "time": change.time, "field": change.field}
                    entries.append({**flat, "value": change.value})
                    continue
                if change.entry_id not in grouped:
                    grouped[change.entry_id] = {"id": change.entry_id, "time": change.time, "changes": []}
                    entries.append(grouped[change.entry_id])
                entry = grouped[change.entry_id]
                entry["time"] = max(entry["time"], change.time)
                entry["changes"].append({"field": change.field, "value": change.value})
            out.append({"object": obj, "entry": entries})
    return out


def dashboard_test_leadgen(now: int) -> dict[str, Any]:
    """The App Dashboard "Test" ``leadgen`` notification, ids exactly as the dashboard sends them."""
    value = {
        "ad_id": "444444444",
        "form_id": DASHBOARD_TEST_ID,
        "leadgen_id": DASHBOARD_TEST_ID,
        "created_time": now,
        "page_id": DASHBOARD_TEST_ID,
        "adgroup_id": "44444444444",
    }
    return {
        "object": "page",
        "entry": [{"id": "0", "time": now, "changes": [{"field": "leadgen", "value": value}]}],
    }


def encode(payload: dict[str, Any]) -> bytes:
    """The body as Meta sends it: compact JSON, every non-ASCII character escaped.

    Meta signs "an escaped unicode version of the payload, with lowercase hex digits" (``ä`` → ``\\u00e4``;
    https://developers.facebook.com/docs/graph-api/webhooks/getting-started, on validating payloads).
    ``json.dumps(..., ensure_ascii=True)`` writes exactly that: lowercase ``\\uXXXX``, characters beyond
    the BMP as a surrogate pair (``😊`` → ``\\ud83d\\ude0a``). ``/`` stays unescaped (whether Meta writes
    ``\\/`` is not known; a receiver that verifies the raw bytes never cares).
    """
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")
