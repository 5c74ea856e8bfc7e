"""``orgo.builds.wait`` against the emulator: every ending, the polling fallback, cancellation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from orgo_async._client import Orgo
from orgo_async.errors import (
    BuildCancelledError,
    BuildError,
    BuildFailedError,
    BuildTimeoutError,
    ConfigurationError,
)
from orgo_async.testing import EMULATOR_API_KEY, no_wait_retries, run_emulator
from tests.integration._emulator_client import control, requests_to

DOCUMENT = """\
api_version: orgo.ai/v1
name: waited@1.0.0
cpu: 2
ram: 4gb
build:
  apt: [curl]
  run: ["echo hello"]
"""
REF = "default/waited@1.0.0"
EVENTS_ROUTE = "GET /templates/{namespace}/{name}/{version}/build/events"
STATUS_ROUTE = "GET /templates/{namespace}/{name}/{version}/build"
CANCEL_ROUTE = "DELETE /templates/{namespace}/{name}/{version}/build"


@asynccontextmanager
async def _published(document: str = DOCUMENT, **emulator: Any) -> AsyncIterator[tuple[str, Orgo]]:
    """An emulator with ``document`` published, and a client whose retries never sleep."""
    async with (
        run_emulator(**emulator) as url,
        Orgo(EMULATOR_API_KEY, url, retry=no_wait_retries()) as orgo,
    ):
        await orgo.templates.publish(document)
        yield url, orgo


async def test_ready() -> None:
    """A build that succeeds returns its final BuildInfo."""
    async with _published(build_time=0.3) as (_, orgo):
        await orgo.builds.start(REF)
        info = await orgo.builds.wait(REF)
    assert info.status == "ready"
    assert info.golden_dir is not None


async def test_reused_golden_needs_no_stream() -> None:
    """A ready build returns at once from its status, without opening the log."""
    async with _published() as (url, orgo):
        await orgo.builds.start(REF)
        await orgo.builds.wait(REF)
        before = await requests_to(url, EVENTS_ROUTE)
        info = await orgo.builds.wait(REF)
        assert await requests_to(url, EVENTS_ROUTE) == before
    assert info.status == "ready"


async def test_failed_build_raises_with_error_and_last_lines() -> None:
    """A failing build raises BuildFailedError with the server's error and the log's tail."""
    failing = DOCUMENT.replace('"echo hello"', '"exit 3"')
    async with _published(failing, build_time=0.3) as (_, orgo):
        await orgo.builds.start(REF)
        with pytest.raises(BuildFailedError) as caught:
            await orgo.builds.wait(REF)
    error = caught.value
    assert error.error is not None
    assert "exit 3" in error.error
    assert error.info is not None
    assert error.info.status == "failed"
    assert error.last_lines[-1].level == "error"
    assert 0 < len(error.last_lines) <= 20


async def test_build_cancelled_elsewhere() -> None:
    """A build cancelled by someone else raises BuildCancelledError in the waiter."""
    outcome: list[BaseException] = []

    async def waiter(orgo: Orgo) -> None:
        try:
            await orgo.builds.wait(REF)
        except BuildError as exc:
            outcome.append(exc)

    async with _published(build_time=5) as (_, orgo):
        await orgo.builds.start(REF)
        async with orgo.builds.events(REF) as events:
            await anext(events)  # the build is running and logging
        async with anyio.create_task_group() as group:
            group.start_soon(waiter, orgo)
            await orgo.builds.cancel(REF)
    assert [type(exc) for exc in outcome] == [BuildCancelledError]


async def test_server_side_timeout() -> None:
    """A build the server times out raises BuildTimeoutError carrying the final status."""
    async with _published(build_time=30, build_timeout=0.4) as (_, orgo):
        await orgo.builds.start(REF)
        with pytest.raises(BuildTimeoutError) as caught:
            await orgo.builds.wait(REF)
    assert caught.value.info is not None
    assert caught.value.info.error == "timeout"
    assert caught.value.last_lines[-1].phase == "timeout"


@pytest.mark.parametrize(
    ("cancel_on_timeout", "status_after"),
    [
        pytest.param(False, ("building", None), id="left-running"),
        pytest.param(True, ("failed", "cancelled"), id="cancelled"),
    ],
)
async def test_wait_timeout(cancel_on_timeout: bool, status_after: tuple[str, str | None]) -> None:
    """wait(timeout=) gives up with BuildTimeoutError, cancelling the build only if asked."""
    async with _published(build_time=30) as (url, orgo):
        await orgo.builds.start(REF)
        with pytest.raises(BuildTimeoutError, match="gave up waiting"):
            await orgo.builds.wait(REF, timeout=0.3, cancel_on_timeout=cancel_on_timeout)
        after = await orgo.builds.status(REF)
        cancels = await requests_to(url, CANCEL_ROUTE)
    assert (after.status, after.error) == status_after
    assert cancels == ({"202": 1} if cancel_on_timeout else {})


@pytest.mark.parametrize(
    ("cancel_on_cancel", "status_after"),
    [
        pytest.param(True, ("failed", "cancelled"), id="cancelled-on-the-server"),
        pytest.param(False, ("building", None), id="left-running"),
    ],
)
async def test_cancelling_the_waiting_task_cancels_the_build(
    cancel_on_cancel: bool, status_after: tuple[str, str | None]
) -> None:
    """When the awaiting task is cancelled, the build is cancelled on the server, unless not."""
    async with _published(build_time=30) as (url, orgo):
        await orgo.builds.start(REF)
        with anyio.move_on_after(0.3) as scope:
            await orgo.builds.wait(REF, cancel_on_cancel=cancel_on_cancel)
        after = await orgo.builds.status(REF)
        cancels = await requests_to(url, CANCEL_ROUTE)
    assert scope.cancelled_caught
    assert (after.status, after.error) == status_after
    assert cancels == ({"202": 1} if cancel_on_cancel else {})


@pytest.mark.parametrize(
    ("status", "count"),
    [
        pytest.param(404, 1, id="404"),
        pytest.param(503, 50, id="503-every-time"),
    ],
)
async def test_falls_back_to_polling_when_the_log_is_unavailable(status: int, count: int) -> None:
    """With the events endpoint failing, wait() polls the status to the build's end."""
    async with _published(build_time=0.6) as (url, orgo):
        await orgo.builds.start(REF)
        await control(
            "POST", url, "/inject", {"route": EVENTS_ROUTE, "status": status, "count": count}
        )
        info = await orgo.builds.wait(REF)
        events = await requests_to(url, EVENTS_ROUTE)
        polls = await requests_to(url, STATUS_ROUTE)
    assert info.status == "ready"
    # A log that never connected is retried as a call is, then the status is polled.
    assert events == {str(status): 1 if count == 1 else 1 + orgo.max_retries}
    assert polls["200"] >= 2


