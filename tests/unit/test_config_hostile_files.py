"""Issue #19: a hostile or broken config file is a ``ConfigurationError`` naming the file, the line, the
key where known, and the fix; never another exception (found by the fuzz target ``fuzz/yaml_config.py``).

The loader's callers (``socialleads run``, ``doctor``, the API's config routes) handle only
``ConfigurationError(s)``: anything else would crash them. Each case goes through the real loader on
files in a temporary folder; the last tests run ``socialleads doctor`` on such a folder as a process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialleads.configuration.loader import load_app_config
from socialleads.configuration.overlay import overlay
from socialleads.configuration.stored import StoredItem
from socialleads.configuration.yamlfile import MAX_DEPTH, MAX_VALUES
from socialleads.errors import ConfigurationError, ConfigurationErrors
from socialleads.registry import discover
from socialleads.settings import LONGEST_DURATION, Settings, load_settings, parse_duration

SOURCE = b"sources:\n  fair:\n    type: csv\n    every: %s\n    config: {folder: inbox}\n"
SECRET = "hostile-secret-3b9d1f"


def problems(folder: Path, name: str, content: bytes, **settings: object) -> list[ConfigurationError]:
    """The problems the real loader finds in a config folder holding ``name`` only."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    with pytest.raises(ConfigurationErrors) as caught:
        load_app_config(Settings(config_dir=folder, **settings), discover())  # type: ignore[arg-type]
    found = caught.value.errors
    assert found and all(isinstance(error, ConfigurationError) for error in found)
    return found


def one_problem(folder: Path, name: str, content: bytes, **settings: object) -> ConfigurationError:
    """The one problem of ``name``, which names that file."""
    found = problems(folder, name, content, **settings)
    assert len(found) == 1, [str(e) for e in found]
    assert found[0].file == str(folder / name)
    return found[0]


# --- 1. Not UTF-8 -------------------------------------------------------------------------------


def test_a_latin_1_byte_in_a_comment_names_the_line_the_offset_and_the_fix(tmp_path: Path) -> None:
    content = b"sinks:\n  console: {type: console}  # caf\xe9\n"
    error = one_problem(tmp_path, "sinks.yaml", content)
    assert error.line == 2 and error.fix == "save the file as UTF-8"
    offset = content.index(b"\xe9")
    assert f"byte 0xe9 at offset {offset}, line 2, column 34" in error.problem
    assert str(error).startswith(f"{tmp_path / 'sinks.yaml'}:2: the file is not UTF-8 text")


def test_a_file_saved_as_utf_16_is_told_to_be_saved_as_utf_8(tmp_path: Path) -> None:
    error = one_problem(tmp_path, "sources.yaml", "sources: {}\n".encode("utf-16"))
    assert error.line == 1 and error.fix == "save the file as UTF-8"


def test_a_secrets_file_that_is_not_utf_8_is_named_without_its_values(tmp_path: Path) -> None:
    secrets = tmp_path / "bot.env"
    secrets.write_bytes(f"TOKEN={SECRET}\nOTHER=caf\xe9\n".encode("latin-1"))
    [error] = problems(tmp_path / "config", "sinks.yaml", b"sinks: {}\n", secrets_file=secrets)
    assert error.file == str(secrets) and error.line == 2 and error.fix == "save the file as UTF-8"
    assert SECRET not in str(error) and "caf" not in str(error)


# --- 2. Values PyYAML's constructors cannot build ------------------------------------------------


def test_an_impossible_date_names_the_key_and_the_line(tmp_path: Path) -> None:
    error = one_problem(tmp_path, "campaigns.yaml", b"campaigns:\n  spring:\n    starts: 2027-02-30\n")
    assert (error.key, error.line) == ("campaigns.spring.starts", 3)
    assert "not a real date" in error.problem and "YYYY-MM-DD" in error.fix


def test_a_time_zone_offset_past_a_day_is_refused(tmp_path: Path) -> None:
    content = b"campaigns:\n  spring:\n    starts: 2027-02-03t21:59:43+99:00\n"
    error = one_problem(tmp_path, "campaigns.yaml", content)
    assert (error.key, error.line) == ("campaigns.spring.starts", 3)


