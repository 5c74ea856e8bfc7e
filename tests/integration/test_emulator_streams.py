"""Build events as SSE: replay, Last-Event-ID, keep-alive, cuts mid-frame, shutdown."""

from __future__ import annotations

import asyncio

import aiohttp
import anyio
import pytest

from orgo_async.testing import run_emulator
from tests.integration.test_emulator_support import api, doc, parse_frames, read_frames

T = "/templates"
EVENTS = T + "/default/alpha/1.0.0/build/events"


async def _built(s: aiohttp.ClientSession, url: str, *, wait: bool = True) -> None:
    async with s.post(url + T + "?auto_build=true", data=doc("alpha")) as r:
        assert r.status == 201
    if wait:
        await read_frames(s, url + EVENTS)


async def _raw_until_cut(s: aiohttp.ClientSession, url: str) -> bytes:
    """Read a stream's bytes until the server cuts it; fail if it ends cleanly."""
    received: list[bytes] = []

    async def drain(response: aiohttp.ClientResponse) -> None:
        async for chunk in response.content.iter_any():
            received.append(chunk)

    async with s.get(url + EVENTS) as r:
        assert r.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await drain(r)
    return b"".join(received)


@pytest.mark.orgo_emulator(log_lines=40)
async def test_a_late_subscriber_gets_the_whole_log_from_the_start(orgo_emulator: str) -> None:
    """Subscribing after the build ended replays every frame from id 1, then closes."""
    async with api() as s:
        await _built(s, orgo_emulator)
        first = await read_frames(s, orgo_emulator + EVENTS)
        again = await read_frames(s, orgo_emulator + EVENTS)
    assert first == again
    assert [f.id for f in first] == list(range(1, len(first) + 1))
    assert len(first) >= 40


@pytest.mark.parametrize("after", [pytest.param(0, id="zero"), pytest.param(7, id="seven")])
async def test_last_event_id_resumes_after_that_frame(orgo_emulator: str, after: int) -> None:
    """``Last-Event-ID: N`` replays exactly the frames after N."""
    async with api() as s:
        await _built(s, orgo_emulator)
        everything = await read_frames(s, orgo_emulator + EVENTS)
        resumed = await read_frames(s, orgo_emulator + EVENTS, last_event_id=after)
    assert resumed == everything[after:]


async def test_last_event_id_past_the_end_of_an_ended_log_closes_at_once(
    orgo_emulator: str,
) -> None:
    """Resuming after the last frame of a finished build yields nothing and closes."""
    async with api() as s:
        await _built(s, orgo_emulator)
        everything = await read_frames(s, orgo_emulator + EVENTS)
        resumed = await read_frames(s, orgo_emulator + EVENTS, last_event_id=everything[-1].id)
    assert resumed == []


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("abc", id="letters"),
        pytest.param("-1", id="negative"),
        pytest.param("1_0", id="underscore"),
        pytest.param("9" * 5000, id="past-int-digit-limit"),
    ],
)
async def test_a_malformed_last_event_id_is_400(orgo_emulator: str, value: str) -> None:
    """A Last-Event-ID that is not a frame id of this stream is refused with 400."""
    async with api() as s:
        await _built(s, orgo_emulator)
        async with s.get(orgo_emulator + EVENTS, headers={"Last-Event-ID": value}) as r:
            assert r.status == 400
            assert (await r.json())["request_id"] == r.headers["X-Request-Id"]


@pytest.mark.orgo_emulator(build_time=30)
async def test_a_live_subscriber_follows_the_build_until_it_ends(orgo_emulator: str) -> None:
    """A subscriber that joins mid-build stays open and receives frames logged after it joined."""
    async with api() as s:
        await _built(s, orgo_emulator, wait=False)
        async with s.get(orgo_emulator + EVENTS) as r:
            head = await r.content.readuntil(b"id: 1\n")
            # The cancel frame is logged only now, while the stream is open.
            async with s.delete(orgo_emulator + T + "/default/alpha/1.0.0/build") as cancel:
                assert cancel.status == 202
            rest = await r.text()
    frames, _ = parse_frames((head + rest.encode()).decode())
    assert [f.id for f in frames] == list(range(1, len(frames) + 1))
    assert frames[-1].data["phase"] == "cancel"


