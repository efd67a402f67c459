"""A whole bot for the console's browser tests: webhooks, scheduler and web server running for real.

The bot reads a Meta page's comments (``meta_comments``, against the sandbox's Graph API) and receives
its feed webhooks; it delivers to HubSpot (the sandbox's emulator, through hubspot-api-client) and to
a plain webhook receiver that a test can make refuse a lead. Its scheduler runs as ``socialleads run``
runs it (``scheduler.build_scheduler``: polls, the dispatch loop), beside the web app, on the wall
clock; the sandbox's world keeps its own fixed clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

import scheduler
from socialleads.bot import Bot, build_bot
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.crm.hubspot.app import HubSpotServer
from socialleads.sandbox.crm.hubspot.store import HubSpotStore
from socialleads.sandbox.meta.webhook_payloads import encode, feed_comment_value
from socialleads.sandbox.meta.webhooks import sign
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.entities import Comment
from socialleads.sandbox.world.living import Rates, World
from socialleads.settings import Settings
from socialleads.testing.http_receiver import LoopbackReceiver
from tests.support.api import ANY_PORT, ApiServer
from tests.support.bots import WallClock
from tests.support.configs import write_config

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
HUBSPOT_TOKEN = "pat-na1-11111111-2222-3333-4444-console"
QUIET = Rates(leads=0, fb_comments=0, ig_comments=0, x_posts=0, fb_posts_per_hour=0, ig_media_per_hour=0)


@dataclass
class ConsoleWorld:
    """The running bot, the emulators it talks to, and a way to make people."""

    bot: Bot
    world: World
    hubspot: HubSpotStore
    receiver: LoopbackReceiver
    api: ApiServer
    _comments: int = 0

    @property
    def origin(self) -> str:
        return self.api.origin

    def comment(self, name: str, message: str) -> str:
        """Post a signed page ``feed`` webhook for a new comment by ``name`` on the main page's post, as
        Meta does; returns the comment's id once the bot answered 200."""
        self._comments += 1
        post = next(p for p in self.world.posts if p.page_id == fixtures.MAIN_PAGE)
        comment = Comment(
            id=f"{post.id.split('_')[1]}_{7000 + self._comments}",
            post_id=post.id,
            parent_id=None,
            author_id=f"61550000000{self._comments:04d}",
            author_name=name,
            message=message,
            created=datetime.now(UTC).replace(microsecond=0),
            person_key=None,
            intent=True,
            lang="en",
        )
        change = {"field": "feed", "value": feed_comment_value(comment)}
        payload = {
            "object": "page",
            "entry": [{"id": post.page_id, "time": int(time.time()), "changes": [change]}],
        }
        body = encode(payload)
        answer = requests.post(
            f"{self.origin}/webhooks/meta",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, self.world.tokens.app_secret),
            },
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return comment.id

    def hubspot_lead_status(self) -> str | None:
        """The ``hs_lead_status`` of the one contact HubSpot holds (None before there is one)."""
        records = self.hubspot.records("contacts")
        return records[0].properties.get("hs_lead_status") if records else None

    def wait_until(self, what: str, check: object, timeout: float = 15.0) -> None:
        """Poll ``check()`` until it is true; fails the test naming ``what``."""
        deadline = time.monotonic() + timeout
        while not check():  # type: ignore[operator]
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.05)


@contextmanager
def running(bot: Bot) -> Iterator[str]:
    """Run ``bot`` as ``socialleads run`` does (scheduler, dispatch loop, web app); yields its origin."""
    stop = threading.Event()
    jobs, waker = scheduler.build_scheduler(bot, stop)
    web = scheduler.start_web(bot)
    assert web is not None
    jobs.start()
    port = web[0].servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        waker.release()
        jobs.shutdown(wait=True)
        web[0].should_exit = True
        web[1].join(10)


@contextmanager
def console_world(tmp_path: Path, database_url: str) -> Iterator[ConsoleWorld]:
    """The bot of the module docstring, running."""
    world = World(seed=11, start=START, history=timedelta(hours=1), population=30, rates=QUIET)
    hubspot = HubSpotStore(tokens=[HUBSPOT_TOKEN], portal_id=515151)
    t = world.tokens
    with (
        SandboxServer(world, Chaos()) as sandbox,
        HubSpotServer(hubspot) as hubspot_server,
        LoopbackReceiver() as receiver,
    ):
        config = write_config(
            tmp_path / "config",
            sources={
                "fbc": {
                    "type": "meta_comments",
                    "every": "1h",
                    "config": {
                        "app_secret": t.app_secret,
                        "verify_token": t.verify_token,
                        "pages": [{"id": fixtures.MAIN_PAGE, "token": t.page_tokens[fixtures.MAIN_PAGE]}],
                    },
                }
            },
            sinks={
                "hubspot": {
                    "type": "hubspot",
                    "config": {
                        "access_token": HUBSPOT_TOKEN,
                        "portal_id": 515151,
                        "base_url": hubspot_server.url,
                    },
                },
                "relay": {"type": "webhook", "config": {"url": f"{receiver.url}/hooks/leads"}},
            },
            default_route=["hubspot", "relay"],
        )
        bot = build_bot(
            Settings(database_url=database_url, config_dir=config, sandbox_url=sandbox.url, web=ANY_PORT),
            clock=WallClock(),
        )
        try:
            with running(bot) as origin:
                yield ConsoleWorld(bot, world, hubspot, receiver, ApiServer(bot=bot, origin=origin))
        finally:
            bot.close()
