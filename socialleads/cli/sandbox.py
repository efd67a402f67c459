"""``socialleads sandbox``: run the local emulators with a living world: the platforms (Meta Graph, X API
v2) and the sales pipeline (HubSpot, Salesforce, Pipedrive, Slack, Teams), all on one port."""

from __future__ import annotations

import json
import signal
import threading
from typing import Annotated, Any

import typer

from socialleads.cli.common import console, errors, labelled
from socialleads.sandbox.runtime import Sandbox, SandboxOptions
from socialleads.sandbox.world.living import Rates
from socialleads.settings import parse_duration


def _chaos(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs, values read as JSON when they parse (``true``, ``80001``, ``["a"]``)."""
    switches: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"{pair!r}: write it as switch=value, e.g. meta_throttle_code=80001")
        try:
            switches[key] = json.loads(raw)
        except json.JSONDecodeError:
            switches[key] = raw
    return switches


def _print_sinks(sinks: dict[str, dict[str, Any]], url: str) -> None:
    """Where each sales-pipeline emulator answers, as the sink setting to write (tokens: the world page)."""
    lines = [
        f"  hubspot     base_url: {sinks['hubspot']['base_url']}  (portal {sinks['hubspot']['portal_id']})",
        f"  slack       base_url: {sinks['slack']['base_url']}  (channel {sinks['slack']['channel']}, "
        f"{sinks['slack']['channel_name']})",
        f"  pipedrive   api_url: {sinks['pipedrive']['api_url']}  (or none: api.pipedrive.com is routed)",
        f"  salesforce  instance_url: {sinks['salesforce']['instance_url']}  (routed to "
        f"{sinks['salesforce']['url']})",
        f"  teams       webhook_url: {url}/teams/webhookb2/...",
    ]
    console.print(
        "sales-pipeline emulators, each at its own path (routing needs SOCIALLEADS_SANDBOX_URL; tokens and "
        f'the Teams webhook\'s full URL: "sinks" in {url}/_sandbox/world):\n' + "\n".join(lines),
        markup=False,
    )


def sandbox_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free port).")] = 8089,
    seed: Annotated[int, typer.Option(help="Seed of the world: the same seed, the same world.")] = 7,
    leads: Annotated[float, typer.Option(help="Lead-form submissions per minute.")] = 2.0,
    comments: Annotated[float, typer.Option(help="Facebook comments per minute.")] = 2.0,
    ig_comments: Annotated[float, typer.Option(help="Instagram comments per minute.")] = 1.0,
    x_posts: Annotated[float, typer.Option(help="Posts on X per minute.")] = 3.0,
    intent_share: Annotated[
        float, typer.Option(help="Share of comments and posts showing buying intent.")
    ] = 0.3,
    history: Annotated[str, typer.Option(help="How much past activity exists at start (e.g. 2h).")] = "2h",
    callback_url: Annotated[
        str | None, typer.Option(help="Send Meta webhooks here (the bot's /webhooks/meta).")
    ] = None,
    chaos: Annotated[
        list[str] | None, typer.Option(help="A chaos switch, e.g. meta_throttle_code=80001.")
    ] = None,
) -> None:
    """Serve emulated Meta Graph and X APIs over a seeded world that keeps producing activity, and
    emulated HubSpot, Salesforce, Pipedrive, Slack and Teams for the sinks, on one port.

    Point the bot at the platforms with SOCIALLEADS_SANDBOX_URL=http://HOST:PORT. The sales-pipeline
    emulators answer at their own paths: HubSpot at /hubspot (the hubspot sink's base_url), Slack at
    /slack/api/ (the slack sink's base_url), Pipedrive at /pipedrive/v1, Salesforce at /salesforce,
    Teams at /teams/webhookb2/...; GET /_sandbox/world lists each one's settings and tokens.
    """
    rates = Rates(
        leads=leads, fb_comments=comments, ig_comments=ig_comments, x_posts=x_posts, intent_share=intent_share
    )
    options = SandboxOptions(
        host=host,
        port=port,
        seed=seed,
        history=parse_duration(history),
        rates=rates,
        callback_url=callback_url,
        chaos=_chaos(chaos or []),
    )
    stop = _stop_on_signals()
    sandbox = _start(options)
    _print_where(sandbox, seed)
    try:
        stop.wait()
    finally:
        sandbox.stop()
    console.print("sandbox stopped")


def _stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C (SIGINT) or SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _start(options: SandboxOptions) -> Sandbox:
    """The sandbox, serving; exits 2 (saying why) when it cannot start (a port taken, a bad chaos switch)."""
    try:
        return Sandbox(options).start()
    except (RuntimeError, ValueError) as exc:
        errors.print(labelled("the sandbox cannot start:", "red", str(exc)))
        raise typer.Exit(2) from None


def _print_where(sandbox: Sandbox, seed: int) -> None:
    """Where the sandbox answers, its pages and X account, and how to point the bot and the sinks at it."""
    world = sandbox.world.describe()
    console.print(
        f"sandbox serving on {sandbox.url} (seed {seed}); point the bot at it with\n"
        f"  SOCIALLEADS_SANDBOX_URL={sandbox.url}\n"
        f"world, tokens and the ground truth: {sandbox.url}/_sandbox/world, {sandbox.url}/_sandbox/truth",
        markup=False,
    )
    console.print(
        f"pages: {', '.join(p['name'] + ' ' + p['id'] for p in world['pages'])}; "
        f"X account @{world['x']['account']['username']}",
        markup=False,
    )
    _print_sinks(sandbox.sinks(), sandbox.url)
