"""The settings root: process-wide options from the environment (``SOCIALLEADS_*``, nested with ``__``).

Campaigns, sources and sinks live in YAML files under ``config_dir`` (see ``socialleads.configuration``).
An unknown ``SOCIALLEADS_*`` variable is a warning, with the closest known name.
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ByteSize, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from socialleads.errors import ConfigurationError, ConfigurationErrors

ENV_PREFIX = "SOCIALLEADS_"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}

#: Variables that are read outside the settings model (tests, tools) and are therefore known.
OTHER_KNOWN_ENV = frozenset({"SOCIALLEADS_TEST_POSTGRES_URL"})


#: The longest duration a setting may be: 100 years. ``timedelta`` itself stops at 999,999,999 days
#: (``OverflowError`` past it), and a duration is added to the time of day (the next poll, a retry's
#: horizon), which ``datetime`` cannot hold past the year 9999; no setting needs more than a year.
LONGEST_DURATION = timedelta(days=36500)
_LONGEST_TEXT = "36500d (100 years)"
#: How much of a written duration a message quotes.
_QUOTED = 40


def parse_duration(value: Any) -> Any:
    """Accept ``90``, ``"90s"``, ``"5m"``, ``"1.5h"``, ``"2d"``, ``"250ms"`` or a timedelta.

    Raises ``ValueError`` (which pydantic reports with the key) for text that is no duration, for a
    number that is not finite, and for a duration longer than ``LONGEST_DURATION`` in either
    direction: ``99999999999d`` or a number of 400 digits would otherwise raise ``OverflowError`` in
    ``timedelta``, which pydantic does not catch.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _seconds(value, "the number")
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return _seconds(float(match.group(1)) * _UNITS[match.group(2)], _quoted(value))
        raise ValueError(f"{_quoted(value)} is not a duration; write it like 30s, 5m, 2h or 1d")
    return value


def _quoted(text: str) -> str:
    """``text`` quoted for a message, shortened to ``_QUOTED`` characters."""
    text = text.strip()
    return repr(text) if len(text) <= _QUOTED else repr(text[:_QUOTED]) + "..."


def _seconds(seconds: float, shown: str) -> timedelta:
    """``seconds`` as a timedelta; ``ValueError`` naming ``shown`` when it is not finite or too long."""
    if isinstance(seconds, float) and math.isnan(seconds):
        raise ValueError(f"{shown} is not a duration; write it like 30s, 5m, 2h or 1d")
    # compared as numbers: a float past 1e308 is inf, an int of any size compares exactly
    if abs(seconds) > LONGEST_DURATION.total_seconds():
        raise ValueError(f"{shown} is too long for a duration; the longest is {_LONGEST_TEXT}")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _longer_than_zero(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than zero, e.g. 10s")
    return value


PositiveDuration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(_longer_than_zero)]
"""A duration that must be longer than zero (timeouts, windows)."""