def test_a_sexagesimal_float_past_the_largest_float_is_refused(tmp_path: Path) -> None:
    # YAML 1.1 reads 1:00:00.5 as base 60; each ":00" multiplies by 60, past 1e308 after 173 of them
    # (PyYAML raises OverflowError); refused for its length before it is read
    error = one_problem(tmp_path, "sources.yaml", SOURCE % (b"1" + b":00" * 300 + b".5"))
    assert (error.key, error.line) == ("sources.fair.every", 4)
    assert "number longer than" in error.problem


@pytest.mark.parametrize("digits", [400, 5000], ids=["400-digits", "past-pythons-int-limit"])
def test_a_number_hundreds_of_digits_long_is_refused_where_it_is(tmp_path: Path, digits: int) -> None:
    error = one_problem(tmp_path, "sources.yaml", SOURCE % (b"9" * digits))
    assert (error.key, error.line) == ("sources.fair.every", 4)
    assert "number longer than" in error.problem and "quote it" in error.fix


# --- 3. Nesting and aliases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"[" * 5000, b"- " * 5000 + b"x\n", b"sources: " + b"{a: " * 3000],
    ids=["flow-sequences", "block-sequences", "flow-mappings"],
)
def test_deep_nesting_is_refused_before_the_parser_runs_out_of_stack(tmp_path: Path, content: bytes) -> None:
    error = one_problem(tmp_path, "sources.yaml", content)
    assert f"nested more than {MAX_DEPTH} levels deep" in error.problem and error.line is not None


def test_an_alias_inside_the_value_it_names_is_refused(tmp_path: Path) -> None:
    error = one_problem(tmp_path, "sources.yaml", b"sources:\n  fair: &loop [*loop]\n")
    assert "nested more than" in error.problem and "alias" in error.fix and error.line == 2
    assert error.key.startswith("sources.fair[0][0]")


def test_aliases_that_multiply_the_document_are_refused(tmp_path: Path) -> None:
    lines = [b"a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [b"%c: &%c [%s]" % (98 + i, 98 + i, b", ".join([b"*%c" % (97 + i)] * 10)) for i in range(8)]
    error = one_problem(tmp_path, "sources.yaml", b"\n".join(lines) + b"\n")  # 10**9 values expanded
    assert f"more than {MAX_VALUES:,} values" in error.problem


def test_aliases_within_the_limits_still_work(tmp_path: Path) -> None:
    content = b"sinks:\n  a: &sink {type: console}\n  b: *sink\n  c:\n    <<: *sink\n    concurrency: 2\n"
    (tmp_path / "sinks.yaml").write_bytes(content)
    config = load_app_config(Settings(config_dir=tmp_path), discover())
    assert [config.sinks[name].concurrency for name in "abc"] == [4, 4, 2]


def test_a_key_that_is_a_list_holding_itself_is_refused(tmp_path: Path) -> None:
    error = one_problem(tmp_path, "sources.yaml", b"? &k [*k]\n: 1\n")
    assert "a key must be a plain name" in error.problem and error.line == 1


def test_a_control_character_names_its_line(tmp_path: Path) -> None:
    error = one_problem(tmp_path, "sources.yaml", b"sources:\n  fair: a\x01b\n")
    assert error.line == 2 and "#x0001 is not allowed" in error.problem


# --- 4. A NUL in a secret file's path ------------------------------------------------------------


def test_a_nul_in_a_file_reference_is_refused_without_echoing_the_path(tmp_path: Path) -> None:
    content = b'sinks:\n  mail:\n    type: email\n    config: {password: {$file: "a\\0b"}}\n'
    error = one_problem(tmp_path, "sinks.yaml", content)
    assert (error.key, error.line) == ("sinks.mail.config.password", 4)
    assert "NUL character" in error.problem and error.fix == "remove it from the path"
    assert "\0" not in str(error) and "a\\0b" not in str(error)


def test_a_nul_in_a_file_reference_is_refused_even_with_a_default(tmp_path: Path) -> None:
    content = b'sinks:\n  mail:\n    type: email\n    config: {password: {$file: "x\\0", default: y}}\n'
    assert "NUL character" in one_problem(tmp_path, "sinks.yaml", content).problem


# --- 5. Durations too long for timedelta ---------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        (b"99999999999d", "'99999999999d' is too long"),
        (b"9" * 400 + b"s", "'" + "9" * 40 + "'... is too long"),
        (b"-99999999999999999999", "the number is too long"),
        (b".inf", "the number is too long"),
        (b".nan", "the number is not a duration"),
    ],
    ids=["days", "400-digit-seconds", "negative-number", "infinity", "nan"],
)
def test_a_duration_too_long_names_the_key_and_the_longest(
    tmp_path: Path, written: bytes, shown: str
) -> None:
    error = one_problem(tmp_path, "sources.yaml", SOURCE % written)
    assert (error.key, error.line) == ("sources.fair.every", 4)
    assert shown in error.problem
    if "too long" in shown:
        assert "the longest is 36500d (100 years)" in error.problem


