"""BuildFleet against the emulator: mixed fleets, duplicates, twins, merged events, report."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import anyio
import msgspec
import pytest

from orgo_async import Orgo
from orgo_async._retry import RetryPolicy
from orgo_async.errors import TemplateValidationError
from orgo_async.fleet import (
    BuildFleet,
    FleetClosedError,
    FleetEvent,
    FleetReport,
    RefConflictError,
)
from orgo_async.fleet.report import BuildState
from orgo_async.models import BuildEvent
from orgo_async.testing import EMULATOR_API_KEY, run_emulator

# --- helpers shared by the fleet's integration tests ----------------------------------


def doc(name: str, version: str = "1.0.0", *, steps: Iterable[str] = ()) -> dict[str, Any]:
    """A template whose content (hence digest) is its name and build steps, not its version."""
    return {
        "api_version": "orgo.ai/v1",
        "template": {"name": name, "version": version},
        "env": {"FLAVOUR": name.upper().replace("-", "_")},
        "build": {"run": [f"echo {name}", *steps]},
    }


async def _scaled_sleep(delay: float) -> None:
    # Rate-limit pauses are honoured, a hundred times shorter: tests stay quick and
    # the gate still holds every start back for a real (short) while.
    await anyio.sleep(delay / 100)


FAST_RETRIES = RetryPolicy(sleep=_scaled_sleep)


@asynccontextmanager
async def client(url: str) -> AsyncIterator[Orgo]:
    """A client of the emulator whose retry waits are a hundred times shorter."""
    async with Orgo(EMULATOR_API_KEY, url, retry=FAST_RETRIES) as orgo:
        yield orgo


async def emulator_stats(url: str) -> dict[str, Any]:
    """The emulator's counters: requests by route and status, build outcomes, builds now."""
    async with aiohttp.ClientSession() as session, session.get(f"{url}/_emulator/stats") as r:
        assert r.status == 200
        stats: dict[str, Any] = msgspec.json.decode(await r.read())
        return stats


async def emulator_control(url: str, path: str, body: dict[str, Any]) -> None:
    """POST a control request (inject a fault, cut streams) to the emulator."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{url}/_emulator/{path}",
            data=msgspec.json.encode(body),
            headers={"Content-Type": "application/json"},
        ) as response,
    ):
        assert response.status == 200, await response.text()


async def emulator_clear_faults(url: str) -> None:
    """Turn every random fault off, so later reads see the emulator as it is."""
    async with aiohttp.ClientSession() as session, session.delete(f"{url}/_emulator/faults") as r:
        assert r.status == 200


async def run_fleet(fleet: BuildFleet) -> tuple[list[FleetEvent], FleetReport]:
    """Close submissions, collect the merged stream to its end, then wait for the report."""
    fleet.close_submissions()
    items = [item async for item in fleet.events()]
    return items, await fleet.wait()


def by_ref(items: list[FleetEvent]) -> dict[str, list[FleetEvent]]:
    grouped: dict[str, list[FleetEvent]] = defaultdict(list)
    for item in items:
        grouped[item.ref].append(item)
    return grouped


def lifecycle(items: list[FleetEvent]) -> list[str]:
    """The build's state changes, in order, without its log lines."""
    return [item.kind for item in items if item.kind != "log"]


def log_lines(items: list[FleetEvent]) -> list[BuildEvent]:
    return [item.event for item in items if item.event is not None]


async def full_log(orgo: Orgo, ref: str) -> list[BuildEvent]:
    """The build's whole log as the server replays it to a late subscriber."""
    async with orgo.builds.events(ref) as events:
        return [event async for event in events]


TERMINAL_KINDS: set[BuildState] = {"ready", "reused", "failed", "cancelled", "timeout"}

# --- tests ---------------------------------------------------------------------------------


async def test_mixed_fleet_report_and_events_line_by_line() -> None:
    """Successes, a failing step and a bare ref end as reported; every log line arrives once."""
    async with run_emulator(log_lines=12) as url, client(url) as orgo:
        await orgo.templates.publish(doc("prebuilt"))
        async with BuildFleet(orgo, concurrency=3) as fleet:
            for n in range(4):
                await fleet.submit(doc(f"ok-{n}"))
            await fleet.submit(doc("broken", steps=["exit 1"]))
            await fleet.submit("default/prebuilt@1.0.0")
            items, report = await run_fleet(fleet)

        ok_refs = [f"default/ok-{n}@1.0.0" for n in range(4)]
        assert list(report.builds) == [*ok_refs, "default/broken@1.0.0", "default/prebuilt@1.0.0"]
        assert not report.ok
        assert report.totals.ready == 5
        assert report.totals.failed == 1
        assert report.totals.attempts == 6
        broken = report.builds["default/broken@1.0.0"]
        assert broken.status == "failed"
        assert "exit" in (broken.error or "")
        for ref in [*ok_refs, "default/prebuilt@1.0.0"]:
            outcome = report.builds[ref]
            assert (outcome.status, outcome.reused, outcome.attempts) == ("ready", False, 1)
            assert outcome.build_time_ms is not None
            assert len(outcome.digest or "") == 64

        grouped = by_ref(items)
        assert set(grouped) == set(report.builds)
        for ref in [*ok_refs, "default/broken@1.0.0"]:
            expected_end = "failed" if "broken" in ref else "ready"
            assert lifecycle(grouped[ref]) == ["queued", "publishing", "building", expected_end]
        assert lifecycle(grouped["default/prebuilt@1.0.0"]) == ["queued", "building", "ready"]
        for ref, ref_items in grouped.items():
            # Every line the server logged, once, in its order, before the terminal item.
            assert log_lines(ref_items) == await full_log(orgo, ref)
            assert ref_items[-1].outcome == report.builds[ref]
            assert ref_items[-1].kind in TERMINAL_KINDS
        assert len(log_lines(grouped["default/ok-0@1.0.0"])) >= 12

        stats = await emulator_stats(url)
        assert stats["building"] == 0
        assert stats["outcomes"] == {"failed": 1, "ready": 5}