class WebSettings(BaseModel):
    """The HTTP server for webhooks, the API and the dashboard, in the same process."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8787, ge=0, le=65535)
    webhook_body_limit: ByteSize = Field(default=ByteSize(1024 * 1024), gt=0)
    """The largest body ``/webhooks/*`` reads (``1MiB``, ``512KB`` or bytes); a larger one is answered 413
    before it is read. Meta's deliveries are a few KiB: a batch holds at most 1,000 changes of a few
    hundred bytes (see connectors/meta/webhook.py)."""
    body_limit: ByteSize = Field(default=ByteSize(2 * 1024 * 1024), gt=0)
    """The largest body of any other request (the API, the console), answered 413 when passed."""
    body_timeout: PositiveDuration = timedelta(seconds=30)
    """A body must have arrived this long after its request's headers; a slower one is answered 408 and
    its connection closed, so a sender trickling bytes cannot hold one of ``limit_concurrency`` for long."""
    limit_concurrency: int = Field(default=200, ge=1)
    """Connections served at once (uvicorn's ``limit_concurrency``); past it a new request is answered
    503 at once. At most this many bodies are read together, so the memory they take stays under
    ``limit_concurrency`` times ``body_limit``, and a few slow uploads leave ``/healthz`` answering."""
    expose_docs: bool = False
    """Serve the API's OpenAPI schema (``/api/v1/openapi.json``) to anyone; otherwise to signed-in
    callers only. No docs page is served either way (they load scripts from a CDN)."""


class ApiSettings(BaseModel):
    """The REST API and console sessions (docs/api.md)."""

    model_config = ConfigDict(extra="forbid")
    sales_see: Literal["all", "team"] = "all"
    """Which leads a ``sales`` user reads: all of them, or those owned by them and their team."""
    session_lifetime: PositiveDuration = timedelta(hours=12)
    """A console session ends this long after log-in."""
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    """``auto``: the session cookie is ``Secure`` when the request came over https (behind a proxy
    that sets X-Forwarded-Proto, run uvicorn with proxy headers)."""
    login_failures_per_account: int = Field(default=5, ge=1)
    """Failed log-ins for one account within ``login_window`` before it is refused until the window passes."""
    login_failures_per_address: int = Field(default=20, ge=1)
    """Failed log-ins from one address within ``login_window`` before it is refused."""
    login_window: PositiveDuration = timedelta(minutes=15)


class DispatchSettings(BaseModel):
    """How the outbox is drained; per-sink retry policies live in ``sinks.yaml``."""

    model_config = ConfigDict(extra="forbid")
    every: Duration = timedelta(seconds=2)
    batch_size: int = Field(default=200, ge=1)
    lease: PositiveDuration = timedelta(seconds=30)
    """How long a claim lasts unless renewed; the dispatcher renews its claims every third of it while
    it works on them. A crashed bot's claims are taken back when it restarts on the same host, or
    by any worker once they run out (longer than a sink's timeout is not needed: renewal covers it)."""
    record_every: PositiveDuration = timedelta(milliseconds=250)
    """While a batch is in flight, its outcomes are committed at least this often (or every
    ``record_batch`` outcomes, whichever comes first): a crash re-sends only what was in flight."""
    record_batch: int = Field(default=100, ge=1)


class Settings(BaseSettings):
    """Process settings. Read from the environment; every field has an embedded default."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore", case_sensitive=False
    )

    database_url: str = "sqlite:///data/socialleads.db"
    """SQLAlchemy URL; ``postgresql+psycopg://user@host/db`` for PostgreSQL."""
    config_dir: Path = Path("config")
    """Folder holding ``sources.yaml``, ``sinks.yaml`` and ``campaigns.yaml``."""
    data_dir: Path = Path("data")
    secrets_file: Path | None = None
    """A ``NAME=value`` file consulted by ``{$env: NAME}`` references when the variable is unset."""
    secrets_dir: Path | None = None
    """A folder of secret files ``{$file: PATH}`` references may read. They may always read under
    ``config_dir``, the folder of ``secrets_file``, ``/run/secrets`` and ``$CREDENTIALS_DIRECTORY``
    (systemd's ``LoadCredential=``)."""
    secret_roots: Annotated[
        tuple[Path, ...],
        NoDecode,
        BeforeValidator(lambda v: [p for p in v.split(os.pathsep) if p] if isinstance(v, str) else v),
    ] = ()
    """More folders ``{$file: PATH}`` references may read, ``:``-separated in ``SOCIALLEADS_SECRET_ROOTS``."""
    phone_region: str | None = None
    """Default region (ISO 3166 alpha-2, e.g. IS) for phone numbers written without a country code."""
    log_level: str = "INFO"
    sandbox_url: str | None = None
    """Send the platforms' API calls to a sandbox at this address (``socialleads sandbox``)."""
    web: WebSettings = WebSettings()
    api: ApiSettings = ApiSettings()
    dispatch: DispatchSettings = DispatchSettings()


def _known_env_names(model: type[BaseModel], prefix: str) -> set[str]:
    names: set[str] = set()
    for field_name, info in model.model_fields.items():
        name = f"{prefix}{field_name.upper()}"
        names.add(name)
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _known_env_names(annotation, f"{name}__")
    return names


def unknown_env_warnings(environ: dict[str, str] | None = None) -> list[str]:
    """Warnings for ``SOCIALLEADS_*`` variables that no setting reads, each with the likely meant name."""
    environ = dict(os.environ) if environ is None else environ
    known = _known_env_names(Settings, ENV_PREFIX) | OTHER_KNOWN_ENV
    warnings = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known:
            continue
        close = difflib.get_close_matches(upper, sorted(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"environment variable {name} is not a socialleads setting and is ignored{hint}")
    return warnings


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment (and ``overrides``, which win), warning on unknown names.

    Raises ``ConfigurationErrors`` naming each bad variable and what it expects.
    """
    log = logging.getLogger("socialleads.settings")
    for warning in unknown_env_warnings():
        log.warning(warning)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            key = ENV_PREFIX + "__".join(str(part).upper() for part in err["loc"])
            fix = "set it to a valid value or unset it"
            errors.append(ConfigurationError(err["msg"], file="environment", key=key, fix=fix))
        raise ConfigurationErrors(errors) from None
