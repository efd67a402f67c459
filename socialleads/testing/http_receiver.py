"""A real HTTP server on loopback that records requests and answers with scripted responses.

For testing sinks and webhooks end to end without mocks::

    with LoopbackReceiver() as rx:
        rx.script(ScriptedResponse(500), ScriptedResponse(200, b'{"id": "42"}'))
        ...  # point the code under test at rx.url
        [request] = rx.wait_for(1)
        assert request.json()["type"] == "lead"

Scripted responses are used in order, one per request; then ``rx.default`` answers. A response's
``delay`` holds the answer back (to provoke client timeouts); closing the receiver cuts delays short.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the receiver saw it; ``path`` includes the query string."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float = field(default_factory=time.perf_counter)
    """``time.perf_counter()`` when the whole request had arrived (for latency measurements)."""

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name, or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def json(self) -> Any:
        """The body parsed as JSON; raises ``ValueError`` when it is not JSON."""
        return json.loads(self.body)


@dataclass(frozen=True)
class ScriptedResponse:
    """An answer to send: status, body, headers, and seconds to wait before answering."""

    status: int = 500
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Server(ThreadingHTTPServer):
    # Handler threads are joined on close (their delays are interrupted first), so nothing outlives it.
    daemon_threads = False
    block_on_close = True
    receiver: LoopbackReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client that gave up (timeout test) makes the late answer fail to write."""


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so no idle keep-alive thread blocks shutdown.
    protocol_version = "HTTP/1.0"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """No request logging to stderr."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        request = ReceivedRequest(self.command, self.path, headers, self._read_body())
        answer = self.server.receiver._record(request)
        if answer.delay > 0:
            self.server.receiver._closing.wait(answer.delay)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class LoopbackReceiver:
    """An HTTP server on 127.0.0.1 with an ephemeral port; a context manager that starts and stops it.

    ``requests`` is a snapshot of what arrived so far, in arrival order; safe to read from any thread.
    """

    def __init__(self) -> None:
        self.default = ScriptedResponse(200, b'{"ok": true}', {"Content-Type": "application/json"})
        self._lock = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._script: deque[ScriptedResponse] = deque()
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The TCP port the server listens on; raises ``RuntimeError`` before ``start``."""
        if self._server is None:
            raise RuntimeError("LoopbackReceiver is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        """A copy of the requests received so far."""
        with self._lock:
            return list(self._requests)

    def script(self, *responses: ScriptedResponse) -> None:
        """Queue answers for the next requests, used once each in order before ``default``."""
        with self._lock:
            self._script.extend(responses)

    def _record(self, request: ReceivedRequest) -> ScriptedResponse:
        with self._lock:
            self._requests.append(request)
            self._lock.notify_all()
            return self._script.popleft() if self._script else self.default

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Block until at least ``n`` requests arrived and return them; raises ``TimeoutError``."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._requests) >= n, timeout):
                raise TimeoutError(f"expected {n} requests within {timeout}s, got {len(self._requests)}")
            return list(self._requests)

    def start(self) -> Self:
        """Bind and serve in a background thread."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.receiver = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="loopback-receiver", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, cut scripted delays short and wait for handler threads; safe to call twice."""
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["LoopbackReceiver", "ReceivedRequest", "ScriptedResponse"]