async def test_same_ref_twice_builds_once_and_shares_the_handle() -> None:
    """Submitting a ref again returns the first handle: one build, one outcome."""
    async with run_emulator() as url, client(url) as orgo:
        async with BuildFleet(orgo) as fleet:
            first = await fleet.submit(doc("twice"))
            again = await fleet.submit(doc("twice"))
            by_text = await fleet.submit("default/twice@1.0.0")
            report = await fleet.wait()
        assert first is again is by_text
        assert await again.wait() == report.builds["default/twice@1.0.0"]
        assert report.totals.submitted == 3
        assert report.totals.builds == 1
        stats = await emulator_stats(url)
        assert stats["outcomes"] == {"ready": 1}
        assert stats["requests"]["POST /templates/{namespace}/{name}/{version}/build"] == {"202": 1}


async def test_identical_documents_build_once_and_the_rest_reuse() -> None:
    """Refs sharing a digest never build in parallel: one real build, the others reused."""
    async with run_emulator(build_time=0.2) as url, client(url) as orgo:
        async with BuildFleet(orgo, concurrency=8) as fleet:
            handles = [await fleet.submit(doc("twin", f"1.0.{n}")) for n in range(6)]
            await fleet.submit(doc("other"))
            items, report = await run_fleet(fleet)

        outcomes = [await handle.wait() for handle in handles]
        assert [o.status for o in outcomes].count("ready") == 1
        assert [o.status for o in outcomes].count("reused") == 5
        assert len({o.digest for o in outcomes}) == 1
        assert report.builds["default/other@1.0.0"].status == "ready"
        # Parallel builds of one digest would each end "ready" on the server.
        stats = await emulator_stats(url)
        assert stats["outcomes"] == {"ready": 2, "reused": 5}
        grouped = by_ref(items)
        for outcome in outcomes:
            states = lifecycle(grouped[outcome.ref])
            if outcome.status == "reused":
                assert states in (
                    ["queued", "publishing", "waiting", "reused"],
                    ["queued", "publishing", "reused"],
                )
                assert log_lines(grouped[outcome.ref]) == []
        assert sum(lifecycle(g).count("waiting") for g in grouped.values()) >= 1


async def test_same_ref_with_other_content_raises_conflict() -> None:
    """A second document at a ref already in the fleet, with other content, is refused."""
    async with run_emulator() as url, client(url) as orgo:
        async with BuildFleet(orgo) as fleet:
            await fleet.submit(doc("clash"))
            with pytest.raises(RefConflictError) as caught:
                await fleet.submit(doc("clash", steps=["echo changed"]))
            report = await fleet.wait()
        assert caught.value.ref == "default/clash@1.0.0"
        assert caught.value.digest == report.builds["default/clash@1.0.0"].digest
        assert report.totals.submitted == 1


async def test_publish_false_and_unknown_refs() -> None:
    """publish=False builds what is published; an unknown ref fails alone with NotFoundError."""
    async with run_emulator() as url, client(url) as orgo:
        await orgo.templates.publish(doc("already"))
        async with BuildFleet(orgo) as fleet:
            known = await fleet.submit(doc("already"), publish=False)
            missing = await fleet.submit("default/missing@9.9.9")
            report = await fleet.wait()
        assert (await known.wait()).status == "ready"
        assert (await missing.wait()).error_type == "NotFoundError"
        assert report.totals.failed == 1
        stats = await emulator_stats(url)
        assert stats["requests"]["POST /templates"] == {"201": 1}


@pytest.mark.parametrize(
    ("force", "status", "error_type"),
    [
        pytest.param(False, "failed", "ConflictError", id="conflict"),
        pytest.param(True, "ready", None, id="forced"),
    ],
)
async def test_changed_content_at_a_published_ref(
    force: bool, status: str, error_type: str | None
) -> None:
    """Other content at a published ref fails with ConflictError, unless force replaces it."""
    async with run_emulator() as url, client(url) as orgo:
        await orgo.templates.publish(doc("moving"))
        async with BuildFleet(orgo) as fleet:
            handle = await fleet.submit(doc("moving", steps=["echo v2"]), force=force)
            await fleet.wait()
        outcome = await handle.wait()
        assert (outcome.status, outcome.error_type) == (status, error_type)
        assert outcome.attempts == (1 if force else 0)


