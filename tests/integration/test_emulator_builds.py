"""The emulator's build routes: start, status, cancel, reuse, failures, capacity, timeout."""

from __future__ import annotations

from typing import Any

import aiohttp
import anyio
import pytest

from tests.integration.test_emulator_support import api, doc, read_frames

T = "/templates"


async def _publish(s: aiohttp.ClientSession, url: str, text: str) -> dict[str, Any]:
    async with s.post(url + T, data=text) as r:
        assert r.status in (200, 201), await r.text()
        body: dict[str, Any] = await r.json()
        return body


async def _start(s: aiohttp.ClientSession, url: str, path: str) -> dict[str, Any]:
    async with s.post(url + T + path + "/build") as r:
        assert r.status == 202, await r.text()
        body: dict[str, Any] = await r.json()
        return body


async def _wait_ended(s: aiohttp.ClientSession, url: str, path: str) -> dict[str, Any]:
    """Poll build status until it leaves ``building`` (bounded by a deadline)."""
    with anyio.fail_after(10):
        while True:
            async with s.get(url + T + path + "/build") as r:
                info: dict[str, Any] = await r.json()
            if info["status"] != "building":
                return info
            await anyio.sleep(0.01)


async def test_build_goes_from_building_to_ready_through_every_phase(orgo_emulator: str) -> None:
    """A build starts ``building`` (202), its log walks the documented phases and ends ready."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("alpha", run=["echo hi"]))
        started = await _start(s, orgo_emulator, "/default/alpha/1.0.0")
        assert started["status"] == "building"
        assert "reused" not in started
        frames = await read_frames(s, orgo_emulator + T + "/default/alpha/1.0.0/build/events")
        info = await _wait_ended(s, orgo_emulator, "/default/alpha/1.0.0")
    phases = list(dict.fromkeys(f.data["phase"] for f in frames))
    assert phases == ["compile", "boot", "install", "snapshot", "record", "archive", "ready"]
    assert [f.id for f in frames] == list(range(1, len(frames) + 1))
    assert frames[-1].data["level"] == "success"
    assert "$ echo hi" in [f.data["line"] for f in frames]
    assert info["status"] == "ready"
    assert info["golden_dir"].endswith(info["digest"])
    assert isinstance(info["build_time_ms"], int)


async def test_status_of_a_version_never_built_is_not_built(orgo_emulator: str) -> None:
    """Build status of a fresh version is ``not_built``; its events answer 404."""
    async with api() as s:
        published = await _publish(s, orgo_emulator, doc("alpha"))
        async with s.get(orgo_emulator + T + "/default/alpha/1.0.0/build") as r:
            assert r.status == 200
            assert await r.json() == {
                "ref": "default/alpha@1.0.0",
                "digest": published["digest"],
                "status": "not_built",
            }
        async with s.get(orgo_emulator + T + "/default/alpha/1.0.0/build/events") as r:
            assert r.status == 404


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        pytest.param("POST", "/build", id="start"),
        pytest.param("GET", "/build", id="status"),
        pytest.param("DELETE", "/build", id="cancel"),
        pytest.param("GET", "/build/events", id="events"),
    ],
)
async def test_build_routes_of_an_unknown_version_are_404(
    orgo_emulator: str, method: str, suffix: str
) -> None:
    """Every build route answers 404 with the error envelope for a version never published."""
    async with (
        api() as s,
        s.request(method, orgo_emulator + T + "/default/ghost/1.0.0" + suffix) as r,
    ):
        assert r.status == 404
        body = await r.json()
    assert body["error"]
    assert "status" not in body


@pytest.mark.orgo_emulator(build_time=30)
async def test_second_start_while_building_returns_the_same_build(orgo_emulator: str) -> None:
    """Starting a build that is in flight is idempotent: same build, no second one."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("alpha"))
        first = await _start(s, orgo_emulator, "/default/alpha/1.0.0")
        second = await _start(s, orgo_emulator, "/default/alpha/1.0.0")
        async with s.get(orgo_emulator + "/_emulator/stats") as r:
            stats = await r.json()
    assert first == second
    assert second["status"] == "building"
    assert stats["building"] == 1


async def test_a_digest_already_built_is_reused_at_once(orgo_emulator: str) -> None:
    """Another ref with identical content gets ``ready`` and ``reused: true`` at once."""
    same = {"template": {"name": "one", "version": "1.0.0"}, "api_version": "orgo.ai/v1"}
    async with api() as s:
        async with s.post(orgo_emulator + T, json=same) as r:
            digest = (await r.json())["digest"]
        async with s.post(orgo_emulator + T, json={"namespace": "team-b", "template": same}) as r:
            assert (await r.json())["digest"] == digest
        await _start(s, orgo_emulator, "/default/one/1.0.0")
        await _wait_ended(s, orgo_emulator, "/default/one/1.0.0")
        reused = await _start(s, orgo_emulator, "/team-b/one/1.0.0")
        frames = await read_frames(s, orgo_emulator + T + "/team-b/one/1.0.0/build/events")
    assert reused["status"] == "ready"
    assert reused["reused"] is True
    assert reused["ref"] == "team-b/one@1.0.0"
    assert frames[-1].data["phase"] == "ready"


