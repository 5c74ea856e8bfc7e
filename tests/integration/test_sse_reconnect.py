"""stream_events over real loopback HTTP: reconnect, resume, back off, end and clean up."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import anyio
import anyio.lowlevel
import pytest
from aiohttp import web

from orgo_async._retry import RetryPolicy
from orgo_async.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
)
from orgo_async.sse import EventSource, ServerSentEvent, stream_events
from tests.unit.sse.server import SSEServer, cut, open_stream, serve


class Sleeps:
    """A RetryPolicy.sleep that records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await anyio.lowlevel.checkpoint()


@pytest.fixture
def sleeps() -> Sleeps:
    """Recorded reconnection delays."""
    return Sleeps()


@pytest.fixture
def policy(sleeps: Sleeps) -> RetryPolicy:
    """Delays from 0.5 s doubling up to 4 s, recorded instead of slept."""
    return RetryPolicy(initial_delay=0.5, max_delay=4.0, sleep=sleeps)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session closed after the test."""
    async with aiohttp.ClientSession() as client:
        yield client


def _is_end(event: ServerSentEvent) -> bool:
    return event.event == "end"


def _frame(number: int) -> bytes:
    return b"id: %d\ndata: line %d\n\n" % (number, number)


def _resume_point(request: web.Request) -> int:
    return int(request.headers.get("Last-Event-ID", "0"))


async def _drain(source: EventSource, into: list[ServerSentEvent]) -> None:
    """Append every event of ``source`` to ``into``, so events before an error are kept."""
    async with source:
        async for event in source:
            into.append(event)


async def test_resumes_across_cuts_without_loss_or_repeat(
    session: aiohttp.ClientSession, policy: RetryPolicy
) -> None:
    """A log cut mid-frame every few events arrives whole: each line once, in order."""
    total, per_connection = 50, 7

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        start = _resume_point(request) + 1
        last = min(start + per_connection, total + 1)
        await response.write(b"".join(_frame(n) for n in range(start, last)))
        if last > total:
            await response.write(b"event: end\ndata: done\n\n")
            await response.write_eof()
            return response
        await response.write(_frame(last)[:9])  # half a frame, then the network fails
        return await cut(request, response)

    async with serve(handler) as server:
        source = stream_events(session, server.url, is_terminal=_is_end, retry_policy=policy)
        async with source:
            events = [event async for event in source]
    assert [event.data for event in events] == [f"line {n}" for n in range(1, 51)] + ["done"]
    assert [event.id for event in events[:-1]] == [str(n) for n in range(1, 51)]
    expected_resumes = [None] + [str(n) for n in range(7, 50, 7)]
    assert server.last_event_ids == expected_resumes
    assert source.reconnects == len(expected_resumes) - 1
    assert source.last_event_id == "50"


async def test_server_retry_sets_the_delay(
    session: aiohttp.ClientSession, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    """A retry: line replaces the base reconnection delay (plus at most 25% jitter)."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        if _resume_point(request) == 0:
            await response.write(b"retry: 1500\n\n" + _frame(1))
            return await cut(request, response)
        await response.write(b"event: end\ndata: x\n\n")
        return response

    async with serve(handler) as server:
        source = stream_events(session, server.url, is_terminal=_is_end, retry_policy=policy)
        async with source:
            assert [event.data async for event in source] == ["line 1", "x"]
    assert len(sleeps.delays) == 1
    assert 1.5 <= sleeps.delays[0] <= 1.5 * 1.25


