"""Soak: a fleet of hundreds of builds against an emulator with every fault on at once.

The request bounds asserted here follow from the client's code (docs/reliability.md
derives them): with ``R = max_retries``,

- publish is idempotent, so each of the N documents is sent at most ``R + 1`` times and
  published exactly once (a faulted request never reaches the handler);
- a build start is sent without the transport's retries; the fleet's runner retries a
  5xx itself at most ``R`` times per build, and a 429 closes the fleet-wide start gate
  and is retried once the gate opens, with no cap: each refused start is followed by a
  wait (a 429 is never retried at once), and each build is started exactly once;
- the event stream of a build is opened once, plus once per connection the emulator
  cut (a refused reconnect is answered 429/5xx, not opened), and a reused twin opens
  none: ``N - reused <= opened <= N - reused + cut``.
"""

from __future__ import annotations

import math
import os
import time
from collections import defaultdict

import aiohttp
import anyio
import msgspec

from orgo_async._client import Orgo
from orgo_async.fleet import BuildFleet
from orgo_async.models import BuildEvent
from orgo_async.testing import EMULATOR_API_KEY, run_emulator
from tests.reliability.leaks import leaked, settle_until_clean, snapshot
from tests.reliability.soak_support import (
    BUILD_ROUTE,
    EVENTS_ROUTE,
    PUBLISH_ROUTE,
    CompressedWaits,
    Requests,
    clear_faults,
    read_stats,
    soak_templates,
)

BUILDS = int(os.environ.get("ORGO_SOAK_BUILDS", "300"))
SEED = int(os.environ.get("ORGO_SOAK_SEED", "7"))
REPORT = os.environ.get("ORGO_SOAK_REPORT")  # a path: the figures are written there as JSON
FAILING_EVERY = 16  # one build in 16 fails on purpose, so failures are checked too
TWIN_EVERY = 25  # one template in 25 has the content of the one before: a digest twin
CONCURRENCY = 24
CAPACITY = 6  # well under CONCURRENCY: starts run into capacity 429s in bursts
MAX_RETRIES = 6  # fault rates are high; this keeps a give-up out of a passing run
FAULT_429 = 0.05  # random 429s with Retry-After on every endpoint, besides capacity
FAULT_5XX = 0.05  # random 500/502/503/504 on every endpoint
DROP_STREAM = 0.02  # chance that each SSE frame is cut in half and the connection reset
LATENCY_MS = 2


