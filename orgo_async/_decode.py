"""Decoding what a server sent: every failure becomes a typed error, never a crash.

The one place the client turns untrusted bytes into values. A body or frame that fails
to decode for any reason (malformed or invalid UTF-8, the wrong shape, a number out of
range, nesting deep enough to exhaust the interpreter's recursion limit) raises
:class:`~orgo_async.errors.APIResponseValidationError` for a response and
:class:`~orgo_async.errors.EventDecodeError` for an event frame, carrying the start of
what arrived; an error body that is not JSON is kept as text. The transport, the status
mapping and the build log all decode through here.
"""

from __future__ import annotations

import codecs
from typing import Any, Final, TypeVar

import aiohttp
import msgspec

from orgo_async.errors import APIResponseValidationError, EventDecodeError

__all__ = [
    "MAX_ERROR_BODY_BYTES",
    "SHOWN_BYTES",
    "convert",
    "decode_event",
    "decode_response",
    "error_body",
    "read_error_body",
]

_T = TypeVar("_T")

MAX_ERROR_BODY_BYTES: Final = 64 * 1024
"""The most of an error response read: enough for any error envelope, little to hold."""
SHOWN_BYTES: Final = 4096
"""How much of a body or frame an error keeps for diagnosis."""
_MAX_ERROR_NESTING: Final = 32

# What decoding untrusted input may raise. ValueError covers msgspec's DecodeError and
# ValidationError, UnicodeError (a str with lone surrogates) and a bad datetime; msgspec
# raises RecursionError past the interpreter's depth limit, which a 2 KB body can reach.
_UNDECODABLE: Final = (ValueError, RecursionError, TypeError, ArithmeticError)

# RFC 8259 allows a parser to ignore a UTF-8 byte order mark; msgspec does not.
_UTF8_BOM: Final = codecs.BOM_UTF8
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_response(
    decoder: msgspec.json.Decoder[_T], body: bytes, *, method: str, url: str, status: int
) -> _T:
    """``body`` decoded into its model.

    Raises:
        APIResponseValidationError: the body is not the documented payload, for any reason.
    """
    try:
        return decoder.decode(body.removeprefix(_UTF8_BOM))
    except _UNDECODABLE as exc:
        raise APIResponseValidationError(
            f"unexpected response body: {_reason(exc)}",
            method=method,
            url=url,
            status_code=status,
            body=body[:SHOWN_BYTES],
        ) from exc


def decode_event(decoder: msgspec.json.Decoder[_T], data: str, *, frame_id: str, url: str) -> _T:
    """One event frame's data decoded into its model.

    Raises:
        EventDecodeError: the data is not a valid event, for any reason; ``raw`` keeps
            its first :data:`SHOWN_BYTES` characters.
    """
    try:
        return decoder.decode(data)
    except _UNDECODABLE as exc:
        raise EventDecodeError(
            f"frame {frame_id or '?'} is not a valid {_name(decoder)} ({_reason(exc)})",
            raw=data[:SHOWN_BYTES],
            url=url,
        ) from exc


async def read_error_body(response: aiohttp.ClientResponse) -> bytes:
    """The first :data:`MAX_ERROR_BODY_BYTES` of an error response's body.

    A longer body is left unread and its connection closed, never pooled half-read. The
    caller bounds the time (a server may send a status and then stall).
    """
    content = response.content
    body = bytearray()
    while len(body) < MAX_ERROR_BODY_BYTES:
        chunk = await content.read(MAX_ERROR_BODY_BYTES - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
    if not content.at_eof():
        response.close()
    return bytes(body)


def error_body(body: bytes) -> Any:
    """An error response's body: its JSON value when it is JSON, else its text, cut short.

    Never raises: the status of an error says what went wrong even when its body is
    garbage. Text honours a byte order mark (UTF-8, UTF-16, UTF-32) and is UTF-8
    otherwise, whatever the ``charset`` claims; bytes that do not decode become U+FFFD.
    """
    try:
        value = msgspec.json.decode(body.removeprefix(_UTF8_BOM))
    except _UNDECODABLE:
        return _text(body[:SHOWN_BYTES])
    # Nesting that decoded here could still exhaust the recursion limit of whoever prints
    # or serialises the error later, deeper in their stack; an error envelope is shallow.
    return value if _nested_at_most(value, _MAX_ERROR_NESTING) else _text(body[:SHOWN_BYTES])


def convert(value: Any, kind: type[_T]) -> _T | None:
    """``value`` (already decoded JSON) as ``kind``, or ``None`` when it is not one."""
    try:
        return msgspec.convert(value, kind)
    except _UNDECODABLE:
        return None


def _nested_at_most(value: Any, limit: int) -> bool:
    """Whether containers in ``value`` nest at most ``limit`` deep (iteratively, no recursion)."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            item
            for container in level
            if isinstance(container, (dict, list))
            for item in (container.values() if isinstance(container, dict) else container)
        ]
        if not level:
            return True
    return not any(isinstance(item, (dict, list)) for item in level)


def _text(body: bytes) -> str:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    return body.decode("utf-8", errors="replace")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return f"nested too deeply to decode ({exc})"
    if isinstance(exc, msgspec.MsgspecError):
        return str(exc)  # msgspec says what and where (`$.field`) in its own words
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _name(decoder: msgspec.json.Decoder[Any]) -> str:
    return getattr(decoder.type, "__name__", "event")
