"""The emulator's own speed: build-log events/s, status calls/s, and what ``--state`` costs.

Run: ``python benchmarks/emulator.py [--log-lines 20000] [--followers 8] [--seconds 2]
[--builds 200] [--repeat 3]``.

Each emulator runs in its own process (``python -m orgo_async.emulator``), once without
``--state`` and once with a state in a fresh temporary directory, and this process drives
it over loopback with plain aiohttp (no SDK machinery in the way):

- ``replay ev/s``: ``--followers`` streams at once read the whole log of one ended
  build of ``--log-lines`` lines (frames counted, not decoded);
- ``live ev/s``: ``--followers`` templates are published with ``auto_build=true`` and
  each one's log is followed while it is being built (build time 0: as fast as the
  emulator's loop allows);
- ``status/s``: 32 tasks read one build's status in a loop for ``--seconds``;
- ``ms/build``: ``--builds`` templates of 20 lines are published with ``auto_build=true``
  one after another, each followed to its end; the first and the last 10% are shown, so a
  cost that grows with the state shows as a difference between them.

Each figure is the median of ``--repeat`` runs; ``us/ev``, ``us/call`` and ``cpu ms/b``
are the emulator process's CPU time per unit (from ``/proc``, so Linux only), steadier
than the rates on a shared machine, where the client and the emulator compete for CPU:
compare rows of one run, not runs of other days.

To compare with another version of the package, run this file from outside the checkout
(``python -m`` puts the current directory first on the emulator's path) with that
version first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import anyio

from orgo_async.testing import EMULATOR_API_KEY

_AUTH = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
_JSON = {"Content-Type": "application/json"}
_STATUS_TASKS = 32


def document(name: str) -> bytes:
    """A small valid template named ``name`` whose content (and digest) is its own, as YAML."""
    text = f"api_version: orgo.ai/v1\nname: {name}@1.0.0\ncpu: 2\nbuild:\n  run: [echo {name}]\n"
    return text.encode()


class Emulator:
    """An emulator process: its base URL and the CPU time it has used so far."""

    def __init__(self, process: subprocess.Popen[str], url: str):
        self.process = process
        self.url = url

    def cpu(self) -> float:
        """Seconds of CPU (user + system) the process used, read from ``/proc`` (Linux)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def emulator(log_lines: int, state: Path | None) -> Iterator[Emulator]:
    """An emulator process for the block."""
    command = [sys.executable, "-m", "orgo_async.emulator", "--port", "0"]
    command += ["--build-time", "0", "--log-lines", str(log_lines)]
    if state is not None:
        command += ["--state", str(state)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise SystemExit(f"the emulator did not start: {url!r}")
        yield Emulator(process, url)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Figure:
    """Work done in one measurement: units (events, calls), wall and emulator CPU seconds."""

    units: int = 0
    seconds: float = 0.0
    cpu: float = 0.0

    def rate(self) -> float:
        """Units per wall-clock second."""
        return self.units / self.seconds

    def cpu_us(self) -> float:
        """Emulator CPU microseconds per unit: steadier than the rate on a shared machine."""
        return self.cpu * 1e6 / self.units


@asynccontextmanager
async def measured(figure: Figure, emu: Emulator) -> AsyncIterator[None]:
    """Add the block's wall time and the emulator's CPU time to ``figure``."""
    cpu, started = emu.cpu(), time.perf_counter()
    yield
    figure.seconds += time.perf_counter() - started
    figure.cpu += emu.cpu() - cpu


async def reset(session: aiohttp.ClientSession, url: str) -> None:
    """Forget every own template and build."""
    async with session.post(f"{url}/_emulator/reset", data=b"{}", headers=_JSON) as r:
        r.raise_for_status()


async def follow(session: aiohttp.ClientSession, url: str, name: str) -> int:
    """Read one build's whole event stream; the number of frames."""
    count = 0
    tail = b""
    async with session.get(f"{url}/templates/default/{name}/1.0.0/build/events") as response:
        response.raise_for_status()
        async for chunk in response.content.iter_any():
            # Count frame ends; a chunk may split a "\n\n" in two.
            count += (tail + chunk[:1]).count(b"\n\n") + chunk.count(b"\n\n")
            tail = chunk[-1:]
    return count - 1  # the "retry:" block


async def publish(session: aiohttp.ClientSession, url: str, name: str) -> None:
    """Publish ``name`` and start its build."""
    async with session.post(f"{url}/templates?auto_build=true", data=document(name)) as r:
        r.raise_for_status()


async def replay(session: aiohttp.ClientSession, emu: Emulator, args: argparse.Namespace) -> Figure:
    """``--followers`` streams at once reading one ended log again and again."""
    figure = Figure()
    await publish(session, emu.url, "replay")
    await follow(session, emu.url, "replay")  # the build has ended once its log closed

    deadline = time.perf_counter() + args.seconds

    async def loop() -> None:
        while time.perf_counter() < deadline:
            frames = await follow(session, emu.url, "replay")
            figure.units += frames  # added after the await: tasks share the figure

    async with measured(figure, emu), anyio.create_task_group() as tg:
        for _ in range(args.followers):
            tg.start_soon(loop)
    return figure


async def live(
    session: aiohttp.ClientSession, emu: Emulator, args: argparse.Namespace, run: int
) -> Figure:
    """Rounds of ``--followers`` builds, each followed while it is built."""
    figure = Figure()

    async def count(name: str) -> None:
        frames = await follow(session, emu.url, name)
        figure.units += frames  # added after the await: tasks share the figure

    round_ = 0
    while figure.seconds < args.seconds:
        async with measured(figure, emu), anyio.create_task_group() as tg:
            for n in range(args.followers):
                name = f"live-{run}-{round_}-{n}"
                await publish(session, emu.url, name)
                tg.start_soon(count, name)
        round_ += 1
    return figure


async def status_calls(
    session: aiohttp.ClientSession, emu: Emulator, args: argparse.Namespace
) -> Figure:
    """:data:`_STATUS_TASKS` tasks reading one ready build's status for ``--seconds``."""
    figure = Figure()
    path = f"{emu.url}/templates/default/replay/1.0.0/build"

    async def loop() -> None:
        while True:
            async with session.get(path) as response:
                response.raise_for_status()
                await response.read()
            figure.units += 1

    async with measured(figure, emu):
        with anyio.move_on_after(args.seconds):
            async with anyio.create_task_group() as tg:
                for _ in range(_STATUS_TASKS):
                    tg.start_soon(loop)
    return figure


async def per_build(
    session: aiohttp.ClientSession, emu: Emulator, builds: int
) -> tuple[list[float], Figure]:
    """Milliseconds of each sequential publish-build-follow cycle (20-line builds)."""
    times: list[float] = []
    figure = Figure(units=builds)
    async with measured(figure, emu):
        for n in range(builds):
            started = time.perf_counter()
            await publish(session, emu.url, f"seq-{n}")
            await follow(session, emu.url, f"seq-{n}")
            times.append((time.perf_counter() - started) * 1000)
    return times, figure


def _median(figures: list[Figure]) -> Figure:
    return sorted(figures, key=Figure.cpu_us)[len(figures) // 2]


async def measure(emu: Emulator, args: argparse.Namespace) -> dict[str, Figure]:
    """Every figure for one emulator, each the median (by CPU per unit) of ``--repeat`` runs."""
    runs: dict[str, list[Figure]] = {"replay": [], "live": [], "status": []}
    connector = aiohttp.TCPConnector(limit=_STATUS_TASKS + args.followers + 8)
    async with aiohttp.ClientSession(headers=_AUTH, connector=connector) as session:
        for run in range(args.repeat):
            await reset(session, emu.url)
            runs["replay"].append(await replay(session, emu, args))
            runs["status"].append(await status_calls(session, emu, args))
            runs["live"].append(await live(session, emu, args, run))
        # The sequential builds run at 20 lines each on an emulator set for long logs.
        await reset(session, emu.url)
        async with session.put(
            f"{emu.url}/_emulator/faults", data=b'{"log_lines": 20}', headers=_JSON
        ) as r:
            r.raise_for_status()
        times, sequential = await per_build(session, emu, args.builds)
    result = {name: _median(values) for name, values in runs.items()}
    tenth = max(1, args.builds // 10)
    result["first"] = Figure(units=1, seconds=statistics.median(times[:tenth]) / 1000)
    result["last"] = Figure(units=1, seconds=statistics.median(times[-tenth:]) / 1000)
    result["sequential"] = sequential
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--log-lines", type=int, default=20000, help="lines of a long build")
    parser.add_argument("--followers", type=int, default=8, help="streams at once (default 8)")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each measurement")
    parser.add_argument("--builds", type=int, default=500, help="sequential 20-line builds")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args(argv)
    head = (
        f"{'state':<8} {'replay ev/s':>11} {'us/ev':>6} {'live ev/s':>10} {'us/ev':>6} "
        f"{'status/s':>9} {'us/call':>8} {'ms/build 1st':>13} {'last':>6} {'cpu ms/b':>9}"
    )
    print(head)
    print("-" * len(head))
    with tempfile.TemporaryDirectory() as directory:
        for label, state in (("none", None), ("--state", Path(directory) / "state.db")):
            with emulator(args.log_lines, state) as emu:
                f = anyio.run(measure, emu, args)
            replay_, live_, status = f["replay"], f["live"], f["status"]
            print(
                f"{label:<8} {replay_.rate():>11.0f} {replay_.cpu_us():>6.2f} "
                f"{live_.rate():>10.0f} {live_.cpu_us():>6.2f} "
                f"{status.rate():>9.0f} {status.cpu_us():>8.1f} "
                f"{f['first'].seconds * 1000:>13.2f} {f['last'].seconds * 1000:>6.2f} "
                f"{f['sequential'].cpu_us() / 1000:>9.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
