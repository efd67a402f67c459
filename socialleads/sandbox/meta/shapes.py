"""The Graph API's JSON shapes for the sandbox's world: each node as an ``Obj`` (see ``fields``).

Graph omits fields without a value (``ad_id`` of an organic lead) and writes times as
``2026-11-27T08:49:14+0000`` (https://developers.facebook.com/docs/graph-api/reference/). Field lists
follow the facebook-business SDK's node classes (lead.py, leadgenform.py, igcomment.py, v26.0.3) and
https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving/.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from socialleads.sandbox.meta.fields import EdgeField, Obj
from socialleads.sandbox.world.entities import Comment, Form, IgAccount, IgComment, IgMedia, Lead, Page, Post


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


LEAD_FIELDS = _names(
    "ad_id ad_name adset_id adset_name campaign_id campaign_name created_time custom_disclaimer_responses "
    "field_data form_id home_listing id is_organic partner_name platform post post_submission_check_result "
    "retailer_item_id vehicle"
)
FORM_FIELDS = _names(
    "allow_organic_lead block_display_for_non_targeted_viewer context_card created_time creator "
    "expired_leads_count follow_up_action_text follow_up_action_url id is_optimized_for_quality leads_count "
    "legal_content locale name organic_leads_count page page_id privacy_policy_url "
    "question_page_custom_headline questions status thank_you_page tracking_parameters leads"
)
PAGE_FIELDS = _names(
    "id name category link about fan_count followers_count instagram_business_account username "
    "access_token verification_status leadgen_forms feed posts published_posts subscribed_apps"
)
POST_FIELDS = _names(
    "id message created_time updated_time from permalink_url is_hidden is_published status_type story "
    "attachments comments reactions shares"
)
COMMENT_FIELDS = _names(
    "id message from created_time parent permalink_url is_hidden like_count comment_count attachment "
    "message_tags can_reply_privately can_comment can_hide can_like can_remove object comments"
)
IG_USER_FIELDS = _names("id username name media_count followers_count biography profile_picture_url media")
IG_MEDIA_FIELDS = _names(
    "id caption timestamp media_product_type media_type permalink comments_count like_count username owner "
    "shortcode is_comment_enabled comments"
)
IG_COMMENT_FIELDS = _names(
    "from hidden id legacy_instagram_comment_id like_count media parent_id replies text timestamp user "
    "username"
)


def graph_time(when: datetime) -> str:
    """``2026-11-27T08:49:14+0000``: Graph's timestamp form (no colon in the offset)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def unix(when: datetime) -> int:
    """Whole seconds since the epoch, the unit of ``since``, ``until`` and ``filtering``."""
    return int(when.timestamp())


def _sub(kind: str, full: dict[str, Any], defaults: tuple[str, ...] | None = None) -> Obj:
    """A nested object (``from``, ``questions``…): any of its keys may be asked for."""
    return Obj(kind, full, defaults or tuple(full), frozenset(full))


def page_obj(page: Page) -> Obj:
    """A Facebook page."""
    full: dict[str, Any] = {
        "id": page.id,
        "name": page.name,
        "category": page.category,
        "link": f"https://www.facebook.com/{page.id}",
    }
    if page.ig_account:
        full["instagram_business_account"] = _sub(
            "IGUser", {"id": page.ig_account.id, "username": page.ig_account.username}, ("id",)
        )
    return Obj("Page", full, ("name", "id"), PAGE_FIELDS)


def user_obj(user_id: str, name: str) -> Obj:
    """The admin behind the user token."""
    return Obj("User", {"id": user_id, "name": name}, ("name", "id"), frozenset({"id", "name", "email"}))


def form_obj(form: Form, page: Page, leads: Sequence[Lead]) -> Obj:
    """A lead form, with its questions and lead counts."""
    questions = [
        _sub("Question", {"key": q.key, "label": q.label, "type": q.type, "id": q.id}) for q in form.questions
    ]
    full: dict[str, Any] = {
        "id": form.id,
        "name": form.name,
        "status": form.status,
        "locale": form.locale,
        "questions": questions,
        "created_time": graph_time(form.created),
        "leads_count": len(leads),
        "organic_leads_count": sum(1 for lead in leads if lead.is_organic),
        "expired_leads_count": 0,
        "allow_organic_lead": True,
        "page": _sub("Page", {"name": page.name, "id": page.id}),
        "page_id": page.id,
        "privacy_policy_url": form.privacy_policy_url,
        # The disclaimer checkboxes people tick, with their words: what consent means for this form.
        "legal_content": _sub(
            "LeadGenLegalContent",
            {
                "id": f"{form.id}9",
                "privacy_policy": {"url": form.privacy_policy_url, "link_text": "Privacy policy"},
                "custom_disclaimer": {
                    "title": "Before you send",
                    "body": {
                        "text": "Heimili húsgögn ehf. will use your details to answer your request.",
                        "url_entities": [],
                    },
                    "checkboxes": [
                        {
                            "key": d.key,
                            "text": d.text,
                            "is_required": not d.optional,
                            "is_checked_by_default": False,
                        }
                        for d in form.disclaimers
                    ],
                },
            },
        ),
    }
    return Obj("LeadgenForm", full, ("id", "locale", "name", "status"), FORM_FIELDS)


