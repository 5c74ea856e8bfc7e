"""The transport against a scripted loopback server: retries, timeouts, limits, cancellation."""

from __future__ import annotations

import gc
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import anyio
import pytest
from aiohttp import web

from orgo_async._client import Orgo
from orgo_async._timeout import Timeout
from orgo_async.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    InternalServerError,
    RateLimitError,
)
from orgo_async.testing import no_wait_retries
from tests.integration._scripted_server import (
    BUILD,
    KEY,
    REF,
    RUN,
    ScriptedServer,
    client,
    raw,
    reply,
    scripted_server,
    stall,
)


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    """A scripted server on 127.0.0.1, stopped after the test."""
    async with scripted_server() as srv:
        yield srv


async def test_a_transient_failure_is_retried_until_success(server: ScriptedServer) -> None:
    """A GET answered 503 then 200 succeeds after one recorded wait."""
    server.then(reply(503, {"error": "busy"}), reply(200, BUILD))
    waits: list[float] = []
    async with client(server, waits) as orgo:
        info = await orgo.builds.status(REF)
    assert info.status == "building"
    assert len(server.seen) == 2
    assert len(waits) == 1


async def test_retries_stop_after_max_retries(server: ScriptedServer) -> None:
    """With max_retries=2, three 500s raise InternalServerError after three attempts."""
    server.then(*[reply(500, {"error": "boom", "request_id": "r-5"})] * 3)
    waits: list[float] = []
    async with client(server, waits, max_retries=2) as orgo:
        with pytest.raises(InternalServerError) as caught:
            await orgo.builds.status(REF)
    assert caught.value.request_id == "r-5"
    assert len(server.seen) == 3
    assert len(waits) == 2


async def test_max_retries_per_call_overrides_the_client(server: ScriptedServer) -> None:
    """A call's max_retries=0 makes a single attempt whatever the client says."""
    server.then(reply(503), reply(200, BUILD))
    async with client(server, max_retries=5) as orgo:
        with pytest.raises(InternalServerError):
            await orgo.builds.status(REF, max_retries=0)
    assert len(server.seen) == 1


async def test_retry_after_is_honoured(server: ScriptedServer) -> None:
    """A 429's Retry-After is the wait, exactly, not the computed backoff."""
    server.then(reply(429, {"error": "slow down"}, **{"Retry-After": "3"}), reply(200, BUILD))
    waits: list[float] = []
    async with client(server, waits) as orgo:
        await orgo.builds.start(REF)
    assert waits == [3.0]


async def test_a_retry_after_beyond_the_limit_is_raised_at_once(server: ScriptedServer) -> None:
    """A hint longer than max_retry_after raises RateLimitError without waiting."""
    server.then(reply(429, {"error": "capacity"}, **{"Retry-After": "600"}))
    waits: list[float] = []
    async with client(server, waits) as orgo:
        with pytest.raises(RateLimitError) as caught:
            await orgo.builds.start(REF)
    assert caught.value.retry_after == 600.0
    assert waits == []
    assert len(server.seen) == 1


async def test_a_call_that_is_not_idempotent_is_not_retried_after_a_5xx(
    server: ScriptedServer,
) -> None:
    """A test-run answered 503 may have booted a computer, so it is not sent again."""
    server.then(reply(503, {"error": "busy"}), reply(200, RUN))
    async with client(server) as orgo:
        with pytest.raises(InternalServerError):
            await orgo.templates.test_run(REF)
    assert server.seen == [("POST", "/api/templates/run")]


