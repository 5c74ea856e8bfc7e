"""Faults on purpose and the control routes: injections, seeded randomness, stats, reset."""

from __future__ import annotations

import aiohttp
import anyio
import pytest

from orgo_async.testing import run_emulator
from tests.integration.test_emulator_support import api, doc, parse_frames

C = "/_emulator"
BUILD_ROUTE = "POST /templates/{namespace}/{name}/{version}/build"


async def _statuses(s: aiohttp.ClientSession, url: str, count: int) -> list[int]:
    out = []
    for _ in range(count):
        async with s.get(url + "/templates") as r:
            out.append(r.status)
    return out


async def test_injected_statuses_answer_the_next_requests_of_a_route(orgo_emulator: str) -> None:
    """An injection answers the next N requests of its route, with Retry-After, then stops."""
    async with api() as s:
        async with s.post(orgo_emulator + "/templates", data=doc("alpha")) as r:
            assert r.status == 201
        injection = {"route": BUILD_ROUTE, "status": 429, "count": 2, "retry_after": 3}
        async with s.post(orgo_emulator + C + "/inject", json=injection) as r:
            assert r.status == 200
        statuses = []
        for _ in range(3):
            async with s.post(orgo_emulator + "/templates/default/alpha/1.0.0/build") as r:
                statuses.append(r.status)
                if r.status == 429:
                    assert r.headers["Retry-After"] == "3"
                    assert (await r.json())["request_id"] == r.headers["X-Request-Id"]
        async with s.get(orgo_emulator + "/templates") as r:
            assert r.status == 200  # other routes were never affected
    assert statuses == [429, 429, 202]


async def test_an_injected_5xx_has_no_side_effect(orgo_emulator: str) -> None:
    """A faulted publish never reaches its handler, so retrying it is safe."""
    async with api() as s:
        injection = {"route": "POST /templates", "status": 503}
        async with s.post(orgo_emulator + C + "/inject", json=injection) as r:
            assert r.status == 200
        async with s.post(orgo_emulator + "/templates", data=doc("alpha")) as r:
            assert r.status == 503
            assert r.headers["Retry-After"] == "1"
        async with s.post(orgo_emulator + "/templates", data=doc("alpha")) as r:
            assert r.status == 201


async def test_random_faults_repeat_for_the_same_seed() -> None:
    """The same seed gives the same sequence of random 429/5xx answers."""
    runs = []
    for _ in range(2):
        async with run_emulator(fault_429=0.3, fault_5xx=0.3, seed=7) as url, api() as s:
            runs.append(await _statuses(s, url, 40))
    assert runs[0] == runs[1]
    assert {429, 200} <= set(runs[0])
    assert any(status >= 500 for status in runs[0])


async def test_faults_can_be_set_and_cleared_at_run_time(orgo_emulator: str) -> None:
    """PUT /_emulator/faults turns faults on at once; DELETE turns them all off."""
    async with api() as s:
        async with s.put(orgo_emulator + C + "/faults", json={"fault_5xx": 1.0}) as r:
            assert r.status == 200
            assert (await r.json())["knobs"]["fault_5xx"] == 1.0
        assert set(await _statuses(s, orgo_emulator, 5)) <= {500, 502, 503, 504}
        async with s.delete(orgo_emulator + C + "/faults") as r:
            assert (await r.json())["knobs"]["fault_5xx"] == 0.0
        assert await _statuses(s, orgo_emulator, 5) == [200] * 5


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/faults", {"fault_429": 2}, id="probability"),
        pytest.param("/faults", {"capacity": -1}, id="capacity"),
        pytest.param("/faults", {"no_such_knob": 1}, id="unknown-knob"),
        pytest.param("/inject", {"route": "*", "status": 200}, id="not-an-error"),
        pytest.param("/streams/cut", {"after": -1}, id="cut"),
    ],
)
async def test_bad_control_bodies_are_400_and_change_nothing(
    orgo_emulator: str, path: str, body: dict[str, object]
) -> None:
    """An impossible setting is refused with 400 and every knob keeps its value."""
    async with api(None) as s:
        async with s.get(orgo_emulator + C + "/faults") as r:
            before = await r.json()
        method = "PUT" if path == "/faults" else "POST"
        async with s.request(method, orgo_emulator + C + path, json=body) as r:
            assert r.status == 400
        async with s.get(orgo_emulator + C + "/faults") as r:
            assert await r.json() == before


