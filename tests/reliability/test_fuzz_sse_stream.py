"""Fuzzing the SSE stream layer over real loopback HTTP: any writes, any cut, same events.

tests/unit/sse/ fuzzes the pure decoder with random bytes and chunkings; this sends
generated streams through a real socket, split into random writes, and checks that
:func:`~orgo_async.sse.iter_events` yields exactly what the decoder yields for the
whole body, and that a connection reset at a random byte keeps every event completed
before it and never yields the one it cut.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgo_async.errors import APIConnectionError, EventTooLargeError
from orgo_async.sse import ServerSentEvent, SSEDecoder, iter_events

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_FIELD_LINES = st.tuples(
    st.sampled_from([b"data: ", b"data:", b"id: ", b"event: ", b"retry: ", b": ", b"data"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=30).map(
        str.encode
    )
    | st.binary(max_size=6),
    st.sampled_from([b"\n", b"\r\n", b"\r", b"\n\n", b"\r\n\r\n"]),
).map(b"".join)
STREAMS = st.lists(_FIELD_LINES, min_size=1, max_size=40).map(b"".join)
CUTS = st.lists(st.integers(min_value=0, max_value=4000), max_size=12)


def _whole(body: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = decoder.feed(body)
    decoder.close()
    return events


def _pieces(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(body) + 1) for cut in cuts} | {0, len(body)})
    return [body[a:b] for a, b in itertools.pairwise(points) if b > a]


@dataclass
class _Plays:
    """What the server plays next: the pieces to write and whether to reset after them."""

    pieces: list[bytes] = field(default_factory=list)
    reset: bool = False


@asynccontextmanager
async def _server(plays: _Plays) -> AsyncIterator[str]:
    async def handle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for piece in plays.pieces:
            await response.write(piece)
        if plays.reset:
            assert request.transport is not None
            request.transport.abort()
            return response
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/events", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/events"
    finally:
        await runner.cleanup()


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, _Plays]]:
    """A loopback event-stream server and the script it plays for each request."""
    plays = _Plays()
    async with _server(plays) as url:
        yield url, plays


async def _read(url: str) -> tuple[list[ServerSentEvent], BaseException | None]:
    events: list[ServerSentEvent] = []
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        try:
            async for event in iter_events(response):
                events.append(event)
        except (APIConnectionError, EventTooLargeError) as exc:
            return events, exc
    return events, None


@FUZZ
@given(body=STREAMS, cuts=CUTS)
async def test_any_writes_give_the_events_of_the_whole_body(
    served: tuple[str, _Plays], body: bytes, cuts: list[int]
) -> None:
    """Over a real socket, any split of the body into writes yields the whole body's events."""
    url, plays = served
    plays.pieces, plays.reset = _pieces(body, cuts), False
    events, error = await _read(url)
    assert error is None
    assert events == _whole(body)


@FUZZ
@given(body=STREAMS, cut=st.integers(min_value=0, max_value=4000))
async def test_a_reset_keeps_every_finished_event_and_no_half_one(
    served: tuple[str, _Plays], body: bytes, cut: int
) -> None:
    """A reset at any byte yields exactly the events completed before it, then ends or raises."""
    url, plays = served
    at = cut % (len(body) + 1)
    plays.pieces, plays.reset = [body[:at]], True
    events, _ = await _read(url)
    # What the decoder dispatches from the bytes before the cut, without closing it:
    # an event the cut split in two is never dispatched.
    assert events == SSEDecoder().feed(body[:at])
