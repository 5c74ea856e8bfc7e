"""An unreachable server fails calls, build logs and waits in seconds; a live log reconnects."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from aiohttp import web

from orgo_async import APIConnectionError, BuildEvent, Orgo, Timeout
from orgo_async._retry import DEFAULT_MAX_RETRIES
from orgo_async.resources.build_logs import DEFAULT_STREAM_RECONNECTS
from orgo_async.testing import no_wait_retries
from tests.integration._scripted_server import KEY, REF, scripted_server

# The jitter of a stream reconnect lengthens a wait by at most a quarter.
LONGEST_REFUSED_WAITS = 1.25 * (1 + 2)


def _refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"  # nothing listens there once the socket closes


async def _follow(orgo: Orgo) -> list[BuildEvent]:
    async with orgo.builds.events(REF) as events:
        return [event async for event in events]


CALLS: list[Any] = [
    pytest.param(lambda orgo: orgo.builds.status(REF), id="call"),
    pytest.param(_follow, id="builds.events"),
    pytest.param(lambda orgo: orgo.builds.wait(REF), id="builds.wait"),
]


@pytest.mark.parametrize("call", CALLS)
async def test_a_refused_port_fails_in_seconds(call: Callable[[Orgo], Awaitable[Any]]) -> None:
    """A refused connection is retried as often as a call is, with waits of seconds in all."""
    waits: list[float] = []
    async with Orgo(KEY, _refused_url(), retry=no_wait_retries(waits)) as orgo:
        with anyio.fail_after(10), pytest.raises(APIConnectionError):
            await call(orgo)
    # A stream that never connected used to spend its whole reconnect budget here:
    # 8 waits growing to 60 s, about 215 s against a refused port.
    assert len(waits) == DEFAULT_MAX_RETRIES
    assert sum(waits) <= LONGEST_REFUSED_WAITS


async def test_the_client_max_retries_sets_how_often_a_new_stream_retries() -> None:
    """builds.events retries a never-connected stream as often as the client retries a call."""
    waits: list[float] = []
    async with Orgo(KEY, _refused_url(), retry=no_wait_retries(waits), max_retries=5) as orgo:
        with pytest.raises(APIConnectionError):
            await _follow(orgo)
    assert len(waits) == 5


async def test_a_stream_that_was_live_keeps_reconnecting_after_its_server_goes() -> None:
    """Once a build log has streamed, a vanished server gets the full reconnect budget."""
    waits: list[float] = []
    async with scripted_server() as srv:

        async def one_line(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await response.prepare(request)
            line = b'{"ts": "2026-01-01T00:00:00Z", "level": "info", "phase": "boot", "line": "x"}'
            await response.write(b"id: 1\ndata: " + line + b"\n\n")
            await srv.release.wait()
            return response

        srv.then(one_line)
        orgo = Orgo(KEY, srv.url, retry=no_wait_retries(waits), timeout=Timeout(connect=1.0))
        async with orgo, orgo.builds.events(REF) as events:
            first = await events.__anext__()
            assert first.line == "x"
            srv.release.set()  # the stream ends without its last line...
            await srv.runner.cleanup()  # ...and the server goes away: reconnects are refused
            with anyio.fail_after(10), pytest.raises(APIConnectionError):
                await events.__anext__()
    assert len(waits) == DEFAULT_STREAM_RECONNECTS
