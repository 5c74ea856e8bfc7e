"""stream_events gives up on a server that never streams, and on bytes that never end a line."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import anyio
import anyio.lowlevel
import pytest
from aiohttp import web

from orgo_async._retry import RetryPolicy
from orgo_async.errors import APITimeoutError, InternalServerError
from orgo_async.sse import EventSource, ServerSentEvent, stream_events
from orgo_async.testing import no_wait_retries
from tests.unit.sse.server import SSEServer, cut, open_stream, serve


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session closed after the test."""
    async with aiohttp.ClientSession() as client:
        yield client


async def _drain(source: EventSource, into: list[ServerSentEvent]) -> None:
    async with source:
        async for event in source:
            into.append(event)


async def _refuse(request: web.Request, _: SSEServer) -> web.StreamResponse:
    return web.json_response({"error": "down"}, status=503)


@pytest.mark.parametrize("retries", [0, 2, 5])
async def test_a_stream_that_never_connects_is_retried_as_a_call_is(
    session: aiohttp.ClientSession, retries: int
) -> None:
    """Until a connection is answered with a stream, max_connect_retries bounds the attempts."""
    waits: list[float] = []
    async with serve(_refuse) as server:
        source = stream_events(
            session, server.url, retry_policy=no_wait_retries(waits), max_connect_retries=retries
        )
        with pytest.raises(InternalServerError, match="down"):
            async with source:
                [event async for event in source]
    assert len(server.requests) == 1 + retries
    assert len(waits) == retries


async def test_a_stream_that_connected_once_keeps_its_reconnect_budget(
    session: aiohttp.ClientSession,
) -> None:
    """After one answered connection, failures count against max_reconnects instead."""

    async def handler(request: web.Request, server: SSEServer) -> web.StreamResponse:
        if len(server.requests) > 1:
            return await _refuse(request, server)
        response = await open_stream(request)
        await response.write(b"id: 1\ndata: first\n\n")
        return await cut(request, response)

    async with serve(handler) as server:
        source = stream_events(
            session,
            server.url,
            retry_policy=no_wait_retries(),
            max_reconnects=6,
            max_connect_retries=0,
        )
        events: list[ServerSentEvent] = []
        with pytest.raises(InternalServerError):
            await _drain(source, events)
    assert [event.data for event in events] == ["first"]
    assert len(server.requests) == 1 + 6


async def test_bytes_dripping_into_one_line_are_idle(session: aiohttp.ClientSession) -> None:
    """A byte every 20 ms that never ends a line is idle: reopened once, then APITimeoutError."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        await response.write(b"data: ")
        while True:  # until the client hangs up and the handler is cancelled
            await anyio.sleep(0.02)
            await response.write(b"x")

    async with serve(handler) as server:
        source = stream_events(
            session, server.url, idle_timeout=0.2, retry_policy=no_wait_retries()
        )
        with anyio.fail_after(10), pytest.raises(APITimeoutError, match="no line ended"):
            async with source:
                [event async for event in source]
    assert len(server.requests) == 2


async def test_a_slow_consumer_does_not_make_a_live_stream_idle(
    session: aiohttp.ClientSession,
) -> None:
    """Time spent by the consumer between events is not time the stream was idle."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        for number in range(3):
            await response.write(b"data: %d\n\n" % number)
        await response.write(b"event: end\ndata: x\n\n")
        return response

    async with serve(handler) as server:
        source = stream_events(
            session,
            server.url,
            idle_timeout=0.1,
            is_terminal=lambda event: event.event == "end",
            retry_policy=RetryPolicy(sleep=_never_sleeps),
        )
        seen: list[str] = []
        async with source:
            async for event in source:
                seen.append(event.data)
                await anyio.sleep(0.25)  # the pacing under test: longer than idle_timeout
    assert seen == ["0", "1", "2", "x"]
    assert len(server.requests) == 1


async def _never_sleeps(delay: float) -> None:
    raise AssertionError(f"the stream reconnected (after {delay} s)")
