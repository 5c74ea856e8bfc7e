"""``python -m orgo_async.emulator``: prints its URL first, serves, stops cleanly on signals."""

from __future__ import annotations

import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.abc
import pytest
from anyio.streams.buffered import BufferedByteReceiveStream

from orgo_async.emulator.policy import RESTARTED_ERROR
from orgo_async.testing import run_emulator
from tests.integration.test_emulator_support import api, doc

KEY = "sk_test_cli_key"


@asynccontextmanager
async def _emulator_process(*args: str) -> AsyncIterator[tuple[anyio.abc.Process, str]]:
    """Start the CLI; yield the process and the first line it printed (its URL)."""
    command = [sys.executable, "-m", "orgo_async.emulator", "--port", "0", "--api-key", KEY, *args]
    async with await anyio.open_process(command) as process:
        try:
            assert process.stdout is not None
            with anyio.fail_after(20):
                line = await BufferedByteReceiveStream(process.stdout).receive_until(b"\n", 4096)
            yield process, line.decode()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


@pytest.mark.parametrize(
    "sig", [pytest.param(signal.SIGINT, id="sigint"), pytest.param(signal.SIGTERM, id="sigterm")]
)
async def test_the_cli_prints_its_url_first_serves_and_exits_0_on_a_signal(
    sig: signal.Signals,
) -> None:
    """The first line is the base URL; the server answers there; a signal stops it with 0."""
    async with _emulator_process("--build-time", "30") as (process, url):
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/api")
        async with (
            api(KEY) as s,
            s.post(url + "/templates?auto_build=true", data=doc("alpha")) as r,
        ):
            assert r.status == 201
            assert (await r.json())["auto_build"] == "building"
        process.send_signal(sig)
        with anyio.fail_after(20):
            assert await process.wait() == 0


async def test_a_kill_mid_build_leaves_a_state_the_next_start_reads(tmp_path: Path) -> None:
    """SIGKILL during a build leaves a whole state; the build comes back failed, saying why."""
    state = tmp_path / "state.db"
    async with _emulator_process("--state", str(state), "--build-time", "30") as (process, url):
        async with (
            api(KEY) as s,
            s.post(url + "/templates?auto_build=true", data=doc("alpha")) as r,
        ):
            assert r.status == 201
        process.kill()
        await process.wait()
    async with (
        run_emulator(state_file=state) as url,
        api() as s,
        s.get(url + "/templates/default/alpha/1.0.0/build") as r,
    ):
        info = await r.json()
    assert (info["status"], info["error"]) == ("failed", RESTARTED_ERROR)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--fault-429", "2"], b"fault_429", id="probability"),
        pytest.param(["--capacity", "-1"], b"capacity", id="capacity"),
    ],
)
async def test_bad_settings_exit_2_with_a_message(args: list[str], message: bytes) -> None:
    """An impossible setting prints an error on stderr and exits 2 without serving."""
    command = [sys.executable, "-m", "orgo_async.emulator", "--port", "0", *args]
    with anyio.fail_after(20):
        result = await anyio.run_process(command, check=False)
    assert result.returncode == 2
    assert result.stdout == b""
    assert message in result.stderr


def _newer_state(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA application_id = 1330792271")  # "ORGO"
        db.execute("PRAGMA user_version = 99")
        db.execute("CREATE TABLE templates (ref TEXT)")
    db.close()


@pytest.mark.parametrize(
    ("command", "kind", "message"),
    [
        *[
            pytest.param(command, kind, message, id=f"{name}-{kind}")
            for name, command in [
                ("module", ["-m", "orgo_async.emulator"]),
                ("orgo-async", ["-m", "orgo_async.cli", "emulator"]),
            ]
            for kind, message in [
                ("missing-directory", b"does not exist"),
                ("directory", b"it is a directory"),
                ("not-a-state", b"not a valid emulator state"),
                ("newer-schema", b"newer orgo_async"),
            ]
        ],
    ],
)
async def test_an_unusable_state_path_exits_2_with_one_line(
    tmp_path: Path, command: list[str], kind: str, message: bytes
) -> None:
    """A state path that cannot hold a state is refused at start: one line, exit code 2."""
    path = tmp_path / "state.db"
    if kind == "missing-directory":
        path = tmp_path / "missing" / "state.db"
    elif kind == "directory":
        path.mkdir()
    elif kind == "not-a-state":
        path.write_text("my notes\n")
    else:
        _newer_state(path)
    argv = [sys.executable, *command, "--port", "0", "--state", str(path)]
    with anyio.fail_after(30):
        result = await anyio.run_process(argv, check=False)
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert message in result.stderr
