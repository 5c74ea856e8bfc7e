"""``kill -9`` mid-build with ``--state``: after a restart no frame id names another line.

A real ``python -m orgo_async.emulator --state FILE`` process builds long logs while SDK
clients follow them; it is killed with SIGKILL at seeded random moments and started
again on the same file and port. Each follower must end within seconds of the restart on
a final ``level: error`` frame that agrees with the build's status, having seen every
frame exactly once under the id the restarted emulator gives it.
"""

from __future__ import annotations

import random
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import anyio
import anyio.abc
import msgspec
import pytest
from anyio.streams.buffered import BufferedByteReceiveStream

from orgo_async import BuildFailedError, Orgo, RetryPolicy
from orgo_async.emulator.policy import RESTARTED_ERROR
from orgo_async.models import BuildEvent
from orgo_async.resources.build_logs import is_final_event
from orgo_async.sse import ServerSentEvent, stream_events
from orgo_async.testing import EMULATOR_API_KEY
from tests.integration.test_emulator_support import api, doc, parse_frames

SEED = 1204
ROUNDS = 3
BUILDS_PER_ROUND = 3
LOG_LINES = 3_000
BUILD_TIME = 3.0
"""About a thousand lines a second per build; every kill comes well before a build ends."""

# Reconnect every few hundred milliseconds while the emulator is down (it restarts in
# about half a second), without giving up before the restarted one answers.
RECONNECT = RetryPolicy(initial_delay=0.05, max_delay=0.3, jitter="none")
STREAM_RECONNECTS = 100
KEY = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
_EVENT = msgspec.json.Decoder(BuildEvent)


@dataclass
class Follower:
    """What followers saw of one build: (id, event) in order, when they ended, and how."""

    ref: str
    frames: list[tuple[int, BuildEvent]] = field(default_factory=list)
    done: anyio.Event = field(default_factory=anyio.Event)
    ended_at: float = 0.0
    waited: anyio.Event = field(default_factory=anyio.Event)
    wait_error: BuildFailedError | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _EmulatorProcess:
    """``python -m orgo_async.emulator --state`` in a process: started, killed, started again."""

    def __init__(self, state: Path, port: int):
        self._command = [sys.executable, "-m", "orgo_async.emulator", "--port", str(port)]
        self._command += ["--state", str(state), "--build-time", str(BUILD_TIME)]
        self._command += ["--log-lines", str(LOG_LINES)]
        self._port = port
        self._process: anyio.abc.Process | None = None

    async def start(self) -> None:
        """Start it; returns once it serves (it prints its URL first)."""
        process = self._process = await anyio.open_process(self._command, stderr=None)
        assert process.stdout is not None
        with anyio.fail_after(20):
            line = await BufferedByteReceiveStream(process.stdout).receive_until(b"\n", 4096)
        assert line.decode().endswith(f":{self._port}/api")

    async def signal(self, sig: signal.Signals) -> int:
        """Send ``sig`` to the process by its id; its exit code once it has exited."""
        process = self._process
        assert process is not None
        process.send_signal(sig)
        with anyio.fail_after(10):
            code = await process.wait()
        await process.aclose()
        self._process = None
        return code

    async def aclose(self) -> None:
        """Kill the process if it still runs (a failed test must leave none behind)."""
        if self._process is not None:
            await self.signal(signal.SIGKILL)


def _is_final(frame: ServerSentEvent) -> bool:
    return is_final_event(_EVENT.decode(frame.data))


async def _follow(session: aiohttp.ClientSession, url: str, follower: Follower) -> None:
    """Follow the log with the SDK's reconnecting stream, keeping each frame's id."""
    source = stream_events(
        session,
        _version_url(url, follower.ref) + "/build/events",
        headers=KEY,
        is_terminal=_is_final,
        retry_policy=RECONNECT,
        max_reconnects=STREAM_RECONNECTS,
    )
    async with source:
        async for frame in source:
            follower.frames.append((int(frame.id), _EVENT.decode(frame.data)))
    follower.ended_at = anyio.current_time()
    follower.done.set()


async def _wait(orgo: Orgo, follower: Follower) -> None:
    """Wait for the build as a user would: ``orgo.builds.wait`` must raise the truth."""
    with pytest.raises(BuildFailedError) as caught:
        await orgo.builds.wait(follower.ref)
    follower.wait_error = caught.value
    follower.waited.set()


def _version_url(url: str, ref: str) -> str:
    namespace, _, rest = ref.partition("/")
    return f"{url}/templates/{namespace}/{rest.replace('@', '/')}"


