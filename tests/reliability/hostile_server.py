"""A server on 127.0.0.1 posing as the Orgo API that breaks the API's contract on purpose.

Each :class:`Hostility` is one way a broken proxy, a captive portal or a compromised host
could answer: far too much data, data dripping forever, a line that never ends, JSON
nested past any recursion limit, the wrong content type or encoding, the wrong shape, a
body cut short, a response that does not parse, or no answer at all. Every request to
the server, whatever its path, is answered with the chosen hostility, and the server
counts how much it sent and whether the client hung up, so a test can prove the client
stopped reading early.
"""

from __future__ import annotations

import enum
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Final

import aiohttp
import anyio
from aiohttp import web

__all__ = [
    "DEPTH",
    "DRIP_INTERVAL",
    "HOSTILE_BYTES",
    "HostileServer",
    "Hostility",
    "hostile_server",
]

HOSTILE_BYTES: Final = 256 * 1024 * 1024
"""How much a flooding hostility offers before giving up: far beyond any client limit."""

DEPTH: Final = 50_000
"""How deep the deep hostilities nest JSON arrays: far past any interpreter's recursion limit."""
DRIP_INTERVAL: Final = 0.05
"""Seconds between the bytes of a dripping hostility: never silent for any read timeout."""
_DRIP_FOR: Final = 120.0  # a drip ends on its own after this, should a client never hang up

_CHUNK: Final = b"x" * (64 * 1024)  # one buffer, reused, so the server itself allocates little
_DEEP: Final = b"[" * DEPTH + b"]" * DEPTH
_BUILD: Final = b'{"ref": "default/x@1.0.0", "digest": "sha256:ab", "status": "ready"}'
_LINE: Final = b'{"ts": "2026-01-01T00:00:00Z", "level": "%s", "phase": "%s", "line": "%s"}'


class Hostility(str, enum.Enum):
    """One way of breaking the API's contract."""

    FLOOD_JSON = "a JSON 200 that never stops (chunked, no length)"
    HUGE_DECLARED_LENGTH = "a JSON 200 whose Content-Length is far beyond any limit"
    ENDLESS_SSE_LINE = "an event stream whose first line never ends"
    HTML_FOR_JSON = "an HTML 200 where JSON is due"
    JSON_FOR_EVENTS = "a JSON 200 where an event stream is due"
    WRONG_SHAPE = "valid JSON of the wrong shape"
    TRUNCATED = "a body cut short of its Content-Length"
    SILENT = "accepts the request and never answers"
    GZIP_BOMB = "a small gzip body that inflates far beyond any limit"
    BAD_FRAME = "an event stream whose frame is not a build event"
    REDIRECT = "a 307 to another origin (``redirect_to``)"
    MUTE_STREAM = "an event stream's headers, then silence"
    DEEP_JSON = "a JSON 200 with 50,000 nested arrays in a field"
    DEEP_ERROR_400 = "a 400 whose JSON body nests 50,000 arrays deep"
    DEEP_ERROR_503 = "a 503 whose JSON body nests 50,000 arrays deep"
    DEEP_FRAME = "an event stream whose frame nests 50,000 arrays deep"
    DRIP_JSON = "a JSON 200 dripping a byte every 50 ms, forever"
    DRIP_ERROR = "a 503 whose body drips a byte every 50 ms, forever"
    DRIP_HEADERS = "response headers dripping a byte every 50 ms, forever"
    DRIP_EVENTS = "an event stream dripping a byte every 50 ms into one line, forever"
    FLOOD_ERROR = "a 500 whose body never ends"
    INVALID_UTF8 = "a JSON 200 with invalid UTF-8 in a string"
    UTF16_JSON = "a JSON 200 in UTF-16 with a BOM, labelled charset=utf-16"
    LYING_CHARSET = "a valid UTF-8 JSON 200 labelled charset=utf-16"
    LATIN1_ERROR = "a 502 in Latin-1 labelled charset=utf-8"
    JSON_AS_TEXT = "a valid JSON 200 labelled text/plain"
    UTF16_EVENTS = "a build log in UTF-16, labelled charset=utf-16"
    INVALID_UTF8_EVENTS = "a build log whose lines hold invalid UTF-8"
    TEXT_FOR_EVENTS = "valid build log frames labelled text/plain"
    MALFORMED = "a response that does not parse as HTTP (a header line without a colon)"