async def test_a_faulty_emulator_loses_no_build_and_no_log_line() -> None:
    """Every build ends as the emulator recorded, each log line arrives once, nothing leaks."""
    before = snapshot()
    started = time.perf_counter()
    waits = CompressedWaits()
    lines: defaultdict[str, list[BuildEvent]] = defaultdict(list)
    documents = soak_templates(BUILDS, failing_every=FAILING_EVERY, twin_every=TWIN_EVERY)

    async with (
        run_emulator(
            build_time=0.02,
            log_lines=20,
            capacity=CAPACITY,
            seed=SEED,
            fault_429=FAULT_429,
            fault_5xx=FAULT_5XX,
            drop_stream=DROP_STREAM,
            latency_ms=LATENCY_MS,
        ) as url,
        aiohttp.ClientSession() as control,
        Orgo(EMULATOR_API_KEY, url, retry=waits.policy(), max_retries=MAX_RETRIES) as orgo,
    ):
        async with BuildFleet(orgo, concurrency=CONCURRENCY) as fleet:

            async def collect() -> None:
                async for item in fleet.events():
                    if item.kind == "log":
                        assert item.event is not None
                        lines[item.ref].append(item.event)

            async with anyio.create_task_group() as tg:
                tg.start_soon(collect)
                for document in documents:
                    await fleet.submit(document)
                report = await fleet.wait()
        run_time = time.perf_counter() - started
        stats = await read_stats(control, url)

        # Read every log back from the emulator with faults off: the whole log, once.
        await clear_faults(control, url)
        recorded: dict[str, list[BuildEvent]] = {}
        for outcome in report.builds.values():
            async with orgo.builds.events(outcome.ref) as events:
                recorded[outcome.ref] = [event async for event in events]

    # -- every build reached the state the emulator recorded ---------------------------
    assert len(report.builds.values()) == BUILDS
    emulator_outcomes = {summary.ref: summary.outcome for summary in stats.builds}
    fleet_outcomes = {outcome.ref: outcome.status for outcome in report.builds.values()}
    assert fleet_outcomes == emulator_outcomes
    failed = sum(1 for status in fleet_outcomes.values() if status == "failed")
    assert failed == sum(1 for document in documents if "build" in document)
    reused = sum(1 for status in fleet_outcomes.values() if status == "reused")
    # A twin of a failed build builds (and fails) again; every other twin reuses the golden.
    assert reused == sum(
        1
        for index, document in enumerate(documents)
        if index % TWIN_EVERY == TWIN_EVERY - 1 and "build" not in document
    )
    assert stats.building == 0

    # -- each build's log lines arrived exactly once and in order ----------------------
    lines_recorded = {summary.ref: summary.lines for summary in stats.builds}
    for ref, whole_log in recorded.items():
        assert len(whole_log) == lines_recorded[ref], ref
        if fleet_outcomes[ref] == "reused":
            # Ready at start: the fleet reports the reuse and has no live log to follow.
            continue
        assert lines[ref] == whole_log, ref

    # -- requests stay within what the retry policy allows ------------------------------
    requests = Requests(stats.requests)
    publishes = requests.count(PUBLISH_ROUTE)
    assert requests.count_class(PUBLISH_ROUTE, "2") == BUILDS
    assert publishes <= BUILDS * (MAX_RETRIES + 1)
    start_route = f"POST {BUILD_ROUTE}"
    starts_ok = requests.count_class(start_route, "2")
    starts_429 = requests.count(start_route, statuses=("429",))
    starts_5xx = requests.count_class(start_route, "5")
    assert starts_ok == BUILDS
    assert starts_5xx <= BUILDS * MAX_RETRIES
    assert 0 < report.totals.rate_limit_pauses <= starts_429
    assert starts_429 <= len(waits.waits)  # no refused start was retried without a wait
    streams_refused = requests.count_class(EVENTS_ROUTE, "4") + requests.count_class(
        EVENTS_ROUTE, "5"
    )
    streams_opened = requests.count_class(EVENTS_ROUTE, "2")
    assert stats.streams.cut > 0
    # Opened = answered 200; a refused reconnect is a request of its own (streams_refused).
    streaming = BUILDS - reused  # a reused twin is ready at start: no log to follow
    assert streaming <= streams_opened <= streaming + stats.streams.cut

    # -- no task, socket or file descriptor outlives the client and the emulator ------
    after = await settle_until_clean(before)
    assert leaked(before, after) == ([], [])

    figures = {
        "builds": BUILDS,
        "seed": SEED,
        "outcomes": stats.outcomes,
        "build_starts": report.totals.attempts,
        "wall_time_s": round(run_time, 2),
        "requests": sum(sum(by_status.values()) for by_status in stats.requests.values()),
        "faults_429": sum(r.get("429", 0) for r in stats.requests.values()),
        "faults_5xx": sum(
            n for r in stats.requests.values() for s, n in r.items() if s.startswith("5")
        ),
        "publishes": publishes,
        "start_429": starts_429,
        "start_5xx": starts_5xx,
        "rate_limit_pauses": report.totals.rate_limit_pauses,
        "waits": len(waits.waits),
        "waited_s_uncompressed": round(math.fsum(waits.waits), 2),
        "streams_opened": streams_opened,
        "streams_refused": streams_refused,
        "status_reads": requests.count(f"GET {BUILD_ROUTE}"),
        "streams_cut": stats.streams.cut,
        "lines_delivered": sum(len(v) for v in lines.values()),
        "leaked_tasks": 0,
        "leaked_fds": 0,
    }
    encoded = msgspec.json.encode(figures)
    print("SOAK", encoded.decode())
    if REPORT:
        await anyio.Path(REPORT).write_bytes(encoded)


async def test_a_real_429_pause_holds_back_the_whole_fleet() -> None:
    """With real waits, one capacity 429 pauses every start until its Retry-After has passed."""
    # The soak compresses time, so its workers pass the gate early; here the waits are real
    # (Retry-After is at least 1 s), so each pause holds: the refusals of one pause come only
    # from starts already in flight when it began, at most one per worker.
    concurrency, builds = 8, 16
    documents = soak_templates(builds, failing_every=0)
    async with (
        run_emulator(build_time=0.05, log_lines=5, capacity=4, seed=SEED) as url,
        aiohttp.ClientSession() as control,
        Orgo(EMULATOR_API_KEY, url) as orgo,
        BuildFleet(orgo, concurrency=concurrency) as fleet,
    ):
        for document in documents:
            await fleet.submit(document)
        report = await fleet.wait()
        stats = await read_stats(control, url)
    assert report.ok
    pauses = report.totals.rate_limit_pauses
    refused = Requests(stats.requests).count(f"POST {BUILD_ROUTE}", statuses=("429",))
    print("PAUSES", {"pauses": pauses, "refused_starts": refused, "wall_s": report.wall_time})
    assert pauses >= 1
    assert refused <= pauses * concurrency
    # Each pause lasted its Retry-After (>= 1 s) before the next could begin.
    assert report.wall_time >= pauses * 0.9
