"""The one ``requests.Session`` factory: every HTTP call of the bot goes through a session built here.

Each session has a default timeout on every request (tweepy and facebook-sdk set none), retries
connection failures only (never a request the server may have acted on), and a User-Agent naming
the bot. With a sandbox URL, every https request goes to the sandbox instead, carrying the host it
was meant for in ``X-Sandbox-Host``; the sandbox answers as its emulator of that host. This module
names no vendor: which hosts the sandbox emulates is the sandbox's business. (A mounted adapter is
the way in because tweepy hard-codes its host:
https://github.com/tweepy/tweepy/blob/v4.17.0/tweepy/client.py, ``BaseClient.request``.) Plain http
(a receiver on loopback) goes where it says. The HubSpot and Slack SDKs do not use ``requests``
(urllib3 and urllib), so their sinks reach the sandbox through their ``base_url`` setting instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.sessions import merge_setting as _merge_setting
from requests.utils import get_environ_proxies
from urllib3.util.retry import Retry

from socialleads import __version__

merge_setting = cast(Callable[[Any, Any], Any], _merge_setting)  # requests ships it untyped

#: (connect, read) seconds, used when a caller passes no timeout.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
USER_AGENT = f"socialleads/{__version__} (+https://github.com/socialleads/socialleads)"
#: The header that tells the sandbox which host a routed request was meant for.
SANDBOX_HOST_HEADER = "X-Sandbox-Host"


class TimeoutAdapter(HTTPAdapter):
    """An adapter that applies a default timeout and retries connection errors only."""

    def __init__(self, timeout: tuple[float, float] = DEFAULT_TIMEOUT, connect_retries: int = 2) -> None:
        self.timeout = timeout
        # Connect errors happen before the request reached the server: retrying them is always safe.
        retry = Retry(
            total=connect_retries,
            connect=connect_retries,
            read=False,
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


class SandboxAdapter(TimeoutAdapter):
    """Sends a request to the sandbox: same path and query, the sandbox's scheme and address, and the
    host it was meant for in ``SANDBOX_HOST_HEADER``; a path in ``sandbox_url`` goes before the
    request's own."""

    def __init__(
        self, sandbox_url: str, timeout: tuple[float, float] = DEFAULT_TIMEOUT, connect_retries: int = 2
    ) -> None:
        target = urlsplit(sandbox_url)
        if target.scheme not in ("http", "https") or not target.netloc:
            raise ValueError(f"sandbox URL must look like http://127.0.0.1:8080, not {sandbox_url!r}")
        self.scheme, self.netloc, self.prefix = target.scheme, target.netloc, target.path.rstrip("/")
        super().__init__(timeout, connect_retries)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.headers[SANDBOX_HOST_HEADER] = parts.netloc
        path = self.prefix + parts.path
        request.url = urlunsplit((self.scheme, self.netloc, path, parts.query, parts.fragment))
        return super().send(request, *args, **kwargs)


class EnvironmentOnceSession(requests.Session):
    """A session that reads proxy and CA-bundle settings from the environment once per host.

    ``requests`` rescans ``os.environ`` for proxies on every request, which was a quarter of the
    CPU time of a small POST to a CRM (bench/dispatch.py). The environment does not change under
    a running bot, so the answer is kept per (scheme, host). The merge itself is requests' own
    (``requests.sessions.Session.merge_environment_settings``, requests 2.34).
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, str], tuple[dict[str, str], str | None]] = {}

    def merge_environment_settings(  # type: ignore[override]  # requests' stubs type the dict
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        if self.trust_env:
            parts = urlsplit(str(url))
            found = self._environment.get((parts.scheme, parts.netloc))
            if found is None:
                bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
                found = (get_environ_proxies(str(url), no_proxy=None), bundle)
                self._environment[(parts.scheme, parts.netloc)] = found
            if proxies is not None:
                for name, value in found[0].items():
                    proxies.setdefault(name, value)
            if (verify is True or verify is None) and found[1]:
                verify = found[1]
        return {
            "proxies": merge_setting(proxies, self.proxies),
            "stream": merge_setting(stream, self.stream),
            "verify": merge_setting(verify, self.verify),
            "cert": merge_setting(cert, self.cert),
        }


def new_session(
    timeout: tuple[float, float] = DEFAULT_TIMEOUT, connect_retries: int = 2, sandbox_url: str | None = None
) -> requests.Session:
    """A session for one connector instance; not shared across threads that change its headers.

    With ``sandbox_url``, every https request is served by the sandbox at that address (a test may
    still mount a more specific ``https://host`` adapter: requests picks the longest prefix). Raises
    ``ValueError`` for a malformed ``sandbox_url``.
    """
    session = EnvironmentOnceSession()
    adapter = TimeoutAdapter(timeout, connect_retries)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if sandbox_url:
        session.mount("https://", SandboxAdapter(sandbox_url, timeout, connect_retries))
    session.headers["User-Agent"] = USER_AGENT
    return session