@dataclass
class HostileServer:
    """The running server and what it saw."""

    url: str
    runner: web.AppRunner
    hostility: Hostility
    requests: int = 0
    bytes_sent: int = 0
    hung_up: int = 0
    release: anyio.Event = field(default_factory=anyio.Event)
    redirect_to: str = ""
    authorizations: list[str] = field(default_factory=list)
    """The Authorization header of every request received ("" when there was none)."""

    def open_connections(self) -> int:
        """Connections the server still holds open."""
        server = self.runner.server
        assert server is not None
        return len(server.connections)

    async def wait_for_no_connections(self, deadline: float = 5.0) -> int:
        """Poll until the client has closed every connection; how many are left."""
        # aiohttp offers no event for a closed connection: poll, with a deadline.
        with anyio.move_on_after(deadline):
            while self.open_connections():  # noqa: ASYNC110
                await anyio.sleep(0.01)
        return self.open_connections()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer any request with the hostility, counting what is sent."""
        self.requests += 1
        self.authorizations.append(request.headers.get("Authorization", ""))
        try:
            return await _ANSWERS[self.hostility](self, request)
        except anyio.get_cancelled_exc_class():
            # With handler_cancellation on, a handler is cancelled when its client hangs up.
            self.hung_up += 1
            raise
        except ConnectionError:
            self.hung_up += 1
            raise

    async def drip(self, response: web.StreamResponse, first: bytes, byte: bytes = b"x") -> None:
        """Write ``first``, then ``byte`` every DRIP_INTERVAL until the client leaves."""
        await response.write(first)
        self.bytes_sent += len(first)
        with anyio.move_on_after(_DRIP_FOR):
            while True:
                await anyio.sleep(DRIP_INTERVAL)
                await response.write(byte)
                self.bytes_sent += len(byte)

    async def flood(self, response: web.StreamResponse, first: bytes = b"") -> None:
        """Write ``first`` and then filler until HOSTILE_BYTES or the client leaves."""
        await response.write(first)
        self.bytes_sent += len(first)
        while self.bytes_sent < HOSTILE_BYTES:
            await response.write(_CHUNK)
            self.bytes_sent += len(_CHUNK)


Answer = Callable[[HostileServer, web.Request], Awaitable[web.StreamResponse]]
_JSON: Final = "application/json"
_SSE: Final = "text/event-stream"


def _fixed(body: bytes, *, status: int = 200, content_type: str = _JSON) -> Answer:
    """An answer of exactly these bytes."""

    async def answer(srv: HostileServer, request: web.Request) -> web.StreamResponse:
        srv.bytes_sent += len(body)
        return web.Response(status=status, body=body, headers={"Content-Type": content_type})

    return answer


def _endless(
    first: bytes,
    *,
    drip: bool = False,
    status: int = 200,
    content_type: str = _JSON,
    length: int | None = None,
) -> Answer:
    """An answer starting with ``first`` that floods (or drips) until the client leaves."""

    async def answer(srv: HostileServer, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=status, headers={"Content-Type": content_type})
        response.content_length = length
        await response.prepare(request)
        await (srv.drip if drip else srv.flood)(response, first)
        return response

    return answer


def _frames(*lines: bytes) -> bytes:
    return b"".join(b"id: %d\ndata: %s\n\n" % (n, line) for n, line in enumerate(lines, 1))


_GOOD_LOG: Final = _frames(
    _LINE % (b"info", b"boot", b"booting"), _LINE % (b"success", b"ready", b"done")
)
_MIS_ENCODED_LOG: Final = _frames(
    _LINE % (b"info", b"boot", b"caf\xe9 \xff"), _LINE % (b"success", b"ready", b"done")
)


async def _truncated(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": _JSON})
    response.content_length = 1000
    await response.prepare(request)
    await response.write(b'{"ref": "default/x@1.0.0", "dig')
    srv.bytes_sent += 31
    transport = request.transport
    assert transport is not None
    transport.abort()
    return response


async def _silent(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    await srv.release.wait()
    return web.Response(status=204)


async def _mute_stream(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": _SSE})
    await response.prepare(request)
    await srv.release.wait()
    return response


async def _redirect(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    return web.Response(status=307, headers={"Location": srv.redirect_to})


async def _drip_headers(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    # Below aiohttp's response writer: a status line, then a header that never ends.
    transport = request.transport
    assert transport is not None
    first = b"HTTP/1.1 200 OK\r\nX-Drip: "
    transport.write(first)
    srv.bytes_sent += len(first)
    with anyio.move_on_after(_DRIP_FOR):
        while not transport.is_closing():
            await anyio.sleep(DRIP_INTERVAL)
            transport.write(b"x")
            srv.bytes_sent += 1
        raise ConnectionResetError("the client hung up")
    transport.abort()
    return web.Response(status=204)


async def _malformed(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    # Below aiohttp's response writer, which would never send this.
    transport = request.transport
    assert transport is not None
    body = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nno colon here\r\n\r\n{}"
    transport.write(body)
    srv.bytes_sent += len(body)
    transport.close()
    return web.Response(status=204)  # never sent: the connection is closing


def _gzip_bomb_body() -> bytes:
    # Zeros compress about 1000:1, so this 256 KiB body inflates to HOSTILE_BYTES.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    parts = [compressor.compress(b'{"ref": "')]
    parts += [compressor.compress(zeros) for _ in range(HOSTILE_BYTES // len(zeros))]
    parts.append(compressor.flush())
    return b"".join(parts)


_GZIP_BOMB: list[bytes] = []  # built on first use: compressing takes a moment


async def _gzip_bomb(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    if not _GZIP_BOMB:
        _GZIP_BOMB.append(_gzip_bomb_body())
    body = _GZIP_BOMB[0]
    response = web.StreamResponse(headers={"Content-Type": _JSON, "Content-Encoding": "gzip"})
    response.content_length = len(body)
    await response.prepare(request)
    for start in range(0, len(body), 16 * 1024):
        await response.write(body[start : start + 16 * 1024])
        srv.bytes_sent += min(16 * 1024, len(body) - start)
    return response


_ANSWERS: Final[dict[Hostility, Answer]] = {
    Hostility.FLOOD_JSON: _endless(b'{"ref": "'),
    Hostility.HUGE_DECLARED_LENGTH: _endless(b'{"ref": "', length=HOSTILE_BYTES),
    Hostility.ENDLESS_SSE_LINE: _endless(b"id: 1\ndata: ", content_type=_SSE),
    Hostility.HTML_FOR_JSON: _fixed(
        b"<html><body><h1>Welcome to the hotel Wi-Fi</h1></body></html>", content_type="text/html"
    ),
    Hostility.JSON_FOR_EVENTS: _fixed(b'{"ref": "default/x@1.0.0", "status": "building"}'),
    Hostility.WRONG_SHAPE: _fixed(b'{"templates": [1, 2, 3], "ok": "maybe", "status": 7}'),
    Hostility.TRUNCATED: _truncated,
    Hostility.SILENT: _silent,
    Hostility.GZIP_BOMB: _gzip_bomb,
    Hostility.BAD_FRAME: _fixed(
        b'id: 1\ndata: {"ts": "yesterday", "level": "loud", "line": 7}\n\n', content_type=_SSE
    ),
    Hostility.REDIRECT: _redirect,
    Hostility.MUTE_STREAM: _mute_stream,
    Hostility.DEEP_JSON: _fixed(_BUILD[:-1] + b', "extra": ' + _DEEP + b"}"),
    Hostility.DEEP_ERROR_400: _fixed(_DEEP, status=400),
    Hostility.DEEP_ERROR_503: _fixed(_DEEP, status=503),
    Hostility.DEEP_FRAME: _fixed(b"id: 1\ndata: " + _DEEP + b"\n\n", content_type=_SSE),
    Hostility.DRIP_JSON: _endless(b'{"ref": "', drip=True),
    Hostility.DRIP_ERROR: _endless(
        b"Service Unavailable", drip=True, status=503, content_type="text/plain"
    ),
    Hostility.DRIP_HEADERS: _drip_headers,
    Hostility.DRIP_EVENTS: _endless(b"id: 1\ndata: ", drip=True, content_type=_SSE),
    Hostility.FLOOD_ERROR: _endless(
        b"Internal Server Error ", status=500, content_type="text/plain"
    ),
    Hostility.INVALID_UTF8: _fixed(_BUILD.replace(b"sha256:ab", b"sha256:\xff\xfe")),
    Hostility.UTF16_JSON: _fixed(
        _BUILD.decode().encode("utf-16"), content_type="application/json; charset=utf-16"
    ),
    Hostility.LYING_CHARSET: _fixed(_BUILD, content_type="application/json; charset=utf-16"),
    Hostility.LATIN1_ERROR: _fixed(
        "Passerelle défaillante".encode("latin-1"),
        status=502,
        content_type="text/plain; charset=utf-8",
    ),
    Hostility.JSON_AS_TEXT: _fixed(_BUILD, content_type="text/plain"),
    Hostility.UTF16_EVENTS: _fixed(
        _GOOD_LOG.decode().encode("utf-16"), content_type="text/event-stream; charset=utf-16"
    ),
    Hostility.INVALID_UTF8_EVENTS: _fixed(_MIS_ENCODED_LOG, content_type=_SSE),
    Hostility.TEXT_FOR_EVENTS: _fixed(_GOOD_LOG, content_type="text/plain"),
    Hostility.MALFORMED: _malformed,
}


_FORWARDED_REQUEST_HEADERS: Final = ("Authorization", "Content-Type", "Accept", "Last-Event-ID")
_FORWARDED_RESPONSE_HEADERS: Final = ("Content-Type", "Retry-After", "X-Request-Id", "Location")


async def _forward(
    session: aiohttp.ClientSession, upstream: str, request: web.Request
) -> web.StreamResponse:
    """Relay ``request`` to ``upstream`` (an API root) and stream its answer back as it comes."""
    headers = {k: request.headers[k] for k in _FORWARDED_REQUEST_HEADERS if k in request.headers}
    path = request.path_qs.removeprefix("/api")
    body = await request.read()
    async with session.request(
        request.method, upstream + path, headers=headers, data=body, allow_redirects=False
    ) as answer:
        out = web.StreamResponse(
            status=answer.status,
            headers={
                k: answer.headers[k] for k in _FORWARDED_RESPONSE_HEADERS if k in answer.headers
            },
        )
        await out.prepare(request)
        async for chunk in answer.content.iter_any():
            await out.write(chunk)
        await out.write_eof()
        return out


@asynccontextmanager
async def hostile_server(
    hostility: Hostility, *, upstream: str | None = None, only: str = ""
) -> AsyncIterator[HostileServer]:
    """Run a hostile server on 127.0.0.1 for the block; its ``url`` ends in ``/api``.

    With ``upstream`` (another API root, such as an emulator's), only requests whose path
    contains ``only`` meet the hostility; every other request is relayed there, so one
    build of a fleet can meet a hostile server while the others build normally.
    """
    holder: list[HostileServer] = []
    session = aiohttp.ClientSession() if upstream is not None else None

    async def handle(request: web.Request) -> web.StreamResponse:
        if session is not None and upstream is not None and only not in request.path:
            return await _forward(session, upstream, request)
        return await holder[0].handle(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    holder.append(HostileServer(f"http://127.0.0.1:{port}/api", runner, hostility))
    try:
        yield holder[0]
    finally:
        holder[0].release.set()
        with anyio.CancelScope(shield=True):
            await runner.cleanup()
            if session is not None:
                await session.close()
