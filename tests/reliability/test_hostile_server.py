"""A server posing as the API that breaks its contract: typed errors, bounded memory, no leaks."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
import anyio
import pytest

from orgo_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    EventDecodeError,
    EventTooLargeError,
    InternalServerError,
    OrgoError,
)
from orgo_async._client import Orgo
from orgo_async._timeout import Timeout
from orgo_async.fleet import BuildFleet
from orgo_async.models import BuildEvent, BuildInfo
from orgo_async.resources.build_logs import DEFAULT_STREAM_RECONNECTS
from orgo_async.sse import EventSource, ServerSentEvent, stream_events
from orgo_async.testing import EMULATOR_API_KEY, no_wait_retries, run_emulator
from tests.integration.test_fleet import doc
from tests.reliability.hostile_server import HOSTILE_BYTES, HostileServer, Hostility, hostile_server

T = TypeVar("T")

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


# --- the table: every hostility through a call and through a build log ----------------

# Per attempt: drips end at `total` (or, for a stream's headers, connect + read); a
# stream with no line for `IDLE` is reopened once, then raises.
FAST = Timeout(connect=1.0, read=0.15, total=0.3)
IDLE = 0.15
# Generous: the slowest case takes about 0.6 s (two attempts of 0.3 s).
TIME_BOUND = 15.0


@dataclass(frozen=True)
class Figures:
    """What one case cost: wall time, traced peak memory, requests the server answered."""

    seconds: float
    peak: int
    requests: int

    def line(self, case: str) -> str:
        """One row of the figures printed with ``pytest -s``."""
        return (
            f"{case}: {self.seconds:.2f} s, peak {self.peak / 2**20:.2f} MiB, "
            f"{self.requests} request(s)"
        )


async def _outcome(call: Awaitable[T]) -> tuple[T | OrgoError, float, int]:
    """The call's result or typed error, its wall time and traced peak; nothing else caught."""
    started = time.monotonic()
    with traced_peak() as peak:
        try:
            result: T | OrgoError = await call
        except OrgoError as exc:
            result = exc
    return result, time.monotonic() - started, peak[0]


async def _read_log(orgo: Orgo) -> list[BuildEvent]:
    async with orgo.builds.events(REF, idle_timeout=IDLE) as events:
        return [event async for event in events]


CALL_CASES = [
    pytest.param(Hostility.DEEP_JSON, APIResponseValidationError, 1, id="deep-json"),
    pytest.param(Hostility.DEEP_ERROR_400, BadRequestError, 1, id="deep-json-400"),
    pytest.param(Hostility.DEEP_ERROR_503, InternalServerError, 2, id="deep-json-503"),
    pytest.param(Hostility.DRIP_JSON, APITimeoutError, 2, id="dripping-body"),
    pytest.param(Hostility.DRIP_ERROR, APITimeoutError, 2, id="dripping-error-body"),
    pytest.param(Hostility.DRIP_HEADERS, APITimeoutError, 2, id="dripping-headers"),
    pytest.param(Hostility.FLOOD_ERROR, InternalServerError, 2, id="endless-error-body"),
    pytest.param(Hostility.INVALID_UTF8, APIResponseValidationError, 1, id="invalid-utf8"),
    pytest.param(Hostility.UTF16_JSON, APIResponseValidationError, 1, id="utf16-with-bom"),
    pytest.param(Hostility.LATIN1_ERROR, InternalServerError, 2, id="latin1-error-text"),
    pytest.param(Hostility.LYING_CHARSET, None, 1, id="lying-charset-ignored"),
    pytest.param(Hostility.JSON_AS_TEXT, None, 1, id="json-as-text-accepted"),
    pytest.param(Hostility.MALFORMED, APIConnectionError, 2, id="unparsable-response"),
]


@pytest.mark.parametrize(("hostility", "error", "attempts"), CALL_CASES)
async def test_a_hostile_answer_to_a_call_is_typed_and_bounded(
    hostility: Hostility, error: type[OrgoError] | None, attempts: int
) -> None:
    """A call ends in its typed error (or its result) in bounded time and memory."""
    async with hostile_server(hostility) as hostile:
        async with _client(hostile, timeout=FAST, max_retries=1) as orgo:
            result, seconds, peak = await _outcome(orgo.builds.status(REF))
        assert await hostile.wait_for_no_connections() == 0
    print(Figures(seconds, peak, hostile.requests).line(f"call {hostility.name}"))
    if error is None:
        assert isinstance(result, BuildInfo), result
    else:
        assert type(result) is error, result
    assert hostile.requests == attempts
    assert seconds < TIME_BOUND
    assert peak < MEMORY_BOUND, f"peak {peak} bytes"
    if isinstance(result, APIStatusError) and isinstance(result.body, str):
        assert len(result.body) <= 4096  # an error body is kept as its start only
    if hostility is Hostility.LATIN1_ERROR:
        assert isinstance(result, APIStatusError)
        assert result.body == "Passerelle d\ufffdfaillante"  # not a crash, not mojibake


