"""Every log line goes through the CLI's one handler and redacting formatter: urllib3's retry warnings
about a sink's URL, and uvicorn's own tracebacks, come out timestamped with their secrets masked."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn

from socialleads.accounts.roles import Role
from socialleads.cli import configure_logging
from socialleads.errors import RetriableDeliveryError
from socialleads.models import Lead
from socialleads.redact import REDACTOR
from tests.support.api import ANY_PORT, serving_api
from tests.support.bots import scripted_bot

URL_TOKEN = "hook-token-7c1e9a4f2b"
APP_SECRET = "app-secret-5d2b8e1f0a"
#: ``LOG_FORMAT``'s start: the time, the level, the logger.
STAMPED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (\w+) +([\w.]+): ", re.MULTILINE)


def _loggers() -> list[logging.Logger]:
    known = logging.root.manager.loggerDict.values()
    return [logging.getLogger(), *(v for v in known if isinstance(v, logging.Logger))]


@pytest.fixture
def cli_logging(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    """``configure_logging()`` as the CLI calls it; yields a function returning what it wrote to
    stderr since. Every logger's handlers, level and propagation are put back afterwards (those
    made meanwhile are left as new ones are)."""
    saved = {lg: (list(lg.handlers), lg.level, lg.propagate) for lg in _loggers()}
    capsys.readouterr()
    configure_logging("INFO")
    try:
        yield lambda: capsys.readouterr().err
    finally:
        for known in _loggers():
            handlers, level, propagate = saved.get(known, ([], logging.NOTSET, True))
            known.handlers[:] = handlers
            known.setLevel(level)
            known.propagate = propagate


def _refusing_sink_url(port: int) -> str:
    """A loopback URL nobody listens on: every connection is refused, and urllib3 retries it."""
    return f"http://127.0.0.1:{port}/in?token={URL_TOKEN}"


def test_a_webhook_sinks_url_token_is_masked_in_urllib3s_retry_warnings(
    tmp_path: Path, closed_port: int, cli_logging: Callable[[], str], make_lead: Callable[..., Lead]
) -> None:
    sinks = {"hook": {"type": "webhook", "config": {"url": _refusing_sink_url(closed_port), "timeout": "2s"}}}
    sb = scripted_bot(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", sinks=sinks)
    try:
        with pytest.raises(RetriableDeliveryError) as raised:
            sb.bot.sinks["hook"].deliver(make_lead(), "sl1-key")
    finally:
        sb.bot.close()
    err = cli_logging()
    retries = [line for line in err.splitlines() if "Retrying" in line]
    assert retries, err
    assert all(STAMPED.match(line) and line.endswith("/in?token=***") for line in retries), retries
    assert URL_TOKEN not in err and URL_TOKEN not in str(raised.value)


def test_a_sink_added_through_the_api_has_its_url_token_masked(
    tmp_path: Path, closed_port: int, cli_logging: Callable[[], str], make_lead: Callable[..., Lead]
) -> None:
    sb = scripted_bot(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", web=ANY_PORT)
    try:
        with serving_api(sb.bot) as api:
            admin = api.person("ada@example.com", Role.ADMIN)
            body = {"type": "webhook", "config": {"url": _refusing_sink_url(closed_port), "timeout": "2s"}}
            answer = admin.put("/api/v1/sinks/hook", json=body)
            assert answer.status_code == 200, answer.text
            with pytest.raises(RetriableDeliveryError):
                sb.bot.sinks["hook"].deliver(make_lead(), "sl1-key")
    finally:
        sb.bot.close()
    err = cli_logging()
    assert "/in?token=***" in err and URL_TOKEN not in err
    assert REDACTOR.scrub(f"see {_refusing_sink_url(closed_port)}").endswith("/in?token=***")


async def _failing_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An ASGI app whose every request fails with a message that holds a registered secret."""
    if scope["type"] == "http":
        raise RuntimeError(f"could not sign with {APP_SECRET}")


@pytest.mark.parametrize("log_config", ["uvicorn's default", None])
def test_uvicorns_tracebacks_go_through_the_redacting_formatter(
    log_config: str | None, capsys: pytest.CaptureFixture[str], cli_logging: Callable[[], str]
) -> None:
    """With uvicorn's default log_config (its own handlers, made before configure_logging runs
    again, as a test or an embedding program may do) or none (as ``scheduler.start_web``)."""
    REDACTOR.register([APP_SECRET])
    options: dict[str, Any] = {} if log_config else {"log_config": None}
    config = uvicorn.Config(_failing_app, host="127.0.0.1", port=0, lifespan="off", **options)
    configure_logging("INFO")  # after uvicorn configured its loggers: they are routed to ours again
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="failing-app", daemon=True)
    thread.start()
    try:
        while not server.started and thread.is_alive():
            thread.join(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        answer = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert answer.status_code == 500
    finally:
        server.should_exit = True
        thread.join(10)
    err = cli_logging()
    assert APP_SECRET not in err
    assert "could not sign with ***" in err
    stamped = [m.groups() for m in STAMPED.finditer(err)]
    assert ("ERROR", "uvicorn.error") in stamped, err
    # Nothing printed by a handler of uvicorn's own (its lines start "ERROR:" or "INFO:").
    assert not re.search(r"^(ERROR|INFO|WARNING):", err, re.MULTILINE), err