async def test_a_scripted_cut_breaks_the_stream_mid_frame(orgo_emulator: str) -> None:
    """A cut after N frames sends N whole frames, half of the next, then resets."""
    async with api() as s:
        await _built(s, orgo_emulator)
        everything = await read_frames(s, orgo_emulator + EVENTS)
        async with s.post(orgo_emulator + "/_emulator/streams/cut", json={"after": 3}) as r:
            assert r.status == 200
        received = await _raw_until_cut(s, orgo_emulator)
        frames, _ = parse_frames(received.decode())
        # The next stream is whole again: the cut applied once.
        assert await read_frames(s, orgo_emulator + EVENTS) == everything
        async with s.get(orgo_emulator + "/_emulator/stats") as r:
            streams = (await r.json())["streams"]
    assert frames == everything[:3]
    assert received.endswith(b"\n\n") is False
    assert b"id: 4\ndata: " in received
    assert streams["cut"] == 1
    assert streams["frames"] == 3 * len(everything) + 3  # three whole streams, three frames


@pytest.mark.orgo_emulator(drop_stream=1.0, seed=1)
async def test_drop_stream_cuts_connections_mid_frame(orgo_emulator: str) -> None:
    """With ``drop_stream=1`` every stream is cut in the middle of its first frame."""
    async with api() as s:
        await _built(s, orgo_emulator, wait=False)
        received = await _raw_until_cut(s, orgo_emulator)
    frames, _ = parse_frames(received.decode())
    assert frames == []
    assert received.startswith(b"retry: 250\n\nid: 1\ndata: ")


async def test_resuming_after_a_cut_completes_the_log(orgo_emulator: str) -> None:
    """A client that reconnects with the last whole frame's id loses nothing to a cut."""
    async with api() as s:
        await _built(s, orgo_emulator)
        everything = await read_frames(s, orgo_emulator + EVENTS)
        async with s.post(orgo_emulator + "/_emulator/streams/cut", json={"after": 5}) as r:
            assert r.status == 200
        received = await _raw_until_cut(s, orgo_emulator)
        before, _ = parse_frames(received.decode())
        after = await read_frames(s, orgo_emulator + EVENTS, last_event_id=before[-1].id)
    assert before + after == everything


@pytest.mark.orgo_emulator(build_time=5, keepalive=0.05, log_lines=3)
async def test_quiet_streams_send_keep_alive_comments(orgo_emulator: str) -> None:
    """During a quiet stretch the stream sends ``: keep-alive`` comments."""
    async with api() as s:
        await _built(s, orgo_emulator, wait=False)
        async with s.get(orgo_emulator + EVENTS) as r:
            seen = b""
            with anyio.fail_after(5):
                while b": keep-alive\n\n" not in seen:
                    seen += await r.content.readany()
        async with s.delete(orgo_emulator + T + "/default/alpha/1.0.0/build") as r:
            assert r.status == 202
    _, comments = parse_frames(seen.decode())
    assert "keep-alive" in comments


async def test_stopping_the_emulator_ends_open_streams() -> None:
    """Leaving run_emulator mid-build ends open streams on an ``interrupted`` error frame."""
    text = ""
    with anyio.fail_after(10):  # far less than the 30 s build: nothing waits for it
        async with (
            api() as s,
            anyio.create_task_group() as tg,
            run_emulator(build_time=30, log_lines=200) as url,
        ):
            await _built(s, url, wait=False)
            first_frame = anyio.Event()

            async def follow() -> None:
                nonlocal text
                async with s.get(url + EVENTS) as r:
                    text = (await r.content.readuntil(b"id: 1\n")).decode()
                    first_frame.set()
                    text += await r.text()

            tg.start_soon(follow)
            await first_frame.wait()
    frames, _ = parse_frames(text)
    assert frames[-1].data["level"] == "error"
    assert "interrupted" in frames[-1].data["line"]


async def test_stopping_the_emulator_leaves_no_task_behind() -> None:
    """After run_emulator exits with builds in flight, no task it started is still alive."""
    before = asyncio.all_tasks()
    async with run_emulator(build_time=30) as url, api() as s:
        for name in ("one", "two", "three"):
            async with s.post(url + T + "?auto_build=true", data=doc(name)) as r:
                assert (await r.json())["auto_build"] == "building"
        assert len(asyncio.all_tasks()) > len(before)  # the builds are running
    assert asyncio.all_tasks() == before
