"""Test-run previews: short-lived computers started from a ready build."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import anyio

from orgo_async.emulator import policy
from orgo_async.models import TemplateRun

__all__ = ["RunCapacityReached", "Runs"]


class RunCapacityReached(Exception):
    """Every preview slot is taken."""


@dataclass
class _Preview:
    run: TemplateRun
    expires: float


class Runs:
    """Live previews by ``desktop_id``; idle ones are reaped when next looked at."""

    def __init__(self) -> None:
        self._live: dict[str, _Preview] = {}
        # Stopped ids answer "stopped: false" for a while; only the latest few are kept,
        # so a long-running emulator does not grow with every preview it ever ran.
        self._stopped: dict[str, None] = {}

    def start(self, resolution: str) -> TemplateRun:
        """Boot a preview.

        Raises:
            RunCapacityReached: :data:`~orgo_async.emulator.policy.MAX_TEST_RUNS` are running.
        """
        self._reap()
        if len(self._live) >= policy.MAX_TEST_RUNS:
            raise RunCapacityReached
        desktop_id = f"dsk_{secrets.token_hex(8)}"
        run = TemplateRun(
            id=f"vm_{secrets.token_hex(8)}",
            desktop_id=desktop_id,
            status="running",
            vnc_password=secrets.token_urlsafe(12),
            public_host="127.0.0.1",
            resolution=resolution,
        )
        self._live[desktop_id] = _Preview(run, anyio.current_time() + policy.TEST_RUN_IDLE_S)
        return run

    def stop(self, desktop_id: str) -> bool | None:
        """Stop a preview: True if it was running, False if already stopped, None if unknown."""
        self._reap()
        if self._live.pop(desktop_id, None) is not None:
            self._remember_stopped(desktop_id)
            return True
        return False if desktop_id in self._stopped else None

    def clear(self) -> None:
        """Stop every preview and forget them all."""
        self._live.clear()
        self._stopped.clear()

    def _reap(self) -> None:
        now = anyio.current_time()
        for desktop_id, preview in list(self._live.items()):
            if preview.expires <= now:
                del self._live[desktop_id]
                self._remember_stopped(desktop_id)

    def _remember_stopped(self, desktop_id: str) -> None:
        self._stopped[desktop_id] = None
        if len(self._stopped) > policy.STOPPED_RUNS_REMEMBERED:
            del self._stopped[next(iter(self._stopped))]  # the oldest
