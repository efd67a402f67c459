"""The Pipedrive sink against the conformance kit, with the Pipedrive emulator served on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.pipedrive.sink import PipedriveSink
from socialleads.sandbox.crm.pipedrive.app import PipedriveAccount, create_pipedrive_app
from socialleads.sandbox.loopback import LoopbackServer
from socialleads.testing import ObservedKeys, SinkConformance, sample_secret

#: The kit's sample token, so the leak checks look for a value the emulator accepts.
TOKEN = sample_secret("api_token")
KEY_IN_NOTE = re.compile(r"socialleads delivery key: (\S+?)</small>")


def serve(account: PipedriveAccount, **config: Any) -> Iterator[dict[str, Any]]:
    """Serve ``account`` and yield a sink config pointing at it."""
    with LoopbackServer(create_pipedrive_app(account)) as server:
        yield {"api_url": f"{server.url}/v1", "api_token": TOKEN, "timeout": "2s", **config}


class TestPipedriveSink(SinkConformance):
    """The Pipedrive sink: the key travels in the note each delivery adds to the lead."""

    connector = PipedriveSink

    @pytest.fixture
    def account(self) -> PipedriveAccount:
        """A working company account."""
        return PipedriveAccount(tokens=[TOKEN])

    @pytest.fixture
    def valid_config(self, account: PipedriveAccount) -> Iterator[dict[str, Any]]:
        """A config for the working account."""
        yield from serve(account)

    @pytest.fixture
    def observed_keys(self, account: PipedriveAccount) -> ObservedKeys:
        """The delivery key written in each note, in order."""

        def keys() -> list[str | None]:
            notes = sorted(account.notes.values(), key=lambda note: note["id"])
            return [match[1] if (match := KEY_IN_NOTE.search(n["content"])) else None for n in notes]

        return keys

    @pytest.fixture
    def retriable_failure_config(self) -> Iterator[dict[str, Any]]:
        """An account in the middle of an outage (HTTP 503 for an hour)."""
        down = PipedriveAccount(tokens=[TOKEN])
        down.outage(seconds=3600, status=503)
        yield from serve(down)

    @pytest.fixture
    def permanent_failure_config(self) -> Iterator[dict[str, Any]]:
        """An answer mapped to a custom field the account does not have: the lead fails validation."""
        answer_fields = {"Budget": "0123456789abcdef0123456789abcdef01234567"}
        yield from serve(PipedriveAccount(tokens=[TOKEN]), answer_fields=answer_fields)

    @pytest.fixture
    def unreachable_config(self, closed_port: int) -> dict[str, Any]:
        """An API root on a loopback port nobody listens on."""
        return {"api_url": f"http://127.0.0.1:{closed_port}/v1", "api_token": TOKEN, "timeout": "2s"}

    @pytest.fixture
    def bad_credentials_config(self, valid_config: dict[str, Any]) -> dict[str, Any]:
        """An API token the account never issued (401)."""
        return {**valid_config, "api_token": "0000000000000000000000000000000000000bad"}
