"""The X sources' configs and cursors: which accounts and searches to read, and how far each was read.

``XMentionsConfig`` and ``XSearchConfig`` are validated when ``sources.yaml`` is loaded (they raise
``ValidationError``; a search query X would refuse for its length is refused here, with the length).
``XMentionsCursor`` and ``XSearchCursor`` are folded by the runner from the positions a poll reports.
Queries follow https://docs.x.com/x-api/posts/search/integrate/build-a-query (512 characters at most).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from socialleads.contracts import ConnectorConfig, Cursor
from socialleads.settings import PositiveDuration

#: Recent search holds 7 days (https://docs.x.com/x-api/posts/search/introduction).
SEARCHABLE = timedelta(days=7)
MAX_QUERY = 512
#: Horizon gaps kept in the mentions cursor (the newest ones).
KEPT_GAPS = 20
_LANG = re.compile(r"^(?:[a-z]{2,3}|und)$")
#: A keyword with one of these is sent as a "phrase", so the query language cannot misread it.
_QUOTE_WHEN = re.compile(r'[\s()":]|^[-@#]|^OR$')


def _username(value: Any) -> Any:
    """``@TheStore`` and ``TheStore`` are the same account: kept without the ``@``."""
    return value.strip().lstrip("@") if isinstance(value, str) else value


Username = Annotated[str, BeforeValidator(_username), Field(pattern=r"^[A-Za-z0-9_]{1,15}$")]


class SearchConfig(BaseModel):
    """One named search: a raw ``query``, or structured terms built into one (``query_text``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w.-]+$")
    query: str | None = None
    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    mentions: tuple[Username, ...] = ()
    languages: tuple[str, ...] = ()
    include_retweets: bool = False

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [lang for lang in value if not _LANG.match(lang)]
        if bad:
            raise ValueError(f"{', '.join(bad)}: a language is a code like en or is (BCP 47, lower case)")
        return value

    @field_validator("hashtags")
    @classmethod
    def _hashtags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        tags = tuple(tag.strip().lstrip("#") for tag in value)
        bad = [tag for tag in tags if not re.fullmatch(r"\w+", tag)]
        if bad:
            raise ValueError(f"{', '.join(repr(t) for t in bad)}: a hashtag is letters, digits and _")
        return tags

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        terms = self.keywords or self.phrases or self.hashtags or self.mentions
        if self.query is not None and (terms or self.languages):
            raise ValueError(f"search {self.name}: give either query or keywords/phrases/hashtags, not both")
        if self.query is None and not terms:
            raise ValueError(
                f"search {self.name}: give a query, or at least one of keywords, phrases, hashtags, mentions"
            )
        if self.query is not None and not self.query.strip():
            raise ValueError(f"search {self.name}: the query is empty")
        return self

    def query_text(self, brand_accounts: tuple[str, ...] = ()) -> str:
        """The query sent to X: ``(a OR "b c" OR #d) (lang:is OR lang:en) -is:retweet -from:brand``.

        Posts by ``brand_accounts`` are left out by the query itself (they are never leads, and each
        post read is paid for); the source drops them again should one come through.
        """
        brand = [f"-from:{name}" for name in brand_accounts]
        if self.query is not None:
            base = self.query.strip()
            extra = [] if self.include_retweets or "-is:retweet" in base else ["-is:retweet"]
            extra += brand
            return f"({base}) {' '.join(extra)}" if extra else base
        terms = [_keyword(k) for k in self.keywords] + [_phrase(p) for p in self.phrases]
        terms += [f"#{tag}" for tag in self.hashtags] + [f"@{name}" for name in self.mentions]
        parts = [_group(terms)]
        if self.languages:
            parts.append(_group([f"lang:{lang}" for lang in self.languages]))
        if not self.include_retweets:
            parts.append("-is:retweet")
        return " ".join(parts + brand)


def _phrase(text: str) -> str:
    return '"' + " ".join(text.split()).replace('"', '\\"') + '"'


def _keyword(word: str) -> str:
    word = word.strip()
    return _phrase(word) if _QUOTE_WHEN.search(word) else word


