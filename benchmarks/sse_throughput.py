"""Events per second of orgo_async.sse against aiohttp-sse-client, over loopback HTTP.

Run ``python benchmarks/sse_throughput.py [--events N] [--repeats R]``. A local aiohttp
server on 127.0.0.1 streams N build-log frames exactly as the emulator encodes them
(``id: n`` + ``data: {BuildEvent JSON}``); each client reads them all, R times taking turns,
and the medians count (ratios are medians of side-by-side pairs). Rows:

- decoder: SSEDecoder alone on the same bytes in 64 KiB chunks (no network);
- iter_events: our stream layer over HTTP, raw events;
- iter_events+typed: the same, each data decoded into a BuildEvent (decoder built once);
- aiohttp-sse-client: the 0.2.1 EventSource over the same HTTP stream (the baseline).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

import aiohttp
import anyio
import msgspec
from aiohttp import web
from aiohttp_sse_client import client as sse_client

from orgo_async.emulator.buildlog import encode_frame
from orgo_async.models import BuildEvent
from orgo_async.sse import SSEDecoder, iter_events

_CHUNK = 64 * 1024
_PHASES = ("boot", "install", "install", "install", "snapshot", "archive")
_SOURCES = ("builder", "apt", "pip", "npm", None)


def build_body(count: int) -> bytes:
    """``count`` frames like the emulator's build log, with varied realistic lines."""
    start = datetime(2026, 6, 8, 17, 0, 0, tzinfo=timezone.utc)
    frames = []
    for n in range(1, count + 1):
        event = BuildEvent(
            ts=start + timedelta(milliseconds=37 * n),
            level="info",
            phase=_PHASES[n % len(_PHASES)],  # type: ignore[arg-type]
            source=_SOURCES[n % len(_SOURCES)],
            line=f"Setting up package-{n % 977} (2.{n % 31}.{n % 7}-1ubuntu{n % 3}) ...",
        )
        frames.append(encode_frame(n, event))
    return b"".join(frames)


async def read_ours(url: str, session: aiohttp.ClientSession, count: int) -> int:
    """Raw events through iter_events."""
    seen = 0
    async with session.get(url) as response:
        async for _event in iter_events(response):
            seen += 1
    return seen


_BUILD_EVENT = msgspec.json.Decoder(BuildEvent)


async def read_typed(url: str, session: aiohttp.ClientSession, count: int) -> int:
    """Events through iter_events, each decoded into a BuildEvent."""
    decode = _BUILD_EVENT.decode
    seen = 0
    async with session.get(url) as response:
        async for event in iter_events(response):
            decode(event.data)
            seen += 1
    return seen


async def read_baseline(url: str, session: aiohttp.ClientSession, count: int) -> int:
    """Events through aiohttp-sse-client; it reconnects after the end, so stop at count."""
    seen = 0
    async with sse_client.EventSource(url, session=session) as source:
        async for _event in source:
            seen += 1
            if seen == count:
                break
    return seen


Reader = Callable[[str, aiohttp.ClientSession, int], Awaitable[int]]


async def time_reader(
    reader: Reader, url: str, session: aiohttp.ClientSession, count: int
) -> float:
    """Seconds for ``reader`` to read all ``count`` events once."""
    started = time.perf_counter()
    seen = await reader(url, session, count)
    elapsed = time.perf_counter() - started
    if seen != count:
        raise SystemExit(f"{reader.__name__} read {seen} events, expected {count}")
    return elapsed


def time_decoder(chunks: list[bytes], count: int) -> float:
    """Seconds for SSEDecoder alone to parse ``chunks`` once."""
    started = time.perf_counter()
    decoder = SSEDecoder()
    seen = sum(len(decoder.feed(chunk)) for chunk in chunks)
    decoder.close()
    elapsed = time.perf_counter() - started
    if seen != count:
        raise SystemExit(f"decoder read {seen} events, expected {count}")
    return elapsed


async def serve_and_measure(body: bytes, count: int, repeats: int) -> dict[str, list[float]]:
    """Start the loopback server, time every reader, stop the server."""

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for offset in range(0, len(body), _CHUNK):
            await response.write(body[offset : offset + _CHUNK])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/events", stream)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/events"
    readers: dict[str, Reader] = {
        "iter_events": read_ours,
        "iter_events+typed": read_typed,
        "aiohttp-sse-client": read_baseline,
    }
    chunks = [body[i : i + _CHUNK] for i in range(0, len(body), _CHUNK)]
    times: dict[str, list[float]] = {"decoder": [], **{name: [] for name in readers}}
    try:
        async with aiohttp.ClientSession() as session:
            await read_ours(url, session, count)  # warm up: connection, imports, caches
            # Round-robin, so a change in machine load hits every reader alike.
            for _ in range(repeats):
                times["decoder"].append(time_decoder(chunks, count))
                for name, reader in readers.items():
                    times[name].append(await time_reader(reader, url, session, count))
    finally:
        await runner.cleanup()
    return times


def paired(numerators: list[float], denominators: list[float]) -> float:
    """The median ratio of runs made side by side: machine load cancels out of each pair."""
    return statistics.median(a / b for a, b in zip(numerators, denominators, strict=True))


def report(times: dict[str, list[float]], body: bytes, count: int, repeats: int) -> str:
    """The results as a plain-text table with the ratios that matter."""
    baseline = times["aiohttp-sse-client"]
    lines = [
        f"SSE throughput: {count} build-log frames ({len(body) / 1e6:.1f} MB) over loopback, "
        f"{repeats} interleaved runs; Python {platform.python_version()}, "
        f"aiohttp {aiohttp.__version__}, {platform.machine()}",
        f"{'reader':<20} {'median ev/s':>12} {'best ev/s':>12} {'MB/s':>8} {'vs baseline':>12}",
    ]
    for name, values in times.items():
        median = statistics.median(values)
        lines.append(
            f"{name:<20} {count / median:>12,.0f} {count / min(values):>12,.0f}"
            f" {len(body) / median / 1e6:>8.1f} {paired(baseline, values):>11.1f}x"
        )
    speedup = paired(baseline, times["iter_events"])
    overhead = paired(times["iter_events+typed"], times["iter_events"]) - 1
    lines.append(f"iter_events vs aiohttp-sse-client: {speedup:.1f}x (target >= 5x)")
    lines.append(f"typed decoding on top of raw: {overhead:+.0%} (target < 25%)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the measurements, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="frames per stream")
    parser.add_argument("--repeats", type=int, default=9, help="runs per reader; median counts")
    args = parser.parse_args(argv)
    body = build_body(args.events)
    times = anyio.run(serve_and_measure, body, args.events, args.repeats)
    print(report(times, body, args.events, args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
