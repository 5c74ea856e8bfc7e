"""iter_events over real loopback HTTP: one response's events, and how it fails."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import anyio
import pytest
from aiohttp import web

from orgo_async.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    EventTooLargeError,
)
from orgo_async.sse import ServerSentEvent, iter_events
from tests.unit.sse.server import SSEServer, cut, open_stream, serve


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session closed after the test."""
    async with aiohttp.ClientSession() as client:
        yield client


async def _drain(stream: AsyncIterator[ServerSentEvent], into: list[ServerSentEvent]) -> None:
    """Append every event of ``stream`` to ``into``, so events before an error are kept."""
    async for event in stream:
        into.append(event)


async def _collect(session: aiohttp.ClientSession, url: str) -> list[ServerSentEvent]:
    async with session.get(url) as response:
        return [event async for event in iter_events(response)]


async def test_events_in_awkward_writes(session: aiohttp.ClientSession) -> None:
    """Writes split anywhere, CR line ends too, give the events; the unfinished tail does not."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        for piece in (
            b"\xef\xbb",
            b"\xbf: hi\nid: 1\nda",
            b"ta: a\r",
            b"\ndata: \xe2\x82",
            b"\xac\r\n",
        ):
            await response.write(piece)
        await response.write(b"\r\nevent: done\ndata: b\n\ndata: never finished\n")
        await response.write_eof()
        return response

    async with serve(handler) as server:
        events = await _collect(session, server.url)
    assert events == [
        ServerSentEvent(data="a\n€", id="1"),
        ServerSentEvent(event="done", data="b", id="1"),
    ]


async def test_state_after_the_stream(session: aiohttp.ClientSession) -> None:
    """The stream reports the last id, the server's retry and whether it ended inside an event."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        await response.write(b"retry: 2500\nid: 9\ndata: a\n\nid: 10\ndata: cut sh")
        await response.write_eof()
        return response

    async with serve(handler) as server, session.get(server.url) as response:
        stream = iter_events(response)
        assert [event.id async for event in stream] == ["9"]
        assert (stream.last_event_id, stream.retry, stream.truncated) == ("9", 2500, True)
        assert stream.ended


async def test_wrong_content_type(session: aiohttp.ClientSession) -> None:
    """A response that is not text/event-stream raises a typed error that keeps the body."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        return web.json_response({"error": "not a stream"})

    async with serve(handler) as server, session.get(server.url) as response:
        with pytest.raises(APIResponseValidationError, match="text/event-stream") as caught:
            await anext(iter_events(response))
    assert caught.value.status_code == 200
    assert b"not a stream" in caught.value.body


async def test_cut_mid_frame(session: aiohttp.ClientSession) -> None:
    """A connection cut inside a frame yields the whole events, then APIConnectionError."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        await response.write(b"id: 1\ndata: whole\n\nid: 2\ndata: ha")
        return await cut(request, response)

    events: list[ServerSentEvent] = []
    async with serve(handler) as server, session.get(server.url) as response:
        with pytest.raises(APIConnectionError) as caught:
            await _drain(iter_events(response), events)
    assert events == [ServerSentEvent(data="whole", id="1")]
    assert isinstance(caught.value.__cause__, aiohttp.ClientError)
    assert caught.value.url == server.url


async def test_idle_timeout(session: aiohttp.ClientSession) -> None:
    """A server that goes silent trips idle_timeout as APITimeoutError."""
    release = anyio.Event()

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        await response.write(b"data: a\n\n")
        await release.wait()
        return response

    events: list[ServerSentEvent] = []
    async with serve(handler) as server:
        async with session.get(server.url) as response:
            with pytest.raises(APITimeoutError, match="idle"):
                await _drain(iter_events(response, idle_timeout=0.2), events)
        release.set()
    assert [event.data for event in events] == ["a"]


async def test_event_too_large(session: aiohttp.ClientSession) -> None:
    """An event past max_event_size raises EventTooLargeError after the events before it."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        await response.write(b"data: small\n\n")
        await response.write(b"data: " + b"x" * 10_000)
        await response.write_eof()
        return response

    events: list[ServerSentEvent] = []
    async with serve(handler) as server, session.get(server.url) as response:
        with pytest.raises(EventTooLargeError):
            await _drain(iter_events(response, max_event_size=1024), events)
    assert [event.data for event in events] == ["small"]


async def test_wrong_content_type_with_a_stalled_body(session: aiohttp.ClientSession) -> None:
    """A non-stream response that stalls after its headers still raises, after idle_timeout."""
    release = anyio.Event()

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "text/html"
        await response.prepare(request)
        await release.wait()
        return response

    async with serve(handler) as server:
        async with session.get(server.url) as response:
            with anyio.fail_after(5), pytest.raises(APIResponseValidationError, match="text/html"):
                await anext(iter_events(response, idle_timeout=0.2))
        release.set()
