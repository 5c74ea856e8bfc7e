"""A server on 127.0.0.1 posing as the Orgo API that breaks the API's contract on purpose.

Each :class:`Hostility` is one way a broken proxy, a captive portal or a compromised host
could answer: far too much data, a line that never ends, the wrong content type, the
wrong shape, a body cut short, or no answer at all. Every request to the server, whatever
its path, is answered with the chosen hostility, and the server counts how much it sent
and whether the client hung up, so a test can prove the client stopped reading early.
"""

from __future__ import annotations

import enum
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Final

import anyio
from aiohttp import web

__all__ = ["HOSTILE_BYTES", "HostileServer", "Hostility", "hostile_server"]

HOSTILE_BYTES: Final = 256 * 1024 * 1024
"""How much a flooding hostility offers before giving up: far beyond any client limit."""

_CHUNK: Final = b"x" * (64 * 1024)  # one buffer, reused, so the server itself allocates little


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

    async def flood(self, response: web.StreamResponse, first: bytes = b"") -> None:
        """Write ``first`` and then filler until HOSTILE_BYTES or the client leaves."""
        await response.write(first)
        self.bytes_sent += len(first)
        while self.bytes_sent < HOSTILE_BYTES:
            await response.write(_CHUNK)
            self.bytes_sent += len(_CHUNK)


async def _flood_json(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    await srv.flood(response, b'{"ref": "')
    return response


async def _huge_declared_length(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = HOSTILE_BYTES
    await response.prepare(request)
    await srv.flood(response, b'{"ref": "')
    return response


async def _endless_sse_line(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await srv.flood(response, b"id: 1\ndata: ")
    return response


async def _html_for_json(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    body = b"<html><body><h1>Welcome to the hotel Wi-Fi</h1></body></html>"
    srv.bytes_sent += len(body)
    return web.Response(body=body, content_type="text/html")


async def _json_for_events(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    body = b'{"ref": "default/x@1.0.0", "status": "building"}'
    srv.bytes_sent += len(body)
    return web.Response(body=body, content_type="application/json")


async def _wrong_shape(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    body = b'{"templates": [1, 2, 3], "ok": "maybe", "status": 7}'
    srv.bytes_sent += len(body)
    return web.Response(body=body, content_type="application/json")


async def _truncated(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
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
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await srv.release.wait()
    return response


async def _redirect(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    return web.Response(status=307, headers={"Location": srv.redirect_to})


async def _bad_frame(srv: HostileServer, request: web.Request) -> web.StreamResponse:
    body = b'id: 1\ndata: {"ts": "yesterday", "level": "loud", "line": 7}\n\n'
    srv.bytes_sent += len(body)
    return web.Response(body=body, content_type="text/event-stream")


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
    response = web.StreamResponse(
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )
    response.content_length = len(body)
    await response.prepare(request)
    for start in range(0, len(body), 16 * 1024):
        await response.write(body[start : start + 16 * 1024])
        srv.bytes_sent += min(16 * 1024, len(body) - start)
    return response


_ANSWERS = {
    Hostility.FLOOD_JSON: _flood_json,
    Hostility.HUGE_DECLARED_LENGTH: _huge_declared_length,
    Hostility.ENDLESS_SSE_LINE: _endless_sse_line,
    Hostility.HTML_FOR_JSON: _html_for_json,
    Hostility.JSON_FOR_EVENTS: _json_for_events,
    Hostility.WRONG_SHAPE: _wrong_shape,
    Hostility.TRUNCATED: _truncated,
    Hostility.SILENT: _silent,
    Hostility.GZIP_BOMB: _gzip_bomb,
    Hostility.BAD_FRAME: _bad_frame,
    Hostility.REDIRECT: _redirect,
    Hostility.MUTE_STREAM: _mute_stream,
}


@asynccontextmanager
async def hostile_server(hostility: Hostility) -> AsyncIterator[HostileServer]:
    """Run a hostile server on 127.0.0.1 for the block; its ``url`` ends in ``/api``."""
    holder: list[HostileServer] = []

    async def handle(request: web.Request) -> web.StreamResponse:
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
