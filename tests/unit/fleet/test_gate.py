"""The fleet-wide start gate: pauses, backoff and counting, on a fake clock."""

from __future__ import annotations

import pytest

from orgo_async._retry import RetryPolicy
from orgo_async.fleet.gate import StartGate


class FakeTime:
    """A clock that only moves when the gate sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay


@pytest.fixture
def time() -> FakeTime:
    """A fresh fake clock."""
    return FakeTime()


def make_gate(time: FakeTime, **policy: float) -> StartGate:
    return StartGate(RetryPolicy(jitter="none", sleep=time.sleep, **policy), clock=time.clock)


async def test_open_gate_does_not_wait(time: FakeTime) -> None:
    """A gate that was never refused lets a start through without sleeping."""
    gate = make_gate(time)
    await gate.wait()
    assert time.sleeps == []
    assert not gate.is_paused()
    assert gate.pauses == 0


async def test_retry_after_pauses_every_start(time: FakeTime) -> None:
    """A refusal with Retry-After holds the next starts until that time has passed."""
    gate = make_gate(time)
    assert gate.refused(3.0) == 3.0
    assert gate.is_paused()
    await gate.wait()
    await gate.wait()
    assert time.sleeps == [3.0]
    assert not gate.is_paused()
    assert gate.pauses == 1


async def test_refusals_while_paused_extend_one_pause(time: FakeTime) -> None:
    """Refusals of starts sent together lengthen the pause but count once."""
    gate = make_gate(time)
    gate.refused(1.0)
    time.now += 0.5
    gate.refused(2.0)
    await gate.wait()
    assert time.now == pytest.approx(102.5)
    assert gate.pauses == 1


async def test_backoff_without_hint_doubles_and_resets(time: FakeTime) -> None:
    """Without Retry-After the pause follows the policy's backoff, reset by an accepted start."""
    gate = make_gate(time, initial_delay=1.0, multiplier=2.0)
    delays = []
    for _ in range(3):
        delays.append(gate.refused(None))
        await gate.wait()
    gate.accepted()
    delays.append(gate.refused(None))
    assert delays == [1.0, 2.0, 4.0, 1.0]
    assert gate.pauses == 4


async def test_hint_longer_than_policy_cap_is_still_honoured(time: FakeTime) -> None:
    """A Retry-After beyond the policy's cap pauses the fleet for that long rather than failing."""
    gate = make_gate(time, max_retry_after=5.0)
    assert gate.refused(30.0) == 30.0
    await gate.wait()
    assert time.sleeps == [30.0]


async def test_sleep_that_returns_early_lets_starts_through() -> None:
    """A policy whose sleep skips waiting (as in tests) does not trap the gate in a loop."""
    skipped: list[float] = []

    async def no_wait(delay: float) -> None:
        skipped.append(delay)

    gate = StartGate(RetryPolicy(sleep=no_wait), clock=lambda: 0.0)
    gate.refused(1.0)
    await gate.wait()
    assert skipped == [1.0]
    assert gate.pauses == 1
