"""``orgo.builds.events`` against the emulator: whole logs through cut streams, typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import pytest
from aiohttp import web

from orgo_async._client import Orgo
from orgo_async.errors import APITimeoutError, EventDecodeError, NotFoundError
from orgo_async.models import BuildEvent
from orgo_async.testing import EMULATOR_API_KEY, no_wait_retries, run_emulator
from tests.integration._emulator_client import control
from tests.unit.sse.server import SSEServer, open_stream, serve

BUILDS = 30


def _document(number: int) -> str:
    return (
        "api_version: orgo.ai/v1\n"
        f"name: log-{number}@1.0.0\n"
        "cpu: 2\n"
        "ram: 4gb\n"
        "build:\n"
        "  apt: [curl, git]\n"
        "  pip: [requests]\n"
        f'  run: ["echo build {number}"]\n'
    )


def _ref(number: int) -> str:
    return f"default/log-{number}@1.0.0"


@asynccontextmanager
async def _client(url: str) -> AsyncIterator[Orgo]:
    async with Orgo(EMULATOR_API_KEY, url, retry=no_wait_retries()) as orgo:
        yield orgo


async def _read_all(orgo: Orgo, ref: str) -> list[BuildEvent]:
    async with orgo.builds.events(ref) as events:
        return [event async for event in events]


async def test_many_builds_through_cut_streams_lose_and_repeat_nothing() -> None:
    """30 builds followed live while streams are cut mid-frame: every line once, in order."""
    followed: dict[str, list[BuildEvent]] = {}
    async with (
        run_emulator(build_time=0.5, log_lines=25, drop_stream=0.05, seed=7) as url,
        _client(url) as orgo,
    ):
        for number in range(BUILDS):
            await orgo.templates.publish(_document(number))

        async def follow(number: int) -> None:
            await orgo.builds.start(_ref(number))
            followed[_ref(number)] = await _read_all(orgo, _ref(number))

        async with anyio.create_task_group() as group:
            for number in range(BUILDS):
                group.start_soon(follow, number)
        stats = await control("GET", url, "/stats")
        await control("PUT", url, "/faults", {"drop_stream": 0.0})
        uncut = {ref: await _read_all(orgo, ref) for ref in followed}
    assert stats["streams"]["cut"] > 0, "the faults never cut a stream"
    lines = {build["ref"]: build["lines"] for build in stats["builds"]}
    for ref, events in followed.items():
        assert events == uncut[ref], ref
        assert len(events) == lines[ref], ref
        assert (events[-1].phase, events[-1].level) == ("ready", "success")


async def test_scripted_cuts_after_every_few_frames() -> None:
    """Streams cut after 0, 1 and 3 frames still deliver the log whole."""
    async with run_emulator(log_lines=12) as url, _client(url) as orgo:
        await orgo.templates.publish(_document(0))
        await orgo.builds.start(_ref(0))
        reference = await _read_all(orgo, _ref(0))
        for after in (0, 1, 3):
            await control("POST", url, "/streams/cut", {"after": after, "count": 3})
            assert await _read_all(orgo, _ref(0)) == reference


async def test_resume_after_a_given_id() -> None:
    """last_event_id resumes after that frame; the source reports the id to resume from."""
    async with run_emulator(log_lines=10) as url, _client(url) as orgo:
        await orgo.templates.publish(_document(0))
        await orgo.builds.start(_ref(0))
        everything = await _read_all(orgo, _ref(0))
        async with orgo.builds.events(_ref(0), last_event_id="4") as events:
            rest = [event async for event in events]
            last_id = events.last_event_id
    assert rest == everything[4:]
    assert last_id == str(len(everything))


async def test_a_cancelled_build_ends_on_its_cancel_line() -> None:
    """The iteration ends after the cancel line, without waiting for anything more."""
    async with run_emulator(build_time=5) as url, _client(url) as orgo:
        await orgo.templates.publish(_document(0))
        await orgo.builds.start(_ref(0))
        async with orgo.builds.events(_ref(0)) as events:
            first = await anext(events)
            await orgo.builds.cancel(_ref(0))
            rest = [event async for event in events]
    assert first.phase != "cancel"
    assert (rest[-1].phase, rest[-1].level) == ("cancel", "warn")


async def test_a_failed_build_ends_on_its_error_line() -> None:
    """A failing build's log ends with its level=error line."""
    failing = _document(0).replace('"echo build 0"', '"exit 3"')
    async with run_emulator() as url, _client(url) as orgo:
        await orgo.templates.publish(failing)
        await orgo.builds.start(_ref(0))
        events = await _read_all(orgo, _ref(0))
    assert events[-1].level == "error"
    assert "exit 3" in events[-1].line


