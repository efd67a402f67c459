"""Hostile bodies at the public webhook endpoint, against the real bot process (``socialleads run``).

A bot with a ``meta_lead_ads`` source (so ``/webhooks/meta`` has a receiver) runs as a subprocess
against the sandbox; the tests POST what a stranger might and read the process's memory from
``/proc/<pid>/status``. Before the body limits, an unsigned 400 MB POST was read whole before its
signature was checked (340 MB grew to 1 GB), and a signed body of 100,000 ``[`` answered 500.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.living import Rates, World
from tests.support.configs import write_config
from tests.support.meta_leads import main_page_source
from tests.support.ports import free_port

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")

MB = 1024 * 1024
HUGE = 60 * MB
"""An unsigned body sixty times the webhook limit (1 MiB by default)."""
MOST_GROWTH = 50 * MB
"""What refusing a HUGE body may add to the process's resident memory, at its peak."""
PARALLEL = 20
BODY_TIMEOUT = 2
"""Seconds the bot under test waits for a body (WebSettings.body_timeout; 30 s by default)."""


@dataclass
class BotProcess:
    """The running bot: its process, the base URL of its web server and the Meta app's secret."""

    process: subprocess.Popen[bytes]
    url: str
    secret: str
    log: Path

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/meta"

    def status(self, field: str) -> int:
        """A ``/proc/<pid>/status`` size (``VmRSS``, ``VmHWM``) in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
        raise AssertionError(f"no {field} in /proc/{self.process.pid}/status")

    def reset_peak(self) -> bool:
        """Start measuring the peak resident memory (VmHWM) afresh (Linux 4.0+); False if refused."""
        try:
            Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"the bot exited ({self.process.returncode}):\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _signed(body: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    tmp = tmp_path_factory.mktemp("intake")
    # The bot runs on the real clock: a world starting now keeps its page token valid for its run.
    world = World(
        seed=5,
        start=datetime.now(UTC).replace(microsecond=0),
        history=timedelta(minutes=5),
        population=50,
        rates=Rates(
            leads=0, fb_comments=0, ig_comments=0, x_posts=0, fb_posts_per_hour=0, ig_media_per_hour=0
        ),
    )
    env = {**os.environ}
    source = main_page_source(world, env.__setitem__, app_id=world.tokens.app_id)
    with SandboxServer(world, Chaos()) as sandbox:
        config = write_config(
            tmp / "config",
            sources={"leads": source},
            sinks={"console": {"type": "console"}},
            default_route=["console"],
        )
        port = free_port()
        env.update(
            {
                "SOCIALLEADS_DATABASE_URL": f"sqlite:///{tmp / 'bot.db'}",
                "SOCIALLEADS_CONFIG_DIR": str(config),
                "SOCIALLEADS_DATA_DIR": str(tmp / "data"),
                "SOCIALLEADS_SANDBOX_URL": sandbox.url,
                "SOCIALLEADS_WEB__PORT": str(port),
                "SOCIALLEADS_WEB__BODY_TIMEOUT": f"{BODY_TIMEOUT}s",
                "PYTHONUNBUFFERED": "1",
            }
        )
        log = tmp / "bot.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "socialleads", "run"], cwd=tmp, env=env, stdout=out, stderr=out
            )
        running = BotProcess(process, f"http://127.0.0.1:{port}", world.tokens.app_secret, log)
        try:
            deadline = time.monotonic() + 30
            while not running.healthy():
                running.alive()
                assert time.monotonic() < deadline, f"the bot did not serve /healthz:\n{running.tail()}"
                time.sleep(0.1)
            # Warm up: the first requests of each kind import and allocate what later ones reuse.
            for _ in range(3):
                requests.post(running.webhook, data=b"{}", timeout=5)
                requests.post(running.webhook, data=b"x" * (2 * MB), timeout=5)
            yield running
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _chunks(size: int, piece: int = 64 * 1024) -> Iterator[bytes]:
    """``size`` bytes as pieces: requests sends a generator chunked, without Content-Length."""
    block = b"x" * piece
    for _ in range(size // piece):
        yield block


def _post_huge(url: str, chunked: bool, body: bytes) -> int:
    data = _chunks(len(body)) if chunked else body
    return requests.post(url, data=data, headers={"Content-Type": "application/json"}, timeout=30).status_code


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_unsigned_post_is_refused_413_without_the_memory_it_would_take(
    bot: BotProcess, chunked: bool
) -> None:
    body = b"x" * HUGE
    measured_peak = bot.reset_peak()
    before = bot.status("VmRSS")
    started = time.perf_counter()
    assert _post_huge(bot.webhook, chunked, body) == 413
    took = time.perf_counter() - started
    after, peak = bot.status("VmRSS"), bot.status("VmHWM")
    grew, peak_grew = after - before, (peak - before if measured_peak else 0)
    print(f"RSS {before / MB:.1f} MB -> {after / MB:.1f} MB (peak +{peak_grew / MB:.1f} MB) in {took:.2f} s")
    assert grew < MOST_GROWTH and peak_grew < MOST_GROWTH, (grew / MB, peak_grew / MB)
    bot.alive()
    assert bot.healthy()


def test_twenty_huge_posts_at_once_leave_healthz_answering(bot: BotProcess) -> None:
    body = b"x" * HUGE
    before = bot.status("VmRSS")
    measured_peak = bot.reset_peak()
    stop = threading.Event()
    checks: list[bool] = []

    def watch() -> None:
        while not stop.is_set():
            checks.append(bot.healthy())
            time.sleep(0.02)

    log_before = bot.log.stat().st_size
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(PARALLEL) as pool:
            kinds = [n % 2 == 1 for n in range(PARALLEL)]  # half with Content-Length, half chunked
            statuses = list(pool.map(lambda chunked: _post_huge(bot.webhook, chunked, body), kinds))
    finally:
        stop.set()
        watcher.join()
    after, peak = bot.status("VmRSS"), bot.status("VmHWM")
    peak_grew = peak - before if measured_peak else 0
    print(f"{PARALLEL} at once: RSS {before / MB:.1f} -> {after / MB:.1f} MB (peak +{peak_grew / MB:.1f} MB)")
    assert statuses == [413] * PARALLEL
    assert checks and all(checks), f"/healthz failed {checks.count(False)} of {len(checks)} times"
    assert bot.healthy()
    assert after - before < MOST_GROWTH and peak_grew < MOST_GROWTH, ((after - before) / MB, peak_grew / MB)
    with bot.log.open("rb") as log:
        log.seek(log_before)
        lines = [line for line in log.read().decode(errors="replace").splitlines() if "refused" in line]
    # The warm-up's refusals logged each kind once; these are counted for the minute's summary.
    assert len(lines) <= 1, lines


def test_the_limit_is_exact_and_other_paths_have_their_own(bot: BotProcess) -> None:
    limit = MB  # WebSettings.webhook_body_limit's default
    at_limit = requests.post(bot.webhook, data=b"x" * limit, timeout=10)
    assert at_limit.status_code == 403, "read whole, then refused for its missing signature"
    assert requests.post(bot.webhook, data=b"x" * (limit + 1), timeout=10).status_code == 413
    # The same without Content-Length: chunked, counted as it comes.
    assert requests.post(bot.webhook, data=_chunks(limit), timeout=10).status_code == 403
    over = itertools.chain(_chunks(limit), [b"x"])
    assert requests.post(bot.webhook, data=over, timeout=10).status_code == 413
    api = requests.post(f"{bot.url}/api/v1/session", data=b"x" * (3 * MB), timeout=10)
    assert api.status_code == 413 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["status"] == 413
    small = requests.post(
        f"{bot.url}/api/v1/session", json={"email": "a@example.com", "password": "x"}, timeout=10
    )
    assert small.status_code == 401, small.text


def test_a_signed_body_nested_past_the_parsers_depth_is_a_400_and_the_bot_keeps_serving(
    bot: BotProcess,
) -> None:
    for body in (b"[" * 100_000, b"[" * 500 + b"]" * 500, b"\xff\xfe not json"):
        answer = requests.post(bot.webhook, data=body, headers=_signed(body, bot.secret), timeout=10)
        assert answer.status_code == 400, (answer.status_code, answer.text[:200])
        assert "malformed" in answer.json()["error"]
    bot.alive()
    assert bot.healthy()
    # A real delivery is still taken (the dashboard's test payload: no lead to fetch).
    test = (
        b'{"object": "page", "entry": [{"id": "0", "time": 1, "changes": [{"field": "leadgen", '
        b'"value": {"leadgen_id": "444444444444", "page_id": "' + fixtures.MAIN_PAGE.encode() + b'"}}]}]}'
    )
    answer = requests.post(bot.webhook, data=test, headers=_signed(test, bot.secret), timeout=10)
    assert (answer.status_code, answer.json()["jobs"]) == (200, 0), answer.text
    pieces = iter([test[:40], test[40:]])
    chunked = requests.post(bot.webhook, data=pieces, headers=_signed(test, bot.secret), timeout=10)
    assert (chunked.status_code, chunked.json()["repeat"]) == (200, True), "read whole when chunked too"


def test_a_body_trickling_in_is_answered_408_and_its_connection_closed(bot: BotProcess) -> None:
    port = int(bot.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as trickle:
        trickle.sendall(
            b"POST /webhooks/meta HTTP/1.1\r\nHost: bot\r\nContent-Length: 1000\r\n\r\n" + b"[" * 10
        )
        started = time.monotonic()
        answer = b""
        while chunk := trickle.recv(4096):  # until the bot closes the connection
            answer += chunk
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert BODY_TIMEOUT - 0.5 <= waited < BODY_TIMEOUT + 3, waited
    assert bot.healthy()
