"""What each Graph node and edge answers in the sandbox, and who may read it.

A page token reads its own page and everything under it (forms, leads, posts, comments, its
Instagram account, media and comments); the user token reads every page; both lose what
``chaos.permissions_removed`` takes (a page token carries its user's permissions). Anything a token
may not see answers like an unknown id (100/33), as on Graph. Permissions per read follow
https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving/#permissions and
https://developers.facebook.com/docs/permissions/reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from socialleads.sandbox.chaos import Chaos, ChaosState
from socialleads.sandbox.meta import account, errors, paging
from socialleads.sandbox.meta import shapes as js
from socialleads.sandbox.meta.account import Token
from socialleads.sandbox.meta.fields import Obj, parse_fields, select
from socialleads.sandbox.meta.index import Index, Node
from socialleads.sandbox.world.living import World

#: Permissions each read needs, by node kind and by (node kind, edge).
NODE_SCOPES: dict[str, tuple[str, ...]] = {
    "page": (),
    "form": ("pages_manage_ads",),
    "lead": ("leads_retrieval",),
    "post": ("pages_read_engagement",),
    "comment": ("pages_read_engagement",),
    "ig_user": ("instagram_basic",),
    "ig_media": ("instagram_basic",),
    "ig_comment": ("instagram_basic", "instagram_manage_comments"),
}
EDGE_SCOPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("page", "leadgen_forms"): ("pages_manage_ads",),
    ("page", "feed"): ("pages_read_engagement",),
    ("page", "posts"): ("pages_read_engagement",),
    ("page", "published_posts"): ("pages_read_engagement",),
    ("page", "subscribed_apps"): ("pages_manage_metadata",),
    ("form", "leads"): ("leads_retrieval",),
    ("post", "comments"): ("pages_read_engagement",),
    ("comment", "comments"): ("pages_read_engagement",),
    ("ig_user", "media"): ("instagram_basic",),
    ("ig_media", "comments"): ("instagram_basic", "instagram_manage_comments"),
    ("ig_comment", "replies"): ("instagram_basic", "instagram_manage_comments"),
}


def _key(item: Any) -> tuple[str, str]:
    return item.created.strftime("%Y%m%d%H%M%S%f"), str(item.id)


class Edges:
    """Answers one authenticated call (the caller holds ``world.lock`` and has refreshed the index)."""

    def __init__(self, world: World, chaos: Chaos, index: Index) -> None:
        self.world = world
        self.chaos = chaos
        self.index = index

    def classify(self, node_id: str, edge: str | None, token: Token) -> tuple[str | None, str]:
        """The page a call counts against (None for app-level calls) and its usage type."""
        node = self.index.resolve((token.page_id or "") if node_id == "me" else node_id)
        if node is None or (token.kind == "page" and node.page_id != token.page_id):
            return token.page_id, "pages"
        if node.kind in ("form", "lead"):
            return node.page_id, "leadgen"
        if node.kind.startswith("ig_"):
            return node.page_id, "instagram"
        return node.page_id, "leadgen" if edge == "leadgen_forms" else "pages"

    # --- dispatch -----------------------------------------------------------------------------------

    def dispatch(
        self,
        method: str,
        node_id: str,
        edge: str | None,
        params: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        url: str,
        token: Token,
        state: ChaosState,
    ) -> dict[str, Any]:
        """The JSON answer to ``method /node_id[/edge]``; raises ``GraphError``."""
        if node_id == "debug_token" and edge is None and method == "GET":
            return account.debug_token(self.world, params, state)
        if token.kind == "app":
            raise errors.missing_permission("pages_read_engagement")
        granted = account.granted(state)
        fields = parse_fields(params["fields"]) if params.get("fields") else None
        if node_id == "me" and token.kind == "user":
            return account.me(self.world, method, edge, fields, granted)
        node = self.index.resolve((token.page_id or "") if node_id == "me" else node_id)
        if node is None or (token.kind == "page" and node.page_id != token.page_id):
            raise errors.unknown_object(node_id, method.lower())
        if edge == "subscribed_apps" and node.kind == "page" and method in ("GET", "POST"):
            account.require(EDGE_SCOPES[("page", edge)], granted)
            return account.subscribed_apps(self.chaos, method, node.page_id, params, token)
        if method != "GET":
            raise errors.unknown_object(node_id, method.lower())
        if edge is None:
            account.require(NODE_SCOPES[node.kind], granted)
            return select(self._obj(node, granted), fields)
        if (node.kind, edge) not in EDGE_SCOPES:
            raise errors.nonexisting_field(edge, self._obj(node, granted).type)
        account.require(EDGE_SCOPES[(node.kind, edge)], granted)
        items, newest_first, kind = self._edge_items(node, edge, params)

        def render(item: Any) -> dict[str, Any]:
            return select(self._obj(Node(kind, item, node.page_id), granted), fields)

        limit, short = paging.limit_of(params), state.short_pages
        return paging.paginate(items, _key, newest_first, render, query, url, limit, short)

    def _edge_items(self, node: Node, edge: str, params: Mapping[str, str]) -> tuple[list[Any], bool, str]:
        """The edge's items in Graph's order, whether newest first, and their kind."""
        ix, item = self.index, node.item
        since, until = paging.time_param(params, "since"), paging.time_param(params, "until")
        items: list[Any]
        if node.kind == "form":  # leads, newest first, with ``filtering`` on time_created
            rules = paging.filtering(params.get("filtering"))
            items = [x for x in ix.leads_of[item.id] if all(t(js.unix(x.created), v) for t, v in rules)]
            newest_first, kind = True, "lead"
        elif node.kind == "page" and edge == "leadgen_forms":
            items = [f for f in self.world.forms.values() if f.page_id == item.id]
            newest_first, kind = True, "form"
        elif node.kind == "page":  # feed, posts, published_posts
            items, newest_first, kind = list(ix.posts_of[item.id]), True, "post"
        elif node.kind in ("post", "comment"):
            mode, order = params.get("filter", "toplevel"), params.get("order", "chronological")
            if mode not in ("toplevel", "stream") or order not in ("chronological", "reverse_chronological"):
                raise errors.bad_param(
                    "filter must be toplevel or stream, order chronological or reverse_chronological"
                )
            if node.kind == "comment":
                items = list(ix.replies[item.id])
            elif mode == "stream":
                items = list(ix.comments_on[item.id])
            else:
                items = [c for c in ix.comments_on[item.id] if c.parent_id is None]
            newest_first, kind = order == "reverse_chronological", "comment"
        elif node.kind == "ig_user":
            items, newest_first, kind = list(ix.media_of[item.id]), True, "ig_media"
        else:  # IG comments of media (top level) or replies of a comment, oldest first (Meta's sample)
            source = ix.ig_comments_on if node.kind == "ig_media" else ix.ig_replies
            items, newest_first, kind = list(source[item.id]), False, "ig_comment"
        if since is not None:
            items = [x for x in items if js.unix(x.created) >= since]
        if until is not None:
            items = [x for x in items if js.unix(x.created) <= until]
        return sorted(items, key=_key, reverse=newest_first), newest_first, kind

    def _obj(self, node: Node, granted: Sequence[str]) -> Obj:
        ix, w, item = self.index, self.world, node.item
        maker: dict[str, Callable[[], Obj]] = {
            "page": lambda: js.page_obj(item),
            "form": lambda: js.form_obj(item, w.pages[item.page_id], ix.leads_of[item.id]),
            "lead": lambda: js.lead_obj(item, "ads_management" in granted),
            "post": lambda: js.post_obj(item, w.pages[item.page_id]),
            "comment": lambda: self._comment(item.id, node.page_id),
            "ig_user": lambda: js.ig_user_obj(item, w.pages[item.page_id], len(ix.media_of[item.id])),
            "ig_media": lambda: js.ig_media_obj(
                item,
                ix.accounts[item.account_id].username,
                sum(1 + len(ix.ig_replies[c.id]) for c in ix.ig_comments_on[item.id]),
            ),
            "ig_comment": lambda: js.ig_comment_obj(item, ix.media[item.media_id], ix.ig_replies[item.id]),
        }
        return maker[node.kind]()

    def _comment(self, comment_id: str, page_id: str) -> Obj:
        comment = self.index.comments[comment_id]
        parent = self._comment(comment.parent_id, page_id) if comment.parent_id else None
        return js.comment_obj(comment, page_id, parent, len(self.index.replies[comment.id]))
