"""Keeping secrets and personal data out of logs and error messages.

Every secret the configuration resolves is registered here; the log formatter installed by the CLI
replaces registered secrets, phone numbers and email addresses in every line it writes, tracebacks
included. Connectors still build their messages from ids, not from URLs or bodies.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

from pydantic import BaseModel, SecretStr

_PHONE = re.compile(r"(?<![\w+])\+\d[\d\s().-]{6,18}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MASK = "***"


class Redactor:
    """A registry of secret values and the scrubber that masks them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def register(self, values: Iterable[str]) -> None:
        """Mask these values from now on (values shorter than 4 characters are ignored as too common)."""
        with self._lock:
            merged = set(self._secrets) | {v for v in values if v and len(v) >= 4}
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    def snapshot(self) -> tuple[str, ...]:
        """The values registered now, for ``restore`` (tests keep one test's secrets from the next)."""
        return self._secrets

    def restore(self, snapshot: tuple[str, ...]) -> None:
        """Mask exactly the values of an earlier ``snapshot`` again."""
        with self._lock:
            self._secrets = snapshot

    def scrub(self, text: str) -> str:
        """``text`` with registered secrets, phone numbers and email addresses masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _PHONE.sub("+" + MASK, text)
        return _EMAIL.sub("<email>", text)


REDACTOR = Redactor()


def secret_values(model: BaseModel) -> list[str]:
    """Every ``SecretStr`` value held by ``model`` and its nested models."""
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found += secret_values(value)
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, BaseModel):
                    found += secret_values(item)
    return found


class RedactingFormatter(logging.Formatter):
    """A formatter whose every output line (message and traceback) passes through ``REDACTOR``."""

    def format(self, record: logging.LogRecord) -> str:
        return REDACTOR.scrub(super().format(record))