def test_the_longest_duration_is_accepted_and_one_second_more_is_not() -> None:
    assert parse_duration("36500d") == LONGEST_DURATION == parse_duration(LONGEST_DURATION.total_seconds())
    with pytest.raises(ValueError, match="too long"):
        parse_duration(LONGEST_DURATION.total_seconds() + 1)
    with pytest.raises(ValueError, match="too long"):
        parse_duration(10**400)


def test_a_retry_horizon_too_long_is_refused_in_sinks_yaml(tmp_path: Path) -> None:
    content = b"sinks:\n  out:\n    type: console\n    retry:\n      horizon: 99999999999d\n"
    error = one_problem(tmp_path, "sinks.yaml", content)
    assert (error.key, error.line) == ("sinks.out.retry.horizon", 5) and "too long" in error.problem


def test_an_environment_duration_too_long_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLEADS_DISPATCH__EVERY", "99999999999d")
    with pytest.raises(ConfigurationErrors) as caught:
        load_settings()
    [error] = caught.value.errors
    assert error.key == "SOCIALLEADS_DISPATCH__EVERY" and "too long" in error.problem


def test_a_duration_too_long_in_an_item_of_the_api_is_a_problem_of_that_item(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_bytes(b"sources: {}\n")
    base = load_app_config(Settings(config_dir=tmp_path), discover())
    item = StoredItem(
        kind="source",
        name="fair",
        body={"type": "csv", "every": 10**30, "config": {"folder": "inbox"}},
        version=1,
        updated_at=datetime(2026, 3, 1, tzinfo=UTC),
        updated_by="admin",
    )
    found = [str(e) for e in overlay(base, [item], discover(), {}).problems[("source", "fair")]]
    assert len(found) == 1 and "API source 'fair': every:" in found[0] and "too long" in found[0]


def test_an_ordinary_duration_still_loads(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_bytes(SOURCE % b"1.5h")
    config = load_app_config(Settings(config_dir=tmp_path), discover())
    assert config.sources["fair"].every == timedelta(minutes=90)


# --- The process: ``socialleads doctor`` reports, it does not crash --------------------------------


def doctor(tmp_path: Path, files: dict[str, bytes], **environ: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config"
    config.mkdir()
    for name, content in files.items():
        (config / name).write_bytes(content)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEADS_")}
    env |= {
        "SOCIALLEADS_CONFIG_DIR": str(config),
        "SOCIALLEADS_DATA_DIR": str(tmp_path / "data"),
        "SOCIALLEADS_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'bot.db'}",
        "COLUMNS": "400",
        **environ,
    }
    command = [sys.executable, "-m", "socialleads", "doctor"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)


def test_doctor_reports_every_hostile_file_and_exits_2(tmp_path: Path) -> None:
    done = doctor(
        tmp_path,
        {
            "sources.yaml": b"[" * 5000,
            "sinks.yaml": b'sinks:\n  mail:\n    type: email\n    config: {password: {$file: "a\\0b"}}\n',
            "campaigns.yaml": b"campaigns:\n  spring:\n    starts: 2027-02-30\n  # caf\xe9\n",
        },
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "The configuration has 3 problems" in done.stderr
    assert "sources.yaml:1: values are nested more than" in done.stderr
    assert "sinks.yaml:4: sinks.mail.config.password" in done.stderr
    assert "campaigns.yaml:4: the file is not UTF-8 text" in done.stderr


def test_doctor_reports_a_duration_too_long_in_the_environment(tmp_path: Path) -> None:
    done = doctor(tmp_path, {}, SOCIALLEADS_DISPATCH__EVERY="99999999999d")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "SOCIALLEADS_DISPATCH__EVERY" in done.stderr and "too long" in done.stderr