async def test_building_a_ready_version_again_answers_reused(orgo_emulator: str) -> None:
    """A second start of a ready version is idempotent: ``ready`` with ``reused: true``."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("alpha"))
        await _start(s, orgo_emulator, "/default/alpha/1.0.0")
        ready = await _wait_ended(s, orgo_emulator, "/default/alpha/1.0.0")
        again = await _start(s, orgo_emulator, "/default/alpha/1.0.0")
    assert again == {**ready, "reused": True}


async def test_publish_with_auto_build_starts_the_build_with_a_publish_phase(
    orgo_emulator: str,
) -> None:
    """``auto_build=true`` reports ``building`` and the log opens on the publish phase."""
    async with api() as s:
        async with s.post(orgo_emulator + T + "?auto_build=true", data=doc("alpha")) as r:
            assert r.status == 201
            assert (await r.json())["auto_build"] == "building"
        frames = await read_frames(s, orgo_emulator + T + "/default/alpha/1.0.0/build/events")
    assert frames[0].data["phase"] == "publish"
    assert frames[-1].data["phase"] == "ready"


@pytest.mark.parametrize(
    ("extra", "step"),
    [
        pytest.param({"run": ["echo one", "exit 1"]}, "build.run[1]", id="build-run"),
        pytest.param(
            {"apps": [{"name": "web", "install": "apt-get update\nexit 3\necho never"}]},
            "apps[0].install (web)",
            id="app-install",
        ),
        pytest.param({"on_first_boot": "false"}, "hooks.on_first_boot", id="hook"),
    ],
)
async def test_a_step_exiting_non_zero_fails_the_build(
    orgo_emulator: str, extra: dict[str, Any], step: str
) -> None:
    """A failing step ends the log on a ``level: error`` frame; ``error`` names the step."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("broken", **extra))
        await _start(s, orgo_emulator, "/default/broken/1.0.0")
        frames = await read_frames(s, orgo_emulator + T + "/default/broken/1.0.0/build/events")
        info = await _wait_ended(s, orgo_emulator, "/default/broken/1.0.0")
    assert info["status"] == "failed"
    assert info["error"].startswith(step)
    assert frames[-1].data["level"] == "error"
    assert step in frames[-1].data["line"]
    assert "ready" not in {f.data["phase"] for f in frames}
    assert "$ echo never" not in [f.data["line"] for f in frames]


@pytest.mark.orgo_emulator(build_time=30)
async def test_cancel_settles_the_build_as_failed_cancelled(orgo_emulator: str) -> None:
    """Cancel answers 202 ``cancelling``; the log ends on phase cancel and status is failed."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("alpha"))
        await _start(s, orgo_emulator, "/default/alpha/1.0.0")
        async with s.delete(orgo_emulator + T + "/default/alpha/1.0.0/build") as r:
            assert r.status == 202
            assert await r.json() == {"status": "cancelling"}
        frames = await read_frames(s, orgo_emulator + T + "/default/alpha/1.0.0/build/events")
        info = await _wait_ended(s, orgo_emulator, "/default/alpha/1.0.0")
    assert (frames[-1].data["phase"], frames[-1].data["level"]) == ("cancel", "warn")
    assert (info["status"], info["error"]) == ("failed", "cancelled")


async def test_cancel_with_nothing_building_is_404_idle(orgo_emulator: str) -> None:
    """Cancel of a version with no build in flight answers 404 ``{"status": "idle"}``."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("alpha"))
        async with s.delete(orgo_emulator + T + "/default/alpha/1.0.0/build") as r:
            assert r.status == 404
            body = await r.json()
    assert body["status"] == "idle"
    assert body["request_id"] == r.headers["X-Request-Id"]


@pytest.mark.orgo_emulator(build_time=30, capacity=1)
async def test_builds_past_capacity_get_429_with_retry_after(orgo_emulator: str) -> None:
    """With capacity 1 a second concurrent build gets 429 and a whole-second Retry-After."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("first"))
        await _publish(s, orgo_emulator, doc("second", cpu=4))  # another digest
        await _start(s, orgo_emulator, "/default/first/1.0.0")
        async with s.post(orgo_emulator + T + "/default/second/1.0.0/build") as r:
            assert r.status == 429
            retry_after = int(r.headers["Retry-After"])
            assert "capacity" in (await r.json())["error"]
        async with s.delete(orgo_emulator + T + "/default/first/1.0.0/build") as r:
            assert r.status == 202
        second = await _start(s, orgo_emulator, "/default/second/1.0.0")
    assert 1 <= retry_after <= 30
    assert second["status"] == "building"


@pytest.mark.orgo_emulator(build_time=30, build_timeout=0.05)
async def test_a_build_past_its_time_limit_ends_on_timeout(orgo_emulator: str) -> None:
    """A build still running at the time limit ends on phase timeout with ``error: timeout``."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("slow"))
        await _start(s, orgo_emulator, "/default/slow/1.0.0")
        frames = await read_frames(s, orgo_emulator + T + "/default/slow/1.0.0/build/events")
        info = await _wait_ended(s, orgo_emulator, "/default/slow/1.0.0")
    assert frames[-1].data["phase"] == "timeout"
    assert (info["status"], info["error"]) == ("failed", "timeout")