async def _read_log(url: str, ref: str, after: int = 0) -> list[tuple[int, BuildEvent]]:
    """The log read afresh (after frame ``after``); the stream must close by itself."""
    path = _version_url(url, ref) + "/build/events"
    headers = {"Last-Event-ID": str(after)} if after else {}
    with anyio.fail_after(5):
        async with api() as s, s.get(path, headers=headers) as r:
            assert r.status == 200
            frames, _ = parse_frames(await r.text())
    return [(f.id, msgspec.convert(f.data, BuildEvent)) for f in frames]


async def _status(url: str, ref: str) -> dict[str, object]:
    path = _version_url(url, ref) + "/build"
    async with api() as s, s.get(path) as r:
        info: dict[str, object] = await r.json()
        return info


async def _publish(url: str, name: str) -> str:
    async with (
        api() as s,
        # Each document runs its own command, so no build reuses another's golden.
        s.post(url + "/templates?auto_build=true", data=doc(name, run=[f"echo {name}"])) as r,
    ):
        assert r.status == 201, await r.text()
        body = await r.json()
        assert body["auto_build"] == "building"
        ref: str = body["ref"]
        return ref


async def _check_after_restart(
    url: str, follower: Follower, seen_at_kill: int, restarted_at: float
) -> None:
    """The follower ended promptly on the truth, and every id names the same line."""
    log = await _read_log(url, follower.ref)
    # Every frame the follower got, before and after the kill, under the id it has now.
    assert follower.frames == log
    assert [frame_id for frame_id, _ in log] == list(range(1, len(log) + 1))
    assert 0 < seen_at_kill < len(log) <= LOG_LINES + 50  # killed mid-build
    last = log[-1][1]
    # The build failed in the phase it was in; nobody cancelled it.
    assert (last.level, last.phase) == ("error", log[-2][1].phase)
    assert RESTARTED_ERROR in last.line
    info = await _status(url, follower.ref)
    assert (info["status"], info["error"]) == ("failed", RESTARTED_ERROR)
    assert follower.ended_at - restarted_at < 10  # seconds, not a minute of retries
    assert follower.wait_error is not None
    assert follower.wait_error.error == RESTARTED_ERROR
    # Resuming after any frame seen before the kill gives exactly the rest.
    assert await _read_log(url, follower.ref, after=seen_at_kill) == log[seen_at_kill:]
    # Past the end of an ended log, the stream closes at once with nothing.
    assert await _read_log(url, follower.ref, after=len(log) + 10) == []


async def test_kill_9_mid_build_reuses_no_frame_id_and_followers_end_on_the_truth(
    tmp_path: Path,
) -> None:
    """Builds killed at random moments come back failed; ids and lines stay paired."""
    rng = random.Random(SEED)
    state = tmp_path / "state.db"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    everyone: list[Follower] = []
    emulator = _EmulatorProcess(state, port)
    async with (
        Orgo(EMULATOR_API_KEY, url, retry=RECONNECT) as orgo,
        aiohttp.ClientSession() as session,
        anyio.create_task_group() as followers,
    ):
        try:
            await emulator.start()
            for round_ in range(ROUNDS):
                names = [f"crash-{round_}-{n}" for n in range(BUILDS_PER_ROUND)]
                round_followers = [Follower(await _publish(url, name)) for name in names]
                for follower in round_followers:
                    followers.start_soon(_follow, session, url, follower)
                    followers.start_soon(_wait, orgo, follower)
                await anyio.sleep(rng.uniform(0.3, 1.0))
                assert await emulator.signal(signal.SIGKILL) == -signal.SIGKILL
                seen_at_kill = [len(f.frames) for f in round_followers]
                await emulator.start()  # same state file, same port
                restarted_at = anyio.current_time()
                with anyio.fail_after(10):
                    for follower in round_followers:
                        await follower.done.wait()
                        await follower.waited.wait()
                for follower, seen in zip(round_followers, seen_at_kill, strict=True):
                    await _check_after_restart(url, follower, seen, restarted_at)
                everyone += round_followers
            # Logs of builds killed in earlier rounds survived the later kills unchanged.
            for follower in everyone:
                assert await _read_log(url, follower.ref) == follower.frames
            assert await emulator.signal(signal.SIGTERM) == 0
        finally:
            await emulator.aclose()
    # A clean stop folds the write-ahead log back: nothing but the database remains.
    assert [p.name async for p in anyio.Path(tmp_path).iterdir()] == ["state.db"]
