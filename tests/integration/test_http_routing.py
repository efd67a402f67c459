"""The one session factory: with a sandbox set, every https call goes there, naming the host it was meant
for; plain http (a receiver on loopback) and everything without a sandbox go where they say."""

from __future__ import annotations

import pytest
import requests

from socialleads.http import SANDBOX_HOST_HEADER, new_session
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse


@pytest.mark.parametrize(
    "host", ["graph.facebook.com", "api.twitter.com", "api.x.com", "graph.instagram.com", "api.pipedrive.com"]
)
def test_https_hosts_are_served_by_the_sandbox_with_path_query_and_host_intact(host: str) -> None:
    with LoopbackReceiver() as sandbox:
        session = new_session(sandbox_url=sandbox.url)
        response = session.get(f"https://{host}/v26.0/104/leads?fields=id%2Cfield_data&limit=2")
        assert response.status_code == 200
        [request] = sandbox.requests
        assert request.path == "/v26.0/104/leads?fields=id%2Cfield_data&limit=2"
        assert request.header(SANDBOX_HOST_HEADER) == host


def test_with_a_sandbox_plain_http_to_a_local_receiver_is_not_rerouted() -> None:
    with LoopbackReceiver() as sandbox, LoopbackReceiver() as receiver:
        session = new_session(sandbox_url=sandbox.url)
        assert session.post(f"{receiver.url}/hook", json={}).status_code == 200
        assert [r.path for r in receiver.requests] == ["/hook"] and not sandbox.requests


def test_without_a_sandbox_nothing_is_rerouted() -> None:
    with LoopbackReceiver() as receiver:
        session = new_session()
        session.get(f"{receiver.url}/plain")
        assert receiver.requests[0].path == "/plain"
        assert "graph.facebook.com" not in [a for a in session.adapters if a != "https://"]


def test_every_request_gets_a_timeout_even_when_the_caller_sets_none() -> None:
    with LoopbackReceiver() as slow:
        slow.script(ScriptedResponse(200, delay=3.0))
        session = new_session(timeout=(1.0, 0.5))
        with pytest.raises(requests.exceptions.ReadTimeout):
            session.get(f"{slow.url}/slow")  # no timeout= given, as tweepy and facebook-sdk do


def test_a_malformed_sandbox_url_is_refused_with_the_expected_shape() -> None:
    with pytest.raises(ValueError, match=r"http://127\.0\.0\.1:8080"):
        new_session(sandbox_url="localhost:8080")
