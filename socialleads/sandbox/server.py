"""Running the sandbox app on loopback in a thread: for tests, the demo and ``socialleads sandbox``."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

import uvicorn

from socialleads.sandbox.app import create_app
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.world import World
from socialleads.sandbox.x_api import XLimits


class SandboxServer:
    """``with SandboxServer(world) as sandbox:`` serves ``world`` at ``sandbox.url`` until the block ends."""

    def __init__(
        self,
        world: World,
        chaos: Chaos | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        x_limits: XLimits | None = None,
    ) -> None:
        self.world = world
        self.chaos = chaos or Chaos()
        config = uvicorn.Config(
            create_app(world, self.chaos, x_limits),
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="sandbox", daemon=True)
        self.host = host

    @property
    def port(self) -> int:
        """The port it listens on (chosen by the system when 0 was asked)."""
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """``http://host:port``: what ``SOCIALLEADS_SANDBOX_URL`` should be."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Start serving; raises RuntimeError when the address cannot be used."""
        self._thread.start()
        while not self._server.started and self._thread.is_alive():
            self._thread.join(0.02)
        if not self._server.started:
            raise RuntimeError(f"the sandbox could not listen on {self.host}")
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
