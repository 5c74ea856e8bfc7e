"""BuildFleet endings: fail_fast, cancelling, timeouts, error exits, and foreign event loops."""

from __future__ import annotations

import asyncio
import sys

import anyio
import pytest

from orgo_async import Orgo
from orgo_async.fleet import BuildFleet, BuildHandle, FleetClosedError
from orgo_async.testing import EMULATOR_API_KEY, run_emulator
from tests.integration.test_fleet import by_ref, client, doc, emulator_stats, lifecycle, run_fleet


async def settled_on_server(orgo: Orgo, refs: list[str]) -> list[str]:
    """Each ref's server status once none is building, polled with a deadline."""
    with anyio.fail_after(10):
        while True:
            statuses: list[str] = [(await orgo.builds.status(ref)).status for ref in refs]
            if "building" not in statuses:
                return statuses
            await anyio.sleep(0.02)


async def nothing_building(url: str) -> bool:
    """Whether the emulator has no build in flight, polled with a deadline."""
    with anyio.fail_after(10):
        while True:
            if not (await emulator_stats(url))["building"]:
                return True
            await anyio.sleep(0.02)


async def test_fail_fast_cancels_the_rest() -> None:
    """With fail_fast the first failure cancels queued and running builds; none is left building."""
    async with run_emulator(build_time=1.0, log_lines=4) as url, client(url) as orgo:
        async with BuildFleet(orgo, concurrency=3, fail_fast=True) as fleet:
            broken = await fleet.submit(doc("broken", steps=["exit 1"]))
            slow = [await fleet.submit(doc(f"slow-{n}")) for n in range(5)]
            items, report = await run_fleet(fleet)
            with pytest.raises(FleetClosedError):
                await fleet.submit(doc("too-late"))

        assert (await broken.wait()).status == "failed"
        assert {(await h.wait()).status for h in slow} == {"cancelled"}
        assert all("fail_fast" in (h.outcome.error or "") for h in slow if h.outcome)
        assert report.totals.failed == 1
        assert report.totals.cancelled == 5
        grouped = by_ref(items)
        # The running ones were cancelled on the server; the queued ones never started.
        running = [h.ref for h in slow if "building" in lifecycle(grouped[h.ref])]
        queued = [h.ref for h in slow if h.ref not in running]
        assert len(running) == 2
        assert all(lifecycle(grouped[ref]) == ["queued", "cancelled"] for ref in queued)
        assert all(
            h.outcome is not None and h.outcome.attempts == 0 for h in slow if h.ref in queued
        )
        assert await settled_on_server(orgo, running) == ["failed", "failed"]
        assert (await emulator_stats(url))["outcomes"].get("cancelled") == 2


async def test_cancel_mid_way_leaves_nothing_building() -> None:
    """fleet.cancel() while builds run cancels them on the server and reports them cancelled."""
    async with run_emulator(build_time=5.0, log_lines=50) as url, client(url) as orgo:
        async with BuildFleet(orgo, concurrency=2) as fleet:
            handles = [await fleet.submit(doc(f"long-{n}")) for n in range(4)]
            async for item in fleet.events():
                if item.kind == "log":
                    break
            fleet.cancel()
            report = await fleet.wait()
        assert report.totals.cancelled == 4
        assert [h.state for h in handles] == ["cancelled"] * 4
        assert await nothing_building(url)


async def test_leaving_the_block_with_an_error_cancels_on_the_server() -> None:
    """An exception inside the block cancels every build, on the server, before it propagates."""
    async with run_emulator(build_time=5.0, log_lines=50) as url, client(url) as orgo:
        fleet = BuildFleet(orgo, concurrency=2)
        handles: list[BuildHandle] = []

        async def fail_inside() -> None:
            async with fleet:
                handles.extend([await fleet.submit(doc(f"doomed-{n}")) for n in range(3)])
                async for item in fleet.events():
                    if item.kind == "log":
                        break
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            await fail_inside()
        # Every handle resolved before __aexit__ returned.
        outcomes = [h.outcome for h in handles]
        assert [o.status if o else None for o in outcomes] == ["cancelled"] * 3
        assert fleet.report().totals.cancelled == 3
        assert await nothing_building(url)
        assert (await emulator_stats(url))["outcomes"] == {"cancelled": 2}


async def test_outer_cancellation_cancels_on_the_server() -> None:
    """A timeout around the fleet cancels its builds on the server too."""
    async with run_emulator(build_time=5.0, log_lines=50) as url, client(url) as orgo:
        with anyio.move_on_after(0.3) as scope:
            async with BuildFleet(orgo, concurrency=2) as fleet:
                for n in range(3):
                    await fleet.submit(doc(f"outer-{n}"))
        assert scope.cancelled_caught
        assert fleet.report().totals.cancelled == 3
        assert await nothing_building(url)