async def test_never_built_version_is_not_found() -> None:
    """A version without a build answers 404 at once, as NotFoundError."""
    async with run_emulator() as url, _client(url) as orgo:
        await orgo.templates.publish(_document(0))
        with pytest.raises(NotFoundError):
            await _read_all(orgo, _ref(0))
        report = await control("GET", url, "/stats")
    route = "GET /templates/{namespace}/{name}/{version}/build/events"
    assert report["requests"][route] == {"404": 1}


def _scripted_client(server: SSEServer) -> Orgo:
    return Orgo("sk_test", server.base_url, retry=no_wait_retries())


async def test_invalid_frame_raises_event_decode_error_with_the_raw_data() -> None:
    """A frame that is not a BuildEvent raises EventDecodeError keeping the frame's data."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        good = b'{"ts":"2026-06-08T17:00:01Z","level":"info","phase":"boot","line":"booting"}'
        await response.write(b"id: 1\ndata: " + good + b'\n\nid: 2\ndata: {"line": 5}\n\n')
        await response.write_eof()
        return response

    seen: list[BuildEvent] = []
    async with serve(handler) as server, _scripted_client(server) as orgo:
        with pytest.raises(EventDecodeError, match="frame 2") as caught:
            await _collect_into(orgo, "default/x@1.0.0", seen)
    assert [event.line for event in seen] == ["booting"]
    assert caught.value.raw == '{"line": 5}'


async def test_other_event_types_and_keep_alives_are_skipped() -> None:
    """Comments and named events other than message carry no build line and are skipped."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        done = b'{"ts":"2026-06-08T17:00:01Z","level":"success","phase":"ready","line":"ok"}'
        await response.write(b": keep-alive\n\nevent: progress\ndata: 40%\n\nid: 1\ndata: " + done)
        await response.write(b"\n\n")
        return response

    async with serve(handler) as server, _scripted_client(server) as orgo:
        events = await _read_all(orgo, "default/x@1.0.0")
    assert [event.line for event in events] == ["ok"]
    assert server.requests[0]["Authorization"] == "Bearer sk_test"


async def test_silent_stream_reconnects_then_times_out() -> None:
    """A stream silent past idle_timeout is reopened from the last id, then APITimeoutError."""
    release = anyio.Event()

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        if "Last-Event-ID" not in request.headers:
            line = b'{"ts":"2026-06-08T17:00:01Z","level":"info","phase":"boot","line":"up"}'
            await response.write(b"id: 1\ndata: " + line + b"\n\n")
        await release.wait()
        return response

    seen: list[BuildEvent] = []
    async with serve(handler) as server, _scripted_client(server) as orgo:
        with pytest.raises(APITimeoutError):
            await _collect_into(orgo, "default/x@1.0.0", seen, idle_timeout=0.2)
        release.set()
    assert [event.line for event in seen] == ["up"]
    assert server.last_event_ids == [None, "1"]


async def test_leaving_early_closes_the_connection() -> None:
    """Breaking out of the loop inside async with closes the stream's connection."""

    async def handler(request: web.Request, _: SSEServer) -> web.StreamResponse:
        response = await open_stream(request)
        line = b'{"ts":"2026-06-08T17:00:01Z","level":"info","phase":"boot","line":"up"}'
        await response.write(b"id: 1\ndata: " + line + b"\n\n")
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async with serve(handler) as server, _scripted_client(server) as orgo:
        async with orgo.builds.events("default/x@1.0.0") as events:
            async for _event in events:
                break
        with anyio.fail_after(5):
            await server.disconnected.wait()


async def _collect_into(
    orgo: Orgo, ref: str, into: list[BuildEvent], *, idle_timeout: float = 60.0
) -> None:
    """Append each event of ``ref``'s log to ``into``, so events before an error are kept."""
    async with orgo.builds.events(ref, idle_timeout=idle_timeout) as events:
        async for event in events:
            into.append(event)
