"""The X search query language, the subset the sandbox emulates: parse a query, then match posts with it.

Rules (https://docs.x.com/x-api/posts/search/integrate/build-a-query and
https://docs.x.com/x-api/posts/search/integrate/operators):

- bare keywords match whole tokens of the text, case-insensitively (``sofa`` does not match ``sofas``);
- ``"exact phrase"`` matches the words in that order; ``\\"`` escapes a quote inside a phrase;
- a space is AND, ``OR`` (upper case only) is OR; AND binds tighter (``a OR b c`` is ``a OR (b c)``);
  parentheses group; ``-`` negates the term or group right after it;
- ``@username``, ``#hashtag``, ``from:username``, ``to:username`` are standalone operators;
  ``lang:xx``, ``is:retweet|reply|quote|verified``, ``has:mentions|hashtags|links|media|...`` are
  conjunction-required: a query needs at least one non-negated standalone operator, or it is invalid.

Other real operators (``url:``, ``conversation_id:``, ``place:``, ...) are rejected as not emulated;
anything else with a colon is a plain keyword. Syntax errors raise ``QueryError`` (the API answers 400).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

LANG = re.compile(r"^(?:[a-z]{2,3}|und)$")
OPERATOR = re.compile(r"^([a-z_]+):(.+)$")
IS_VALUES = ("retweet", "reply", "quote", "verified", "nullcast")
HAS_VALUES = ("mentions", "hashtags", "links", "media", "images", "videos", "geo", "cashtags")
#: Real operators the sandbox does not emulate: a query using one is refused, never silently mismatched.
NOT_EMULATED = (
    "url", "retweets_of", "context", "entity", "conversation_id", "bio", "bio_name", "bio_location",
    "place", "place_country", "point_radius", "bounding_box", "sample", "list", "in_reply_to_tweet_id",
    "retweets_of_tweet_id", "quotes_of_tweet_id", "source", "followers_count", "tweets_count",
)  # fmt: skip


class QueryError(ValueError):
    """The query is not valid X search syntax (or uses an operator the sandbox does not emulate)."""


@dataclass(frozen=True)
class Searchable:
    """What a query can see of a post; usernames, hashtags and language lower case, hashtags without #."""

    text: str
    lang: str
    author_id: str
    author_username: str
    author_verified: bool = False
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    is_retweet: bool = False
    in_reply_to_username: str | None = None


Matcher = Callable[[Searchable], bool]


@dataclass(frozen=True)
class Query:
    """A parsed query: ``matches(post)`` tells whether the post is a result."""

    source: str
    matcher: Matcher

    def matches(self, post: Searchable) -> bool:
        """True when ``post`` satisfies the query."""
        return self.matcher(post)


