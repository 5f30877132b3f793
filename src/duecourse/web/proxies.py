"""The client's address behind trusted proxies (issue 16).

Behind a TLS-terminating proxy every connection comes from the proxy; the client's address is
in the ``X-Forwarded-For`` header the proxy appends to. Anyone can send that header, so it is
believed only from a proxy named in ``DUECOURSE_TRUSTED_PROXIES`` (addresses or CIDR networks;
none by default), and only as far as trusted proxies wrote it: the client is the right-most
address in it that is not itself a trusted proxy. Everything that uses the client's address —
the sign-in limits, the record of sign-in attempts, the access log — reads it from the request
as this middleware left it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from ..bootstrap import ConfigurationError

TRUSTED_PROXIES_ENV = "DUECOURSE_TRUSTED_PROXIES"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def check_trusted_proxies(value: str) -> tuple[Network, ...]:
    """The networks of a comma-separated list of addresses and CIDR networks; a bad entry is a
    ConfigurationError that names the variable and the entry."""
    networks = []
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError as e:
            raise ConfigurationError(
                f"{TRUSTED_PROXIES_ENV}: {entry!r} is not an IP address or network ({e}); give "
                "addresses or CIDR networks separated by commas, such as 10.0.0.5,10.1.0.0/16"
            ) from None
    return tuple(networks)


_WITH_PORT = re.compile(r"\[(?P<v6>[^\]]+)\](:\d+)?|(?P<v4>[\d.]+):\d+")


def _address(text: str) -> Address | None:
    """The address in an X-Forwarded-For entry, with or without a port as some proxies write
    it ("203.0.113.7:51234", "[2001:db8::7]:443"); None if it is none."""
    text = text.strip()
    m = _WITH_PORT.fullmatch(text)
    if m is not None:
        text = m.group("v6") or m.group("v4")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:203.0.113.7 is 203.0.113.7
    return address


def _trusted(address: Address | None, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address in n for n in proxies)


def client_address(peer: str, forwarded_for: Iterable[str],
                   proxies: tuple[Network, ...]) -> str:
    """The client's address: ``peer`` (the connection's other end) unless it is a trusted
    proxy; then the right-most address of the ``X-Forwarded-For`` values that is not a trusted
    proxy (or the left-most one, if all are). An entry that is not an address stops the walk:
    the last trusted hop is then the client as far as can be told."""
    current = _address(peer)
    if not _trusted(current, proxies):
        return peer
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # what a trusted proxy passed on is no address: the client is
            return f"unreadable:{hop.strip()[:40]}"  # that, never the proxy (shared by all)
        current = address
        if not _trusted(address, proxies):
            break
    return str(current)


class TrustedProxies:
    """Sets the request's client (``scope["client"]``, in place, as uvicorn's own proxy
    middleware does, so that uvicorn's access log names it too) from ``X-Forwarded-For`` when
    the connection comes from a trusted proxy. A plain ASGI middleware."""

    def __init__(self, app: ASGIApp, proxies: tuple[Network, ...]) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.proxies and scope["type"] in ("http", "websocket") and scope.get("client"):
            peer = str(scope["client"][0])
            forwarded = [v.decode("latin-1") for k, v in scope["headers"]
                         if k == b"x-forwarded-for"]
            client = client_address(peer, forwarded, self.proxies)
            if client != peer:
                scope["client"] = (client, 0)
        await self.app(scope, receive, send)
