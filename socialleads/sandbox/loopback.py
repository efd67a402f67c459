"""Serving any one emulator app (Salesforce, Pipedrive) on loopback in a thread, for tests and demos.

``SandboxServer`` serves the sandbox world's app; ``LoopbackServer`` serves a standalone ASGI app the
same way. ``routed_sessions`` sends an https vendor host (a Salesforce instance, which simple-salesforce
always addresses over https) to such a server, through ``socialleads.http``'s ``SandboxAdapter``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self

import requests
import uvicorn

from socialleads import http


class LoopbackServer:
    """``with LoopbackServer(app) as server:`` serves ``app`` at ``server.url`` until the block ends."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, name: str = "emulator") -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            access_log=False,
            log_config=None,  # uvicorn logs through our one handler (socialleads.cli.configure_logging)
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=name, daemon=True)
        self.host = host

    @property
    def port(self) -> int:
        """The port it listens on (chosen by the system when 0 was asked)."""
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """``http://host:port``, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Start serving; raises RuntimeError when the address cannot be used."""
        self._thread.start()
        while not self._server.started and self._thread.is_alive():
            self._thread.join(0.02)
        if not self._server.started:
            raise RuntimeError(f"the emulator could not listen on {self.host}")
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def routed_sessions(routes: Mapping[str, str]) -> Callable[..., requests.Session]:
    """A ``ConnectorContext.new_session`` factory whose sessions send ``https://<host>`` to ``routes[host]``.

    ``routes`` is read when each session is made, so it may be filled after the factory is built.
    """

    def new_session(
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
        connect_retries: int = 2,
        sandbox_url: str | None = None,
    ) -> requests.Session:
        session = http.new_session(timeout, connect_retries, sandbox_url)
        for host, url in routes.items():
            session.mount(f"https://{host}", http.SandboxAdapter(url, timeout, connect_retries))
        return session

    return new_session
