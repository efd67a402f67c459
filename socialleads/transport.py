"""Whether a connector talks to a server in the clear: the rule every connector config is held to.

Leads are personal data and tokens open accounts, so a connector's config may not send either over
plain ``http://`` to another machine (issue #19). ``socialleads.contracts.ConnectorConfig`` checks
every text of a config (nested models, lists and mappings too, secrets included) with
``plain_http_urls``, and refuses one unless the config says ``allow_insecure_transport: true``;
a connector with transport of its own adds its rule (the email sink: ``security: none`` with a
password, ``verify_tls: false``). A loopback host is always allowed: nothing crosses a network
there, and the sandbox and local relays listen on it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

#: The name every host resolves to itself, and the names under it (RFC 6761 §6.3).
LOCALHOST = "localhost"
ALLOW_FLAG = "allow_insecure_transport"
"""The key of ``ConnectorConfig`` that allows plain transport for one connector."""
FIX = (
    "use https:// (or TLS); if the network between is one you trust, set "
    f"{ALLOW_FLAG}: true in this connector's config (socialleads doctor will keep warning about it)"
)


def is_loopback(host: str) -> bool:
    """``localhost`` (and ``*.localhost``), ``127.0.0.0/8`` and ``::1`` (also IPv4-mapped, bracketed)."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == LOCALHOST or name.endswith(f".{LOCALHOST}"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])  # an IPv6 zone (%eth0) names no other host
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback  # ::ffff:127.0.0.1: not is_loopback before Python 3.13
    return address.is_loopback


def plain_http_host(text: str) -> str | None:
    """The host of ``text`` when it is an ``http://`` URL to a host that is not loopback, else None."""
    value = text.strip()
    if value[:7].lower() != "http://" or any(ch.isspace() for ch in value):
        return None
    try:
        host = urlsplit(value).hostname
    except ValueError:  # a malformed URL (a bad port, an unclosed bracket): its own field says so
        return None
    if not host:
        return None
    return None if is_loopback(host) else host


@dataclass(frozen=True)
class PlainHttp:
    """A value of a config that is an ``http://`` URL to another machine: where, and to which host."""

    path: tuple[str | int, ...]
    host: str

    @property
    def key(self) -> str:
        """``pages[0].url``: the key in the config, as the files spell it."""
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text


def plain_http_urls(config: BaseModel) -> list[PlainHttp]:
    """Every value of ``config`` that is an ``http://`` URL to a host other than loopback."""
    return list(_walk(config, ()))


def _walk(value: Any, path: tuple[str | int, ...]) -> Iterator[PlainHttp]:
    getter = getattr(value, "get_secret_value", None)
    if callable(getter):  # a webhook URL may be the secret itself; only its host is ever shown
        value = getter()
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), (*path, name))
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _walk(inner, (*path, str(key)))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, inner in enumerate(value):
            yield from _walk(inner, (*path, index))
    elif isinstance(value, str) or type(value).__module__.startswith("pydantic"):  # str, or pydantic's Url
        host = plain_http_host(str(value))
        if host is not None:
            yield PlainHttp(path, host)


def describe(found: list[PlainHttp]) -> str:
    """``url goes to crm.example.com over plain http://`` for each of ``found``."""
    return "; ".join(f"{item.key} goes to {item.host} over plain http://" for item in found)
