"""The one ``requests.Session`` factory: every HTTP call of the bot goes through a session built here.

Each session has a default timeout on every request (tweepy and facebook-sdk set none), retries
connection failures only (never a request the server may have acted on), and a User-Agent naming
the bot. Platform routing to the sandbox (issue #3) belongs here too, and nowhere else.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from socialleads import __version__

#: (connect, read) seconds, used when a caller passes no timeout.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
USER_AGENT = f"socialleads/{__version__} (+https://github.com/socialleads/socialleads)"


class TimeoutAdapter(HTTPAdapter):
    """An adapter that applies a default timeout and retries connection errors only."""

    def __init__(self, timeout: tuple[float, float] = DEFAULT_TIMEOUT, connect_retries: int = 2) -> None:
        self.timeout = timeout
        # Connect errors happen before the request reached the server: retrying them is always safe.
        retry = Retry(
            total=connect_retries,
            connect=connect_retries,
            read=0,
            status=0,
            other=0,
            redirect=5,
            backoff_factor=0,
            raise_on_status=False,
        )
        super().__init__(max_retries=retry)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, *args, **kwargs)


def new_session(timeout: tuple[float, float] = DEFAULT_TIMEOUT, connect_retries: int = 2) -> requests.Session:
    """A session for one connector instance; not shared across threads that change its headers."""
    session = requests.Session()
    adapter = TimeoutAdapter(timeout, connect_retries)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session
