"""Lookups over the world for the Graph emulator: every node by id, and each edge's items.

The world's lists only grow (items are appended in time order), so the index catches up by reading
what was appended since the last request; an edited comment keeps its place (and id) in the world's
``comments`` and is announced in ``comment_edits``, which the index reads the same way. Call
``refresh`` with ``world.lock`` held.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from socialleads.sandbox.world.entities import Comment, Form, IgAccount, IgComment, IgMedia, Lead, Post
from socialleads.sandbox.world.living import World


@dataclass(frozen=True)
class Node:
    """A resolved id: what it is, the record, and the page it belongs to (whose token may read it)."""

    kind: str
    """page | form | lead | post | comment | ig_user | ig_media | ig_comment"""
    item: Any
    page_id: str


class Index:
    """Ids → records and parent → children, kept in step with the world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.accounts: dict[str, IgAccount] = {
            p.ig_account.id: p.ig_account for p in world.pages.values() if p.ig_account
        }
        self.leads: dict[str, Lead] = {}
        self.leads_of: dict[str, list[Lead]] = defaultdict(list)
        self.posts: dict[str, Post] = {}
        self.posts_of: dict[str, list[Post]] = defaultdict(list)
        self.comments: dict[str, Comment] = {}
        self.comments_on: dict[str, list[Comment]] = defaultdict(list)
        self.replies: dict[str, list[Comment]] = defaultdict(list)
        self.media: dict[str, IgMedia] = {}
        self.media_of: dict[str, list[IgMedia]] = defaultdict(list)
        self.ig_comments: dict[str, IgComment] = {}
        self.ig_comments_on: dict[str, list[IgComment]] = defaultdict(list)
        self.ig_replies: dict[str, list[IgComment]] = defaultdict(list)
        self._seen = [0, 0, 0, 0, 0, 0]

    def refresh(self) -> None:
        """Index what the world made since the last call (hold ``world.lock``)."""
        w, seen = self.world, self._seen
        for lead in w.leads[seen[0] :]:
            self.leads[lead.id] = lead
            self.leads_of[lead.form_id].append(lead)
        for post in w.posts[seen[1] :]:
            self.posts[post.id] = post
            self.posts_of[post.page_id].append(post)
        for comment in w.comments[seen[2] :]:
            self.comments[comment.id] = comment
            self.comments_on[comment.post_id].append(comment)
            if comment.parent_id:
                self.replies[comment.parent_id].append(comment)
        for media in w.ig_media[seen[3] :]:
            self.media[media.id] = media
            self.media_of[media.account_id].append(media)
        for ig in w.ig_comments[seen[4] :]:
            self.ig_comments[ig.id] = ig
            (self.ig_replies[ig.parent_id] if ig.parent_id else self.ig_comments_on[ig.media_id]).append(ig)
        for edit in w.comment_edits[seen[5] :]:
            self._edited(edit.comment)
        self._seen = [
            len(w.leads),
            len(w.posts),
            len(w.comments),
            len(w.ig_media),
            len(w.ig_comments),
            len(w.comment_edits),
        ]

    def _edited(self, comment: Comment) -> None:
        """Serve ``comment``'s new text wherever the index holds its earlier version."""
        self.comments[comment.id] = comment
        for siblings in (self.comments_on[comment.post_id], self.replies.get(comment.parent_id or "", [])):
            for index, known in enumerate(siblings):
                if known.id == comment.id:
                    siblings[index] = comment

    def resolve(self, object_id: str) -> Node | None:
        """The node with ``object_id``, or None when there is none."""
        w = self.world
        if object_id in w.pages:
            return Node("page", w.pages[object_id], object_id)
        form: Form | None = w.forms.get(object_id)
        if form is not None:
            return Node("form", form, form.page_id)
        if object_id in self.leads:
            lead = self.leads[object_id]
            return Node("lead", lead, lead.page_id)
        if object_id in self.posts:
            return Node("post", self.posts[object_id], self.posts[object_id].page_id)
        if object_id in self.comments:
            comment = self.comments[object_id]
            return Node("comment", comment, self.posts[comment.post_id].page_id)
        if object_id in self.accounts:
            return Node("ig_user", self.accounts[object_id], self.accounts[object_id].page_id)
        if object_id in self.media:
            media = self.media[object_id]
            return Node("ig_media", media, self.accounts[media.account_id].page_id)
        if object_id in self.ig_comments:
            ig = self.ig_comments[object_id]
            return Node("ig_comment", ig, self.accounts[self.media[ig.media_id].account_id].page_id)
        return None