async def test_backoff_grows_and_is_capped(
    session: aiohttp.ClientSession, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    """Failures in a row double the delay up to max_delay, then the last error is raised."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        return web.json_response({"error": "down", "request_id": "r"}, status=503)

    async with serve(handler) as server:
        source = stream_events(
            session, server.url, retry_policy=policy, max_reconnects=6, max_connect_retries=6
        )
        with pytest.raises(InternalServerError, match="down"):
            await _drain(source, [])
    assert len(server.requests) == 7
    bases = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    pairs = zip(bases, sleeps.delays, strict=True)
    assert all(base <= delay <= base * 1.25 for base, delay in pairs), sleeps.delays


async def test_a_huge_multiplier_is_capped_not_overflowed(
    session: aiohttp.ClientSession, sleeps: Sleeps
) -> None:
    """A policy multiplier far past float range still gives max_delay, never OverflowError."""
    policy = RetryPolicy(initial_delay=0.5, max_delay=4.0, multiplier=1e300, sleep=sleeps)

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        return web.json_response({"error": "down", "request_id": "r"}, status=503)

    async with serve(handler) as server:
        source = stream_events(
            session, server.url, retry_policy=policy, max_reconnects=4, max_connect_retries=4
        )
        with pytest.raises(InternalServerError, match="down"):
            await _drain(source, [])
    bases = [0.5, 4.0, 4.0, 4.0]
    pairs = zip(bases, sleeps.delays, strict=True)
    assert all(base <= delay <= base * 1.25 for base, delay in pairs), sleeps.delays


async def test_retry_after_of_a_429_is_honoured(
    session: aiohttp.ClientSession, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    """A 429 on connect waits the server's Retry-After before the next attempt."""

    async def handler(request: web.Request, server: SSEServer) -> web.StreamResponse:
        if len(server.requests) == 1:
            return web.json_response({"error": "busy"}, status=429, headers={"Retry-After": "3"})
        response = await open_stream(request)
        await response.write(b"event: end\ndata: x\n\n")
        return response

    async with serve(handler) as server:
        source = stream_events(session, server.url, is_terminal=_is_end, retry_policy=policy)
        async with source:
            assert [event.data async for event in source] == ["x"]
    assert sleeps.delays == [3.0]


async def test_no_content_ends_the_stream(
    session: aiohttp.ClientSession, policy: RetryPolicy
) -> None:
    """HTTP 204 means there is nothing to stream: no events and no reconnect."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        return web.Response(status=204)

    async with serve(handler) as server:
        source = stream_events(session, server.url, retry_policy=policy)
        async with source:
            assert [event async for event in source] == []
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param(401, AuthenticationError, id="401"),
        pytest.param(403, PermissionDeniedError, id="403"),
        pytest.param(404, NotFoundError, id="404"),
    ],
)
async def test_client_errors_are_raised_at_once(
    session: aiohttp.ClientSession,
    policy: RetryPolicy,
    status: int,
    error: type[APIStatusError],
) -> None:
    """A 4xx that retrying cannot change raises its typed error without a reconnect."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        return web.json_response({"error": "no", "request_id": "req-1"}, status=status)

    async with serve(handler) as server:
        with pytest.raises(error) as caught:
            await _drain(stream_events(session, server.url, retry_policy=policy), [])
    assert (caught.value.status_code, caught.value.request_id) == (status, "req-1")
    assert len(server.requests) == 1


async def test_wrong_content_type_is_not_retried(
    session: aiohttp.ClientSession, policy: RetryPolicy
) -> None:
    """A 200 that is not an event stream raises APIResponseValidationError at once."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        return web.Response(text="<html>", content_type="text/html")

    async with serve(handler) as server:
        with pytest.raises(APIResponseValidationError):
            await _drain(stream_events(session, server.url, retry_policy=policy), [])
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("end_on_close", "body", "requests"),
    [
        pytest.param(True, b"id: 1\ndata: a\n\n", 1, id="end-on-close"),
        pytest.param(False, b"id: 1\ndata: a\n\n", 2, id="standard-reconnects"),
        pytest.param(True, b"id: 1\ndata: a\n\ndata: cut", 2, id="end-on-close-but-truncated"),
    ],
)
async def test_clean_close(
    session: aiohttp.ClientSession,
    policy: RetryPolicy,
    end_on_close: bool,
    body: bytes,
    requests: int,
) -> None:
    """A clean close ends the stream only with end_on_close and a whole last event."""

    async def handler(request: web.Request, server: SSEServer) -> web.StreamResponse:
        if len(server.requests) > 1:
            return web.Response(status=204)
        response = await open_stream(request)
        await response.write(body)
        await response.write_eof()
        return response

    async with serve(handler) as server:
        source = stream_events(session, server.url, end_on_close=end_on_close, retry_policy=policy)
        async with source:
            assert [event.data async for event in source] == ["a"]
    assert len(server.requests) == requests
    assert server.last_event_ids[1:] == ["1"] * (requests - 1)


async def test_idle_stream_reconnects_then_times_out(
    session: aiohttp.ClientSession, policy: RetryPolicy
) -> None:
    """A stream silent twice in a row is reopened once from the last id, then times out."""
    release = anyio.Event()

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        if _resume_point(request) == 0:
            await response.write(_frame(1))
        await release.wait()
        return response

    events: list[ServerSentEvent] = []
    async with serve(handler) as server:
        source = stream_events(
            session, server.url, idle_timeout=0.2, max_idle_reconnects=1, retry_policy=policy
        )
        with pytest.raises(APITimeoutError, match="idle"):
            await _drain(source, events)
        release.set()
    assert [event.id for event in events] == ["1"]
    assert server.last_event_ids == [None, "1"]


async def test_keep_alive_comments_hold_off_the_idle_timeout(
    session: aiohttp.ClientSession, policy: RetryPolicy
) -> None:
    """Comments count as traffic: a slow stream with keep-alives is not idle."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        for _beat in range(4):
            await response.write(b": keep-alive\n")
            await anyio.sleep(0.1)  # the pacing under test: slower in total than idle_timeout
        await response.write(b"event: end\ndata: x\n\n")
        return response

    async with serve(handler) as server:
        source = stream_events(
            session, server.url, idle_timeout=0.3, is_terminal=_is_end, retry_policy=policy
        )
        async with source:
            assert [event.data async for event in source] == ["x"]
    assert len(server.requests) == 1


async def test_reconnect_budget(session: aiohttp.ClientSession, policy: RetryPolicy) -> None:
    """A connection that keeps dropping before any event raises after max_reconnects."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        await response.write(b"data: never comp")
        return await cut(request, response)

    async with serve(handler) as server:
        source = stream_events(session, server.url, max_reconnects=3, retry_policy=policy)
        with pytest.raises(APIConnectionError, match="dropped"):
            await _drain(source, [])
    assert len(server.requests) == 4


async def test_caller_headers_are_copied_not_changed(
    session: aiohttp.ClientSession, policy: RetryPolicy
) -> None:
    """The caller's headers go out on every request and are never modified."""

    async def handler(request: web.Request, server: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        if len(server.requests) == 1:
            await response.write(_frame(1))
            return await cut(request, response)
        await response.write(b"event: end\ndata: x\n\n")
        return response

    headers = {"Authorization": "Bearer sk_test", "X-Trace": "t"}
    async with serve(handler) as server:
        source = stream_events(
            session,
            server.url,
            headers=headers,
            last_event_id="0",
            is_terminal=_is_end,
            retry_policy=policy,
        )
        async with source:
            assert [event.data async for event in source] == ["line 1", "x"]
    assert headers == {"Authorization": "Bearer sk_test", "X-Trace": "t"}
    assert [h.get("Authorization") for h in server.requests] == ["Bearer sk_test"] * 2
    assert [h.get("Accept") for h in server.requests] == ["text/event-stream"] * 2
    assert server.last_event_ids == ["0", "1"]


async def _endless(request: web.Request, _: SSEServer) -> web.StreamResponse:
    response = await open_stream(request)
    await response.write(b"".join(_frame(n) for n in range(1, 6)))
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


async def test_leaving_the_context_releases_the_connection(
    session: aiohttp.ClientSession,
) -> None:
    """Breaking out inside ``async with`` closes the connection at once."""
    async with serve(_endless) as server:
        async with stream_events(session, server.url) as source:
            async for event in source:
                if event.id == "3":
                    break
        with anyio.fail_after(5):
            await server.disconnected.wait()


async def test_break_without_context_releases_the_connection(
    session: aiohttp.ClientSession,
) -> None:
    """Breaking out of a plain ``async for`` also closes the connection, once collected."""
    async with serve(_endless) as server:
        ids = []
        async for event in stream_events(session, server.url):
            ids.append(event.id)
            if event.id == "2":
                break
        with anyio.fail_after(5):
            await server.disconnected.wait()
    assert ids == ["1", "2"]


async def test_aclose_is_idempotent(session: aiohttp.ClientSession) -> None:
    """aclose() twice is fine, and a closed source yields nothing more."""
    async with serve(_endless) as server:
        source = stream_events(session, server.url)
        assert (await anext(source)).id == "1"
        await source.aclose()
        await source.aclose()
        assert [event async for event in source] == []
        with anyio.fail_after(5):
            await server.disconnected.wait()


async def test_redirects_are_refused(session: aiohttp.ClientSession, policy: RetryPolicy) -> None:
    """A redirect is not followed (it would carry the caller's headers elsewhere)."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        raise web.HTTPFound("http://example.invalid/stream")

    async with serve(handler) as server:
        with pytest.raises(APIResponseValidationError, match="302") as caught:
            await _drain(stream_events(session, server.url, retry_policy=policy), [])
    assert caught.value.status_code == 302
    assert len(server.requests) == 1


async def test_an_error_status_with_a_stalled_body_still_raises(
    session: aiohttp.ClientSession, policy: RetryPolicy
) -> None:
    """A 404 whose body never comes raises NotFoundError within connect_timeout, not never."""
    release = anyio.Event()

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = web.StreamResponse(status=404)
        response.content_type = "application/json"
        await response.prepare(request)
        await release.wait()
        return response

    async with serve(handler) as server:
        source = stream_events(session, server.url, connect_timeout=0.2, retry_policy=policy)
        with anyio.fail_after(5), pytest.raises(NotFoundError):
            await _drain(source, [])
        release.set()
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"max_reconnects": -1}, id="max-reconnects"),
        pytest.param({"max_idle_reconnects": -1}, id="max-idle-reconnects"),
        pytest.param({"max_connect_retries": -1}, id="max-connect-retries"),
    ],
)
async def test_a_negative_budget_is_a_configuration_error(
    session: aiohttp.ClientSession, kwargs: dict[str, int]
) -> None:
    """A reconnect budget below zero is refused at once with ConfigurationError."""
    with pytest.raises(ConfigurationError, match=next(iter(kwargs))):
        stream_events(session, "http://127.0.0.1:9/stream", **kwargs)  # type: ignore[arg-type]
