"""A server posing as the API that breaks its contract: typed errors, bounded memory, no leaks."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import pytest

from orgo_async import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    EventDecodeError,
    EventTooLargeError,
    OrgoError,
)
from orgo_async._client import Orgo
from orgo_async._timeout import Timeout
from orgo_async.models import BuildEvent
from orgo_async.sse import EventSource, ServerSentEvent, stream_events
from orgo_async.testing import no_wait_retries
from tests.reliability.hostile_server import HOSTILE_BYTES, HostileServer, Hostility, hostile_server

KEY = "sk_test_hostile_secret"
REF = "default/claude-code@1.0.0"
LIMIT = 1024 * 1024
# Everything the client may hold for one response: the limit, aiohttp's read buffers and
# the error; a client that buffered the hostile body would need HOSTILE_BYTES.
MEMORY_BOUND = 8 * LIMIT


@contextmanager
def traced_peak() -> Iterator[list[int]]:
    """Trace allocations for the block; the peak in bytes lands in the yielded list."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def _client(srv: HostileServer, **kwargs: object) -> Orgo:
    return Orgo(
        KEY,
        srv.url,
        retry=no_wait_retries(),
        max_response_bytes=LIMIT,
        **kwargs,  # type: ignore[arg-type]
    )


async def _drain(source: EventSource) -> list[ServerSentEvent]:
    async with source as events:
        return [event async for event in events]


@pytest.mark.parametrize(
    ("hostility", "error", "attempts", "read_whole"),
    [
        pytest.param(
            Hostility.FLOOD_JSON, APIResponseValidationError, 1, False, id="flood-past-the-limit"
        ),
        pytest.param(
            Hostility.HUGE_DECLARED_LENGTH,
            APIResponseValidationError,
            1,
            False,
            id="content-length-past-the-limit",
        ),
        pytest.param(
            Hostility.HTML_FOR_JSON, APIResponseValidationError, 1, True, id="html-for-json"
        ),
        pytest.param(Hostility.GZIP_BOMB, APIResponseValidationError, 1, False, id="gzip-bomb"),
        pytest.param(Hostility.WRONG_SHAPE, APIResponseValidationError, 1, True, id="wrong-shape"),
        # A cut body may be a network blip: a read is retried, then the error is raised.
        pytest.param(Hostility.TRUNCATED, APIConnectionError, 3, False, id="truncated-body"),
    ],
)
async def test_a_broken_json_answer_is_a_typed_error_in_bounded_memory(
    hostility: Hostility, error: type[OrgoError], attempts: int, read_whole: bool
) -> None:
    """Each broken JSON answer raises its typed error, holds little memory, keeps no socket."""
    async with hostile_server(hostility) as hostile:
        async with _client(hostile) as orgo:
            with traced_peak() as peak, pytest.raises(error) as caught:
                await orgo.builds.status(REF)
            assert type(caught.value) is error
            assert hostile.requests == attempts
            if not read_whole:
                # A body abandoned half-way must not go back to the pool.
                assert await hostile.wait_for_no_connections() == 0
        assert await hostile.wait_for_no_connections() == 0
        assert peak[0] < MEMORY_BOUND, f"peak {peak[0]} bytes"
        assert KEY not in str(caught.value)
        assert KEY not in repr(caught.value)


@pytest.mark.parametrize("hostility", [Hostility.FLOOD_JSON])
async def test_a_flood_stops_being_read_at_the_limit(hostility: Hostility) -> None:
    """The client hangs up soon after the limit instead of draining the flood."""
    async with hostile_server(hostility) as hostile:
        async with _client(hostile) as orgo:
            with pytest.raises(APIResponseValidationError, match="exceeds the limit"):
                await orgo.builds.status(REF, max_retries=0)
            assert await hostile.wait_for_no_connections() == 0
        # Socket buffers hold a few MiB at most; the flood offered 256 MiB.
        assert hostile.bytes_sent < HOSTILE_BYTES // 8


