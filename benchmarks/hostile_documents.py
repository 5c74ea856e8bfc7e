"""Hostile and large template documents: what they cost, and how long they hold an event loop.

Run: ``python benchmarks/hostile_documents.py [--timeout 120] [--only NAME ...]``.

Two tables, both for the orgo_async on ``sys.path`` (point ``PYTHONPATH`` at another
checkout to measure it the same way; only public names are used, and ``submit`` is
awaited when it returns an awaitable):

- **documents**: each document is parsed with ``parse_document`` in a fresh subprocess, so a
  bomb that would run for minutes is cut at ``--timeout``. The child times the parse with a
  monotonic clock and reports how far its peak RSS grew past what it held before (no
  tracemalloc: tracing makes pure-Python parsing three times slower).
- **event loop**: a heartbeat task wakes every millisecond on the loop that runs an
  in-process emulator and a client; its largest gap is measured while (a) a
  ``BuildFleet`` submits each document and (b) the emulator answers
  ``POST /templates/validate`` with each document as the body (sent with bare aiohttp, so
  only the server parses). The gap is what every other task on that loop waits.
"""

from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import aiohttp
import anyio

HEAD = "api_version: orgo.ai/v1\nname: {name}@1.0.0\n"


def merge_bomb(levels: int, width: int, keys: int = 10) -> str:
    """Each level merges ``width`` aliases of the one before: ``keys * width**levels`` pairs."""
    first = ", ".join(f"k{i}: {i}" for i in range(keys))
    lines = [f"x-0: &a0 {{{first}}}"]
    for level in range(1, levels + 1):
        lines.append(f"x-{level}: &a{level} {{<<: [{','.join([f'*a{level - 1}'] * width)}]}}")
    return HEAD.format(name="merge") + "\n".join(lines) + "\n"


def big_yaml(size: int, name: str = "big") -> str:
    """A valid template of about ``size`` bytes: one long ``build.apt`` list."""
    head = f"api_version: orgo.ai/v1\nname: {name}@1.0.0\nbuild:\n  apt:\n"
    line = "    - package-with-a-rather-long-name-{:07d}\n"
    return head + "".join(line.format(i) for i in range((size - len(head)) // len(line.format(0))))


DOCUMENTS: dict[str, str] = {
    "merge bomb, 5 levels of 9": merge_bomb(5, 9),
    "merge bomb, 5 levels of 15": merge_bomb(5, 15),
    "merge bomb, 5 levels of 20": merge_bomb(5, 20),
    "flat list, 200k nodes": HEAD.format(name="flat") + "x: [" + "1," * 200_000 + "1]\n",
    "nested flow lists, 1 MB": HEAD.format(name="deep")
    + "x: ["
    + ("[" * 60 + "]" * 60 + ",") * 8_000
    + "1]\n",
    "cpu: !!int two": HEAD.format(name="word") + "hardware:\n  cpu: !!int two\n",
    "disk_gb: 5,000 hex digits": HEAD.format(name="hex")
    + "hardware:\n  disk_gb: 0x"
    + "f" * 5000
    + "\n",
    "valid YAML, 990 KB": big_yaml(990_000),
    "valid YAML, 2 MB": big_yaml(2_000_000),
}
# The event-loop table uses the documents that take long without the bounds but not minutes.
LOOP_DOCUMENTS = ("merge bomb, 5 levels of 9", "disk_gb: 5,000 hex digits", "valid YAML, 990 KB")

_CHILD = """
import json, resource, sys, time
from orgo_async.documents import parse_document
text = sys.stdin.read()
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()
before = rss()
start = time.monotonic()
try:
    parse_document(text)
    outcome = "parsed"
except Exception as exc:
    outcome = type(exc).__name__ + ": " + str(exc)[:60]
seconds = time.monotonic() - start
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
print(json.dumps({"seconds": seconds, "mib": max(grown, 0) / 2**20, "outcome": outcome}))
"""


def measure_document(text: str, timeout: float) -> dict[str, Any]:
    """Parse ``text`` in a subprocess; its time, peak memory growth and outcome."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": None, "mib": None, "outcome": f"still running after {timeout:.0f} s"}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def largest_gap(work: Callable[[], Awaitable[None]]) -> float:
    """The longest the event loop went without running a 1 ms heartbeat, while ``work`` ran."""
    gap = 0.0
    async with anyio.create_task_group() as group:

        async def heartbeat() -> None:
            nonlocal gap
            last = time.monotonic()
            while True:
                await anyio.sleep(0.001)
                now = time.monotonic()
                gap = max(gap, now - last)
                last = now

        group.start_soon(heartbeat)
        await anyio.sleep(0.01)
        await work()
        group.cancel_scope.cancel()
    return gap


async def loop_gaps(names: list[str]) -> dict[str, tuple[float, float]]:
    """Per document: the largest heartbeat gap while a fleet submits it, and while the
    emulator validates it."""
    from orgo_async import Orgo
    from orgo_async.fleet import BuildFleet
    from orgo_async.testing import EMULATOR_API_KEY, run_emulator

    gaps: dict[str, tuple[float, float]] = {}
    async with run_emulator() as url, Orgo(EMULATOR_API_KEY, url) as orgo:
        for name in names:
            text = DOCUMENTS[name]

            async def submit(text: str = text) -> None:
                async with BuildFleet(orgo) as fleet:
                    # Whatever the code measured raises (older versions raised ValueError
                    # for some of these), only the time the loop was held matters here.
                    with suppress(Exception):
                        handle = fleet.submit(text, publish=False)
                        if inspect.isawaitable(handle):
                            await handle
                    fleet.cancel()

            async def validate(text: str = text) -> None:
                async with (
                    aiohttp.ClientSession() as session,
                    session.post(
                        f"{url}/templates/validate",
                        data=text.encode(),
                        headers={
                            "Authorization": f"Bearer {EMULATOR_API_KEY}",
                            "Content-Type": "application/yaml",
                        },
                    ) as response,
                ):
                    await response.read()

            gaps[name] = (await largest_gap(submit), await largest_gap(validate))
    return gaps


def main() -> None:
    """Print both tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per document")
    parser.add_argument("--only", nargs="*", default=None, help="document names to measure")
    args = parser.parse_args()
    names = [name for name in DOCUMENTS if args.only is None or name in args.only]
    print(f"{'document':28} {'bytes':>9} {'seconds':>8} {'MiB':>7}  outcome")
    for name in names:
        text = DOCUMENTS[name]
        result = measure_document(text, args.timeout)
        seconds = "-" if result["seconds"] is None else f"{result['seconds']:.3f}"
        mib = "-" if result["mib"] is None else f"{result['mib']:.1f}"
        print(f"{name:28} {len(text.encode()):9,} {seconds:>8} {mib:>7}  {result['outcome']}")
    loop_names = [name for name in LOOP_DOCUMENTS if name in names]
    if loop_names:
        print(f"\n{'largest event-loop gap (ms)':40} {'fleet.submit':>12} {'validate':>9}")
        for name, (submit, validate) in anyio.run(loop_gaps, loop_names).items():
            print(f"{name:40} {submit * 1000:12.1f} {validate * 1000:9.1f}")


if __name__ == "__main__":
    main()
