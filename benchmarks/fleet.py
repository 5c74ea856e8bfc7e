"""BuildFleet against a bare aiohttp loop doing the same HTTP work, on one emulator.

Run: ``python benchmarks/fleet.py [--builds N] [--concurrency 50 200] [--log-lines 20]``.

The emulator runs in its own process (``python -m orgo_async.emulator``) so its CPU is
not charged to the client; on a 2-core machine the two still compete, so absolute
figures are the machine's, and the ratio is what matters. For each concurrency, each
side publishes N distinct templates, starts their builds and follows every build's
event stream to its end, with at most ``concurrency`` builds in flight:

- ``fleet``: ``BuildFleet.submit`` for every template, one consumer of ``fleet.events()``;
- ``bare``: ``concurrency`` worker tasks taking templates from a queue, each doing
  ``POST /templates``, ``POST .../build`` and ``GET .../build/events`` with aiohttp,
  reading the stream in chunks and decoding each ``data:`` line into a ``BuildEvent``
  (the least a real client does; no reconnect, no ``id:`` tracking, no final status);
- ``bare+st``: the same, plus ``GET .../build`` once the log ended, which the fleet also
  sends (it reports the server's ``build_time_ms`` and ``error``): the ratio against it
  is the cost of the fleet's machinery alone.

``CPU ms/b`` is this process's CPU time per build (the emulator's is not counted): on a
shared machine it moves far less than builds/s does. Each side is timed ``--repeat``
times (interleaved, median kept) without tracemalloc, then run once more under
tracemalloc for the peak (tracing slows Python down, so it never shares a run with the
timing). The emulator is reset between runs.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import anyio
import anyio.lowlevel
import msgspec

from orgo_async import Orgo
from orgo_async.documents import Template, load_template
from orgo_async.fleet import BuildFleet
from orgo_async.models import BuildEvent, BuildInfo
from orgo_async.testing import EMULATOR_API_KEY

_EVENT = msgspec.json.Decoder(BuildEvent)
_INFO = msgspec.json.Decoder(BuildInfo)
_TARGET_RATIO = 0.70
_TARGET_BYTES_PER_BUILD = 64 * 1024


@dataclass
class Run:
    """One measured run of one side."""

    builds: int
    events: int
    seconds: float
    cpu_seconds: float = 0.0
    """This process's CPU time during the run: robust to other load, unlike ``seconds``."""
    peak_bytes: int | None = None


def documents(prefix: str, count: int) -> list[Template]:
    """``count`` templates of distinct content, so no build reuses another's golden."""
    return [
        load_template(
            {
                "api_version": "orgo.ai/v1",
                "template": {"name": f"{prefix}-{n}", "version": "1.0.0"},
                "build": {"run": [f"echo {prefix} {n}"]},
            }
        )
        for n in range(count)
    ]


async def run_fleet(url: str, templates: list[Template], concurrency: int) -> Run:
    """Publish, build and follow every template with one BuildFleet."""
    events = 0
    async with (
        Orgo(EMULATOR_API_KEY, url, max_connections=concurrency + 8) as orgo,
        BuildFleet(orgo, concurrency=concurrency) as fleet,
    ):
        started = time.perf_counter()

        async def count() -> None:
            nonlocal events
            async for item in fleet.events():
                if item.kind == "log":
                    events += 1

        async with anyio.create_task_group() as group:
            group.start_soon(count)
            # Builds start while later submissions are still checked: subscribe first.
            await anyio.lowlevel.checkpoint()
            for template in templates:
                await fleet.submit(template)
            fleet.close_submissions()
        report = await fleet.wait()
        seconds = time.perf_counter() - started
    if report.totals.ready != len(templates):
        raise SystemExit(f"fleet run failed: {msgspec.json.encode(report.totals).decode()}")
    return Run(builds=len(templates), events=events, seconds=seconds)


async def run_bare(
    url: str, templates: list[Template], concurrency: int, *, final_status: bool = False
) -> Run:
    """The same HTTP work with aiohttp alone: ``concurrency`` workers over a queue.

    With ``final_status`` each worker also reads the build's status once its log ended,
    as the fleet does to report the server's ``build_time_ms`` and ``error``.
    """
    headers = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
    send, receive = anyio.create_memory_object_stream[Template](math.inf)
    for template in templates:
        send.send_nowait(template)
    send.close()
    events = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal events
        async for template in receive.clone():
            # Encoded per build, inside the timing, as the fleet's publish does.
            path, body = template.ref.path, msgspec.json.encode(template.to_dict())
            async with session.post(
                f"{url}/templates", data=body, headers={"Content-Type": "application/json"}
            ) as response:
                response.raise_for_status()
                await response.read()
            async with session.post(f"{url}/templates/{path}/build") as response:
                response.raise_for_status()
                await response.read()
            async with session.get(f"{url}/templates/{path}/build/events") as response:
                response.raise_for_status()
                events += await read_events(response)
            if final_status:
                async with session.get(f"{url}/templates/{path}/build") as response:
                    response.raise_for_status()
                    _INFO.decode(await response.read())

    connector = aiohttp.TCPConnector(limit=concurrency + 8)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        started = time.perf_counter()
        with receive:
            async with anyio.create_task_group() as tg:
                for _ in range(concurrency):
                    tg.start_soon(worker, session)
        seconds = time.perf_counter() - started
    return Run(builds=len(templates), events=events, seconds=seconds)