STREAM_CASES = [
    pytest.param(Hostility.DEEP_FRAME, EventDecodeError, 1, id="deep-frame"),
    pytest.param(Hostility.DEEP_ERROR_400, BadRequestError, 1, id="deep-json-400"),
    pytest.param(Hostility.DEEP_ERROR_503, InternalServerError, 2, id="deep-json-503"),
    pytest.param(Hostility.DEEP_JSON, APIResponseValidationError, 1, id="json-not-events"),
    pytest.param(Hostility.DRIP_EVENTS, APITimeoutError, 2, id="dripping-line"),
    pytest.param(Hostility.DRIP_ERROR, InternalServerError, 2, id="dripping-error-body"),
    pytest.param(Hostility.DRIP_HEADERS, APITimeoutError, 2, id="dripping-headers"),
    pytest.param(Hostility.DRIP_JSON, APIResponseValidationError, 1, id="dripping-json"),
    pytest.param(Hostility.FLOOD_ERROR, InternalServerError, 2, id="endless-error-body"),
    # Answered as a stream, so reconnected as a live one: no line ever decodes as a frame.
    pytest.param(
        Hostility.UTF16_EVENTS, APIConnectionError, 1 + DEFAULT_STREAM_RECONNECTS, id="utf16-log"
    ),
    pytest.param(Hostility.TEXT_FOR_EVENTS, APIResponseValidationError, 1, id="log-as-text"),
    pytest.param(Hostility.INVALID_UTF8_EVENTS, None, 1, id="invalid-utf8-replaced"),
    pytest.param(Hostility.MALFORMED, APIConnectionError, 2, id="unparsable-response"),
]


@pytest.mark.parametrize(("hostility", "error", "attempts"), STREAM_CASES)
async def test_a_hostile_build_log_is_typed_and_bounded(
    hostility: Hostility, error: type[OrgoError] | None, attempts: int
) -> None:
    """orgo.builds.events ends in its typed error (or the log) in bounded time and memory."""
    async with hostile_server(hostility) as hostile:
        async with _client(hostile, timeout=FAST, max_retries=1) as orgo:
            result, seconds, peak = await _outcome(_read_log(orgo))
        assert await hostile.wait_for_no_connections() == 0
    print(Figures(seconds, peak, hostile.requests).line(f"stream {hostility.name}"))
    if error is None:
        assert isinstance(result, list), result
        assert [event.line for event in result] == ["caf\ufffd \ufffd", "done"]
    else:
        assert type(result) is error, result
    assert hostile.requests == attempts
    assert seconds < TIME_BOUND
    assert peak < MEMORY_BOUND, f"peak {peak} bytes"
    if isinstance(result, EventDecodeError):
        assert len(result.raw) == 4096  # the frame's start, not its 100 KB


FLEET_CASES = [
    pytest.param(Hostility.DEEP_JSON, "/evil/", "failed", id="deep-json"),
    pytest.param(Hostility.DEEP_ERROR_503, "/evil/", "failed", id="deep-json-503"),
    pytest.param(Hostility.DRIP_JSON, "/evil/", "failed", id="dripping-body"),
    pytest.param(Hostility.MALFORMED, "/evil/", "failed", id="unparsable-response"),
    # A broken log loses the log, not the build: the fleet reads how it ended instead.
    pytest.param(Hostility.DEEP_FRAME, "/evil/1.0.0/build/events", "ready", id="deep-frame"),
]


@pytest.mark.parametrize(("hostility", "only", "status"), FLEET_CASES)
async def test_one_hostile_build_never_stops_the_rest_of_a_fleet(
    hostility: Hostility, only: str, status: str
) -> None:
    """The build whose answers are hostile ends as its own outcome; the others end ready."""
    async with (
        run_emulator(log_lines=5) as emulator,
        hostile_server(hostility, upstream=emulator, only=only) as hostile,
    ):
        orgo = Orgo(EMULATOR_API_KEY, hostile.url, retry=no_wait_retries(), timeout=FAST)
        async with orgo, BuildFleet(orgo, concurrency=4) as fleet:
            for n in range(6):
                await fleet.submit(doc(f"fine-{n}"))
            await fleet.submit(doc("evil"))
            with anyio.fail_after(TIME_BOUND):
                report = await fleet.wait()
    evil = report.builds.pop("default/evil@1.0.0")
    assert evil.status == status, evil
    assert {outcome.status for outcome in report.builds.values()} == {"ready"}
    assert len(report.builds) == 6
    assert hostile.requests >= 1
