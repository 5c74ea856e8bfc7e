"""A fleet's builds are never stalled for good by an events() consumer that stopped reading."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import anyio
import pytest

from orgo_async import ConfigurationError, FellBehindError, Orgo
from orgo_async.fleet import BuildFleet, FleetEvent
from orgo_async.testing import run_emulator
from tests.integration.test_fleet import client, doc, full_log, lifecycle, log_lines

BUILDS = 4
LOG_LINES = 6


async def _drain(items: AsyncGenerator[FleetEvent, None], into: list[FleetEvent]) -> None:
    async for item in items:
        into.append(item)


async def test_a_consumer_that_breaks_and_keeps_its_iterator_stalls_nothing_for_good() -> None:
    """Builds go on after consumer_timeout; the kept iterator drains, then FellBehindError."""
    async with (
        run_emulator(log_lines=LOG_LINES) as url,
        client(url) as orgo,
        BuildFleet(orgo, event_buffer=3, consumer_timeout=0.2) as fleet,
    ):
        items = fleet.events()
        first = anext(items)
        for n in range(BUILDS):
            await fleet.submit(doc(f"kept-{n}"))
        assert (await first).kind == "queued"
        # The loop is left here, the generator kept and never closed.
        with anyio.fail_after(20):
            report = await fleet.wait()
        rest: list[FleetEvent] = []
        with pytest.raises(FellBehindError):
            await _drain(items, rest)
    assert report.totals.ready == BUILDS
    assert len(rest) == 3  # exactly what its buffer held when it was dropped


async def test_a_consumer_that_never_reads_again_stalls_nothing_for_good() -> None:
    """A task that takes one item and then awaits something else is dropped; builds end."""
    async with run_emulator(log_lines=LOG_LINES) as url, client(url) as orgo:
        stuck = anyio.Event()

        async def consume_once(fleet: BuildFleet) -> None:
            async for _item in fleet.events():
                stuck.set()
                await anyio.sleep_forever()  # busy elsewhere; the loop never resumes

        async with (
            BuildFleet(orgo, event_buffer=2, consumer_timeout=0.2) as fleet,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(consume_once, fleet)
            await anyio.wait_all_tasks_blocked()
            handles = [await fleet.submit(doc(f"ignored-{n}")) for n in range(BUILDS)]
            with anyio.fail_after(20):
                report = await fleet.wait()
            await stuck.wait()
            tg.cancel_scope.cancel()
    assert report.totals.ready == BUILDS
    assert all(handle.done() for handle in handles)


async def test_a_slow_but_live_consumer_gets_every_item() -> None:
    """A consumer slower than the builds but well within the bound is not dropped."""
    async with run_emulator(log_lines=LOG_LINES) as url, client(url) as orgo:
        got: list[FleetEvent] = []

        async def consume(fleet: BuildFleet) -> None:
            async for item in fleet.events():
                got.append(item)
                await anyio.sleep(0.005)

        async with (
            BuildFleet(orgo, event_buffer=2, consumer_timeout=5.0) as fleet,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(consume, fleet)
            await anyio.wait_all_tasks_blocked()
            for n in range(BUILDS):
                await fleet.submit(doc(f"slow-{n}"))
            report = await fleet.wait()
        assert report.totals.ready == BUILDS
        for ref in report.builds:
            mine = [item for item in got if item.ref == ref]
            assert lifecycle(mine) == ["queued", "publishing", "building", "ready"]
            assert log_lines(mine) == await full_log(orgo, ref)


async def test_a_handle_consumer_that_breaks_and_keeps_its_iterator_is_dropped() -> None:
    """A handle's events() follow the same rule as the fleet's."""
    async with (
        run_emulator(log_lines=LOG_LINES) as url,
        client(url) as orgo,
        BuildFleet(orgo, event_buffer=2, consumer_timeout=0.2) as fleet,
    ):
        handle = await fleet.submit(doc("watched"))
        items = handle.events()
        assert (await anext(items)).kind == "queued"
        with anyio.fail_after(20):
            outcome = await handle.wait()
        rest: list[FleetEvent] = []
        with pytest.raises(FellBehindError):
            await _drain(items, rest)
    assert outcome.status == "ready"
    assert len(rest) == 2


async def test_a_closed_iterator_unsubscribes_at_once() -> None:
    """Even with no consumer_timeout, an iterator closed after break holds no build back."""
    async with (
        run_emulator(log_lines=LOG_LINES) as url,
        client(url) as orgo,
        BuildFleet(orgo, event_buffer=1, consumer_timeout=None) as fleet,
    ):
        items = fleet.events()
        first = anext(items)
        for n in range(BUILDS):
            await fleet.submit(doc(f"closed-{n}"))
        assert (await first).kind == "queued"
        await items.aclose()
        with anyio.fail_after(20):
            report = await fleet.wait()
    assert report.totals.ready == BUILDS


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1.0, id="negative"),
        pytest.param(float("nan"), id="nan"),
        pytest.param(float("inf"), id="infinite"),
        pytest.param(True, id="bool"),
        pytest.param("30", id="text"),
    ],
)
def test_a_bad_consumer_timeout_is_a_configuration_error(value: Any) -> None:
    """consumer_timeout must be seconds above zero, or None."""
    orgo = Orgo("sk_test_unused", "http://127.0.0.1:9/api")
    with pytest.raises(ConfigurationError, match="consumer_timeout"):
        BuildFleet(orgo, consumer_timeout=value)
