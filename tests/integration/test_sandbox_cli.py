"""``socialleads sandbox`` as a real process: serves the emulators, takes chaos options, stops on SIGINT."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import requests


def test_the_sandbox_command_serves_a_world_and_stops_cleanly() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "socialleads",
            "sandbox",
            "--port",
            "0",
            "--seed",
            "3",
            "--history",
            "10m",
            "--chaos",
            "short_pages=true",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        url = None
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            found = re.search(r"SOCIALLEADS_SANDBOX_URL=(http://\S+)", line)
            url = found.group(1) if found else None
        assert url, "the sandbox did not print its URL"
        world = requests.get(f"{url}/_sandbox/world", timeout=5).json()
        assert world["seed"] == 3
        assert requests.get(f"{url}/_sandbox/chaos", timeout=5).json()["short_pages"] is True
        token = world["pages"][0]["token"]
        page = requests.get(
            f"{url}/v26.0/{world['pages'][0]['id']}", params={"access_token": token}, timeout=5
        )
        assert page.json()["name"] == world["pages"][0]["name"]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