def lead_obj(lead: Lead, ad_fields: bool = True) -> Obj:
    """A lead; ad fields only for paid leads and only with advertiser rights (``ad_fields``)."""
    full: dict[str, Any] = {"created_time": graph_time(lead.created), "id": lead.id}
    if lead.ad is not None and ad_fields:
        ad = lead.ad
        full |= {
            "ad_id": ad.ad_id,
            "ad_name": ad.ad_name,
            "adset_id": ad.adset_id,
            "adset_name": ad.adset_name,
            "campaign_id": ad.campaign_id,
            "campaign_name": ad.campaign_name,
        }
    full |= {
        "form_id": lead.form_id,
        "field_data": [{"name": f["name"], "values": list(f["values"])} for f in lead.field_data],
        "is_organic": lead.is_organic,
        "platform": lead.platform,
    }
    if lead.disclaimer_responses:
        full["custom_disclaimer_responses"] = [dict(r) for r in lead.disclaimer_responses]
    return Obj("Lead", full, ("created_time", "id", "field_data"), LEAD_FIELDS)


def post_obj(post: Post, page: Page) -> Obj:
    """A post on a page's feed."""
    number = post.id.split("_")[-1]
    full: dict[str, Any] = {
        "created_time": graph_time(post.created),
        "message": post.message,
        "id": post.id,
        "updated_time": graph_time(post.created),
        "from": _sub("Page", {"name": page.name, "id": page.id}),
        "permalink_url": f"https://www.facebook.com/{page.id}/posts/{number}",
        "is_hidden": False,
        "is_published": True,
        "status_type": "mobile_status_update",
    }
    return Obj("PagePost", full, ("created_time", "message", "id"), POST_FIELDS)


def comment_obj(comment: Comment, page_id: str, parent: Obj | None, replies: int) -> Obj:
    """A comment on a page post; ``parent`` (a comment ``Obj``) when it is a reply."""
    post_number = comment.post_id.split("_")[-1]
    number = comment.id.split("_")[-1]
    link = f"https://www.facebook.com/{page_id}/posts/{post_number}/?comment_id="
    if parent is not None:
        link += f"{parent.full['id'].split('_')[-1]}&reply_comment_id={number}"
    else:
        link += number
    full: dict[str, Any] = {
        "created_time": graph_time(comment.created),
        "from": _sub("User", {"name": comment.author_name, "id": comment.author_id}),
        "message": comment.message,
        "id": comment.id,
        "permalink_url": link,
        "is_hidden": False,
        "like_count": 0,
        "comment_count": replies,
        "can_reply_privately": comment.person_key is not None,
        "object": _sub("PagePost", {"id": comment.post_id}),
    }
    if parent is not None:
        full["parent"] = parent
    if comment.photo is not None:
        full["attachment"] = _photo_attachment(comment.photo, link)
    return Obj("Comment", full, ("created_time", "from", "message", "id"), COMMENT_FIELDS)


def _photo_attachment(src: str, link: str) -> dict[str, Any]:
    """A photo comment's ``attachment``: a StoryAttachment (``media.image``, ``target``, ``type``, url),
    served whole (a plain object: its ``media`` is no edge here)."""
    photo_id = src.rsplit("/", 1)[-1].split("_")[0]
    return {
        "media": {"image": {"height": 720, "src": src, "width": 960}},
        "target": {"id": photo_id, "url": link},
        "type": "photo",
        "url": link,
    }


def ig_user_obj(account: IgAccount, page: Page, media_count: int) -> Obj:
    """The Instagram business account linked to a page."""
    full: dict[str, Any] = {
        "id": account.id,
        "username": account.username,
        "name": page.name,
        "media_count": media_count,
    }
    return Obj("IGUser", full, ("id",), IG_USER_FIELDS)


def ig_media_obj(media: IgMedia, username: str, comments: int) -> Obj:
    """An Instagram post of the store's account."""
    code = base64.urlsafe_b64encode(int(media.id).to_bytes(8, "big")).decode().rstrip("=")
    full: dict[str, Any] = {
        "id": media.id,
        "caption": media.caption,
        "timestamp": graph_time(media.created),
        "media_product_type": media.media_product_type,
        "media_type": "VIDEO" if media.media_product_type == "REELS" else "IMAGE",
        "permalink": f"https://www.instagram.com/p/{code}/",
        "shortcode": code,
        "comments_count": comments,
        "like_count": 0,
        "username": username,
        "owner": _sub("IGUser", {"id": media.account_id}),
        "is_comment_enabled": True,
    }
    return Obj("IGMedia", full, ("id",), IG_MEDIA_FIELDS)


def ig_comment_obj(comment: IgComment, media: IgMedia, replies: Sequence[IgComment] = ()) -> Obj:
    """A comment on Instagram media; ``parent_id`` only on replies, ``replies`` only on comments with some."""
    full: dict[str, Any] = {
        "timestamp": graph_time(comment.created),
        "text": comment.text,
        "id": comment.id,
        "username": comment.username,
        "from": _sub("IGCommentFromUser", {"id": comment.user_id, "username": comment.username}),
        "media": _sub("IGMedia", {"id": media.id, "media_product_type": media.media_product_type}, ("id",)),
        "hidden": False,
        "like_count": 0,
    }
    if comment.parent_id:
        full["parent_id"] = comment.parent_id
    if replies:
        full["replies"] = EdgeField(tuple(ig_comment_obj(reply, media) for reply in replies))
    return Obj("IGComment", full, ("timestamp", "text", "id"), IG_COMMENT_FIELDS)
