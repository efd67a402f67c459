"""The email sink against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import shutil
import ssl
import subprocess
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.email.sink import EmailConfig, EmailSink
from socialleads.contracts import ConnectorContext
from socialleads.errors import AuthError, PermanentDeliveryError, RetriableDeliveryError, SinkNeedsAdminError
from socialleads.models import AdminNotice, HealthState, Lead

LeadMaker = Callable[..., Lead]
StartSmtp = Callable[..., Any]
PASSWORD = "correct-horse-battery"
TO = ("sales@example.com", "boss@example.com")


def make_sink(port: int, **config: Any) -> EmailSink:
    settings = EmailConfig.model_validate(
        {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "from_address": "Socialleads <bot@example.com>",
            "to": TO,
            "timeout": "5s",
            **config,
        }
    )
    return EmailSink(settings, ConnectorContext(instance="mail"))


def parsed(envelope: Any) -> EmailMessage:
    message = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl command line."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command line is not installed; it makes the test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def server_tls(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)
    return context


def test_deliver_sends_one_message_to_every_recipient(smtp_server: Any, make_lead: LeadMaker) -> None:
    make_sink(smtp_server.port).deliver(make_lead(), "sl1-key")
    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "bot@example.com"
    assert envelope.rcpt_tos == list(TO)


def test_subject_is_prefix_and_headline(smtp_server: Any, make_lead: LeadMaker) -> None:
    make_sink(smtp_server.port).deliver(make_lead(), "sl1-key")
    message = parsed(smtp_server.envelopes[0])
    assert message["Subject"] == "[socialleads] New lead: Anna Jónsdóttir — spring-sofas, grade B"


def test_message_has_text_and_html_parts(smtp_server: Any, make_lead: LeadMaker) -> None:
    make_sink(smtp_server.port).deliver(make_lead(), "sl1-key")
    message = parsed(smtp_server.envelopes[0])
    text, markup = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and markup is not None
    assert "Email: anna@example.is" in text.get_content()
    assert "<h2" in markup.get_content()


def test_message_id_is_stable_per_revision(smtp_server: Any, make_lead: LeadMaker) -> None:
    delivery = make_sink(smtp_server.port).deliver(make_lead(), "sl1-key")
    message = parsed(smtp_server.envelopes[0])
    assert message["Message-ID"] == "<sl1-key.r1@socialleads.invalid>"
    assert delivery.external_id == "<sl1-key.r1@socialleads.invalid>"
    assert message["In-Reply-To"] is None


def test_update_threads_under_the_first_message(smtp_server: Any, make_lead: LeadMaker) -> None:
    make_sink(smtp_server.port).deliver(make_lead(revision=2, delivered_revision=1), "sl1-key")
    message = parsed(smtp_server.envelopes[0])
    assert message["Message-ID"] == "<sl1-key.r2@socialleads.invalid>"
    assert message["In-Reply-To"] == "<sl1-key.r1@socialleads.invalid>"
    assert message["References"] == "<sl1-key.r1@socialleads.invalid>"


def test_login_with_good_credentials_delivers(start_smtp: StartSmtp, make_lead: LeadMaker) -> None:
    server = start_smtp(users={"bot": PASSWORD})
    sink = make_sink(server.port, username="bot", password=PASSWORD)
    assert sink.check().state is HealthState.OK
    sink.deliver(make_lead(), "sl1-key")
    assert len(server.envelopes) == 1


def test_bad_credentials_fail_check_with_auth_error(start_smtp: StartSmtp) -> None:
    server = start_smtp(users={"bot": PASSWORD})
    with pytest.raises(AuthError) as caught:
        make_sink(server.port, username="bot", password="wrong-password").check()
    assert "wrong-password" not in str(caught.value)
    assert caught.value.__context__ is None


def test_bad_credentials_make_deliver_wait_for_an_admin(start_smtp: StartSmtp, make_lead: LeadMaker) -> None:
    """Every email would be refused alike: the sink waits for a new password, no lead is dead-lettered."""
    server = start_smtp(users={"bot": PASSWORD})
    with pytest.raises(SinkNeedsAdminError, match=r"rejected the login.*username and password") as caught:
        make_sink(server.port, username="bot", password="wrong-password").deliver(make_lead(), "sl1-key")
    assert "wrong-password" not in str(caught.value)
    assert caught.value.__context__ is None
    assert server.envelopes == []


def test_4xx_reply_is_retriable(start_smtp: StartSmtp, make_lead: LeadMaker) -> None:
    server = start_smtp(reply="451 try later")
    with pytest.raises(RetriableDeliveryError, match="451"):
        make_sink(server.port).deliver(make_lead(), "sl1-key")


def test_5xx_reply_is_permanent(start_smtp: StartSmtp, make_lead: LeadMaker) -> None:
    server = start_smtp(reply="550 no such user")
    with pytest.raises(PermanentDeliveryError, match="550"):
        make_sink(server.port).deliver(make_lead(), "sl1-key")


def test_all_recipients_refused_is_permanent(start_smtp: StartSmtp, make_lead: LeadMaker) -> None:
    server = start_smtp(rcpt_reply="550 no such user")
    with pytest.raises(PermanentDeliveryError, match="refused all 2 recipients"):
        make_sink(server.port).deliver(make_lead(), "sl1-key")


def test_greylisted_recipients_are_retriable(start_smtp: StartSmtp, make_lead: LeadMaker) -> None:
    server = start_smtp(rcpt_reply="450 greylisted, try again later")
    with pytest.raises(RetriableDeliveryError, match="refused all 2 recipients"):
        make_sink(server.port).deliver(make_lead(), "sl1-key")


def test_closed_port_is_retriable(closed_port: int, make_lead: LeadMaker) -> None:
    with pytest.raises(RetriableDeliveryError, match="connection refused"):
        make_sink(closed_port).deliver(make_lead(), "sl1-key")


def test_check_on_closed_port_is_failing(closed_port: int) -> None:
    health = make_sink(closed_port).check()
    assert health.state is HealthState.FAILING
    assert f"127.0.0.1:{closed_port}" in health.summary


def test_starttls_with_ca_file_delivers(
    start_smtp: StartSmtp, server_tls: ssl.SSLContext, tls_files: tuple[Path, Path], make_lead: LeadMaker
) -> None:
    server = start_smtp(tls_context=server_tls, require_starttls=True)
    sink = make_sink(server.port, security="starttls", ca_file=str(tls_files[0]))
    assert sink.check().state is HealthState.OK
    sink.deliver(make_lead(), "sl1-key")
    assert len(server.envelopes) == 1


def test_starttls_with_unknown_certificate_waits_for_an_admin(
    start_smtp: StartSmtp, server_tls: ssl.SSLContext, make_lead: LeadMaker
) -> None:
    server = start_smtp(tls_context=server_tls, require_starttls=True)
    with pytest.raises(SinkNeedsAdminError, match="ca_file"):
        make_sink(server.port, security="starttls").deliver(make_lead(), "sl1-key")


def test_starttls_not_offered_waits_for_an_admin(smtp_server: Any, make_lead: LeadMaker) -> None:
    with pytest.raises(SinkNeedsAdminError, match="STARTTLS"):
        make_sink(smtp_server.port, security="starttls").deliver(make_lead(), "sl1-key")


def test_implicit_tls_with_ca_file_delivers(
    start_smtp: StartSmtp, server_tls: ssl.SSLContext, tls_files: tuple[Path, Path], make_lead: LeadMaker
) -> None:
    server = start_smtp(tls_context=server_tls, implicit_tls=True)
    make_sink(server.port, security="ssl", ca_file=str(tls_files[0])).deliver(make_lead(), "sl1-key")
    assert len(server.envelopes) == 1


def test_send_notice_is_a_plain_text_email(smtp_server: Any) -> None:
    make_sink(smtp_server.port).send_notice(
        AdminNotice(subject="Source fb-spring failing", body="Token expired.", source="fb-spring")
    )
    message = parsed(smtp_server.envelopes[0])
    assert message["Subject"] == "[socialleads] [warning] Source fb-spring failing"
    assert message.get_content_type() == "text/plain"
    assert "Token expired." in message.get_content()


def test_ssl_defaults_to_port_465() -> None:
    config = EmailConfig.model_validate(
        {
            "host": "smtp.example.com",
            "security": "ssl",
            "from_address": "bot@example.com",
            "to": ["a@example.com"],
        }
    )
    assert config.port == 465


def test_config_needs_a_recipient() -> None:
    with pytest.raises(ValidationError):
        EmailConfig.model_validate({"host": "smtp.example.com", "from_address": "bot@example.com", "to": []})


def test_config_repr_hides_the_password() -> None:
    assert PASSWORD not in repr(make_sink(25, username="bot", password=PASSWORD).config)


def test_config_errors_do_not_echo_the_password() -> None:
    with pytest.raises(ValidationError) as caught:  # a password without a username
        EmailConfig.model_validate(
            {
                "host": "smtp.example.com",
                "from_address": "bot@example.com",
                "to": ["a@example.com"],
                "password": PASSWORD,
            }
        )
    assert PASSWORD not in str(caught.value)