@pytest.mark.parametrize("hostility", [Hostility.SILENT])
async def test_a_server_that_never_answers_times_out(hostility: Hostility) -> None:
    """A request the server never answers ends in APITimeoutError after each attempt's limit."""
    async with hostile_server(hostility) as hostile:
        async with _client(hostile, timeout=Timeout(connect=1.0, read=0.2)) as orgo:
            with pytest.raises(APITimeoutError):
                await orgo.builds.status(REF, max_retries=1)
            assert hostile.requests == 2
            assert await hostile.wait_for_no_connections() == 0
        assert hostile.hung_up == 2


@pytest.mark.parametrize("hostility", [Hostility.ENDLESS_SSE_LINE])
async def test_an_endless_event_line_is_event_too_large(hostility: Hostility) -> None:
    """An event stream whose line never ends raises EventTooLargeError near the size limit."""
    async with hostile_server(hostility) as hostile:
        async with aiohttp.ClientSession() as session:
            url = f"{hostile.url}/templates/x/build/events"
            with traced_peak() as peak, pytest.raises(EventTooLargeError):
                await _drain(stream_events(session, url, max_event_size=LIMIT))
            assert await hostile.wait_for_no_connections() == 0
        assert peak[0] < MEMORY_BOUND, f"peak {peak[0]} bytes"
        assert hostile.bytes_sent < HOSTILE_BYTES // 8


@pytest.mark.parametrize("hostility", [Hostility.JSON_FOR_EVENTS])
async def test_json_where_events_are_due_is_a_validation_error(hostility: Hostility) -> None:
    """A JSON 200 on the events endpoint raises APIResponseValidationError, not an empty log."""
    async with hostile_server(hostility) as hostile:
        async with aiohttp.ClientSession() as session:
            url = f"{hostile.url}/templates/x/build/events"
            with pytest.raises(APIResponseValidationError, match="text/event-stream"):
                await _drain(stream_events(session, url))
            assert hostile.requests == 1
        # The short body was read whole, so its connection may be pooled until the session closes.
        assert await hostile.wait_for_no_connections() == 0


async def _follow(orgo: Orgo, *, idle_timeout: float = 60.0) -> list[BuildEvent]:
    async with orgo.builds.events(REF, idle_timeout=idle_timeout) as events:
        return [event async for event in events]


@pytest.mark.parametrize(
    ("hostility", "error"),
    [
        pytest.param(Hostility.ENDLESS_SSE_LINE, EventTooLargeError, id="endless-line"),
        pytest.param(Hostility.JSON_FOR_EVENTS, APIResponseValidationError, id="json-for-events"),
        pytest.param(Hostility.HTML_FOR_JSON, APIResponseValidationError, id="html-for-events"),
        pytest.param(Hostility.BAD_FRAME, EventDecodeError, id="frame-not-an-event"),
    ],
)
async def test_a_broken_build_log_is_a_typed_error_through_the_client(
    hostility: Hostility, error: type[OrgoError]
) -> None:
    """orgo.builds.events raises the typed error once, without retrying, in bounded memory."""
    async with hostile_server(hostility) as hostile:
        async with _client(hostile) as orgo:
            with traced_peak() as peak, pytest.raises(error) as caught:
                await _follow(orgo)
            assert hostile.requests == 1  # a broken contract is not a dropped connection
        assert await hostile.wait_for_no_connections() == 0
    # The stream's default event limit is 1 MiB; a client that buffered the flood would not be.
    assert peak[0] < MEMORY_BOUND, f"peak {peak[0]} bytes"
    assert KEY not in str(caught.value)
    if isinstance(caught.value, EventDecodeError):
        assert '"level": "loud"' in caught.value.raw  # the raw frame is kept for diagnosis


async def test_a_mute_event_stream_times_out_after_one_reconnect() -> None:
    """Headers then silence: the idle timeout reopens the stream once, then APITimeoutError."""
    async with hostile_server(Hostility.MUTE_STREAM) as hostile:
        async with _client(hostile) as orgo:
            with pytest.raises(APITimeoutError):
                await _follow(orgo, idle_timeout=0.2)
            assert hostile.requests == 2
            assert await hostile.wait_for_no_connections() == 0
        assert hostile.hung_up == 2
