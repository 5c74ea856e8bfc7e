"""Snapshots of what a test may leave behind: asyncio tasks and open file descriptors."""

from __future__ import annotations

import asyncio
import gc
import os
from dataclasses import dataclass

import anyio

__all__ = ["Snapshot", "leaked", "open_fds", "settle_until_clean", "snapshot"]

_FD_DIR = "/proc/self/fd"


def open_fds() -> set[int]:
    """The process's open file descriptors (Linux ``/proc``)."""
    return {int(name) for name in os.listdir(_FD_DIR)}


@dataclass(frozen=True)
class Snapshot:
    """The tasks and descriptors alive at one moment."""

    tasks: frozenset[asyncio.Task[object]]
    fds: frozenset[int]


def snapshot() -> Snapshot:
    """What is alive now, from inside the running loop."""
    gc.collect()
    return Snapshot(tasks=frozenset(asyncio.all_tasks()), fds=frozenset(open_fds()))


async def settle_until_clean(before: Snapshot, *, deadline: float = 5.0) -> Snapshot:
    """Poll until nothing beyond ``before`` is alive, or the deadline passes; the last snapshot.

    Closing a socket finishes on a later loop iteration, so a leak is only a leak if it
    is still there once the loop had a chance to run the callbacks already scheduled.
    """
    now = snapshot()
    with anyio.move_on_after(deadline):
        while not _clean(before, now):
            await anyio.sleep(0.01)
            now = snapshot()
    return now


def _clean(before: Snapshot, now: Snapshot) -> bool:
    current = asyncio.current_task()
    extra_tasks = {t for t in now.tasks - before.tasks if t is not current and not t.done()}
    return not extra_tasks and not (now.fds - before.fds)


def leaked(before: Snapshot, after: Snapshot) -> tuple[list[str], list[str]]:
    """Names of tasks and descriptions of descriptors alive after but not before."""
    current = asyncio.current_task()
    tasks = sorted(
        t.get_name() for t in after.tasks - before.tasks if t is not current and not t.done()
    )
    fds = []
    for fd in sorted(after.fds - before.fds):
        try:
            fds.append(f"{fd} -> {os.readlink(f'{_FD_DIR}/{fd}')}")
        except OSError:
            continue  # closed since the snapshot
    return tasks, fds
