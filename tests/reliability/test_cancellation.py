"""Cancellation at random moments: no build left running on the server, no session left open.

Each iteration cancels at a seeded random delay, so a failure names its seed and delay
and replays exactly (up to scheduling). Cleanup calls to the server are shielded inside
the client; once the cancelled block has returned, the emulator must show no build in
flight and the client's connector must be closed.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import aiohttp
import anyio
import pytest

from orgo_async._client import Orgo
from orgo_async.errors import BuildTimeoutError
from orgo_async.fleet import BuildFleet
from orgo_async.testing import EMULATOR_API_KEY, no_wait_retries, run_emulator
from tests.reliability.leaks import leaked, settle_until_clean, snapshot
from tests.reliability.soak_support import EVENTS_ROUTE, read_stats

ITERATIONS = 30
BUILD_TIME = 0.15
FLEET_SIZE = 6


@pytest.fixture
async def emulator() -> AsyncIterator[str]:
    """An emulator whose builds take long enough to be cancelled half-way."""
    # Latency on every request widens the windows where a cancel races a start or a log line.
    async with run_emulator(
        build_time=BUILD_TIME, log_lines=20, capacity=4, seed=11, latency_ms=3
    ) as url:
        yield url


def _documents(iteration: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "api_version": "orgo.ai/v1",
            "name": f"cancel-{iteration:03d}-{index}@1.0.0",
            "cpu": 1,
            "ram": "4gb",
            "env": {"ITERATION": str(iteration), "INDEX": str(index)},
        }
        for index in range(count)
    ]


def _connector(orgo: Orgo) -> aiohttp.BaseConnector:
    # The pool is the client's own; reading it (not replacing it) shows whether it was closed.
    connector = orgo._transport.session().connector
    assert connector is not None
    return connector


async def _building(control: aiohttp.ClientSession, url: str) -> int:
    return (await read_stats(control, url)).building


async def test_cancelling_builds_mid_log_never_breaks_the_emulator() -> None:
    """A cancel landing just as a build's next log line is due settles it; nothing crashes."""
    # Many short log steps make it likely that a cancel request is handled in the loop
    # iteration where the build task's sleep ended; the build must still end cancelled
    # with "cancel" as its last line, and the emulator must keep serving.
    async with (
        run_emulator(build_time=0.2, log_lines=400, latency_ms=2) as url,
        Orgo(EMULATOR_API_KEY, url, retry=no_wait_retries()) as orgo,
    ):
        refs = []
        for document in _documents(4000, 100):
            published = await orgo.templates.publish(document)
            await orgo.builds.start(published.ref)
            await anyio.sleep(0.01)
            assert (await orgo.builds.cancel(published.ref)).status == "cancelling"
            refs.append(published.ref)
        for ref in refs:
            info = await orgo.builds.status(ref)
            assert (info.status, info.error) == ("failed", "cancelled")
            async with orgo.builds.events(ref) as events:
                last = [event async for event in events][-1]
            assert last.phase == "cancel"