def words_pattern(words: str) -> re.Pattern[str]:
    """Whole-token, case-insensitive match of ``words`` (spaces match any run of whitespace)."""
    body = r"\s+".join(re.escape(word) for word in words.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def _tokens(query: str) -> list[tuple[str, str]]:
    """``(kind, value)`` pairs: ``(``, ``)``, ``-``, ``phrase``, ``word``, ``or``."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(query):
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append((char, char))
            i += 1
        elif char == "-":
            if i + 1 >= len(query) or query[i + 1].isspace() or query[i + 1] == ")":
                raise QueryError(f"a '-' at position {i} negates nothing")
            tokens.append(("-", "-"))
            i += 1
        elif char == '"':
            end, chars = i + 1, []
            while end < len(query) and query[end] != '"':
                if query[end] == "\\" and end + 1 < len(query):
                    end += 1
                chars.append(query[end])
                end += 1
            if end >= len(query):
                raise QueryError(f"the quote at position {i} is never closed")
            phrase = "".join(chars).strip()
            if not phrase:
                raise QueryError(f"the phrase at position {i} is empty")
            tokens.append(("phrase", phrase))
            i = end + 1
        else:
            match = re.compile(r'[^\s()"]+').match(query, i)
            assert match is not None
            word = match.group()
            tokens.append(("or" if word == "OR" else "word", word))
            i = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens: or := and ('OR' and)*; and := unary+; unary := '-'? atom."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0
        self.standalone = False
        self.negated = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def parse_or(self) -> Matcher:
        options = [self.parse_and()]
        while self.peek() == "or":
            self.at += 1
            if self.peek() in (None, ")", "or"):
                raise QueryError("OR needs a term on both sides")
            options.append(self.parse_and())
        if len(options) == 1:
            return options[0]
        return lambda post: any(option(post) for option in options)

    def parse_and(self) -> Matcher:
        if self.peek() in (None, ")", "or"):
            raise QueryError("OR needs a term on both sides" if self.peek() == "or" else "a group is empty")
        terms: list[Matcher] = []
        while self.peek() not in (None, ")", "or"):
            terms.append(self.parse_unary())
        if len(terms) == 1:
            return terms[0]
        return lambda post: all(term(post) for term in terms)

    def parse_unary(self) -> Matcher:
        if self.peek() != "-":
            return self.parse_atom()
        self.at += 1
        self.negated += 1
        inner = self.parse_atom()
        self.negated -= 1
        return lambda post: not inner(post)

    def parse_atom(self) -> Matcher:
        kind, value = self.tokens[self.at]
        self.at += 1
        if kind == "(":
            inner = self.parse_or()
            if self.peek() != ")":
                raise QueryError("a parenthesis is never closed")
            self.at += 1
            return inner
        if kind == ")":
            raise QueryError("a closing parenthesis has no opening one")
        if kind == "-":
            raise QueryError("a term is negated twice")
        if kind == "phrase":
            return self._standalone(_text_matcher(value))
        return self._word(value)

    def _standalone(self, matcher: Matcher) -> Matcher:
        if not self.negated:
            self.standalone = True
        return matcher

    def _word(self, word: str) -> Matcher:
        if word.startswith("@") and len(word) > 1:
            name = word[1:].lower()
            return self._standalone(lambda post: name in post.mentions)
        if word.startswith("#") and len(word) > 1:
            tag = word[1:].lower()
            return self._standalone(lambda post: tag in post.hashtags)
        operator = OPERATOR.match(word)
        if operator is None:
            return self._standalone(_text_matcher(word))
        return self._operator(operator.group(1), operator.group(2))

    def _operator(self, name: str, value: str) -> Matcher:
        low = value.lower().lstrip("@")
        if name == "from":
            return self._standalone(lambda post: low in (post.author_username, post.author_id))
        if name == "to":
            return self._standalone(lambda post: post.in_reply_to_username == low)
        if name == "lang":
            if not LANG.match(low):
                raise QueryError(f"'{value}' is not a language code (lang:en, lang:is, ...)")
            return lambda post: post.lang == low
        if name == "is":
            if low not in IS_VALUES:
                raise QueryError(f"is:{value} is not an operator; known: is:{', is:'.join(IS_VALUES)}")
            return _is(low)
        if name == "has":
            if low not in HAS_VALUES:
                raise QueryError(f"has:{value} is not an operator; known: has:{', has:'.join(HAS_VALUES)}")
            return _has(low)
        if name in NOT_EMULATED:
            raise QueryError(f"the sandbox does not emulate the {name}: operator")
        return self._standalone(_text_matcher(f"{name}:{value}"))


def _text_matcher(words: str) -> Matcher:
    pattern = words_pattern(words)
    return lambda post: pattern.search(post.text) is not None


def _is(value: str) -> Matcher:
    checks: dict[str, Matcher] = {
        "retweet": lambda post: post.is_retweet,
        "reply": lambda post: post.in_reply_to_username is not None,
        "verified": lambda post: post.author_verified,
    }
    return checks.get(value, lambda post: False)  # no quotes or nullcasts in the sandbox's world


def _has(value: str) -> Matcher:
    checks: dict[str, Matcher] = {
        "mentions": lambda post: bool(post.mentions),
        "hashtags": lambda post: bool(post.hashtags),
        "links": lambda post: re.search(r"https?://", post.text) is not None,
    }
    return checks.get(value, lambda post: False)  # no media, geo or cashtags in the sandbox's world


def parse(query: str) -> Query:
    """Parse ``query``; raises ``QueryError`` on a syntax error or a query without a standalone operator."""
    tokens = _tokens(query)
    if not tokens:
        raise QueryError("the query is empty")
    parser = _Parser(tokens)
    matcher = parser.parse_or()
    if parser.peek() is not None:
        raise QueryError("a closing parenthesis has no opening one")
    if not parser.standalone:
        raise QueryError(
            "a query needs at least one standalone operator that is not negated (a keyword, a "
            '"phrase", @mention, #hashtag, from: or to:); lang:, is: and has: only narrow one down'
        )
    return Query(query, matcher)
