"""Issue #19: a connector config may not weaken transport without saying so.

Plain ``http://`` to another machine, SMTP without TLS with a password, and ``verify_tls: false`` are
refused at load, each naming the file, the key and the fix, unless the connector's config sets
``allow_insecure_transport: true``; loopback is always allowed; ``socialleads doctor`` warns about
every connector that runs weakened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from typer.testing import CliRunner

from connectors.email.sink import EmailConfig
from connectors.webhook.sink import WebhookConfig
from socialleads.cli import app
from socialleads.configuration.loader import load_app_config
from socialleads.contracts import ConnectorConfig
from socialleads.errors import ConfigurationErrors
from socialleads.registry import discover
from socialleads.settings import Settings
from socialleads.transport import is_loopback, plain_http_urls
from tests.support.configs import write_config

HOOK_TOKEN = "T0KEN-in-the-path-9f8e7d"
FIX = "use https:// (or TLS); if the network between is one you trust, set allow_insecure_transport: true"
MAIL = {"from_address": "bot@example.com", "to": ["sales@example.com"]}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LocalHost.", True),
        ("sandbox.localhost", True),
        ("crm.example.com", False),
        ("10.0.0.5", False),
        ("0.0.0.0", False),  # noqa: S104 - a host name here, not a binding
        ("localhost.example.com", False),
        ("127.0.0.1.nip.io", False),
    ],
)
def test_loopback_is_this_machine_only(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8089/hook", "http://localhost/hook", "http://[::1]:9000/", "https://crm.example.com/"],
)
def test_https_and_loopback_urls_load(url: str) -> None:
    assert WebhookConfig.model_validate({"url": url}).url == url


def test_plain_http_to_another_host_is_refused_with_the_key_and_the_fix() -> None:
    with pytest.raises(ValidationError) as caught:
        WebhookConfig.model_validate({"url": "HTTP://crm.example.com/hook"})
    [error] = caught.value.errors()
    assert error["type"] == "insecure_transport" and error["ctx"]["path"] == ("url",)
    assert error["msg"] == "url goes to crm.example.com over plain http://"
    assert error["ctx"]["fix"].startswith(FIX)


def test_the_allow_flag_lets_it_through() -> None:
    config = WebhookConfig.model_validate(
        {"url": "http://crm.example.com/hook", "allow_insecure_transport": True}
    )
    assert config.allow_insecure_transport
    assert (
        WebhookConfig.model_validate({"url": "https://crm.example.com/hook"}).allow_insecure_transport
        is False
    )


class Endpoint(BaseModel):
    name: str
    url: SecretStr


class ThirdPartyConfig(ConnectorConfig):
    """A connector of someone else's, with its URLs in nested models, lists and mappings."""

    endpoints: tuple[Endpoint, ...] = ()
    mirrors: list[str] = []
    by_region: dict[str, str] = {}
    about: str = "see http://example.com/docs for help"


def test_urls_are_found_at_every_depth_and_secret_ones_show_only_their_host() -> None:
    data: dict[str, Any] = {
        "endpoints": [
            {"name": "local", "url": "http://127.0.0.1:9/x"},
            {"name": "main", "url": f"http://hooks.example.net/services/{HOOK_TOKEN}"},
        ],
        "mirrors": ["https://a.example.org", "http://b.example.org/feed"],
        "by_region": {"eu": "http://eu.example.org/"},
    }
    with pytest.raises(ValidationError) as caught:
        ThirdPartyConfig.model_validate(data)
    [error] = caught.value.errors()
    assert error["ctx"]["path"] == ("endpoints", 1, "url")
    assert error["msg"] == (
        "endpoints[1].url goes to hooks.example.net over plain http://; "
        "mirrors[1] goes to b.example.org over plain http://; "
        "by_region.eu goes to eu.example.org over plain http://"
    )
    assert HOOK_TOKEN not in str(caught.value)
    allowed = ThirdPartyConfig.model_validate({**data, "allow_insecure_transport": True})
    assert [p.key for p in plain_http_urls(allowed)] == ["endpoints[1].url", "mirrors[1]", "by_region.eu"]


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"host": "smtp.example.com", "security": "none", "username": "bot", "password": "pw"}, "security"),
        ({"host": "smtp.example.com", "verify_tls": False}, "verify_tls"),
    ],
)
def test_smtp_in_the_clear_or_unverified_is_refused_unless_allowed(config: dict[str, Any], key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        EmailConfig.model_validate({**MAIL, **config})
    [error] = caught.value.errors()
    assert error["type"] == "insecure_transport" and error["ctx"]["path"] == (key,)
    assert "smtp.example.com" in error["msg"] and "pw" not in error["msg"]
    EmailConfig.model_validate({**MAIL, **config, "allow_insecure_transport": True})
    EmailConfig.model_validate({**MAIL, **config, "host": "127.0.0.1"})  # a local relay


def test_smtp_without_a_password_or_with_verified_tls_loads() -> None:
    EmailConfig.model_validate({**MAIL, "host": "relay.example.com", "security": "none", "port": 25})
    EmailConfig.model_validate({**MAIL, "host": "smtp.example.com", "username": "bot", "password": "pw"})


def test_the_loader_names_the_file_the_line_the_key_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "sinks.yaml"
    path.write_text(
        "sinks:\n  crm:\n    type: webhook\n    config:\n      timeout: 5s\n      url: http://crm.example.com/hook\n"
        "  mail:\n    type: email\n    config:\n      host: smtp.example.com\n      verify_tls: false\n"
        "      from_address: bot@example.com\n      to: [sales@example.com]\n"
    )
    with pytest.raises(ConfigurationErrors) as caught:
        load_app_config(Settings(config_dir=tmp_path), discover())
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:6: sinks.crm.config.url: url goes to crm.example.com over plain http:// (fix: {FIX} "
        "in this connector's config (socialleads doctor will keep warning about it))",
        f"{path}:11: sinks.mail.config.verify_tls: verify_tls: false lets anyone between here and "
        "smtp.example.com read the mail and the password (set ca_file: to trust a private CA instead) "
        f"(fix: {FIX} in this connector's config (socialleads doctor will keep warning about it))",
    ]


def test_doctor_warns_about_every_connector_running_weakened(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config",
        sinks={
            "console": {"type": "console"},
            "crm": {
                "type": "webhook",
                "config": {"url": "http://crm.example.com/hook", "allow_insecure_transport": True},
            },
            "relay": {"type": "email", "config": {**MAIL, "host": "127.0.0.1", "verify_tls": False}},
        },
        default_route=["console"],
    )
    env = {
        "COLUMNS": "200",
        "SOCIALLEADS_CONFIG_DIR": str(config),
        "SOCIALLEADS_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'leads.db'}",
    }
    out = CliRunner().invoke(app, ["doctor"], env=env).output
    lines = [line for line in out.splitlines() if line.startswith("warn ")]
    assert (
        "warn sink crm runs with allow_insecure_transport: true, so it may send leads and tokens in the clear"
        in lines
    )
    assert "warn sink relay runs with verify_tls: false, so its server's certificate is not checked" in lines
    assert not any("console runs with" in line for line in lines)