async def test_a_stream_abandoned_before_its_headers_is_no_server_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A client that gives up on a build log before the headers came leaves no 500 behind."""
    caplog.set_level(logging.ERROR, logger="orgo_async.emulator")
    async with (
        run_emulator(build_time=5.0, latency_ms=300) as url,
        Orgo(EMULATOR_API_KEY, url, retry=no_wait_retries()) as orgo,
        aiohttp.ClientSession() as control,
    ):
        published = await orgo.templates.publish(_documents(5000, 1)[0])
        await orgo.builds.start(published.ref)
        with anyio.move_on_after(0.1):  # inside the emulator's 300 ms latency
            async with orgo.builds.events(published.ref) as events:
                async for _ in events:
                    pass
        # The emulator answers the abandoned request once its latency is over.
        answered: dict[str, int] = {}
        with anyio.move_on_after(5):
            while not answered:
                await anyio.sleep(0.05)
                answered = (await read_stats(control, url)).requests.get(EVENTS_ROUTE, {})
    assert answered
    assert "500" not in answered
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_cancel_after_the_build_ended_reports_how_it_really_ended() -> None:
    """A handle cancelled once its build had ended on the server reports that end (ready)."""
    # Every request waits 500 ms in the emulator, so the 50 ms build ends on the server
    # while the client still waits for its log, and the cancel lands after that end.
    async with (
        run_emulator(build_time=0.05, latency_ms=500) as url,
        aiohttp.ClientSession() as control,
        Orgo(EMULATOR_API_KEY, url, retry=no_wait_retries()) as orgo,
        BuildFleet(orgo) as fleet,
    ):
        handle = await fleet.submit(_documents(6000, 1)[0])
        async with aclosing(handle.events()) as items:
            async for item in items:
                if item.kind == "building":
                    await anyio.sleep(0.15)
                    handle.cancel()
                    break
        outcome = await handle.wait()
        recorded = {b.ref: b.outcome for b in (await read_stats(control, url)).builds}
    assert recorded == {handle.ref: "ready"}
    assert outcome.status == "ready"


async def test_a_fleet_cancelled_at_any_moment_leaves_nothing_running(emulator: str) -> None:
    """Cancelling a fleet at random moments leaves no build running and the pool closed."""
    rng = random.Random(20261122)
    before = snapshot()
    outcomes: set[str] = set()
    async with aiohttp.ClientSession() as control:
        for iteration in range(ITERATIONS):
            delay = rng.uniform(0.0, BUILD_TIME * 3)
            with anyio.move_on_after(delay) as scope:
                async with Orgo(EMULATOR_API_KEY, emulator, retry=no_wait_retries()) as orgo:
                    connector = _connector(orgo)
                    async with BuildFleet(orgo, concurrency=3) as fleet:
                        handles = [
                            await fleet.submit(doc) for doc in _documents(iteration, FLEET_SIZE)
                        ]
            assert connector.closed, f"iteration {iteration}, delay {delay:.3f}"
            assert await _building(control, emulator) == 0, f"iteration {iteration}, {delay:.3f}"
            outcomes.update(h.outcome.status for h in handles if h.outcome is not None)
            if not scope.cancelled_caught:
                assert all(h.outcome is not None and h.outcome.ok for h in handles)
    # The delays reach from before the first request to after the last build.
    assert {"cancelled", "ready"} <= outcomes
    after = await settle_until_clean(before)
    assert leaked(before, after) == ([], [])


async def test_fleet_cancel_at_any_moment_cancels_on_the_server(emulator: str) -> None:
    """fleet.cancel() at random moments ends every build cancelled or done, none running."""
    rng = random.Random(7)
    async with (
        aiohttp.ClientSession() as control,
        Orgo(EMULATOR_API_KEY, emulator, retry=no_wait_retries()) as orgo,
    ):
        for iteration in range(ITERATIONS // 2):
            delay = rng.uniform(0.0, BUILD_TIME * 2)
            async with BuildFleet(orgo, concurrency=4) as fleet:
                for doc in _documents(1000 + iteration, FLEET_SIZE):
                    await fleet.submit(doc)
                await anyio.sleep(delay)
                fleet.cancel()
                report = await fleet.wait()
            assert len(report.builds) == FLEET_SIZE
            statuses = {o.status for o in report.builds.values()}
            assert statuses <= {"ready", "cancelled"}, (iteration, statuses)
            assert await _building(control, emulator) == 0, f"iteration {iteration}, {delay:.3f}"


async def test_a_wait_cancelled_at_any_moment_leaves_nothing_running(emulator: str) -> None:
    """A wait() that times out at a random moment cancels its build; none is left running."""
    rng = random.Random(3)
    results: set[str] = set()
    async with (
        aiohttp.ClientSession() as control,
        Orgo(EMULATOR_API_KEY, emulator, retry=no_wait_retries()) as orgo,
    ):
        for iteration, document in enumerate(_documents(2000, ITERATIONS)):
            published = await orgo.templates.publish(document)
            await orgo.builds.start(published.ref)
            limit = rng.uniform(0.001, BUILD_TIME * 2)
            try:
                info = await orgo.builds.wait(published.ref, timeout=limit, cancel_on_timeout=True)
            except BuildTimeoutError:
                results.add("timeout")
            else:
                results.add(info.status)
            assert await _building(control, emulator) == 0, f"iteration {iteration}, {limit:.3f}"
    assert results == {"timeout", "ready"}


async def test_an_outer_cancel_of_wait_cancels_the_build_and_closes_the_pool(
    emulator: str,
) -> None:
    """Cancelling wait() from outside at random moments cancels its build and closes the pool."""
    rng = random.Random(5)
    async with aiohttp.ClientSession() as control:
        for iteration, document in enumerate(_documents(3000, ITERATIONS // 2)):
            delay = rng.uniform(0.0, BUILD_TIME * 1.5)
            async with Orgo(EMULATOR_API_KEY, emulator, retry=no_wait_retries()) as orgo:
                connector = _connector(orgo)
                published = await orgo.templates.publish(document)
                await orgo.builds.start(published.ref)
                with anyio.move_on_after(delay):
                    await orgo.builds.wait(published.ref)
                # No cancel of ours: a wait given up on cancels its build (shielded) itself.
                assert await _building(control, emulator) == 0, f"iteration {iteration}"
            assert connector.closed
