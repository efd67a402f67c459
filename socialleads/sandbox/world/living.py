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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from socialleads.sandbox.world import fixtures, texts
from socialleads.sandbox.world.entities import (
    Comment,
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
        self.forms = {f.id: f for f in fixtures.forms(self.start)}
        self.people = make_people(seed, population)
        self.person = {p.key: p for p in self.people}
        self.brand = fixtures.brand_account(self.start)
        self.x_users: dict[str, XUser] = {self.brand.id: self.brand}
        self.leads: list[Lead] = []
        self.posts: list[Post] = []
        self.comments: list[Comment] = []
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
        self.x_users.setdefault(
            person.x_user_id,
            XUser(person.x_user_id, person.x_username, person.name, person.x_bio, person.city),
        )
        return person

    def _remember(self, item: TruthItem) -> None:
        self.truth.append(item)

    # --- makers ---------------------------------------------------------------------------------

    def _new_lead(self, rng: random.Random, at: datetime) -> Lead:
        form = rng.choices(list(self.forms.values()), weights=(5, 3, 2))[0]
        person = self._someone(rng)
        answers = {
            "full_name": person.name,
            "first_name": person.first,
            "email": person.email,
            "phone_number": person.phone,
            "city": person.city,
            "which_room_would_you_like_help_with": rng.choice(ROOMS),
            "when_suits_you": rng.choice(WHEN),
            "which_style_do_you_like": rng.choice(STYLES),
        }
        field_data = tuple({"name": q.key, "values": [answers[q.key]]} for q in form.questions)
        ad = None if rng.random() < 0.3 else rng.choice(fixtures.ADS)
        disclaimers = tuple(
            {"checkbox_key": d.key, "is_checked": "1" if rng.random() < 0.7 else ""} for d in form.disclaimers
        )
        lead = Lead(
            id=str(9_100_000_000_000_000 + len(self.leads) * 17 + 1),
            form_id=form.id,
            page_id=form.page_id,
            created=at,
            person_key=person.key,
            field_data=field_data,
            ad=ad,
            platform="ig" if rng.random() < 0.2 else "fb",
            disclaimer_responses=disclaimers,
        )
        self.leads.append(lead)
        self._remember(
            TruthItem(
                lead.id,
                "lead_form",
                "instagram" if lead.platform == "ig" else "facebook",
                person.key,
                True,
                at,
                {"page_id": form.page_id, "form_id": form.id, "organic": str(ad is None).lower()},
            )
        )
        return lead

    def _new_post(self, rng: random.Random, at: datetime) -> Post:
        page = fixtures.MAIN_PAGE if rng.random() < 0.8 else fixtures.OUTLET_PAGE
        post = Post(
            f"{page}_{5_000_000_000 + len(self.posts) * 3 + 1}", page, texts.store_post(rng, "is"), at
        )
        self.posts.append(post)
        return post

    def _new_comment(self, rng: random.Random, at: datetime) -> Comment:
        recent = [p for p in self.posts if p.created <= at][-5:]
        post = rng.choice(recent)
        number = str(7_000_000_000 + len(self.comments) * 7 + 1)
        comment_id = f"{post.id.split('_')[1]}_{number}"
        on_post = [c for c in self.comments[-200:] if c.post_id == post.id and c.parent_id is None]
        parent = rng.choice(on_post).id if on_post and rng.random() < 0.1 else None
        if rng.random() < 0.08:  # the page answers
            page = self.pages[post.page_id]
            comment = Comment(
                comment_id,
                post.id,
                parent,
                page.id,
                page.name,
                rng.choice(PAGE_REPLIES),
                at,
                None,
                None,
                "is",
            )
        else:
            person = self._someone(rng)
            said = texts.comment(rng, person.lang, rng.random() < self.rates.intent_share)
            comment = Comment(
                comment_id,
                post.id,
                parent,
                person.fb_user_id,
                person.name,
                said.text,
                at,
                person.key,
                said.intent,
                said.lang,
            )
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
        sequence = len(self.tweets)
        roll = rng.random()
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
            tweet = Tweet(
                snowflake(at, sequence),
                person.x_user_id,
                said.text,
                at,
                said.lang,
                person.key,
                said.intent,
                (self.brand.username,) if mention else (),
                tags,
                in_reply_to_user_id=in_reply,
            )
        self.tweets.append(tweet)
        self._remember_tweet(tweet, at)
        return tweet

    def _remember_tweet(self, tweet: Tweet, at: datetime) -> None:
        """Record in the ground truth whether ``tweet`` shows buying intent, and who wrote it."""
        self._remember(
            TruthItem(
                tweet.id,
                "x_post",
                "x",
                tweet.person_key,
                tweet.intent,
                at,
                {
                    "author_id": tweet.author_id,
                    "lang": tweet.lang,
                    "retweet": str(tweet.retweet_of is not None).lower(),
                    "mentions_brand": str(self.brand.username in tweet.mentions).lower(),
                },
            )
        )

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
