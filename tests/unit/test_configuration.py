"""Configuration: settings from the environment, the three YAML files, and errors a person can act on."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from socialleads.configuration.loader import load_app_config
from socialleads.errors import ConfigurationErrors
from socialleads.registry import discover
from socialleads.settings import Settings, load_settings, unknown_env_warnings

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"


def load(folder: Path, **settings: object):  # type: ignore[no-untyped-def]
    return load_app_config(Settings(config_dir=folder, **settings), discover())


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def errors_of(folder: Path) -> list[str]:
    with pytest.raises(ConfigurationErrors) as caught:
        load(folder)
    return [str(e) for e in caught.value.errors]


def test_settings_read_the_prefixed_environment_with_nested_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLEADS_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("SOCIALLEADS_WEB__PORT", "9000")
    monkeypatch.setenv("SOCIALLEADS_DISPATCH__EVERY", "5m")
    settings = load_settings()
    assert settings.database_url == "sqlite:///x.db"
    assert settings.web.port == 9000
    assert settings.dispatch.every == timedelta(minutes=5)


def test_an_unknown_prefixed_variable_is_a_warning_naming_the_likely_one() -> None:
    warnings = unknown_env_warnings(
        {"SOCIALLEADS_DATABSE_URL": "x", "HOME": "/root", "SOCIALLEADS_WEB__PORT": "1"}
    )
    assert warnings == [
        "environment variable SOCIALLEADS_DATABSE_URL is not a socialleads setting and is ignored; "
        "did you mean SOCIALLEADS_DATABASE_URL?"
    ]


def test_a_bad_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLEADS_WEB__PORT", "not-a-port")
    with pytest.raises(ConfigurationErrors) as caught:
        load_settings()
    assert "SOCIALLEADS_WEB__PORT" in str(caught.value)


def test_the_committed_example_configuration_loads(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    for name in ("sources", "sinks", "campaigns"):
        shutil.copy(REPO_CONFIG / f"{name}.example.yaml", folder)
    config = load(folder)
    assert config.runnable_sources() == ["trade_shows"]
    assert config.runnable_sinks() == ["console", "sales_email"]
    assert config.campaign_of("trade_shows") is not None
    assert config.files["sources"].endswith("sources.example.yaml")


def test_a_misspelled_key_names_the_file_the_line_the_key_and_the_fix(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources.yaml",
        "sources:\n  fair:\n    type: csv\n    evrey: 30s\n    config:\n      folder: inbox\n",
    )
    assert errors_of(tmp_path) == [
        f"{path}:4: sources.fair.evrey: unknown key 'evrey' (fix: did you mean 'every'?)"
    ]


def test_a_misspelled_connector_key_is_caught_by_the_connectors_own_model(tmp_path: Path) -> None:
    path = write(
        tmp_path, "sources.yaml", "sources:\n  fair:\n    type: csv\n    config:\n      foldr: inbox\n"
    )
    found = errors_of(tmp_path)
    assert f"{path}:5: sources.fair.config.foldr: unknown key 'foldr' (fix: did you mean 'folder'?)" in found
    assert any("sources.fair.config.folder: required key is missing" in e for e in found)


def test_an_unknown_connector_type_suggests_the_installed_one(tmp_path: Path) -> None:
    write(tmp_path, "sources.yaml", "sources:\n  fair:\n    type: cvs\n")
    assert "no source connector named 'cvs' (fix: did you mean 'csv'?)" in errors_of(tmp_path)[0]


def test_a_bad_value_says_what_is_expected(tmp_path: Path) -> None:
    write(
        tmp_path,
        "sources.yaml",
        "sources:\n  fair:\n    type: csv\n    every: soon\n    config: {folder: x}\n",
    )
    assert "'soon' is not a duration; write it like 30s, 5m, 2h or 1d" in errors_of(tmp_path)[0]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "sinks.yaml", "sinks:\n  out:\n    type: consol\n")
    write(
        tmp_path,
        "campaigns.yaml",
        "campaigns:\n  spring:\n    sources: [nowhere]\ndefault_route:\n  deliver_to: [outt]\n",
    )
    found = errors_of(tmp_path)
    assert len(found) == 3
    assert any("no source named 'nowhere' in sources.yaml" in e for e in found)
    assert any(
        "default_route.deliver_to[0]: no sink named 'outt' in sinks.yaml (fix: did you mean 'out'?)" in e
        for e in found
    )


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sources.yaml", "sources:\n  fair: [unclosed\n")
    assert errors_of(tmp_path)[0].startswith(f"{path}:3: not valid YAML")


def test_a_key_written_twice_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "sources.yaml", "sources:\n  fair:\n    type: csv\n    type: csv\n")
    assert "key appears twice" in errors_of(tmp_path)[0]


def test_secret_references_resolve_from_the_environment_and_the_secrets_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "from-env-1234")
    secrets = write(
        tmp_path / "secrets", "bot.secrets", "# comment\nexport AUTH_VALUE='Bearer from-file-5678'\n"
    )
    write(
        tmp_path,
        "sinks.yaml",
        "sinks:\n  crm:\n    type: webhook\n    config:\n"
        "      url: https://crm.example.com/hook\n      secret: {$env: HOOK_SECRET}\n"
        "      authorization: {$env: AUTH_VALUE}\n",
    )
    config = load(tmp_path, secrets_file=secrets)
    hook = config.sink_configs["crm"]
    assert isinstance(hook.secret, SecretStr) and hook.secret.get_secret_value() == "from-env-1234"  # type: ignore[attr-defined]
    assert hook.authorization.get_secret_value() == "Bearer from-file-5678"  # type: ignore[attr-defined]
    assert "from-env-1234" not in repr(hook)


def test_a_missing_secret_names_the_variable_and_the_fix(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sinks.yaml",
        "sinks:\n  crm:\n    type: webhook\n    config:\n"
        "      url: https://crm.example.com/hook\n"
        "      secret: {$env: NO_SUCH_SECRET_VAR}\n",
    )
    assert errors_of(tmp_path) == [
        f"{path}:6: sinks.crm.config.secret: environment variable NO_SUCH_SECRET_VAR is not set "
        "(fix: export NO_SUCH_SECRET_VAR=... or add it to the secrets file (SOCIALLEADS_SECRETS_FILE))"
    ]


def test_an_unreadable_secret_file_names_the_key_unless_a_default_stands_in(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-secret"
    sink = "sinks:\n  crm:\n    type: webhook\n    config:\n      url: https://crm.example.com/hook\n"
    path = write(tmp_path, "sinks.yaml", f"{sink}      secret: {{$file: {missing}}}\n")
    assert errors_of(tmp_path) == [
        f"{path}:6: sinks.crm.config.secret: cannot read secret file {missing}: No such file or directory "
        "(fix: check the path and its permissions)"
    ]
    write(tmp_path, "sinks.yaml", f"{sink}      secret: {{$file: {missing}, default: stand-in-secret}}\n")
    secret = load(tmp_path).sink_configs["crm"].secret  # type: ignore[attr-defined]
    assert secret.get_secret_value() == "stand-in-secret"


def test_an_unreadable_secrets_file_is_named_with_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "secrets.env"
    with pytest.raises(ConfigurationErrors) as caught:
        load(tmp_path, secrets_file=missing)
    assert [str(e) for e in caught.value.errors] == [
        f"environment: SOCIALLEADS_SECRETS_FILE: cannot read {missing}: No such file or directory "
        "(fix: point it at a readable NAME=value file)"
    ]


def test_a_secret_written_in_the_file_is_a_warning(tmp_path: Path) -> None:
    write(
        tmp_path,
        "sinks.yaml",
        "sinks:\n  crm:\n    type: webhook\n    config:\n"
        "      url: https://crm.example.com/hook\n      secret: plain-text-secret\n",
    )
    config = load(tmp_path)
    assert any("sinks.crm.config.secret holds a secret in the file" in w for w in config.warnings)
    assert not any("plain-text-secret" in w for w in config.warnings)


def test_a_source_in_two_campaigns_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "sources.yaml", "sources:\n  fair:\n    type: csv\n    config: {folder: x}\n")
    write(tmp_path, "campaigns.yaml", "campaigns:\n  a: {sources: [fair]}\n  b: {sources: [fair]}\n")
    assert "source 'fair' is already in campaign 'a'" in errors_of(tmp_path)[0]


def test_an_admin_sink_must_be_a_configured_sink(tmp_path: Path) -> None:
    write(tmp_path, "sinks.yaml", "sinks:\n  out: {type: console}\nadmin_sinks: [out, missing]\n")
    assert any("admin_sinks[1]: no sink named 'missing'" in e for e in errors_of(tmp_path))


def test_an_unknown_team_names_the_key_and_the_closest_team(tmp_path: Path) -> None:
    write(tmp_path, "sinks.yaml", "sinks:\n  out: {type: console}\n")
    write(
        tmp_path,
        "campaigns.yaml",
        "teams:\n  nordics: [anna]\n  empty: []\ncampaigns:\n  spring:\n    owner_team: nordic\n"
        "    routes:\n      - name: hot\n        deliver_to: [out]\n        assign: {team: nordik}\n",
    )
    found = errors_of(tmp_path)
    assert any(
        "campaigns.spring.owner_team: no team named 'nordic' (fix: did you mean 'nordics'?)" in e
        for e in found
    )
    assert any("campaigns.spring.routes[0].assign.team: no team named 'nordik'" in e for e in found)
    assert any("teams.empty: team 'empty' has no members" in e for e in found)


def test_norway_stays_a_country_code_and_yes_still_works_for_a_boolean(tmp_path: Path) -> None:
    # YAML 1.1 reads NO as false; the config loader uses YAML 1.2 booleans (true/false only).
    write(tmp_path, "sinks.yaml", "sinks:\n  out: {type: console, enabled: yes}\n")
    write(
        tmp_path,
        "campaigns.yaml",
        "campaigns:\n  spring:\n    routes:\n      - name: nordics\n        when: {countries: [IS, NO]}\n"
        "        deliver_to: [out]\n        assign: {by_country: {NO: bjorn, ON: olivia}}\n",
    )
    config = load(tmp_path)
    rule = config.campaigns["spring"].routes[0]
    assert rule.when.countries == ("IS", "NO")
    assert rule.assign is not None and rule.assign.by_country == {"NO": "bjorn", "ON": "olivia"}
    assert config.sinks["out"].enabled is True


def test_sink_delivery_limits_have_serious_defaults(tmp_path: Path) -> None:
    write(tmp_path, "sinks.yaml", "sinks:\n  out: {type: console, retry: {horizon: 3d}}\n")
    entry = load(tmp_path).sinks["out"]
    assert entry.retry.horizon == timedelta(days=3) and entry.retry.max_attempts is None
    assert entry.circuit.failures == 5 and entry.concurrency == 4
