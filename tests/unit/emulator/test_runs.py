"""Test-run previews: stopping, and how long a stopped id is remembered."""

from __future__ import annotations

from orgo_async.emulator import policy
from orgo_async.emulator.runs import Runs


async def test_a_stopped_preview_answers_false_then_is_forgotten_past_the_limit() -> None:
    """Stopping twice says False; only the latest STOPPED_RUNS_REMEMBERED ids are kept."""
    runs = Runs()
    stopped = []
    for _ in range(policy.STOPPED_RUNS_REMEMBERED + 1):
        desktop_id = runs.start("1280x720x24").desktop_id
        assert runs.stop(desktop_id) is True
        stopped.append(desktop_id)
    assert runs.stop(stopped[-1]) is False
    assert runs.stop(stopped[1]) is False
    assert runs.stop(stopped[0]) is None  # the oldest was let go
    assert runs.stop("dsk_unknown") is None
