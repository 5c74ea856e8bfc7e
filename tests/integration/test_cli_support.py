"""Shared helpers of the CLI tests (no tests here): emulator thread, template files, runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from anyio.from_thread import start_blocking_portal

from orgo_async.testing import run_emulator


@dataclass(frozen=True)
class Run:
    """What one CLI invocation produced."""

    code: int
    out: str
    err: str

    def records(self) -> list[dict[str, Any]]:
        """stdout parsed as JSON lines (fails the test if any line is not JSON)."""
        return [msgspec.json.decode(line) for line in self.out.splitlines() if line]


@contextmanager
def emulator_thread(**options: Any) -> Iterator[str]:
    """Run an emulator on its own event loop in a thread, so sync code can call ``main()``."""
    with (
        start_blocking_portal(backend="asyncio") as portal,
        portal.wrap_async_context_manager(run_emulator(**options)) as url,
    ):
        yield url


def write_template(
    folder: Path,
    name: str,
    version: str = "1.0.0",
    *,
    run: list[str] | None = None,
    apt: list[str] | None = None,
    filename: str | None = None,
) -> Path:
    """Write a small valid template (sugar form) and return its path."""
    lines = ["api_version: orgo.ai/v1", f"name: {name}@{version}", "cpu: 2", "ram: 4gb"]
    if run or apt:
        lines.append("build:")
        if apt:
            lines.append(f"  apt: [{', '.join(apt)}]")
        if run:
            lines.append("  run:")
            lines += [f"    - {msgspec.json.encode(step).decode()}" for step in run]
    path = folder / (filename or f"{name}-{version}.yaml")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
