"""aiohttp exceptions made fit to chain below ours: described briefly, carrying no secret.

Some aiohttp errors keep the request they failed on: ``ClientResponseError`` (raised for
a response aiohttp cannot parse) holds ``request_info``, whose headers include
``Authorization``, in an attribute and in ``args``, and its ``history`` holds earlier
responses, each with its own ``request_info``. Error reporters that serialise an
exception's attributes along its cause chain would send the API key with it. Every
place that chains an aiohttp error under one of ours (the transport and the event
stream layers) passes it through :func:`without_secrets` first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeVar

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy

__all__ = ["REDACTED", "describe", "without_secrets"]

_E = TypeVar("_E", bound=BaseException)

REDACTED: Final = "[redacted]"
"""What replaces the value of a header that carries a credential."""

_SECRET_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, for our error messages and logs."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def without_secrets(exc: _E) -> _E:
    """``exc``, with every link of its cause and context chains stripped of request secrets.

    Credential headers in a ``RequestInfo`` or a header mapping are replaced by
    :data:`REDACTED`, in attributes and ``args`` alike; responses and requests kept
    as attributes (a redirect ``history``) are dropped. The exception is changed in
    place and returned, so ``raise ... from without_secrets(exc)`` reads naturally.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        link = pending.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        _scrub(link)
        pending += [link.__cause__, link.__context__]
    return exc


def _scrub(link: BaseException) -> None:
    for name, value in list(vars(link).items()):
        clean = _clean(value)
        if clean is not value:
            setattr(link, name, clean)
    args = tuple(_clean(arg) for arg in link.args)
    if any(new is not old for new, old in zip(args, link.args, strict=True)):
        link.args = args


def _clean(value: Any) -> Any:
    if isinstance(value, aiohttp.RequestInfo):
        return aiohttp.RequestInfo(
            value.url, value.method, _redacted(value.headers), value.real_url
        )
    if isinstance(value, (aiohttp.ClientResponse, aiohttp.ClientRequest)):
        return None
    if isinstance(value, tuple) and any(
        isinstance(item, (aiohttp.ClientResponse, aiohttp.ClientRequest)) for item in value
    ):
        return ()
    if isinstance(value, Mapping) and any(
        isinstance(key, str) and key.lower() in _SECRET_HEADERS for key in value
    ):
        return _redacted(value)
    return value


def _redacted(headers: Mapping[str, str]) -> CIMultiDictProxy[str]:
    copy: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.items():
        copy.add(name, REDACTED if name.lower() in _SECRET_HEADERS else value)
    return CIMultiDictProxy(copy)
