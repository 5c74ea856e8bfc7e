"""Who may call the control routes: a tool on this machine, never a web page it visits.

The control routes take no key, so the emulator judges each request by itself:

- the peer is a loopback address;
- ``Host``, when sent, names a loopback host and the port the request arrived on, so a
  name that an attacker's DNS rebinds to 127.0.0.1 is refused;
- ``Origin``, when sent, is the emulator's own ``http://`` loopback origin, so a page
  served from anywhere else is refused;
- a ``POST`` or ``PUT`` says ``Content-Type: application/json``: a cross-origin form or
  ``fetch`` cannot send that without a CORS preflight, and the emulator grants none
  (``OPTIONS`` is 405 with no ``Access-Control-Allow-*`` header).
"""

from __future__ import annotations

import ipaddress
import re

from aiohttp import web

from orgo_async.emulator.responses import ApiError, shown

__all__ = ["check_control_caller"]

_AUTHORITY = re.compile(
    r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>[0-9]{1,5}))?"
)
_DEFAULT_HTTP_PORT = 80
_BODY_METHODS = frozenset({"POST", "PUT"})


def check_control_caller(request: web.Request) -> None:
    """Refuse a control request that a web page, or a rebound DNS name, could have sent.

    Raises:
        ApiError: 403 for a foreign peer, ``Host`` or ``Origin``; 415 for a body that is
            not declared as JSON.
    """
    if not _is_loopback(request.remote or ""):
        raise ApiError(403, "emulator control routes answer loopback clients only")
    port = _own_port(request)
    host = request.headers.get("Host")
    if host is not None and not _is_own(host, port):
        raise ApiError(
            403,
            f"emulator control routes refuse Host {shown(host)}: only a loopback host "
            f"on port {port} reaches them (a rebound DNS name does not)",
        )
    origin = request.headers.get("Origin")
    if origin is not None and not _is_own_origin(origin, port):
        raise ApiError(
            403,
            f"emulator control routes refuse requests from web pages: Origin {shown(origin)} "
            "is not this emulator",
        )
    if request.method in _BODY_METHODS and request.content_type != "application/json":
        raise ApiError(
            415,
            "emulator control routes take Content-Type: application/json "
            f"(not {shown(request.headers.get('Content-Type', ''))})",
        )


def _own_port(request: web.Request) -> int | None:
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    if isinstance(sockname, tuple) and len(sockname) >= 2 and isinstance(sockname[1], int):
        return sockname[1]
    return None


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_own(authority: str, port: int | None) -> bool:
    """Whether ``host[:port]`` names a loopback host on this emulator's port."""
    match = _AUTHORITY.fullmatch(authority)
    if match is None:
        return False
    host = match["v6"] or match["name"]
    given = int(match["port"]) if match["port"] else _DEFAULT_HTTP_PORT
    return _is_loopback(host) and given == port


def _is_own_origin(origin: str, port: int | None) -> bool:
    scheme, separator, authority = origin.partition("://")
    return separator == "://" and scheme.lower() == "http" and _is_own(authority, port)