def _group(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


class XAppConfig(ConnectorConfig):
    """What both X sources configure: the app's token, its budget, the first poll's reach."""

    bearer_token: SecretStr
    """The app's OAuth 2.0 bearer token (app-only), from the X developer portal."""
    app: str = Field(default="default", pattern=r"^[\w.-]+$")
    """The X app the token belongs to: sources of one app share its ``monthly_post_budget``."""
    monthly_post_budget: int | None = Field(default=None, ge=1)
    """Posts read per calendar month (UTC) by every source of ``app``; None: no limit of ours."""
    first_window: PositiveDuration = timedelta(hours=1)
    """How far back the first poll reads (for each account or search not read before)."""
    timeout: PositiveDuration = timedelta(seconds=20)


class XMentionsConfig(XAppConfig):
    """Accounts whose mentions are read; validated when ``sources.yaml`` is loaded."""

    user_token: SecretStr | None = None
    """An OAuth 2.0 user token of the account, for ``check()``'s ``/2/users/me``; optional."""
    accounts: tuple[Username, ...] = Field(min_length=1)
    """The brand's usernames; their own posts are never leads."""
    max_results: int = Field(default=100, ge=5, le=100)
    include_retweets: bool = False

    @field_validator("accounts")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        lower = [name.lower() for name in value]
        twice = sorted({name for name in lower if lower.count(name) > 1})
        if twice:
            raise ValueError(f"@{', @'.join(twice)} is listed twice; list each account once")
        return value


class XSearchConfig(XAppConfig):
    """Named recent searches; each query is built and measured here, so X never refuses it for length."""

    searches: tuple[SearchConfig, ...] = Field(min_length=1)
    brand_accounts: tuple[Username, ...] = ()
    """The brand's own usernames: their posts are never leads (and are left out by the queries)."""
    max_results: int = Field(default=100, ge=10, le=100)

    @field_validator("first_window")
    @classmethod
    def _within_reach(cls, value: timedelta) -> timedelta:
        if value > SEARCHABLE:
            raise ValueError("recent search holds 7 days; first_window can be at most 7d")
        return value

    @model_validator(mode="after")
    def _queries(self) -> Self:
        names = [s.name for s in self.searches]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"search {', '.join(twice)} is named twice; give each search its own name")
        for search in self.searches:
            text = self.query_of(search)
            if len(text) > MAX_QUERY:
                raise ValueError(
                    f"search {search.name}: the query is {len(text)} characters long once built, and X "
                    f"accepts at most {MAX_QUERY}; split it into two searches or drop terms"
                )
        return self

    def query_of(self, search: SearchConfig) -> str:
        """The query sent for ``search`` (brand accounts excluded)."""
        return search.query_text(self.brand_accounts)


class Gap(BaseModel):
    """Mentions of ``account`` between ``after`` and ``before`` (ISO times) that X no longer returned."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    account: str
    after: str
    before: str
    noted_at: str


class _SinceCursor(Cursor):
    """Per key (account or search name): ``since_id``, the newest post id of the last poll's first page
    (X's polling pattern: https://docs.x.com/x-api/posts/search/integrate/paginate), and, while nothing
    was found yet, ``start``: the start (Unix seconds) of the window the first poll read."""

    key_field: ClassVar[str] = "key"
    since: dict[str, str] = Field(default_factory=dict)
    start: dict[str, int] = Field(default_factory=dict)

    def advance(self, position: Mapping[str, Any]) -> Self:
        """Fold ``{key_field, since_id}`` or ``{key_field, start}`` in; called by the runner per position.

        Ids compare as integers (they grow with time), starts as numbers: a max, in any order. Raises
        ``ValueError`` for a position this connector did not produce.
        """
        key, since_id, start = position.get(self.key_field), position.get("since_id"), position.get("start")
        if not isinstance(key, str) or (since_id is None) == (start is None):
            raise ValueError(
                f"an X position is {{{self.key_field}, since_id | start}}, got {sorted(position)}"
            )
        if since_id is not None:
            text = str(since_id)
            if not text.isdigit():
                raise ValueError(f"since_id {text!r} is not a post id")
            if key in self.since and int(self.since[key]) >= int(text):
                return self
            return self.model_copy(update={"since": {**self.since, key: text}})
        if isinstance(start, bool) or not isinstance(start, int | float):
            raise ValueError(f"start must be Unix seconds, got {start!r}")
        if self.start.get(key, int(start) - 1) >= int(start):
            return self
        return self.model_copy(update={"start": {**self.start, key: int(start)}})


class XMentionsCursor(_SinceCursor):
    """Per account (lower case): ``since_id`` or ``start``; and the mentions X's 800 reach cut off."""

    key_field: ClassVar[str] = "account"
    gaps: tuple[Gap, ...] = ()

    def advance(self, position: Mapping[str, Any]) -> Self:
        """Fold a ``{"gap": {...}}`` position (kept, newest ``KEPT_GAPS``) or a since/start one."""
        if "gap" in position:
            gap = Gap.model_validate(position["gap"])
            if gap in self.gaps:
                return self
            kept = sorted((*self.gaps, gap), key=lambda g: g.noted_at)[-KEPT_GAPS:]
            return self.model_copy(update={"gaps": tuple(kept)})
        return super().advance(position)


class XSearchCursor(_SinceCursor):
    """Per search name: ``since_id`` or ``start``."""

    key_field: ClassVar[str] = "search"