async def test_latency_delays_api_requests(orgo_emulator: str) -> None:
    """``latency_ms`` delays every API request by that long."""
    async with api() as s:
        async with s.put(orgo_emulator + C + "/faults", json={"latency_ms": 150}) as r:
            assert r.status == 200
        before = anyio.current_time()
        async with s.get(orgo_emulator + "/templates") as r:
            assert r.status == 200
    assert anyio.current_time() - before >= 0.15


async def test_stats_count_requests_builds_and_lines(orgo_emulator: str) -> None:
    """Stats count requests by route and status, builds by outcome, and lines per build."""
    async with api() as s:
        async with s.post(orgo_emulator + "/templates?auto_build=true", data=doc("alpha")) as r:
            assert r.status == 201
        async with s.get(orgo_emulator + "/templates/default/alpha/1.0.0/build/events") as r:
            frames = len(parse_frames(await r.text())[0])
        async with s.get(orgo_emulator + "/templates/default/nope/1.0.0") as r:
            assert r.status == 404
        async with s.get(orgo_emulator + C + "/stats") as r:
            stats = await r.json()
    assert stats["requests"]["POST /templates"] == {"201": 1}
    assert stats["requests"]["GET /templates/{namespace}/{name}/{version}"] == {"404": 1}
    assert stats["outcomes"] == {"ready": 1}
    [build] = stats["builds"]
    assert (build["ref"], build["outcome"], build["lines"]) == (
        "default/alpha@1.0.0",
        "ready",
        frames,
    )
    assert frames == 20  # the default log_lines
    assert stats["streams"]["opened"] == 1
    assert stats["streams"]["frames"] == frames


async def test_reset_forgets_everything_but_curated_templates(orgo_emulator: str) -> None:
    """After a reset own templates, builds, faults and counters are gone; curated stay."""
    async with api() as s:
        async with s.post(orgo_emulator + "/templates?auto_build=true", data=doc("alpha")) as r:
            assert r.status == 201
        async with s.put(orgo_emulator + C + "/faults", json={"latency_ms": 5}) as r:
            assert r.status == 200
        async with s.post(orgo_emulator + C + "/reset", json={}) as r:
            assert await r.json() == {"reset": True}
        async with s.get(orgo_emulator + "/templates") as r:
            assert (await r.json())["templates"] == []
        async with s.get(orgo_emulator + "/templates/global") as r:
            assert len((await r.json())["templates"]) == 3
        async with s.get(orgo_emulator + C + "/faults") as r:
            assert (await r.json())["knobs"]["latency_ms"] == 0
        async with s.get(orgo_emulator + C + "/stats") as r:
            stats = await r.json()
    assert stats["builds"] == []
    assert list(stats["requests"]) == ["GET /templates", "GET /templates/global"]


async def test_control_routes_need_no_key_and_are_never_faulted(orgo_emulator: str) -> None:
    """Control routes answer without a key even while every API request is faulted."""
    async with api(None) as s:
        async with s.put(orgo_emulator + C + "/faults", json={"fault_5xx": 1.0}) as r:
            assert r.status == 200
        async with s.get(orgo_emulator + C + "/stats") as r:
            assert r.status == 200
        async with s.get(orgo_emulator + "/openapi.json") as r:
            assert r.status == 200


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        pytest.param("/inject", {"route": "*", "status": 200}, "between 400 and 599", id="2xx"),
        pytest.param("/inject", {"route": "*", "status": 503, "count": 0}, "count", id="count"),
        pytest.param("/inject", {"status": 503}, "invalid control body", id="no-route"),
        pytest.param("/streams/cut", {"after": -1}, "after must be", id="cut-after"),
        pytest.param("/streams/cut", {"after": 1, "speed": 2}, "invalid control", id="unknown"),
    ],
)
async def test_impossible_control_bodies_answer_400(
    orgo_emulator: str, path: str, body: dict[str, object], message: str
) -> None:
    """An injection or cut that cannot be honoured is refused with 400 and changes nothing."""
    async with api() as s:
        async with s.post(orgo_emulator + C + path, json=body) as r:
            assert r.status == 400
            assert message in (await r.json())["error"]
        async with s.get(orgo_emulator + C + "/faults") as r:
            state = await r.json()
    assert state["injections"] == []
    assert state["cuts"] == []