async def test_cut_streams_do_not_disturb_the_wait() -> None:
    """Streams cut mid-frame are resumed; the wait still ends with the build."""
    async with _published(build_time=0.5, log_lines=30, drop_stream=0.1, seed=3) as (url, orgo):
        await orgo.builds.start(REF)
        info = await orgo.builds.wait(REF)
        report = await control("GET", url, "/stats")
    assert info.status == "ready"
    assert report["streams"]["cut"] > 0


async def test_nothing_to_wait_for() -> None:
    """A version that was never built raises BuildError (not a failure) at once."""
    async with _published() as (_, orgo):
        with pytest.raises(BuildError, match="no build to wait for") as caught:
            await orgo.builds.wait(REF)
    assert type(caught.value) is BuildError
    assert caught.value.info is not None
    assert caught.value.info.status == "not_built"


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(float("nan"), id="nan"),
        pytest.param("5", id="text"),
        pytest.param(True, id="bool"),
    ],
)
async def test_an_unusable_timeout_is_refused_before_any_request(limit: object) -> None:
    """wait(timeout=) that is not a number raises ConfigurationError and sends nothing."""
    async with _published() as (url, orgo):
        with pytest.raises(ConfigurationError, match="timeout"):
            await orgo.builds.wait(REF, timeout=limit)  # type: ignore[arg-type]
        assert await requests_to(url, STATUS_ROUTE) == {}
