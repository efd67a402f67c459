"""Send each lead as an email (text and HTML) through an SMTP server, with the standard library.

Every revision of a lead has a stable ``Message-ID`` (``<{key}.r{revision}@socialleads.invalid>``),
so a revision re-sent after a crash can be deduplicated by mail systems, and updates carry
``In-Reply-To``/``References`` to the revision this sink sent before, so mail clients thread them.
SMTP reply codes decide retries (RFC 5321 §4.2.1): 4xx is transient, 5xx is permanent.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator

from socialleads.card import headline, render_html, render_notice_text, render_text
from socialleads.card.sections import one_line
from socialleads.contracts import ConnectorConfig, ConnectorContext, Sink, insecure_transport_error
from socialleads.errors import (
    AuthError,
    DeliveryError,
    PermanentDeliveryError,
    RetriableDeliveryError,
    SinkNeedsAdminError,
)
from socialleads.http_failures import describe_cause
from socialleads.models import AdminNotice, Delivery, Health, HealthState, Lead
from socialleads.redact import MASK, REDACTOR
from socialleads.settings import Duration
from socialleads.transport import is_loopback

MSGID_DOMAIN = "socialleads.invalid"
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")


def _address(value: str) -> str:
    """The bare address of ``"Name <a@b>"`` or ``a@b``; raises ValueError when there is none."""
    addr = parseaddr(value)[1]
    local, _, domain = addr.rpartition("@")
    if not local or not domain:
        raise ValueError(f"'{value}' is not an email address like sales@example.com")
    return addr


class EmailConfig(ConnectorConfig):
    """The SMTP server, how to secure and log in to it, and who gets the lead emails.

    ``port`` defaults to 587, or 465 when ``security`` is ``ssl`` and no port is given. A server on
    another machine may not get the password in the clear (``security: none``) nor go unverified
    (``verify_tls: false``) unless ``allow_insecure_transport: true`` (``socialleads.transport``).
    """

    # A model-level error would print the whole input, password included.
    model_config = ConfigDict(hide_input_in_errors=True)
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    from_address: str
    to: tuple[str, ...] = Field(min_length=1)
    subject_prefix: str = "[socialleads]"
    timeout: Duration = timedelta(seconds=20)
    ca_file: Path | None = None
    verify_tls: bool = True

    @model_validator(mode="before")
    @classmethod
    def _implicit_tls_port(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("security") == "ssl" and "port" not in data:
            return {**data, "port": 465}  # RFC 8314 §3.3: implicit TLS submission is port 465
        return data

    @field_validator("from_address", "to", "subject_prefix")
    @classmethod
    def _one_line_addresses(cls, value: Any, info: ValidationInfo) -> Any:
        for item in (value,) if isinstance(value, str) else value:
            if "\r" in item or "\n" in item:
                raise ValueError("may not contain a line break")  # it would inject mail headers
            if info.field_name != "subject_prefix":
                _address(item)
        return value

    @field_validator("ca_file")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file; give the PEM certificate of the server's CA")
        return value

    @model_validator(mode="after")
    def _credentials_pair(self) -> EmailConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("set both username and password, or neither")
        return self

    @model_validator(mode="after")
    def _protected_transport(self) -> EmailConfig:
        if self.allow_insecure_transport or is_loopback(self.host):
            return self
        if self.security == "none" and self.password is not None:
            raise insecure_transport_error(
                ("security",), f"security: none sends the password to {self.host} in the clear"
            )
        if not self.verify_tls:
            raise insecure_transport_error(
                ("verify_tls",),
                f"verify_tls: false lets anyone between here and {self.host} read the mail and the "
                "password (set ca_file: to trust a private CA instead)",
            )
        return self


def _msgid(key: str, revision: int) -> str:
    # Keys are "sl1-<hex>"; anything outside RFC 5322 atext is replaced so the header stays valid.
    safe = "".join(ch if ch in _ATEXT else "-" for ch in key).strip(".") or "lead"
    return f"<{safe}.r{revision}@{MSGID_DOMAIN}>"


class EmailSink(Sink[EmailConfig]):
    """Emails leads and admin notices; one SMTP connection per message, so it is thread-safe."""

    name = "email"
    config_model = EmailConfig
    accepts_notices = True

    def __init__(self, config: EmailConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self._where = f"SMTP server {config.host}:{config.port}"
        self._tls = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
        if config.ca_file:
            self._tls.load_default_certs()  # the extra CA is added to the system's, not instead of them
        if not config.verify_tls:
            self._tls.check_hostname = False
            self._tls.verify_mode = ssl.CERT_NONE

    def _scrub(self, text: str) -> str:
        if self.config.password is not None and len(self.config.password.get_secret_value()) >= 4:
            text = text.replace(self.config.password.get_secret_value(), MASK)
        return REDACTOR.scrub(" ".join(text.split()))

    @contextmanager
    def _connected(self) -> Iterator[smtplib.SMTP]:
        """Connect, say EHLO, secure and log in as configured; QUIT on the way out, quietly."""
        cfg, timeout = self.config, self.config.timeout.total_seconds()
        smtp = (
            smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=timeout, context=self._tls)
            if cfg.security == "ssl"
            else smtplib.SMTP(cfg.host, cfg.port, timeout=timeout)
        )
        try:
            smtp.ehlo()
            if cfg.security == "starttls":
                smtp.starttls(context=self._tls)
                smtp.ehlo()
            if cfg.username is not None and cfg.password is not None:
                smtp.login(cfg.username, cfg.password.get_secret_value())
            yield smtp
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()  # the message, if any, was already accepted: a failed QUIT changes nothing

    def _classify(self, exc: Exception) -> DeliveryError:
        """Map an smtplib/socket/ssl failure to the dispatcher's retry decision."""
        where = self._where
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = sorted({code for code, _ in exc.recipients.values()})
            listed = ", ".join(map(str, codes))
            text = f"{where} refused all {len(exc.recipients)} recipients (codes {listed})"
            # Greylisting answers 450/451 at RCPT: retry when every refusal is temporary.
            kind = RetriableDeliveryError if all(400 <= c < 500 for c in codes) else PermanentDeliveryError
            return kind(self._scrub(text))
        if isinstance(exc, smtplib.SMTPResponseException):
            raw = exc.smtp_error
            reply = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
            temporary = 400 <= exc.smtp_code < 500
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                said = REDACTOR.scrub(reply, limit=200, also=[self.config.password])
                text = self._scrub(f"{where} rejected the login: {exc.smtp_code} {said}")
                # RFC 4954 §6: 454 is a temporary authentication failure. Any other refusal stops
                # every email alike, and only a new password (or username) in sinks.yaml ends it.
                if temporary:
                    return RetriableDeliveryError(text)
                return SinkNeedsAdminError(f"{text}; set the right username and password in sinks.yaml")
            said = REDACTOR.scrub(reply, limit=200, also=[self.config.password])
            text = self._scrub(f"{where} answered: {exc.smtp_code} {said}")
            return RetriableDeliveryError(text) if temporary else PermanentDeliveryError(text)
        # The two below refuse every email alike until the config changes: the sink waits for an admin.
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return SinkNeedsAdminError(
                f"{where} does not offer a feature the config needs "
                "(STARTTLS or AUTH); check security and username"
            )
        if isinstance(exc, ssl.SSLCertVerificationError):
            return SinkNeedsAdminError(
                f"{where} presented a certificate that cannot be verified "
                f"({exc.verify_message}); set ca_file to its CA certificate"
            )
        if isinstance(exc, ssl.SSLError):
            return RetriableDeliveryError(f"{where}: TLS handshake failed ({exc.reason or 'unknown'})")
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return RetriableDeliveryError(f"{where} closed the connection")
        why = describe_cause(exc)  # timed out, connection refused, host name not found, ...
        if why == type(exc).__name__:  # nothing known about it: smtplib's own words, scrubbed
            why = f"{why}: {exc}"
        return RetriableDeliveryError(self._scrub(f"{where}: {why}"))

    def _send(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        envelope_from = _address(self.config.from_address)
        recipients = [_address(a) for a in self.config.to]
        try:
            with self._connected() as smtp:
                return smtp.send_message(message, from_addr=envelope_from, to_addrs=recipients)
        except (smtplib.SMTPException, OSError) as exc:
            error = self._classify(exc)
        # Raised outside the except block so no smtplib exception (or its frames) is attached to it.
        raise error

    def _message(self, subject: str, text: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.config.from_address
        message["To"] = ", ".join(self.config.to)
        message["Subject"] = f"{self.config.subject_prefix} {subject}".strip()
        message["Date"] = format_datetime(self.context.clock())
        # RFC 3834: marks the mail as automatic so vacation responders do not answer it.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        return message

    def deliver(self, lead: Lead, key: str) -> Delivery:
        """Email the lead card to every ``to`` address in one message; called by the dispatcher.

        Raises ``SinkNeedsAdminError`` (login refused, unverifiable certificate, STARTTLS or AUTH
        not offered: every email would fail alike), ``PermanentDeliveryError`` (5xx to the message,
        all recipients refused) or ``RetriableDeliveryError`` (4xx, timeouts, refused or dropped
        connections).
        """
        message = self._message(headline(lead), render_text(lead))
        message.add_alternative(render_html(lead), subtype="html")
        message_id = _msgid(key, lead.revision)
        message["Message-ID"] = message_id
        if lead.delivered_revision is not None:
            previous = _msgid(key, lead.delivered_revision)
            message["In-Reply-To"] = previous
            message["References"] = previous
        refused = self._send(message)
        total = len(self.config.to)
        detail = f"sent to {total} recipient(s)"
        if refused:
            codes = ", ".join(sorted({str(code) for code, _ in refused.values()}))
            detail = f"sent to {total - len(refused)} of {total} recipients; {len(refused)} refused ({codes})"
            self.context.logger.warning("%s: %s for lead %s", self.context.instance, detail, lead.id)
        return Delivery(external_id=message_id, detail=detail)

    def check(self) -> Health:
        """Connect, EHLO, secure and log in as configured, then QUIT; nothing is sent.

        Raises ``AuthError`` when the server rejects the credentials.
        """
        try:
            with self._connected():
                pass
        except smtplib.SMTPAuthenticationError as exc:
            if exc.smtp_code < 500:  # RFC 4954 §6: 454 is temporary, not a wrong password
                return Health(state=HealthState.FAILING, summary=str(self._classify(exc)))
            code = exc.smtp_code
        except (smtplib.SMTPException, OSError) as exc:
            return Health(state=HealthState.FAILING, summary=str(self._classify(exc)))
        else:
            login = f" and accepts the login for {self.config.username}" if self.config.username else ""
            return Health(state=HealthState.OK, summary=f"{self._where} answers{login}")
        raise AuthError(f"{self._where} rejected the login for {self.config.username} ({code})")

    def send_notice(self, notice: AdminNotice) -> None:
        """Email an admin notice as plain text. Raises the same errors as ``deliver``."""
        message = self._message(f"[{notice.severity}] {one_line(notice.subject)}", render_notice_text(notice))
        message["Message-ID"] = make_msgid(domain=MSGID_DOMAIN)
        self._send(message)