async def test_a_call_that_is_not_idempotent_is_retried_after_a_429(
    server: ScriptedServer,
) -> None:
    """A 429 is a refusal that changed nothing, so even a test-run is sent again."""
    server.then(reply(429, {"error": "cap"}, **{"Retry-After": "1"}), reply(200, RUN))
    waits: list[float] = []
    async with client(server, waits) as orgo:
        run = await orgo.templates.test_run(REF)
    assert run.desktop_id == "d-1"
    assert waits == [1.0]
    assert len(server.seen) == 2


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda orgo: orgo.builds.status(REF), id="status"),
        pytest.param(lambda orgo: orgo.templates.test_run(REF), id="test-run"),
    ],
)
async def test_connection_refused_is_retried_then_raised(
    call: Callable[[Orgo], Awaitable[object]],
) -> None:
    """A refused connection never reached the server: every call retries, then raises."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    waits: list[float] = []
    async with Orgo(KEY, f"http://127.0.0.1:{port}/api", retry=no_wait_retries(waits)) as orgo:
        with pytest.raises(APIConnectionError) as caught:
            await call(orgo)
    assert not isinstance(caught.value, APITimeoutError)
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert len(waits) == 2


async def test_a_body_that_is_not_the_model_is_a_response_validation_error(
    server: ScriptedServer,
) -> None:
    """A 2xx body of the wrong shape raises APIResponseValidationError, keeping the body."""
    server.then(raw(200, b'{"ref": 1}'))
    async with client(server) as orgo:
        with pytest.raises(APIResponseValidationError) as caught:
            await orgo.builds.status(REF)
    assert caught.value.status_code == 200
    assert caught.value.body == b'{"ref": 1}'


@pytest.mark.parametrize(
    "chunked",
    [pytest.param(False, id="content-length"), pytest.param(True, id="chunked")],
)
async def test_a_body_over_the_limit_is_refused(server: ScriptedServer, chunked: bool) -> None:
    """A response larger than max_response_bytes raises instead of filling memory."""

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        if chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = 4096
        await response.prepare(request)
        for _ in range(4):
            await response.write(b" " * 1024)
        return response

    server.then(big)
    async with client(server, max_response_bytes=1000) as orgo:
        with pytest.raises(APIResponseValidationError, match="exceeds the limit of 1000 bytes"):
            await orgo.builds.status(REF)


async def test_a_read_timeout_is_an_api_timeout_error(server: ScriptedServer) -> None:
    """A server that goes silent past the read timeout raises APITimeoutError."""
    server.then(stall(server))
    async with client(server, max_retries=0) as orgo:
        with pytest.raises(APITimeoutError):
            await orgo.builds.status(REF, timeout=Timeout(read=0.2))


async def test_a_cancelled_call_leaves_no_open_connection(server: ScriptedServer) -> None:
    """Cancelling a call mid-response closes its connection instead of pooling it."""
    async with client(server) as orgo:
        await orgo.builds.status(REF)
        assert server.open_connections() == 1  # a finished call keeps its connection pooled
        server.then(stall(server))
        with anyio.move_on_after(0.2) as scope:
            await orgo.builds.status(REF)
        assert scope.cancelled_caught
        with anyio.fail_after(5):
            await server.hung_up.wait()
        # The pool is still usable after the cancelled call.
        assert (await orgo.builds.status(REF)).status == "building"


async def test_requests_carry_the_key_and_identify_the_sdk(server: ScriptedServer) -> None:
    """Each request has the Bearer key, a JSON Accept and an orgo-async User-Agent."""
    async with client(server) as orgo:
        await orgo.builds.status(REF)
    headers = server.headers[0]
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith("orgo-async/")


async def test_a_session_passed_in_is_used_and_left_open(server: ScriptedServer) -> None:
    """Requests go through the caller's session, which stays open after the client closes."""
    started: list[str] = []

    async def on_start(
        session: aiohttp.ClientSession, ctx: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        started.append(params.method)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        async with Orgo(KEY, server.url, session=session) as orgo:
            await orgo.builds.status(REF)
        await orgo.aclose()
        assert not session.closed
        assert started == ["GET"]


async def test_an_error_inside_the_block_still_closes_the_session(server: ScriptedServer) -> None:
    """Leaving the block by an exception closes the pool: no unclosed-session warning."""
    orgo = client(server)

    async def fail_inside(client: Orgo) -> None:
        async with client:
            await client.builds.status(REF)
            raise LookupError("boom")

    with pytest.raises(LookupError):
        await fail_inside(orgo)
    assert orgo.closed
    del orgo
    gc.collect()  # an unclosed session would warn here, and warnings are errors


async def test_cancellation_inside_the_block_still_closes_the_session(
    server: ScriptedServer,
) -> None:
    """A call cancelled inside the block leaves the client closed on the way out."""
    server.then(stall(server))
    with anyio.move_on_after(0.2):
        async with client(server) as orgo:
            await orgo.builds.status(REF)
    assert orgo.closed
    del orgo
    gc.collect()


async def test_the_key_is_never_logged_nor_shown_in_errors(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """DEBUG logs name each request, status and retry, but never the key; errors neither."""
    caplog.set_level(logging.DEBUG, logger="orgo_async")
    server.then(reply(503), reply(200, BUILD), reply(401, {"error": "Invalid API key"}))
    async with client(server) as orgo:
        await orgo.builds.status(REF)
        with pytest.raises(AuthenticationError) as caught:
            await orgo.builds.status(REF)
        text = caplog.text
        assert f"GET {server.url}/templates/{REF.replace('@', '/')}/build -> 503" in text
        assert "retrying GET" in text
        assert "-> 401" in text
        for shown in (text, repr(orgo), str(orgo), str(caught.value), repr(caught.value)):
            assert KEY not in shown


async def test_a_redirect_is_not_followed(server: ScriptedServer) -> None:
    """A 3xx raises APIResponseValidationError naming its target; the key goes nowhere else."""
    server.then(reply(302, {}, Location="https://elsewhere.example/steal"))
    async with client(server) as orgo:
        with pytest.raises(APIResponseValidationError, match=r"elsewhere\.example") as caught:
            await orgo.builds.status(REF)
    assert caught.value.status_code == 302
    assert len(server.seen) == 1
