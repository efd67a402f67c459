"""Meta's webhook receiver under hostile deliveries: only ``WebhookRejected``, and nothing lost.

The same checks as the fuzz target ``fuzz/meta_webhook.py`` (docs/fuzzing.md), driven by hypothesis:
arbitrary bytes and JSON values, signed with the app secret so they reach the JSON and shape handling,
deliveries shaped like Meta's with hostile values in every field, and unsigned bodies.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from fuzz.meta_webhook import RECEIVER, check, check_signed, check_unsigned, signature
from socialleads.errors import WebhookRejected
from socialleads.store.webhooks import store_delivery

SEEDS = sorted((Path(__file__).resolve().parents[2] / "fuzz" / "corpus" / "meta_webhook").iterdir())
WHEN = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)
QUICK = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=30,
)
#: What the receiver compares with: the configured pages, the dashboard's test ids, anything.
ids = st.sampled_from(["111", "222", "0", "444444444444", "999", ""]) | st.integers() | scalars
field_values = st.fixed_dictionaries(
    {},
    optional={
        "leadgen_id": ids,
        "page_id": ids,
        "form_id": ids,
        "item": st.sampled_from(["comment", "status", "reaction"]) | scalars,
        "verb": st.sampled_from(["add", "edited", "edit", "remove", "hide"]) | scalars,
        "comment_id": ids,
        "post_id": ids,
        "id": ids,
        "message": scalars,
    },
)
changes = st.fixed_dictionaries(
    {
        "field": st.sampled_from(["leadgen", "feed", "comments", "mention"]) | scalars,
        "value": field_values | st.lists(field_values, max_size=3) | json_values,
    }
)
entries = (
    st.fixed_dictionaries({"id": ids, "time": scalars, "changes": st.lists(changes, max_size=4)})
    | st.builds(lambda e, c: {"id": e, **c}, ids, changes)  # Instagram Login: field and value in the entry
    | st.fixed_dictionaries({"id": ids, "messaging": json_values})
    | json_values
)
objects = st.sampled_from(["page", "instagram", "user"]) | scalars
deliveries = st.fixed_dictionaries({"object": objects, "entry": st.lists(entries, max_size=5)})


@pytest.mark.parametrize("seed", SEEDS, ids=[path.name for path in SEEDS])
def test_every_seed_of_the_fuzz_corpus_passes_the_check(seed: Path) -> None:
    check(seed.read_bytes())


@QUICK
@given(st.binary(max_size=2000))
def test_signed_bytes_are_accepted_or_refused_as_malformed(body: bytes) -> None:
    check_signed(body)


@QUICK
@given(json_values)
def test_signed_json_values_are_accepted_or_refused_as_malformed(value: Any) -> None:
    check_signed(json.dumps(value).encode())


@QUICK
@given(deliveries)
def test_a_delivery_shaped_like_metas_loses_nothing(delivery: dict[str, Any]) -> None:
    assert check_signed(json.dumps(delivery).encode()) is not None


@QUICK
@given(st.binary(max_size=500), st.none() | st.text(max_size=80))
def test_an_unsigned_body_is_refused_with_403(body: bytes, header: str | None) -> None:
    check_unsigned(body, header)


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"object":"page","entry":' + b"[" * 100_000, b'{"a":' * 100_000],
    ids=["brackets", "inside-entry", "objects"],
)
def test_deep_nesting_signed_is_refused_as_malformed(body: bytes) -> None:
    with pytest.raises(WebhookRejected) as refused:
        RECEIVER.accept(body, {"x-hub-signature-256": signature(body)})
    assert refused.value.status == 400


@pytest.mark.parametrize(
    "body",
    [b'{"object":"page","entry":NaN}', b'{"object":"page","entry":[],"t":-Infinity}', b'{"t":1e999}'],
    ids=["nan", "infinity", "overflow"],
)
def test_numbers_no_database_can_keep_are_refused_as_malformed(body: bytes) -> None:
    """Python's parser reads NaN and Infinity, and 1e999 as an infinite float; JSON has neither, and
    PostgreSQL's json columns refuse them: a 400 now, not a failure when the delivery is stored."""
    with pytest.raises(WebhookRejected) as refused:
        RECEIVER.accept(body, {"x-hub-signature-256": signature(body)})
    assert refused.value.status == 400


#: Signed deliveries the fuzz target found that the store could not keep (a lone surrogate escape).
HOSTILE = {
    "surrogate-in-unrouted-change": b'{"object":"page","entry":[{"id":"111","changes":'
    b'[{"field":"mention","value":{"post_id":"\\ud800"}}]}]}',
    "surrogate-in-object": b'{"object":"\\udc00","entry":[]}',
    "surrogate-in-page-id": b'{"object":"page","entry":[{"id":"1","changes":'
    b'[{"field":"leadgen","value":{"leadgen_id":"5","page_id":"\\ud800"}}]}]}',
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_deliveries_are_stored_whole(body: bytes, engine: Engine) -> None:
    headers = {"x-hub-signature-256": signature(body)}
    acceptance = RECEIVER.accept(body, headers)
    with engine.begin() as conn:
        stored = store_delivery(conn, "meta", body, headers, acceptance.summary, acceptance.unrouted, WHEN)
    assert stored
    check_signed(body)
