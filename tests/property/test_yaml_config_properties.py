"""The YAML configuration under hostile files: only ``ConfigurationError(s)``, each naming its file.

The same checks as the fuzz target ``fuzz/yaml_config.py`` (docs/fuzzing.md), driven by hypothesis:
arbitrary bytes as one file (parsed and resolved alone, and loaded in full as ``sources.yaml``,
``sinks.yaml`` or ``campaigns.yaml``), and files shaped like the real ones with hostile values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.yaml_config import check, check_document, check_folder

SEEDS = sorted((Path(__file__).resolve().parents[2] / "fuzz" / "corpus" / "yaml_config").iterdir())
QUICK = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
FILES = ["sources.yaml", "sinks.yaml", "campaigns.yaml"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["30s", "5m", "1h", "IS", "all", "csv", "console", "email", "meta_lead_ads", "x"])
    | st.builds(lambda n: {"$env": n}, st.sampled_from(["FUZZ_SECRET", "SMTP_HOST", "UNSET", ""]))
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
#: The keys the three files use, so that hostile values reach the models behind them.
keys = st.sampled_from(
    ["type", "every", "enabled", "phone_region", "config", "folder", "pages", "id", "token", "app_secret",
     "sources", "routes", "deliver_to", "when", "owner_team", "starts", "ends", "retry", "circuit",
     "concurrency", "host", "port", "to"]
)  # fmt: skip
items = st.dictionaries(keys, values, max_size=5)
documents = st.fixed_dictionaries(
    {},
    optional={
        "sources": st.dictionaries(st.text(max_size=8), items, max_size=2),
        "sinks": st.dictionaries(st.text(max_size=8), items, max_size=2),
        "campaigns": st.dictionaries(st.text(max_size=8), items, max_size=2),
        "teams": values,
        "default_route": items,
    },
)


@pytest.mark.parametrize("seed", SEEDS, ids=[path.name for path in SEEDS])
def test_every_seed_of_the_fuzz_corpus_passes_the_check(seed: Path) -> None:
    check(seed.read_bytes())


@QUICK
@given(st.binary(max_size=2000))
def test_any_bytes_are_a_document_or_a_configuration_error(data: bytes) -> None:
    check_document(data)


@QUICK
@given(st.sampled_from(FILES), st.binary(max_size=2000))
def test_any_bytes_as_a_config_file_load_or_are_configuration_errors(name: str, data: bytes) -> None:
    check_folder(name, data)


@QUICK
@given(st.sampled_from(FILES), documents)
def test_files_shaped_like_the_real_ones_load_or_are_configuration_errors(
    name: str, document: dict[str, Any]
) -> None:
    check_folder(name, yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))


#: Files each loader step once let through as another exception (found by the fuzz target).
HOSTILE = {
    "deep-nesting": ("sources.yaml", b"[" * 5000),
    "not-utf-8": ("sinks.yaml", b"sinks:\n  console: {type: console}  # caf\xe9\n"),
    "impossible-date": ("campaigns.yaml", b"campaigns:\n  spring:\n    starts: 2027-02-30\n"),
    "nul-in-file-reference": (
        "sinks.yaml",
        b'sinks:\n  mail:\n    type: email\n    config: {password: {$file: "a\\0b"}}\n',
    ),
    "endless-duration": (
        "sources.yaml",
        b"sources:\n  fair:\n    type: csv\n    every: 99999999999d\n    config: {folder: inbox}\n",
    ),
}


@pytest.mark.parametrize(("name", "content"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_files_are_configuration_errors(name: str, content: bytes) -> None:
    assert check_folder(name, content) is None
