"""The sandbox's X search query language: what matches, precedence, and what is refused."""

from __future__ import annotations

import pytest

from socialleads.sandbox.x.query import QueryError, Searchable, parse


def post(text: str, **kw: object) -> Searchable:
    values: dict[str, object] = {"lang": "en", "author_id": "42", "author_username": "anna"}
    values.update(kw)
    return Searchable(text=text, **values)  # type: ignore[arg-type]


SOFA = post("Where can I buy the grey sofa? @thestore #Hygge", mentions=("thestore",), hashtags=("hygge",))
CHAIR = post("Love this chair, how much is it?", lang="en")
RETWEET = post("RT @thestore: new sofa in stock", mentions=("thestore",), is_retweet=True, lang="is")


def test_a_bare_word_matches_a_whole_word_in_any_case() -> None:
    assert parse("SOFA").matches(SOFA)
    assert not parse("sof").matches(SOFA)
    assert not parse("sofas").matches(SOFA)


def test_words_side_by_side_must_all_match() -> None:
    assert parse("grey sofa").matches(SOFA)
    assert not parse("grey chair").matches(SOFA)


def test_an_exact_phrase_matches_the_words_in_that_order() -> None:
    assert parse('"grey sofa"').matches(SOFA)
    assert not parse('"sofa grey"').matches(SOFA)


def test_or_matches_either_side() -> None:
    query = parse("sofa OR chair")
    assert query.matches(SOFA) and query.matches(CHAIR)
    assert not query.matches(post("a table"))


def test_and_binds_tighter_than_or() -> None:
    query = parse("table OR love chair")  # table OR (love chair)
    assert query.matches(CHAIR)
    assert not query.matches(post("love the lamp"))


def test_parentheses_group() -> None:
    query = parse("(sofa OR chair) much")
    assert query.matches(CHAIR)
    assert not query.matches(SOFA)


def test_lower_case_or_is_just_a_word() -> None:
    assert not parse("sofa or chair").matches(SOFA)
    assert parse("sofa or chair").matches(post("sofa or chair?"))


def test_negation_excludes_a_word_a_phrase_or_a_group() -> None:
    assert not parse("sofa -grey").matches(SOFA)
    assert parse("sofa -chair").matches(SOFA)
    assert not parse('sofa -"grey sofa"').matches(SOFA)
    assert not parse("buy -(chair OR grey)").matches(SOFA)


def test_mentions_and_hashtags_match_entities_not_substrings() -> None:
    assert parse("@thestore").matches(SOFA)
    assert parse("@TheStore").matches(SOFA)
    assert parse("#hygge").matches(SOFA)
    assert not parse("#hyg").matches(SOFA)
    assert not parse("@thestore").matches(CHAIR)


def test_lang_is_and_from_narrow_a_query() -> None:
    assert parse("sofa lang:en").matches(SOFA)
    assert not parse("sofa lang:is").matches(SOFA)
    assert parse("@thestore is:retweet").matches(RETWEET)
    assert not parse("@thestore -is:retweet").matches(RETWEET)
    assert parse("@thestore -is:retweet").matches(SOFA)
    assert parse("from:Anna").matches(CHAIR)
    assert not parse("from:bob").matches(CHAIR)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"unclosed phrase',
        "(sofa OR chair",
        "sofa)",
        "()",
        "sofa OR",
        "OR sofa",
        "sofa OR OR chair",
        "sofa - chair",
        "--sofa",
        "lang:english sofa",
        "is:bogus sofa",
        "has:everything sofa",
        "url:example.com",
    ],
)
def test_invalid_syntax_is_refused(query: str) -> None:
    with pytest.raises(QueryError):
        parse(query)


@pytest.mark.parametrize("query", ["lang:en", "is:retweet OR lang:is", "-sofa", "-@thestore -is:retweet"])
def test_a_query_needs_a_standalone_operator_that_is_not_negated(query: str) -> None:
    with pytest.raises(QueryError, match="standalone"):
        parse(query)
