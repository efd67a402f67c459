"""jsontext: orjson's speed, the standard library's reach."""

from __future__ import annotations

import json
import math

import pytest

from socialleads import jsontext


@pytest.mark.parametrize(
    "value",
    [
        {"name": "Sigrún Jónsdóttir", "tags": ["sófi", "☕"], "score": 0.25, "n": 3, "none": None},
        [],
        {},
        "line\nbreak and \x00 NUL",
    ],
)
def test_ordinary_documents_round_trip_and_match_the_standard_library(value: object) -> None:
    text = jsontext.dumps(value)
    assert jsontext.loads(text) == value == json.loads(text)
    assert text == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert jsontext.dumps_bytes(value) == text.encode()


@pytest.mark.parametrize(
    "value",
    [
        {"big": 2**70},  # orjson: integers beyond 64 bits
        {1: "one"},  # orjson: keys that are not strings
        {"odd": "\ud800"},  # orjson: a lone surrogate, which a platform's JSON may carry escaped
    ],
)
def test_what_orjson_refuses_the_standard_library_writes(value: object) -> None:
    assert jsontext.dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert jsontext.loads(jsontext.dumps(value)) == json.loads(json.dumps(value))
    assert jsontext.dumps_bytes(value).decode("utf-8", "surrogatepass") == jsontext.dumps(value)


def test_non_standard_numbers_are_read() -> None:
    assert math.isnan(jsontext.loads('{"x": NaN}')["x"])
    assert jsontext.loads(b"[Infinity]") == [math.inf]
