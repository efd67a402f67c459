"""``socialleads users`` and ``tokens``: the first admin and their token, used against the running API."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from socialleads.bot import build_bot
from socialleads.cli import app
from socialleads.settings import Settings
from tests.support.api import ANY_PORT, Caller, serving_api
from tests.support.configs import write_config


def invoke(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **env}, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_the_first_admin_and_a_token_from_the_shell_open_the_api(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path / "config", sources={}, sinks={"console": {"type": "console"}})
    env = {"SOCIALLEADS_CONFIG_DIR": str(config), "SOCIALLEADS_DATABASE_URL": database_url}
    code, out, _ = invoke(env, "users", "add", "Ada@Example.com", "--role", "admin", "--name", "Ada")
    assert code == 0, out
    generated = out.strip().splitlines()[-1]
    assert len(generated) >= 20  # shown once, then only its hash exists
    code, out, _ = invoke(env, "users", "list")
    assert "ada@example.com  admin" in out and generated not in out
    code, token, _ = invoke(env, "tokens", "create", "--user", "ada@example.com", "--expires", "30d")
    token = token.strip()
    assert code == 0 and token.startswith("sl_")
    bot = build_bot(Settings(database_url=database_url, config_dir=config, web=ANY_PORT))
    try:
        with serving_api(bot) as api:
            ada = Caller(base_url=api.origin, email="ada@example.com", token=token)
            assert ada.get("/api/v1/me").json()["role"] == "admin"
            signed_in, _ = api.signed_in("ada@example.com", generated)
            assert signed_in.get("/api/v1/me").status_code == 200
            code, listed, _ = invoke(env, "tokens", "list")
            assert token not in listed and token[:10] in listed
            token_id = listed.split()[0]
            assert invoke(env, "tokens", "revoke", token_id)[0] == 0
            assert ada.get("/api/v1/me").status_code == 401
            audit = signed_in.get("/api/v1/audit").json()
            assert {"user.create", "token.create", "token.revoke"} <= {e["action"] for e in audit}
            assert all(e["actor"].startswith("cli:") for e in audit if e["action"] != "session.create")
    finally:
        bot.close()


def test_a_password_from_stdin_is_used_and_never_printed(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path / "config", sources={}, sinks={"console": {"type": "console"}})
    env = {"SOCIALLEADS_CONFIG_DIR": str(config), "SOCIALLEADS_DATABASE_URL": database_url}
    password = "a passphrase from a manager"
    code, out, err = invoke(
        env, "users", "add", "max@example.com", "--role", "manager", "--password-stdin", stdin=password + "\n"
    )
    assert code == 0 and password not in out + err
    code, _, err = invoke(
        env, "users", "add", "max@example.com", "--role", "manager", "--password-stdin", stdin=password + "\n"
    )
    assert code == 1 and "exists already" in err
    code, _, err = invoke(
        env, "users", "add", "eve@example.com", "--role", "sales", "--password-stdin", stdin="short\n"
    )
    assert code == 1 and "shorter than" in err


def test_the_last_admin_cannot_be_disabled_from_the_shell(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path / "config", sources={}, sinks={"console": {"type": "console"}})
    env = {"SOCIALLEADS_CONFIG_DIR": str(config), "SOCIALLEADS_DATABASE_URL": database_url}
    invoke(env, "users", "add", "ada@example.com", "--role", "admin")
    code, _, err = invoke(env, "users", "disable", "ada@example.com")
    assert code == 1 and "last active admin" in err
    invoke(env, "users", "add", "bob@example.com", "--role", "admin")
    assert invoke(env, "users", "disable", "ada@example.com")[0] == 0
    assert "disabled" in invoke(env, "users", "list")[1]
