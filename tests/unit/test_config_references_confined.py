"""Issue #19: ``{$file}`` reads only under the secret roots, and no message quotes what a reference gave.

``/etc/passwd`` stands for any file the bot's user may read but the config's author should not
see; ``LEAKY_VALUE`` for a variable of the environment that is no secret meant for a connector.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialleads.configuration.loader import _unquoted, load_app_config, secret_file_roots
from socialleads.configuration.overlay import overlay
from socialleads.configuration.stored import StoredItem
from socialleads.errors import ConfigurationErrors
from socialleads.registry import discover
from socialleads.settings import Settings, load_settings

PASSWD_LINE = "root:x:0:0:"
SECRET = "s3cr3t-Value-Nobody-Should-See"
SINK = "sinks:\n  crm:\n    type: webhook\n    config:\n      url: https://crm.example.com/hook\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def errors_of(folder: Path, **settings: object) -> list[str]:
    with pytest.raises(ConfigurationErrors) as caught:
        load_app_config(Settings(config_dir=folder, **settings), discover())  # type: ignore[arg-type]
    return [str(e) for e in caught.value.errors]


def source_every(reference: str) -> str:
    return f"sources:\n  fair:\n    type: csv\n    every: {reference}\n    config: {{folder: inbox}}\n"


def test_a_file_outside_the_roots_is_refused_and_its_contents_never_shown(tmp_path: Path) -> None:
    path = write(tmp_path, "sources.yaml", source_every("{$file: /etc/passwd}"))
    found = errors_of(tmp_path)
    assert len(found) == 1
    assert PASSWD_LINE not in found[0]
    assert found[0].startswith(
        f"{path}:4: sources.fair.every: secret file /etc/passwd is outside the folders"
    )
    assert "SOCIALLEADS_SECRET_ROOTS" in found[0]


def test_a_default_does_not_cover_a_file_outside_the_roots(tmp_path: Path) -> None:
    write(tmp_path, "sinks.yaml", f"{SINK}      secret: {{$file: /etc/passwd, default: stand-in}}\n")
    assert "is outside the folders" in errors_of(tmp_path)[0]


def test_dot_dot_and_symlinks_are_resolved_before_the_check(tmp_path: Path) -> None:
    config = tmp_path / "config"
    outside = write(tmp_path / "elsewhere", "token", SECRET)
    (config / "secrets").mkdir(parents=True)
    (config / "secrets" / "link").symlink_to(outside)
    for target in (config / "secrets" / "link", f"{config}/secrets/../../elsewhere/token"):
        write(config, "sinks.yaml", f"{SINK}      secret: {{$file: {target}}}\n")
        found = errors_of(config)
        assert len(found) == 1 and f"(that is {outside})" in found[0] and "is outside the folders" in found[0]
        assert SECRET not in found[0]


@pytest.mark.parametrize("root", ["config", "secrets_file", "secrets_dir", "secret_roots", "credentials"])
def test_a_file_under_each_root_is_read(tmp_path: Path, root: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    folder = config / "secrets" if root == "config" else tmp_path / root
    secret = write(folder, "hook", SECRET + "\n")
    settings: dict[str, object] = {
        "secrets_file": {"secrets_file": write(folder, "bot.env", "A=b\n")},
        "secrets_dir": {"secrets_dir": folder},
        "secret_roots": {"secret_roots": f"{tmp_path / 'nowhere'}:{folder}"},
    }.get(root, {})
    if root == "credentials":  # systemd's LoadCredential= hands the service this folder
        monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(folder))
    write(config, "sinks.yaml", f"{SINK}      secret: {{$file: {secret}}}\n")
    loaded = load_app_config(Settings(config_dir=config, **settings), discover())  # type: ignore[arg-type]
    assert loaded.sink_configs["crm"].secret.get_secret_value() == SECRET  # type: ignore[attr-defined]


def test_the_roots_come_from_the_settings_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLEADS_SECRET_ROOTS", "/srv/a:/srv/b")
    monkeypatch.setenv("SOCIALLEADS_SECRETS_DIR", "/srv/secrets")
    settings = load_settings(config_dir=Path("/etc/socialleads"))
    assert settings.secret_roots == (Path("/srv/a"), Path("/srv/b"))
    roots = secret_file_roots(settings, {"CREDENTIALS_DIRECTORY": "/run/credentials/socialleads.service"})
    assert roots == tuple(
        Path(p)
        for p in (
            "/etc/socialleads",
            "/run/secrets",
            "/srv/secrets",
            "/run/credentials/socialleads.service",
            "/srv/a",
            "/srv/b",
        )
    )


def test_a_bad_value_from_a_file_is_not_quoted(tmp_path: Path) -> None:
    write(tmp_path, "poll_every", f"{PASSWD_LINE}root:/root:/bin/bash\n")
    write(tmp_path, "sources.yaml", source_every(f"{{$file: {tmp_path / 'poll_every'}}}"))
    found = errors_of(tmp_path)
    assert len(found) == 1 and PASSWD_LINE not in found[0]
    assert "sources.fair.every:" in found[0] and "write it like 30s, 5m, 2h or 1d" in found[0]


def test_a_bad_value_from_the_environment_is_not_quoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAKY_VALUE", SECRET)
    write(
        tmp_path,
        "sources.yaml",
        "sources:\n  fair:\n    type: csv\n    phone_region: {$env: LEAKY_VALUE}\n"
        "    config: {folder: inbox}\n",
    )
    found = errors_of(tmp_path)
    assert (
        len(found) == 1 and "sources.fair.phone_region: String should have at most 2 characters" in found[0]
    )
    assert SECRET[:6] not in found[0]


def test_a_message_quoting_part_of_a_referenced_value_is_withheld() -> None:
    value = f"{SECRET}\nsecond line"
    assert _unquoted(f"'{value}' is not a duration", [value]) == "'<the referenced value>' is not a duration"
    assert _unquoted(f"'{SECRET[:12]}...' is not a duration", [value]) is None
    assert (
        _unquoted("is not a duration; write it like 30s", [value]) == "is not a duration; write it like 30s"
    )


def test_the_bots_own_settings_cannot_be_referenced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLEADS_DATABASE_URL", f"postgresql://bot:{SECRET}@db/leads")
    write(tmp_path, "sinks.yaml", f"{SINK}      authorization: {{$env: SOCIALLEADS_DATABASE_URL}}\n")
    found = errors_of(tmp_path)
    assert len(found) == 1 and SECRET not in found[0]
    assert "SOCIALLEADS_DATABASE_URL is one of the bot's own settings" in found[0]


def test_an_item_of_the_api_is_refused_without_quoting_its_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAKY_VALUE", SECRET)
    write(tmp_path, "sources.yaml", "sources: {}\n")
    base = load_app_config(Settings(config_dir=tmp_path), discover())
    item = StoredItem(
        kind="source",
        name="fair",
        body={"type": "csv", "every": {"$env": "LEAKY_VALUE"}, "config": {"folder": "inbox"}},
        version=1,
        updated_at=datetime(2026, 3, 1, tzinfo=UTC),
        updated_by="admin",
    )
    result = overlay(base, [item], discover(), {})
    found = [str(e) for e in result.problems[("source", "fair")]]
    assert len(found) == 1 and "API source 'fair': every:" in found[0] and "is not a duration" in found[0]
    assert SECRET[:6] not in found[0]
