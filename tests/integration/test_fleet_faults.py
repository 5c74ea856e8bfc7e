"""BuildFleet under refusals and faults: capacity 429s, 5xx on start, cut log streams."""

from __future__ import annotations

import pytest

from orgo_async.fleet import BuildFleet
from orgo_async.testing import run_emulator
from tests.integration.test_fleet import (
    by_ref,
    client,
    doc,
    emulator_clear_faults,
    emulator_control,
    emulator_stats,
    full_log,
    lifecycle,
    log_lines,
    run_fleet,
)

BUILD_ROUTE = "POST /templates/{namespace}/{name}/{version}/build"


async def test_capacity_429s_pause_the_fleet_and_every_build_finishes() -> None:
    """With capacity 2 and concurrency 8 every build ends ready and each refusal is counted."""
    async with run_emulator(capacity=2, build_time=0.1, log_lines=4) as url, client(url) as orgo:
        async with BuildFleet(orgo, concurrency=8) as fleet:
            for n in range(8):
                await fleet.submit(doc(f"cap-{n}"))
            items, report = await run_fleet(fleet)

        assert report.ok
        assert report.totals.ready == 8
        assert report.totals.rate_limit_pauses >= 1
        starts = (await emulator_stats(url))["requests"][BUILD_ROUTE]
        # Every start the fleet sent is counted once: accepted (202) or refused (429).
        assert report.totals.attempts == starts["202"] + starts["429"] > 8
        assert starts["202"] == 8
        assert any(outcome.attempts > 1 for outcome in report.builds.values())
        for ref, ref_items in by_ref(items).items():
            assert lifecycle(ref_items) == ["queued", "publishing", "building", "ready"]
            assert log_lines(ref_items) == await full_log(orgo, ref)


async def test_server_errors_on_start_are_retried_up_to_the_client_limit() -> None:
    """Two 503s on build start are retried (start is idempotent) and counted as attempts."""
    async with run_emulator() as url, client(url) as orgo:
        await emulator_control(url, "inject", {"route": BUILD_ROUTE, "status": 503, "count": 2})
        async with BuildFleet(orgo) as fleet:
            handle = await fleet.submit(doc("flaky"))
            report = await fleet.wait()
        outcome = await handle.wait()
        assert outcome.status == "ready"
        assert outcome.attempts == 3
        assert report.totals.rate_limit_pauses == 0


async def test_server_errors_past_the_limit_fail_only_that_build() -> None:
    """A start failing more often than max_retries allows fails that build; the other goes on."""
    async with run_emulator() as url, client(url) as orgo:
        async with BuildFleet(orgo, concurrency=1) as fleet:
            await emulator_control(
                url, "inject", {"route": BUILD_ROUTE, "status": 500, "count": orgo.max_retries + 1}
            )
            doomed = await fleet.submit(doc("doomed"))
            survivor = await fleet.submit(doc("survivor"))
            report = await fleet.wait()
        assert (await doomed.wait()).status == "failed"
        assert (await doomed.wait()).error_type == "InternalServerError"
        assert (await doomed.wait()).attempts == orgo.max_retries + 1
        assert (await survivor.wait()).status == "ready"
        assert report.totals.failed == 1


async def test_random_faults_everywhere_still_end_every_build_once() -> None:
    """Random 429s and 5xx on every route and dropped streams: each build ends, lines intact."""
    async with (
        run_emulator(seed=7, fault_429=0.1, fault_5xx=0.1, drop_stream=0.05, log_lines=10) as url,
        client(url) as orgo,
    ):
        async with BuildFleet(orgo, concurrency=4) as fleet:
            for n in range(10):
                await fleet.submit(doc(f"chaos-{n}"))
            items, report = await run_fleet(fleet)
        await emulator_clear_faults(url)
        assert report.totals.builds == 10
        assert report.totals.ready >= 7
        grouped = by_ref(items)
        for ref, outcome in report.builds.items():
            kinds = lifecycle(grouped[ref])
            assert kinds[0] == "queued"
            assert kinds[-1] == outcome.status
            assert kinds.count(outcome.status) == 1
            if outcome.status == "ready":
                assert log_lines(grouped[ref]) == await full_log(orgo, ref)
        assert (await emulator_stats(url))["building"] == 0


@pytest.mark.parametrize("after", [pytest.param(0, id="before-first"), pytest.param(3, id="mid")])
async def test_cut_log_streams_resume_without_losing_or_repeating_lines(after: int) -> None:
    """Streams cut mid-frame resume by Last-Event-ID: every line once, in order."""
    async with run_emulator(build_time=0.2, log_lines=15) as url, client(url) as orgo:
        await emulator_control(url, "streams/cut", {"after": after, "count": 3})
        async with BuildFleet(orgo, concurrency=3) as fleet:
            for n in range(3):
                await fleet.submit(doc(f"cut-{n}"))
            items, report = await run_fleet(fleet)
        assert report.ok
        assert (await emulator_stats(url))["streams"]["cut"] == 3
        for ref, ref_items in by_ref(items).items():
            assert log_lines(ref_items) == await full_log(orgo, ref)
