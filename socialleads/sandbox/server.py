"""Running the sandbox app on loopback in a thread: for tests, the demo and ``socialleads sandbox``."""

from __future__ import annotations

from socialleads.sandbox.app import create_app
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.loopback import LoopbackServer
from socialleads.sandbox.sales import SalesPipeline
from socialleads.sandbox.world.living import World
from socialleads.sandbox.x.api import XLimits


class SandboxServer(LoopbackServer):
    """``with SandboxServer(world) as sandbox:`` serves ``world`` at ``sandbox.url`` until the block ends.

    ``sandbox.url`` is what ``SOCIALLEADS_SANDBOX_URL`` should be. With ``sales``, the sales-pipeline
    emulators are served too, each at its own path (``socialleads.sandbox.sales``).
    """

    def __init__(
        self,
        world: World,
        chaos: Chaos | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        x_limits: XLimits | None = None,
        sales: SalesPipeline | None = None,
    ) -> None:
        self.world = world
        self.chaos = chaos or Chaos()
        self.sales = sales
        super().__init__(create_app(world, self.chaos, x_limits, sales), host, port, name="sandbox")
