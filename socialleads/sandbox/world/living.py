"""The living world behind the emulators: a seeded generator of leads, comments and posts over time.

Each kind of activity is its own stream with its own random generator and rate; ``advance(now)``
makes every item whose time has come, in time order. The world is a pure function of its seed,
start time, rates and the ``now`` it was advanced to: the same inputs give the same items, ids and
texts. Every item is also recorded in ``truth`` (who is behind it, whether it carries buying
intent), which the sandbox reports and the product never reads.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from socialleads.sandbox.world import fixtures, meta_shapes, texts, x_shapes
from socialleads.sandbox.world.entities import (
    Comment,
    CommentEdit,
    Form,
    IgComment,
    IgMedia,
    Lead,
    Person,
    Post,
    TruthItem,
    Tweet,
    XUser,
)
from socialleads.sandbox.world.people import make_people

TWITTER_EPOCH_MS = 1288834974657
#: How often each form gets a lead, relative; a form not listed (added by hand) gets none. The main
#: page's two forms take 80 % (as when they were the only ones beside the newsletter), the outlet 20 %.
LEAD_FORM_WEIGHTS = {
    "880000000000101": 10,
    "880000000000102": 6,
    "880000000000201": 2,
    meta_shapes.RESERVATION_FORM: 1,
    meta_shapes.DELIVERY_FORM: 1,
}
ROOMS = ("living_room", "kitchen", "bedroom", "dining_room", "office")
WHEN = ("weekday_morning", "weekday_afternoon", "weekend")
STYLES = ("scandinavian", "modern", "classic", "industrial")
HASHTAGS = ("#heimili", "#interiors", "#hygge", "#homedecor")
PAGE_REPLIES = (
    "Takk fyrir! Við sendum þér skilaboð 😊",
    "Thank you! We'll send you a message.",
    "Sendum þér upplýsingar í skilaboðum.",
    "Takk fyrir fallegu orðin!",
)


@dataclass(frozen=True)
class Rates:
    """How busy the world is: items per minute per stream, and the shape of who writes what."""

    leads: float = 2.0
    fb_comments: float = 2.0
    ig_comments: float = 1.0
    x_posts: float = 3.0
    fb_posts_per_hour: float = 1.0
    ig_media_per_hour: float = 0.5
    intent_share: float = 0.3
    repeat_share: float = 0.2


def snowflake(when: datetime, sequence: int) -> str:
    """An X-style id that grows with time (41 bits of milliseconds, then a sequence)."""
    millis = int(when.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((millis << 22) + (sequence % 4096))


class _Stream:
    """One kind of activity: its own random generator and the time of its next item."""

    def __init__(self, seed: int, name: str, per_minute: float, begin: datetime) -> None:
        self.name = name
        self.rng = random.Random(f"{seed}:{name}")
        self.per_minute = per_minute
        self.next_at = begin + self._gap()

    def _gap(self) -> timedelta:
        if self.per_minute <= 0:
            return timedelta(days=36500)
        return timedelta(seconds=self.rng.expovariate(self.per_minute / 60.0))

    def step(self) -> None:
        self.next_at += self._gap()


class World:
    """The sandbox's state: fixtures, people, everything generated so far, and the truth about it.

    Thread-safe: the HTTP emulators read while a ticker advances it. Listeners registered with
    ``subscribe`` receive each batch of new items (the webhook sender is one).
    """

    def __init__(
        self,
        seed: int = 7,
        start: datetime | None = None,
        rates: Rates | None = None,
        history: timedelta = timedelta(hours=2),
        population: int = 400,
    ) -> None:
        self.seed = seed
        self.start = (start or datetime.now(UTC)).replace(microsecond=0)
        self.rates = rates or Rates()
        self.lock = threading.RLock()
        self.tokens = fixtures.Tokens.for_seed(seed)
        self.pages = {p.id: p for p in fixtures.pages()}
        self.forms = {f.id: f for f in (*fixtures.forms(self.start), *meta_shapes.forms(self.start))}
        self.people = make_people(seed, population)
        self.person = {p.key: p for p in self.people}
        self.brand = fixtures.brand_account(self.start)
        self.x_users: dict[str, XUser] = {self.brand.id: self.brand}
        self.leads: list[Lead] = []
        self.posts: list[Post] = []
        self.comments: list[Comment] = []
        self.comment_edits: list[CommentEdit] = []
        self.ig_media: list[IgMedia] = []
        self.ig_comments: list[IgComment] = []
        self.tweets: list[Tweet] = []
        self.truth: list[TruthItem] = []
        self._listeners: list[Callable[[list[Any]], None]] = []
        self._seen: list[str] = []
        self._fresh = 0
        begin = self.start - history
        r = self.rates
        self._streams = [
            _Stream(seed, "lead", r.leads, begin),
            _Stream(seed, "fb_comment", r.fb_comments, begin),
            _Stream(seed, "ig_comment", r.ig_comments, begin),
            _Stream(seed, "x_post", r.x_posts, begin),
            _Stream(seed, "fb_post", r.fb_posts_per_hour / 60, begin),
            _Stream(seed, "ig_media", r.ig_media_per_hour / 60, begin),
        ]
        self.now = begin
        self._new_post(self._streams[4].rng, begin - timedelta(minutes=30))
        self._new_media(self._streams[5].rng, begin - timedelta(minutes=30))
        self.advance(self.start)

    # --- time -----------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[list[Any]], None]) -> None:
        """Call ``listener`` with every batch of items made from now on."""
        with self.lock:
            self._listeners.append(listener)

    def advance(self, now: datetime) -> list[Any]:
        """Make every item due by ``now``, oldest first; returns them (and tells the listeners)."""
        made: list[Any] = []
        with self.lock:
            while True:
                stream = min(self._streams, key=lambda s: (s.next_at, s.name))
                if stream.next_at > now:
                    break
                item = self._make(stream, stream.next_at)
                if item is not None:
                    made.append(item)
                stream.step()
            self.now = max(self.now, now)
            listeners = list(self._listeners)
        if made:
            for listener in listeners:
                listener(made)
        return made

    def _make(self, stream: _Stream, at: datetime) -> Any:
        maker: dict[str, Callable[[random.Random, datetime], Any]] = {
            "lead": self._new_lead,
            "fb_comment": self._new_comment,
            "ig_comment": self._new_ig_comment,
            "x_post": self._new_tweet,
            "fb_post": self._new_post,
            "ig_media": self._new_media,
        }
        return maker[stream.name](stream.rng, at)

    # --- people ---------------------------------------------------------------------------------

    def _someone(self, rng: random.Random) -> Person:
        """A person seen before (``repeat_share`` of the time), else someone new."""
        if self._seen and rng.random() < self.rates.repeat_share:
            return self.person[rng.choice(self._seen)]
        person = self.people[self._fresh % len(self.people)]
        self._fresh += 1
        self._seen.append(person.key)
        self.x_users.setdefault(person.x_user_id, x_shapes.x_account(self.seed, person))
        return person

    def _remember(self, item: TruthItem) -> None:
        self.truth.append(item)

    # --- makers ---------------------------------------------------------------------------------

    def _new_lead(self, rng: random.Random, at: datetime) -> Lead:
        """A person's lead on one of the forms (a Testing Tool lead comes from ``testing_tool_lead``)."""
        forms = list(self.forms.values())
        form = rng.choices(forms, weights=[LEAD_FORM_WEIGHTS.get(f.id, 0) for f in forms])[0]
        person = self._someone(rng)
        drawn = {
            "full_name": person.name,
            "first_name": person.first,
            "email": person.email,
            "phone_number": person.phone,
            "city": person.city,
            "which_room_would_you_like_help_with": rng.choice(ROOMS),
            "when_suits_you": rng.choice(WHEN),
            "which_style_do_you_like": rng.choice(STYLES),
        }
        answers = meta_shapes.answers(person, drawn)
        field_data = tuple({"name": q.key, "values": [answers[q.key]]} for q in form.questions)
        ad = None if rng.random() < 0.3 else rng.choice(fixtures.ADS)
        disclaimers = tuple(
            {"checkbox_key": d.key, "is_checked": "1" if rng.random() < 0.7 else ""} for d in form.disclaimers
        )
        lead = Lead(
            id=self._lead_id(),
            form_id=form.id,
            page_id=form.page_id,
            created=at,
            person_key=person.key,
            field_data=field_data,
            ad=ad,
            platform="ig" if rng.random() < 0.2 else "fb",
            disclaimer_responses=disclaimers,
        )
        self._remember_lead(lead)
        return lead

    def _lead_id(self) -> str:
        """The next lead's id (Graph ids are digits)."""
        return str(9_100_000_000_000_000 + len(self.leads) * 17 + 1)

    def _testing_tool_lead(self, form: Form, at: datetime, shape: random.Random) -> Lead:
        """A lead the Lead Ads Testing Tool made on ``form``: a real id, organic, every answer a dummy."""
        lead = Lead(
            id=self._lead_id(),
            form_id=form.id,
            page_id=form.page_id,
            created=at,
            person_key=None,
            field_data=tuple(
                {"name": q.key, "values": [meta_shapes.dummy_answer(q, shape)]} for q in form.questions
            ),
            ad=None,
            platform="fb",
            disclaimer_responses=(),
            testing_tool=True,
        )
        self._remember_lead(lead)
        return lead

    def _remember_lead(self, lead: Lead) -> None:
        """Keep ``lead`` and its truth: a lead by construction, a Testing Tool lead marked ``test``."""
        self.leads.append(lead)
        where = {"page_id": lead.page_id, "form_id": lead.form_id, "organic": str(lead.ad is None).lower()}
        if lead.testing_tool:
            where["test"] = "true"
        platform = "instagram" if lead.platform == "ig" else "facebook"
        self._remember(TruthItem(lead.id, "lead_form", platform, lead.person_key, True, lead.created, where))

    def testing_tool_lead(self, form_id: str) -> Lead:
        """Make a Lead Ads Testing Tool lead on form ``form_id`` now, as a tester's "Create lead" does, and
        tell the listeners (the webhook sender announces it like any lead). The running sandbox makes one
        now and then (``socialleads.sandbox.runtime``); a world left to itself makes none."""
        with self.lock:
            form = self.forms[form_id]
            at = self.now
            lead = self._testing_tool_lead(form, at, meta_shapes.shape_rng(self.seed, "tool", at))
            listeners = list(self._listeners)
        for listener in listeners:
            listener([lead])
        return lead

    def _new_post(self, rng: random.Random, at: datetime) -> Post:
        page = fixtures.MAIN_PAGE if rng.random() < 0.8 else fixtures.OUTLET_PAGE
        post = Post(
            f"{page}_{5_000_000_000 + len(self.posts) * 3 + 1}", page, texts.store_post(rng, "is"), at
        )
        self.posts.append(post)
        return post

    def _new_comment(self, rng: random.Random, at: datetime) -> Comment | CommentEdit:
        """A comment or reply on a recent post, by a person or the page; now and then
        (``meta_shapes.EDIT_SHARE``, drawn from the item's own shape generator after the stream's draws)
        an edit of a recent comment instead, which keeps its id."""
        recent = [p for p in self.posts if p.created <= at][-5:]
        post = rng.choice(recent)
        number = str(7_000_000_000 + len(self.comments) * 7 + 1)
        comment_id = f"{post.id.split('_')[1]}_{number}"
        on_post = [c for c in self.comments[-200:] if c.post_id == post.id and c.parent_id is None]
        parent = rng.choice(on_post).id if on_post and rng.random() < 0.1 else None
        shape = meta_shapes.shape_rng(self.seed, "fb_comment", at)
        if rng.random() < 0.08:  # the page answers
            page = self.pages[post.page_id]
            said = rng.choice(PAGE_REPLIES)
            comment = Comment(comment_id, post.id, parent, page.id, page.name, said, at, None, None, "is")
        else:
            comment = self._person_comment(rng, shape, comment_id, post.id, parent, at)
        if shape.random() < meta_shapes.EDIT_SHARE:
            edit = self._edit_comment(shape, at)
            if edit is not None:
                return edit
        self.comments.append(comment)
        self._remember(
            TruthItem(
                comment.id,
                "fb_comment",
                "facebook",
                comment.person_key,
                comment.intent,
                at,
                {
                    "page_id": post.page_id,
                    "post_id": post.id,
                    "by_page": str(comment.person_key is None).lower(),
                    **({"parent_id": parent} if parent else {}),
                },
            )
        )
        return comment

    def _person_comment(
        self,
        rng: random.Random,
        shape: random.Random,
        comment_id: str,
        post_id: str,
        parent: str | None,
        at: datetime,
    ) -> Comment:
        """A person's comment, under their Facebook profile name, with a photo now and then."""
        person = self._someone(rng)
        said = texts.comment(rng, person.lang, rng.random() < self.rates.intent_share)
        photo = meta_shapes.photo_url(comment_id) if shape.random() < meta_shapes.PHOTO_SHARE else None
        return Comment(
            comment_id,
            post_id,
            parent,
            person.fb_user_id,
            meta_shapes.facebook_name(self.seed, person),
            said.text,
            at,
            person.key,
            said.intent,
            said.lang,
            photo,
        )

    def _edit_comment(self, shape: random.Random, at: datetime) -> CommentEdit | None:
        """A person edits one of the comments they wrote within ``meta_shapes.EDIT_WINDOW``: the comment keeps
        its id and takes the new text in ``comments``; in the truth it stays the same item. None when no
        comment is recent enough."""
        recent = [
            i
            for i in range(max(0, len(self.comments) - 100), len(self.comments))
            if self.comments[i].person_key is not None
            and at - self.comments[i].created <= meta_shapes.EDIT_WINDOW
        ]
        if not recent:
            return None
        index = shape.choice(recent)
        before = self.comments[index]
        after = replace(before, message=meta_shapes.edited_text(shape, before.message))
        self.comments[index] = after
        edit = CommentEdit(after, at, before.message)
        self.comment_edits.append(edit)
        for number in range(len(self.truth) - 1, -1, -1):
            item = self.truth[number]
            if item.native_id == before.id and item.kind == "fb_comment":
                edits = int(item.where.get("edits", "0")) + 1
                self.truth[number] = replace(item, where={**item.where, "edits": str(edits)})
                break
        return edit

    def _new_media(self, rng: random.Random, at: datetime) -> IgMedia:
        media = IgMedia(
            str(17_950_000_000_000_000 + len(self.ig_media) * 11 + 1),
            fixtures.IG_ACCOUNT,
            texts.store_post(rng, "is"),
            at,
            rng.choice(("FEED", "FEED", "REELS")),
        )
        self.ig_media.append(media)
        return media

    def _new_ig_comment(self, rng: random.Random, at: datetime) -> IgComment:
        media = rng.choice([m for m in self.ig_media if m.created <= at][-4:])
        person = self._someone(rng)
        said = texts.comment(rng, person.lang, rng.random() < self.rates.intent_share)
        on_media = [c for c in self.ig_comments[-100:] if c.media_id == media.id and c.parent_id is None]
        parent = rng.choice(on_media).id if on_media and rng.random() < 0.1 else None
        comment = IgComment(
            str(17_860_000_000_000_000 + len(self.ig_comments) * 13 + 1),
            media.id,
            parent,
            person.ig_user_id,
            person.ig_username,
            said.text,
            at,
            person.key,
            said.intent,
            said.lang,
        )
        self.ig_comments.append(comment)
        self._remember(
            TruthItem(
                comment.id,
                "ig_comment",
                "instagram",
                person.key,
                said.intent,
                at,
                {"account_id": media.account_id, "media_id": media.id},
            )
        )
        return comment

    def _new_tweet(self, rng: random.Random, at: datetime) -> Tweet:
        """The X stream's next item: a post, a retweet, or (drawn from the item's own shape generator,
        so the stream's draws stay as they were) an edit of a recent post or an odd post."""
        shape = x_shapes.shape_rng(self.seed, at)
        if shape.random() < x_shapes.EDIT_SHARE:
            edit = self._edit_tweet(shape, at)
            if edit is not None:
                return edit
        if shape.random() < x_shapes.ODD_SHARE and self._seen:
            return self._odd_tweet(shape, at)
        sequence = len(self.tweets)
        roll = rng.random()
        written = "en"
        if roll < 0.05:  # the store's own post
            tweet = Tweet(
                snowflake(at, sequence),
                self.brand.id,
                texts.store_post(rng, "en")[:270],
                at,
                "en",
                None,
                None,
            )
        elif roll < 0.15 and self.tweets:  # a retweet of someone's post: never a lead in itself
            original = rng.choice([t for t in self.tweets[-100:] if t.retweet_of is None])
            author = self.x_users[original.author_id]
            person = self._someone(rng)
            written = original.lang
            tweet = Tweet(
                snowflake(at, sequence),
                person.x_user_id,
                f"RT @{author.username}: {original.text}"[:280],
                at,
                original.lang,
                person.key,
                False,
                (author.username, *original.mentions),
                original.hashtags,
                retweet_of=original.id,
            )
        else:
            person = self._someone(rng)
            intent = rng.random() < self.rates.intent_share
            mention = f"@{self.brand.username}" if roll < 0.55 else None
            tags = (rng.choice(HASHTAGS),) if rng.random() < 0.2 else ()
            said = texts.post_text(rng, person.lang, intent, mention=mention, hashtags=tags)
            in_reply = self.brand.id if mention and rng.random() < 0.3 else None
            text, x_lang = x_shapes.dressed(shape, said.text, said.lang)
            written = said.lang
            tweet = Tweet(
                snowflake(at, sequence),
                person.x_user_id,
                text,
                at,
                x_lang,
                person.key,
                said.intent,
                (self.brand.username,) if mention else (),
                tags,
                in_reply_to_user_id=in_reply,
            )
        self.tweets.append(tweet)
        self._remember_tweet(tweet, at, written)
        return tweet

    def _odd_tweet(self, shape: random.Random, at: datetime) -> Tweet:
        """A post by someone seen before that X labels with no language (``qme``, ``und``...) or
        Indonesian (``in``); chatter, never a lead."""
        person = self.person[shape.choice(self._seen)]
        odd = shape.choice(x_shapes.ODD_POSTS)
        mention = "{mention}" in odd.template
        tweet = Tweet(
            snowflake(at, len(self.tweets)),
            person.x_user_id,
            x_shapes.odd_text(shape, odd, f"@{self.brand.username}"),
            at,
            odd.lang,
            person.key,
            False,
            (self.brand.username,) if mention else (),
            odd.hashtags,
        )
        self.tweets.append(tweet)
        self._remember_tweet(tweet, at, odd.written_in)
        return tweet

    def _editable(self, tweet: Tweet, at: datetime) -> bool:
        """Whether the author may still edit ``tweet`` at ``at``: a person's own post (not a retweet, not a
        reply to someone else), within 30 minutes of its first version, edited fewer than 5 times."""
        first = tweet.first_posted or tweet.created
        return (
            tweet.person_key is not None
            and tweet.retweet_of is None
            and tweet.in_reply_to_user_id is None
            and len(tweet.edit_history) < x_shapes.MOST_EDITS
            and at < first + x_shapes.EDIT_WINDOW
        )

    def _edit_tweet(self, shape: random.Random, at: datetime) -> Tweet | None:
        """Edit one of the recent posts still editable: a new post with a new id, carrying the ids of
        the versions before it. Search and mentions return only the newest version of a post
        (https://docs.x.com/x-api/posts/search/integrate/overview), so it takes the old one's place in
        ``tweets``; in the truth it stays the same item. None when no post is editable."""
        editable = [t for t in self.tweets[-60:] if self._editable(t, at)]
        if not editable:
            return None
        old = shape.choice(editable)
        return self._replace_with_edit(old, x_shapes.edited_text(shape, old.text), at)

    def edit_tweet(self, tweet_id: str, text: str) -> Tweet:
        """Edit the post ``tweet_id`` now, as its author would (for tests and demos): the edit, a new post.

        Raises ``ValueError`` when no current post has that id or X would refuse the edit (a retweet, a
        reply to someone else, 30 minutes after the first version, a sixth edit).
        """
        with self.lock:
            old = next((t for t in self.tweets if t.id == tweet_id), None)
            if old is None or not self._editable(old, self.now):
                raise ValueError(f"post {tweet_id} cannot be edited now")
            return self._replace_with_edit(old, text, self.now)

    def _replace_with_edit(self, old: Tweet, text: str, at: datetime) -> Tweet:
        """The edit of ``old`` with ``text`` at ``at``, in ``old``'s place, noted in the truth."""
        edit = replace(
            old,
            id=snowflake(at, len(self.tweets)),
            text=text,
            created=at,
            conversation_id=old.conversation_id or old.root_id,
            edit_history=(*old.edit_history, old.id),
            first_posted=old.first_posted or old.created,
        )
        self.tweets.remove(old)
        self.tweets.append(edit)
        self._remember_edit(edit)
        return edit

    def _remember_tweet(self, tweet: Tweet, at: datetime, written_in: str | None = None) -> None:
        """Record in the ground truth whether ``tweet`` shows buying intent, and who wrote it.

        ``lang`` is the language it is written in; ``x_lang`` the code X gives it when that differs.
        """
        lang = written_in or tweet.lang
        where = {
            "author_id": tweet.author_id,
            "lang": lang,
            "retweet": str(tweet.retweet_of is not None).lower(),
            "mentions_brand": str(self.brand.username in tweet.mentions).lower(),
        }
        if tweet.lang != lang:
            where["x_lang"] = tweet.lang
        self._remember(TruthItem(tweet.id, "x_post", "x", tweet.person_key, tweet.intent, at, where))

    def _remember_edit(self, edit: Tweet) -> None:
        """An edit is the same item as the post it edits: its truth item learns the newest id."""
        for index in range(len(self.truth) - 1, -1, -1):
            item = self.truth[index]
            if item.native_id == edit.root_id:
                where = {**item.where, "current_id": edit.id, "edits": str(len(edit.edit_history))}
                self.truth[index] = replace(item, where=where)
                return

    # --- queries for the emulators --------------------------------------------------------------

    def leads_of(self, form_id: str) -> list[Lead]:
        """The form's leads, newest first (how Graph lists them)."""
        with self.lock:
            return sorted(
                (lead for lead in self.leads if lead.form_id == form_id),
                key=lambda x: x.created,
                reverse=True,
            )

    def lead(self, lead_id: str) -> Lead | None:
        """One lead by id."""
        with self.lock:
            return next((lead for lead in self.leads if lead.id == lead_id), None)

    def describe(self) -> dict[str, Any]:
        """What ``GET /_sandbox/world`` shows: pages, forms, accounts, and the tokens that work."""
        with self.lock:
            t = self.tokens
            return {
                "seed": self.seed,
                "start": self.start.isoformat(),
                "now": self.now.isoformat(),
                "pages": [
                    {
                        "id": p.id,
                        "name": p.name,
                        "token": t.page_tokens[p.id],
                        "instagram": {"id": p.ig_account.id, "username": p.ig_account.username}
                        if p.ig_account
                        else None,
                        "forms": [
                            {"id": f.id, "name": f.name} for f in self.forms.values() if f.page_id == p.id
                        ],
                    }
                    for p in self.pages.values()
                ],
                "meta": {
                    "app_id": t.app_id,
                    "app_secret": t.app_secret,
                    "verify_token": t.verify_token,
                    "user_token": t.user_token,
                    "permissions": list(fixtures.PERMISSIONS),
                },
                "x": {
                    "bearer_token": t.x_bearer,
                    "user_token": t.x_user_token,
                    "account": {"id": self.brand.id, "username": self.brand.username},
                    "product_words": {lang: list(words) for lang, words in texts.PRODUCT_WORDS.items()},
                },
                "counts": {
                    "leads": len(self.leads),
                    "fb_comments": len(self.comments),
                    "ig_comments": len(self.ig_comments),
                    "x_posts": len(self.tweets),
                    "people": self._fresh,
                },
            }

    def truth_json(self) -> list[dict[str, Any]]:
        """Every generated item with its ground truth, oldest first."""
        with self.lock:
            return [item.as_json() for item in self.truth]