@pytest.mark.orgo_emulator(log_lines=500)
async def test_log_lines_pads_every_build_to_at_least_that_many(orgo_emulator: str) -> None:
    """``log_lines`` pads a build's log with filler to at least that many frames."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("alpha"))
        await _start(s, orgo_emulator, "/default/alpha/1.0.0")
        frames = await read_frames(s, orgo_emulator + T + "/default/alpha/1.0.0/build/events")
    assert len(frames) >= 500
    assert {f.data.get("source") for f in frames} >= {"apt", "builder"}


@pytest.mark.orgo_emulator(build_time=0.4)
async def test_build_time_spreads_the_log_over_that_duration(orgo_emulator: str) -> None:
    """With ``build_time`` the log plays out over about that long, not all at once."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("alpha"))
        before = anyio.current_time()
        await _start(s, orgo_emulator, "/default/alpha/1.0.0")
        frames = await read_frames(s, orgo_emulator + T + "/default/alpha/1.0.0/build/events")
        elapsed = anyio.current_time() - before
        info = await _wait_ended(s, orgo_emulator, "/default/alpha/1.0.0")
    assert elapsed >= 0.4
    assert info["build_time_ms"] >= 400
    assert frames[0].data["ts"] < frames[-1].data["ts"]


async def test_force_republish_discards_the_old_build(orgo_emulator: str) -> None:
    """After a forced republish with new content the version is ``not_built`` again."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("alpha"))
        await _start(s, orgo_emulator, "/default/alpha/1.0.0")
        await _wait_ended(s, orgo_emulator, "/default/alpha/1.0.0")
        async with s.post(orgo_emulator + T + "?force=true", data=doc("alpha", cpu=4)) as r:
            assert r.status == 201
        async with s.get(orgo_emulator + T + "/default/alpha/1.0.0/build") as r:
            assert (await r.json())["status"] == "not_built"


@pytest.mark.orgo_emulator(build_time=0.3, capacity=1)
async def test_identical_templates_started_together_share_one_build(orgo_emulator: str) -> None:
    """A second ref of the same digest follows the build in flight, takes no slot, reuses it."""
    async with api() as s:
        first = await _publish(s, orgo_emulator, doc("twin-a"))
        second = await _publish(s, orgo_emulator, doc("twin-b"))
        assert first["digest"] == second["digest"]
        await _start(s, orgo_emulator, "/default/twin-a/1.0.0")
        following = await _start(s, orgo_emulator, "/default/twin-b/1.0.0")
        lines = [
            f.data["line"]
            for f in await read_frames(s, orgo_emulator + T + "/default/twin-b/1.0.0/build/events")
        ]
        leader = await _wait_ended(s, orgo_emulator, "/default/twin-a/1.0.0")
        follower = await _wait_ended(s, orgo_emulator, "/default/twin-b/1.0.0")
    assert following["status"] == "building"
    assert (leader["status"], leader.get("reused", False)) == ("ready", False)
    assert (follower["status"], follower.get("reused")) == ("ready", True)
    assert follower["golden_dir"] == leader["golden_dir"]
    assert "sharing its build" in lines[0]


@pytest.mark.orgo_emulator(build_time=0.3)
async def test_a_follower_builds_itself_when_the_shared_build_is_cancelled(
    orgo_emulator: str,
) -> None:
    """Cancelling the build others follow leaves them to build the digest on their own."""
    async with api() as s:
        await _publish(s, orgo_emulator, doc("twin-a"))
        await _publish(s, orgo_emulator, doc("twin-b"))
        await _start(s, orgo_emulator, "/default/twin-a/1.0.0")
        await _start(s, orgo_emulator, "/default/twin-b/1.0.0")
        async with s.delete(orgo_emulator + T + "/default/twin-a/1.0.0/build") as r:
            assert r.status == 202
        follower = await _wait_ended(s, orgo_emulator, "/default/twin-b/1.0.0")
        leader = await _wait_ended(s, orgo_emulator, "/default/twin-a/1.0.0")
    assert (leader["status"], leader["error"]) == ("failed", "cancelled")
    assert (follower["status"], follower.get("reused", False)) == ("ready", False)