async def test_cancel_on_exit_false_leaves_server_builds_running() -> None:
    """With cancel_on_exit=False an error exit stops following but leaves the builds running."""
    async with run_emulator(build_time=5.0, log_lines=50) as url, client(url) as orgo:
        fleet = BuildFleet(orgo, cancel_on_exit=False)

        async def fail_inside() -> None:
            async with fleet:
                await fleet.submit(doc("keeps-going"))
                async for item in fleet.events():
                    if item.kind == "building":
                        break
                raise RuntimeError("leave")

        with pytest.raises(RuntimeError, match="leave"):
            await fail_inside()
        assert fleet.report().builds["default/keeps-going@1.0.0"].status == "cancelled"
        assert (await orgo.builds.status("default/keeps-going@1.0.0")).status == "building"
        await orgo.builds.cancel("default/keeps-going@1.0.0")


async def test_build_timeout_cancels_on_the_server_and_reports_timeout() -> None:
    """A build running past build_timeout is cancelled on the server and ends timeout."""
    async with run_emulator(build_time=5.0, log_lines=50) as url, client(url) as orgo:
        async with BuildFleet(orgo, build_timeout=0.2) as fleet:
            slow = await fleet.submit(doc("too-slow"))
            report = await fleet.wait()
        outcome = await slow.wait()
        assert outcome.status == "timeout"
        assert outcome.error_type == "BuildTimeoutError"
        assert report.totals.timeout == 1
        assert await settled_on_server(orgo, [slow.ref]) == ["failed"]


async def test_handle_cancel_ends_one_build_and_its_twins_go_on() -> None:
    """Cancelling the build holding a digest lets its parked twin build instead."""
    async with run_emulator(build_time=0.5, log_lines=10) as url, client(url) as orgo:
        async with BuildFleet(orgo, concurrency=4) as fleet:
            first = await fleet.submit(doc("shared", "1.0.0"))
            other = await fleet.submit(doc("unrelated"))
            twin = None
            async for item in first.events():
                if item.kind == "building":
                    # `first` holds the digest now, so its twin is parked behind it.
                    twin = await fleet.submit(doc("shared", "2.0.0"))
                elif item.kind == "log" and twin is not None and twin.state == "waiting":
                    first.cancel()
            report = await fleet.wait()
        assert twin is not None
        assert (await first.wait()).status == "cancelled"
        assert (await twin.wait()).status == "ready"
        assert (await other.wait()).status == "ready"
        assert report.totals.cancelled == 1


async def test_cancel_after_an_error_exit_with_a_parked_twin() -> None:
    """fleet.cancel() after an error exit that cut off a parked twin is a quiet no-op."""
    async with run_emulator(build_time=5.0, log_lines=50) as url, client(url) as orgo:
        fleet = BuildFleet(orgo)
        twin: BuildHandle | None = None

        async def fail_inside() -> None:
            nonlocal twin
            async with fleet:
                first = await fleet.submit(doc("parked", "1.0.0"))
                async for item in first.events():
                    if item.kind == "building":
                        twin = await fleet.submit(doc("parked", "2.0.0"))
                    elif item.kind == "log" and twin is not None and twin.state == "waiting":
                        break
                raise RuntimeError("leave")

        with pytest.raises(RuntimeError, match="leave"):
            await fail_inside()
        fleet.cancel()
        assert twin is not None
        assert (await twin.wait()).status == "cancelled"
        assert fleet.report().totals.cancelled == 2
        assert await nothing_building(url)


def test_runs_under_plain_asyncio_run() -> None:
    """A fleet works in a fresh loop started by asyncio.run, with no anyio runner around it."""

    async def main() -> str:
        async with (
            run_emulator() as url,
            Orgo(EMULATOR_API_KEY, url) as orgo,
            BuildFleet(orgo) as fleet,
        ):
            await fleet.submit(doc("plain"))
            return (await fleet.wait()).builds["default/plain@1.0.0"].status

    assert asyncio.run(main()) == "ready"


async def test_runs_inside_asyncio_taskgroup() -> None:
    """A fleet lives inside asyncio.TaskGroup next to other asyncio tasks (3.11+)."""
    if sys.version_info < (3, 11):
        pytest.skip("asyncio.TaskGroup is new in 3.11")
    else:
        async with run_emulator(log_lines=3) as url, client(url) as orgo:
            seen: list[str] = []

            async def watch(fleet: BuildFleet) -> None:
                async for item in fleet.events():
                    seen.append(item.kind)

            async with asyncio.TaskGroup() as tg, BuildFleet(orgo, concurrency=2) as fleet:
                tg.create_task(watch(fleet))
                await asyncio.sleep(0)
                for n in range(3):
                    await fleet.submit(doc(f"tg-{n}"))
                report = await fleet.wait()
            assert report.totals.ready == 3
            assert seen.count("ready") == 3
