"""What one ``--state`` change costs: the SQLite store's transactions, as the state grows.

Run: ``python benchmarks/state_store.py [--builds 1000] [--lines 20]``.

Writes ``--builds`` builds of ``--lines`` lines each into a fresh store in a temporary
directory, the way the emulator does: per build a publish, a build start, one
transaction per log line (a build with a build time logs its lines one at a time), and
the build's end with its golden. Then one more build logs its lines in batches of 64, as
a build without a build time does. Prints the median and the 99th percentile of each
kind of change over the first and the last tenth of the builds: a cost that grew with
the state would show as a difference between the two.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import msgspec

from orgo_async.emulator.persist import StateStore, StoredBuild, StoredGolden, StoredTemplate
from orgo_async.models import BuildEvent

_DOCUMENT = {
    "api_version": "orgo.ai/v1",
    "template": {"name": "bench", "version": "1.0.0"},
    "hardware": {"cpu": 2, "ram": "4gb"},
    "build": {"apt": ["htop", "git"], "run": ["echo bench"]},
}


def _line(n: int) -> bytes:
    event = BuildEvent(
        ts=datetime.now(timezone.utc),
        level="info",
        phase="install",
        line=f"Get:{n} http://archive.ubuntu.com/ubuntu jammy/main amd64 libfoo{n} [{n} kB]",
        source="apt",
    )
    return msgspec.json.encode(event)


@contextmanager
def _timed(samples: list[float]) -> Iterator[None]:
    """Append the block's duration, in microseconds, to ``samples``."""
    started = time.perf_counter()
    yield
    samples.append((time.perf_counter() - started) * 1e6)


def run(path: Path, builds: int, lines: int) -> dict[str, list[list[float]]]:
    """Microseconds per change, by kind, per build."""
    kinds = ("publish", "build start", "one line", "build end")
    per_build: dict[str, list[list[float]]] = {kind: [] for kind in kinds}
    store = StateStore.open(path)
    try:
        for n in range(builds):
            samples: dict[str, list[float]] = {kind: [] for kind in kinds}
            ref, digest = f"default/bench-{n}@1.0.0", f"{n:064x}"
            template = StoredTemplate(
                ref=ref, digest=digest, published=datetime.now(timezone.utc), document=_DOCUMENT
            )
            with _timed(samples["publish"]):
                store.put_template(template)
            build = StoredBuild(id=f"bld_{n:06d}", ref=ref, digest=digest, status="building")
            with _timed(samples["build start"]):
                store.start_build(build, n + 1)
            for i in range(lines):
                data = [_line(i)]
                with _timed(samples["one line"]):
                    store.add_frames(build.id, i + 1, data)
            golden = StoredGolden(digest=digest, golden_dir="/var/orgo/goldens/x", build_time_ms=9)
            ready = msgspec.structs.replace(build, status="ready", ended=True)
            last = [_line(lines)]
            with _timed(samples["build end"]), store.transaction():
                store.add_frames(ready.id, lines + 1, last)
                store.finish_build(ready)
                store.put_golden(golden)
            for kind in kinds:
                per_build[kind].append(samples[kind])
        batch: list[float] = []
        fast = StoredBuild(id="bld_fast", ref="default/fast@1.0.0", digest="f", status="building")
        store.start_build(fast, builds + 1)
        for first in range(1, 64 * 50, 64):
            data = [_line(i) for i in range(64)]
            with _timed(batch):
                store.add_frames(fast.id, first, data)
        per_build["64 lines"] = [batch]
    finally:
        store.close()
    return per_build


def _summary(samples: list[list[float]]) -> str:
    flat = sorted(sample for build in samples for sample in build)
    p99 = flat[min(len(flat) - 1, int(len(flat) * 0.99))]
    return f"{statistics.median(flat):>8.0f} {p99:>8.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--builds", type=int, default=1000, help="builds written (default 1000)")
    parser.add_argument("--lines", type=int, default=20, help="log lines per build (default 20)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "state.db"
        per_build = run(path, args.builds, args.lines)
        size = path.stat().st_size
    tenth = max(1, args.builds // 10)
    print(f"{args.builds} builds x {args.lines} lines; state {size / 2**20:.1f} MiB at the end")
    head = f"{'change (us)':<12} {'first tenth: median':>21} {'p99':>8}"
    head += f"  {'last tenth: median':>18} {'p99':>8}"
    print(head)
    print("-" * len(head))
    for kind, samples in per_build.items():
        first, last = samples[:tenth], samples[-tenth:]
        if kind == "64 lines":
            first = last = samples
        print(f"{kind:<12} {_summary(first):>30}  {_summary(last):>27}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
