"""Every error class, produced by a real emulator response, with what callers read from it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
import anyio
import pytest

from orgo_async._client import Orgo
from orgo_async._retry import RetryPolicy
from orgo_async._timeout import Timeout
from orgo_async._transport import Request, Transport
from orgo_async.errors import (
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
)
from orgo_async.testing import (
    EMULATOR_API_KEY,
    EMULATOR_FREE_PLAN_KEY,
    no_wait_retries,
    run_emulator,
)
from tests.integration._emulator_client import (
    MINIMAL,
    MINIMAL_REF,
    emulator_client,
    inject,
    requests_to,
)


@pytest.fixture
async def url() -> AsyncIterator[str]:
    """A fresh emulator."""
    async with run_emulator() as base_url:
        yield base_url


def _assert_described(error: APIStatusError, status: int, method: str) -> None:
    assert error.status_code == status
    assert error.method == method
    assert error.url is not None
    assert error.url.startswith("http://127.0.0.1:")
    assert error.request_id
    assert isinstance(error.body, dict)
    assert error.body.get("request_id") == error.request_id


async def test_a_wrong_key_is_an_authentication_error(url: str) -> None:
    """401 from an unknown key raises AuthenticationError, without retries."""
    async with Orgo("sk_wrong_key", url, retry=no_wait_retries()) as orgo:
        with pytest.raises(AuthenticationError) as caught:
            await orgo.templates.list()
        assert await requests_to(url, "GET /templates") == {"401": 1}
    _assert_described(caught.value, 401, "GET")
    assert "sk_wrong_key" not in str(caught.value)


async def test_a_free_plan_key_is_permission_denied_on_publish(url: str) -> None:
    """403 from a plan without templates raises PermissionDeniedError."""
    async with Orgo(EMULATOR_FREE_PLAN_KEY, url, retry=no_wait_retries()) as orgo:
        with pytest.raises(PermissionDeniedError) as caught:
            await orgo.templates.publish(MINIMAL)
    _assert_described(caught.value, 403, "POST")
    assert "Scale" in caught.value.message


async def test_an_unknown_ref_is_not_found(url: str) -> None:
    """404 for a version never published raises NotFoundError."""
    async with emulator_client(url) as orgo:
        with pytest.raises(NotFoundError) as caught:
            await orgo.templates.get("default/never-published@9.9.9")
    _assert_described(caught.value, 404, "GET")
    assert caught.value.url is not None
    assert caught.value.url.endswith("/templates/default/never-published/9.9.9")


async def test_changed_content_without_force_is_a_conflict(url: str) -> None:
    """409 for different content at a published ref raises ConflictError, not retried."""
    async with emulator_client(url) as orgo:
        await orgo.templates.publish(MINIMAL)
        with pytest.raises(ConflictError) as caught:
            await orgo.templates.publish(MINIMAL.replace("cpu: 2", "cpu: 4"))
        assert await requests_to(url, "POST /templates") == {"201": 1, "409": 1}
    _assert_described(caught.value, 409, "POST")


async def test_an_invalid_document_sent_raw_is_unprocessable_with_issues(url: str) -> None:
    """422 for a document that skipped local validation carries every issue."""
    transport = Transport(
        base_url=url,
        api_key=EMULATOR_API_KEY,
        timeout=Timeout(),
        max_retries=0,
        retry=RetryPolicy(),
        session=None,
        max_connections=1,
        max_connections_per_host=0,
        max_response_bytes=1 << 20,
    )
    body = b'{"api_version": "orgo.ai/v1", "template": {"name": "Bad_Name"}}'
    try:
        with pytest.raises(UnprocessableEntityError) as caught:
            await transport.request(Request("POST", "/templates", None, body, "application/json"))
    finally:
        await transport.aclose()
    _assert_described(caught.value, 422, "POST")
    fields = {issue.field for issue in caught.value.issues}
    assert fields == {"template.name", "template.version"}


async def test_injected_5xx_are_retried_then_raised(url: str) -> None:
    """Three injected 503s exhaust two retries: InternalServerError after three attempts."""
    await inject(url, "GET /templates", 503, count=3)
    waits: list[float] = []
    async with emulator_client(url, waits, max_retries=2) as orgo:
        with pytest.raises(InternalServerError) as caught:
            await orgo.templates.list()
        assert await requests_to(url, "GET /templates") == {"503": 3}
    assert caught.value.status_code == 503
    assert waits == [1.0, 1.0]  # the injected answers' Retry-After, honoured


async def test_injected_5xx_then_success_recovers(url: str) -> None:
    """Two injected 502s are absorbed by two retries and the call succeeds."""
    await inject(url, "GET /templates/global", 502, count=2)
    async with emulator_client(url, max_retries=2) as orgo:
        curated = await orgo.templates.curated()
        assert await requests_to(url, "GET /templates/global") == {"502": 2, "200": 1}
    assert curated


async def test_latency_past_the_timeout_is_an_api_timeout_error() -> None:
    """A response slower than the per-call timeout raises APITimeoutError."""
    async with run_emulator(latency_ms=800) as url, emulator_client(url, max_retries=0) as orgo:
        with pytest.raises(APITimeoutError) as caught:
            await orgo.templates.list(timeout=0.1)
    assert caught.value.method == "GET"


async def test_a_cancelled_call_gives_its_connection_back() -> None:
    """A call cancelled mid-flight frees its pool slot and is not reused as a live connection."""
    created: list[str] = []
    reused: list[str] = []

    async def on_create(_: aiohttp.ClientSession, __: object, ___: object) -> None:
        created.append("new")

    async def on_reuse(_: aiohttp.ClientSession, __: object, ___: object) -> None:
        reused.append("reused")

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(on_create)
    trace.on_connection_reuseconn.append(on_reuse)
    async with (
        run_emulator(latency_ms=1000) as url,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), trace_configs=[trace]) as s,
        emulator_client(url, session=s) as orgo,
    ):
        with anyio.move_on_after(0.2) as scope:
            await orgo.templates.schema()
        assert scope.cancelled_caught
        assert created == ["new"]
        # A pool of one: had the cancelled call kept its connection, this would hang.
        with anyio.fail_after(10):
            await orgo.templates.schema()
    assert created == ["new", "new"]
    assert reused == []


async def test_debug_logs_name_requests_but_never_the_key(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG each request is logged with method, URL and status; the key never appears."""
    caplog.set_level(logging.DEBUG, logger="orgo_async")
    await inject(url, "GET /templates", 429, count=1, retry_after=2)
    waits: list[float] = []
    async with emulator_client(url, waits) as orgo:
        await orgo.templates.list()
        with pytest.raises(NotFoundError) as caught:
            await orgo.templates.get(MINIMAL_REF)
    assert waits == [2.0]
    assert f"GET {url}/templates -> 429" in caplog.text
    assert f"GET {url}/templates -> 200" in caplog.text
    assert "retrying GET" in caplog.text
    for shown in (caplog.text, str(caught.value), repr(caught.value), repr(orgo)):
        assert EMULATOR_API_KEY not in shown