async def test_twins_of_a_failing_build_build_one_after_another() -> None:
    """When the holder of a digest fails, the next twin builds, never two at once."""
    async with run_emulator(build_time=0.1, log_lines=5) as url, client(url) as orgo:
        async with BuildFleet(orgo, concurrency=3) as fleet:
            for n in range(3):
                await fleet.submit(doc("cursed", f"1.0.{n}", steps=["exit 3"]))
            items, report = await run_fleet(fleet)
        assert report.totals.failed == 3
        assert (await emulator_stats(url))["outcomes"] == {"failed": 3}
        positions: dict[str, list[int]] = defaultdict(list)
        for index, item in enumerate(items):
            if item.kind in ("building", "failed"):
                positions[item.ref].append(index)
        for ref_items in by_ref(items).values():
            assert lifecycle(ref_items).count("waiting") <= 1
        spans = sorted((indices[0], indices[-1]) for indices in positions.values())
        # In the merged stream, each build's building..failed span ends before the next begins.
        assert all(end < start for (_, end), (start, _) in itertools.pairwise(spans))


async def test_invalid_document_raises_at_submit_and_queues_nothing() -> None:
    """An invalid document raises TemplateValidationError from submit; nothing is sent."""
    async with run_emulator() as url, client(url) as orgo:
        async with BuildFleet(orgo) as fleet:
            with pytest.raises(TemplateValidationError):
                await fleet.submit({"api_version": "orgo.ai/v1", "template": {"name": "Bad Name"}})
            report = await fleet.wait()
        assert report.builds == {}
        assert report.totals.submitted == 0
        stats = await emulator_stats(url)
        assert "POST /templates" not in stats["requests"]


async def test_submit_after_wait_raises_fleet_closed() -> None:
    """Once wait() was called the fleet takes no more submissions."""
    async with run_emulator() as url, client(url) as orgo:
        async with BuildFleet(orgo) as fleet:
            await fleet.submit(doc("only"))
            assert (await fleet.wait()).ok
            with pytest.raises(FleetClosedError):
                await fleet.submit(doc("late"))
        with pytest.raises(FleetClosedError):
            await BuildFleet(orgo).submit(doc("never-entered"))


async def test_handle_events_follow_one_build() -> None:
    """A handle's events are that build's items only, ending on its terminal item."""
    async with run_emulator(log_lines=5) as url, client(url) as orgo:
        async with BuildFleet(orgo, concurrency=2) as fleet:
            await fleet.submit(doc("noise"))
            handle = await fleet.submit(doc("watched"))
            items = [item async for item in handle.events()]
            report = await fleet.wait()
            # After the end, a handle's events are just its terminal item.
            assert [i.kind async for i in handle.events()] == ["ready"]
        assert {item.ref for item in items} == {"default/watched@1.0.0"}
        assert lifecycle(items) == ["queued", "publishing", "building", "ready"]
        assert log_lines(items) == await full_log(orgo, "default/watched@1.0.0")
        assert items[-1].outcome == report.builds["default/watched@1.0.0"]
        assert handle.state == "ready"


async def test_block_exit_waits_for_every_build() -> None:
    """Leaving the block normally waits for the builds, like a task group."""
    async with run_emulator(build_time=0.05) as url, client(url) as orgo:
        async with BuildFleet(orgo, concurrency=4) as fleet:
            handles = [await fleet.submit(doc(f"exit-{n}")) for n in range(6)]
        assert all(handle.done() for handle in handles)
        assert fleet.report().ok
        assert fleet.report().totals.ready == 6
        assert [i async for i in fleet.events()] == []


async def test_many_submissions_never_exceed_concurrency() -> None:
    """However many builds are queued, at most `concurrency` run, each in one of few tasks."""
    async with run_emulator(build_time=0.02, log_lines=2) as url, client(url) as orgo:
        peak_building = peak_tasks = 0

        async def watch(fleet: BuildFleet) -> None:
            nonlocal peak_building, peak_tasks
            async for item in fleet.events():
                tasks = [t for t in asyncio.all_tasks() if t.get_name().startswith("orgo-fleet")]
                peak_tasks = max(peak_tasks, len(tasks))
                if item.kind == "building" and item.ref.endswith("0@1.0.0"):
                    building = (await emulator_stats(url))["building"]
                    peak_building = max(peak_building, building)

        async with BuildFleet(orgo, concurrency=3) as fleet, anyio.create_task_group() as tg:
            tg.start_soon(watch, fleet)
            await anyio.wait_all_tasks_blocked()
            for n in range(200):
                await fleet.submit(doc(f"many-{n}"))
            report = await fleet.wait()
        assert report.totals.ready == 200
        assert 1 <= peak_building <= 3
        # Three build tasks at most, plus the fleet's intake and dispatcher.
        assert 3 <= peak_tasks <= 5