async def run_bare_with_status(url: str, templates: list[Template], concurrency: int) -> Run:
    """The bare loop plus the final status read: the very requests the fleet sends."""
    return await run_bare(url, templates, concurrency, final_status=True)


async def read_events(response: aiohttp.ClientResponse) -> int:
    """Decode every ``data:`` line of an event stream, reading it in chunks; the count."""
    count = 0
    pending = b""
    async for chunk in response.content.iter_any():
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            if line.startswith(b"data:"):
                _EVENT.decode(line[5:])
                count += 1
    return count


Side = Callable[[str, list[Template], int], Awaitable[Run]]


async def timed(side: Side, url: str, prefix: str, builds: int, concurrency: int) -> Run:
    """One timed run on a fresh emulator state."""
    templates = documents(prefix, builds)
    cpu = time.process_time()
    run = await side(url, templates, concurrency)
    run.cpu_seconds = time.process_time() - cpu
    await reset(url)
    return run


async def peak(side: Side, url: str, prefix: str, builds: int, concurrency: int) -> int:
    """The tracemalloc peak of one run, in bytes (templates are made before tracing)."""
    templates = documents(prefix, builds)
    tracemalloc.start()
    try:
        await side(url, templates, concurrency)
        _, top = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    await reset(url)
    return top


async def reset(url: str) -> None:
    """Forget every template and build, so each run starts from the same emulator state."""
    headers = {"Content-Type": "application/json"}  # control routes take JSON only
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/_emulator/reset", data=b"{}", headers=headers) as r,
    ):
        r.raise_for_status()


def start_emulator(log_lines: int) -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m orgo_async.emulator`` on a free port; its first line is the URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orgo_async.emulator",
            "--port",
            "0",
            "--build-time",
            "0",
            "--log-lines",
            str(log_lines),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http://"):
        process.terminate()
        raise SystemExit(f"the emulator did not start: {url!r}")
    return process, url


SIDES: dict[str, Side] = {
    "fleet": run_fleet,
    "bare": run_bare,
    "bare+st": run_bare_with_status,
}
"""The sides measured, by the name the table shows."""


def _slug(name: str) -> str:
    return name.replace("+", "-")


def rate(run: Run) -> float:
    return run.builds / run.seconds


def table(rows: list[tuple[int, dict[str, Run]]]) -> str:
    """The results as a fixed-width table; ratios are the fleet's builds/s over each side's."""
    head = (
        f"{'conc':>5} {'side':<8} {'builds/s':>9} {'events/s':>9} {'CPU ms/b':>9} "
        f"{'peak MiB':>9} {'KiB/build':>10} {'fleet/x':>8}"
    )
    lines = [head, "-" * len(head)]
    for concurrency, runs in rows:
        fleet = runs["fleet"]
        for name, run in runs.items():
            peak = run.peak_bytes or 0
            against = "" if name == "fleet" else f"{rate(fleet) / rate(run):.2f}"
            lines.append(
                f"{concurrency:>5} {name:<8} {rate(run):>9.1f} {run.events / run.seconds:>9.0f} "
                f"{run.cpu_seconds * 1000 / run.builds:>9.2f} "
                f"{peak / 2**20:>9.2f} {peak / concurrency / 1024:>10.1f} {against:>8}"
            )
        ratio = rate(fleet) / rate(runs["bare"])
        per_build = (fleet.peak_bytes or 0) / concurrency
        verdicts = [
            f"fleet/bare {ratio:.2f} " + ("ok" if ratio >= _TARGET_RATIO else "BELOW 0.70"),
            f"fleet {per_build / 1024:.1f} KiB/build in flight "
            + ("ok" if per_build < _TARGET_BYTES_PER_BUILD else "ABOVE 64"),
        ]
        lines.append(f"{'':>5} targets: {'; '.join(verdicts)}")
    return "\n".join(lines)


async def main_async(args: argparse.Namespace, url: str) -> list[tuple[int, dict[str, Run]]]:
    rows = []
    names = list(SIDES)
    for concurrency in args.concurrency:
        runs: dict[str, list[Run]] = {name: [] for name in names}
        # Interleave the sides, rotating who goes first, so drift in the machine's load
        # (two cores, the emulator on one) hits every side alike; keep each side's median.
        for repeat in range(args.repeat):
            for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
                prefix = f"{_slug(name)}-c{concurrency}-r{repeat}"
                runs[name].append(await timed(SIDES[name], url, prefix, args.builds, concurrency))
        medians = {
            name: sorted(r, key=lambda run: run.seconds)[len(r) // 2] for name, r in runs.items()
        }
        for name, side in SIDES.items():
            prefix = f"{_slug(name)}-c{concurrency}-mem"
            medians[name].peak_bytes = await peak(side, url, prefix, args.builds, concurrency)
        rows.append((concurrency, medians))
        print(table(rows[-1:]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--builds", type=int, default=1000, help="builds per run (default 1000)")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[50, 200], help="default: 50 200"
    )
    parser.add_argument("--log-lines", type=int, default=20, help="log lines per build")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side (median)")
    args = parser.parse_args(argv)
    process, url = start_emulator(args.log_lines)
    try:
        print(
            f"{args.builds} builds x {args.log_lines} log lines, build_time 0, "
            f"emulator in a separate process at {url}",
            flush=True,
        )
        rows = anyio.run(main_async, args, url)
    finally:
        process.terminate()
        process.wait(timeout=10)
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
