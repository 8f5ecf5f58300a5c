"""Where webhooks may be sent: public addresses, or networks the operator allowed (SSRF guard).

A receiver URL is checked when it is registered and again at every delivery, after DNS
resolution; the request then goes to the very address that was checked, so a name that
resolves to a public address at registration and to 169.254.169.254 later (DNS rebinding)
cannot reach it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[IPAddress]]

ALLOW_SETTING = "WATCHFLOOR_WEBHOOK_ALLOW_NETWORKS"


class Refused(Exception):
    """The receiver's address may not be sent to; the message says which address and why."""


def kind_of(ip: IPAddress) -> str | None:
    """What ``ip`` is when it is not a public address (``"a loopback address"``), else None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata services answer there)"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved, not publicly routable address"
    return None


def refusal(ip: IPAddress, allow: Sequence[IPNetwork]) -> str | None:
    """What ``ip`` is when a delivery may not go to it (``"a loopback address"``), or None."""
    kind = kind_of(ip)
    if kind is None:
        return None
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    if any(ip in net or (mapped is not None and mapped in net) for net in allow):
        return None
    return kind


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # Scope ids (fe80::1%eth0) are not part of the address the checks look at.
    return list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos)
    )


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def check_url(
    url: str, allow: Sequence[IPNetwork], *, resolver: Resolver | None = None
) -> str | None:
    """Why a receiver may not be registered at ``url``, or None. A name that does not resolve
    (yet) is accepted here: delivery checks it again when it does."""
    parsed = httpx.URL(url)
    try:
        addresses = (resolver or resolve)(parsed.host, _port(parsed))
    except (OSError, UnicodeError):
        return None
    return _first_refusal(parsed.host, addresses, allow)


def _first_refusal(
    host: str, addresses: Iterable[IPAddress], allow: Sequence[IPNetwork]
) -> str | None:
    for ip in addresses:
        if (what := refusal(ip, allow)) is not None:
            named = f"{ip} is {what}" if _is_literal(host) else f"{host} resolves to {ip}, {what}"
            return f"{named}; allow it with {ALLOW_SETTING} if it is meant"
    return None


@dataclass(frozen=True)
class Target:
    """A receiver URL pinned to one checked address: where to connect and what to call it."""

    url: httpx.URL  # with the checked address in place of the host name
    headers: dict[str, str] = field(default_factory=dict)  # the Host the receiver expects
    extensions: dict[str, str] = field(default_factory=dict)  # TLS name to send and verify


def pin(url: str, allow: Sequence[IPNetwork], *, resolver: Resolver | None = None) -> Target:
    """Resolve ``url``'s host, check every address, and aim at the first; raises Refused."""
    parsed = httpx.URL(url)
    host = parsed.host
    try:
        addresses = (resolver or resolve)(host, _port(parsed))
    except (OSError, UnicodeError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise Refused(f"{host} resolves to no address")
    # Any refused address refuses the name: a name may list a public and a private address.
    if (why := _first_refusal(host, addresses, allow)) is not None:
        raise Refused(why)
    if _is_literal(host):
        return Target(parsed)
    ip = str(addresses[0])
    default_port = parsed.port is None
    host_header = host if default_port else f"{host}:{parsed.port}"
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    return Target(parsed.copy_with(host=ip), {"host": host_header}, extensions)
