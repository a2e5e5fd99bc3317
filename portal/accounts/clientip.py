"""The address of the client a request comes from: the one source for the lockout, the audit log and any
rate limit.

The portal runs behind a reverse proxy (nginx in front, gunicorn on 127.0.0.1), so ``REMOTE_ADDR`` is
the proxy's address. When, and only when, ``REMOTE_ADDR`` is one of ``TRUSTED_PROXIES``, the client is
read from the proxy's headers: the right-most hop of ``X-Forwarded-For`` that is not itself a trusted
proxy, or ``X-Real-IP`` when there is no ``X-Forwarded-For``. Hops a client wrote itself sit to the left
of the first untrusted one and are never believed. Values that are not IP addresses are ignored.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# A proxy chain longer than this is not a real deployment; only its right-most hops are read.
MAX_HOPS = 20


def parse_ip(raw: str | None) -> IPAddress | None:
    """An IP address from a header value, accepting ``[v6]:port`` and ``v4:port``; None when it is not one."""
    value = (raw or "").strip().strip('"')
    if not value or len(value) > 64:
        return None
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    value = value.split("%", 1)[0]  # fe80::1%eth0: the zone means nothing to the portal
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def is_trusted_proxy(address: IPAddress) -> bool:
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def forwarded_chain(request) -> list[IPAddress]:
    """The valid addresses the proxies report, nearest to the client first."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [parse_ip(part) for part in forwarded.split(",")[-MAX_HOPS:]] if forwarded else []
    chain = [hop for hop in hops if hop is not None]
    if not chain:
        real_ip = parse_ip(request.META.get("HTTP_X_REAL_IP"))
        chain = [real_ip] if real_ip is not None else []
    return chain


def client_ip(request) -> str | None:
    """The client's address as text, or None when there is no request or no usable address."""
    if request is None:
        return None
    remote = parse_ip(request.META.get("REMOTE_ADDR"))
    if remote is None or not is_trusted_proxy(remote):
        return str(remote) if remote is not None else None
    chain = forwarded_chain(request)
    for hop in reversed(chain):
        if not is_trusted_proxy(hop):
            return str(hop)
    # Every hop is a proxy we trust (a check from the proxy host itself): the furthest one is the client.
    return str(chain[0]) if chain else str(remote)
