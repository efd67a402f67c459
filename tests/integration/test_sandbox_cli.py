"""``socialleads sandbox`` as a real process: serves the emulators, takes chaos options, stops on SIGINT.

The sandbox process runs on the real clock (it is the command a user runs); nothing here depends on
the date: the checks are about what it serves and where.
"""

from __future__ import annotations

import functools
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from connectors.hubspot.sink import HubSpotSink
from connectors.pipedrive.sink import PipedriveSink
from connectors.salesforce.sink import SalesforceSink
from connectors.slack.sink import SlackSink
from connectors.teams.sink import TeamsSink
from socialleads import http
from socialleads.contracts import ConnectorContext, Sink
from socialleads.sandbox.sales import SANDBOX_SALESFORCE_HOST
from socialleads.testing.kit import sample_lead


@contextmanager
def sandbox_process(*options: str, until: str = "SOCIALLEADS_SANDBOX_URL=") -> Iterator[tuple[str, str]]:
    """Run ``socialleads sandbox --port 0 OPTIONS``; yields its URL and what it printed up to the first
    line holding ``until`` (waiting 30 s at most); on leaving, SIGINT must stop it with exit code 0."""
    process = subprocess.Popen(
        [sys.executable, "-m", "socialleads", "sandbox", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        printed: list[str] = []
        while not printed or until not in printed[-1]:
            try:
                printed.append(lines.get(timeout=max(deadline - time.monotonic(), 0.01)))
            except queue.Empty:
                break
        found = re.search(r"SOCIALLEADS_SANDBOX_URL=(http://\S+)", "".join(printed))
        assert found, f"the sandbox did not print its URL: {''.join(printed)}"
        yield found.group(1), "".join(printed)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


def test_the_sandbox_command_serves_a_world_and_stops_cleanly() -> None:
    with sandbox_process("--seed", "3", "--history", "10m", "--chaos", "short_pages=true") as (url, _):
        world = requests.get(f"{url}/_sandbox/world", timeout=5).json()
        assert world["seed"] == 3
        assert requests.get(f"{url}/_sandbox/chaos", timeout=5).json()["short_pages"] is True
        token = world["pages"][0]["token"]
        page = requests.get(
            f"{url}/v26.0/{world['pages'][0]['id']}", params={"access_token": token}, timeout=5
        )
        assert page.json()["name"] == world["pages"][0]["name"]


def _deliver(sink_class: type[Sink[Any]], settings: dict[str, Any], sandbox_url: str) -> str:
    """Deliver the kit's sample lead through the real sink built from ``settings``, with the bot's session
    factory pointed at the sandbox (as ``SOCIALLEADS_SANDBOX_URL`` does); returns the record id."""
    context = ConnectorContext(
        instance=sink_class.name,
        new_session=functools.partial(http.new_session, sandbox_url=sandbox_url),
    )
    sink = sink_class(sink_class.config_model.model_validate(settings), context)
    try:
        delivery = sink.deliver(sample_lead(), f"sl1-sandbox-cli-{sink_class.name}")
    finally:
        sink.close()
    return str(delivery.external_id or "")


def test_the_sandbox_command_serves_the_crm_and_chat_emulators_where_it_says() -> None:
    with sandbox_process("--history", "1m", until="teams") as (url, printed):
        sinks = requests.get(f"{url}/_sandbox/world", timeout=5).json()["sinks"]
        assert f"base_url: {url}/hubspot" in printed
        assert f"base_url: {url}/slack/api/" in printed
        assert f"api_url: {url}/pipedrive/v1" in printed

        hubspot = sinks["hubspot"]
        contact_id = _deliver(
            HubSpotSink,
            {k: hubspot[k] for k in ("base_url", "access_token", "portal_id")} | {"timeout": "5s"},
            url,
        )
        contacts = requests.get(hubspot["records"], timeout=5).json()
        assert [c["id"] for c in contacts] == [contact_id]

        slack = sinks["slack"]
        posted = _deliver(SlackSink, {k: slack[k] for k in ("base_url", "token", "channel")}, url)
        assert posted.startswith(f"{slack['channel']}:")

        # Pipedrive and Salesforce are reached through the session factory's routing, at their real hosts.
        pipedrive = sinks["pipedrive"]
        assert _deliver(PipedriveSink, {"api_token": pipedrive["api_token"]}, url)
        salesforce = sinks["salesforce"]
        assert salesforce["instance_url"] == f"https://{SANDBOX_SALESFORCE_HOST}"
        settings = {k: salesforce[k] for k in ("instance_url", "access_token")}
        assert _deliver(SalesforceSink, settings, url).startswith("00Q")

        teams = sinks["teams"]
        assert teams["webhook_url"].startswith(f"{url}/teams/webhookb2/")
        _deliver(TeamsSink, {"webhook_url": teams["webhook_url"]}, url)


def test_the_sandbox_help_says_where_the_sales_emulators_answer() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "socialleads", "sandbox", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    for where in ("/hubspot", "/slack/api/", "/pipedrive/v1", "/salesforce", "/teams"):
        assert where in done.stdout
