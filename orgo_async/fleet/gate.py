"""The fleet-wide start gate: one 429 on a build start pauses every new start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import anyio.lowlevel

from orgo_async._retry import Backoff, RetryPolicy

__all__ = ["StartGate"]


class StartGate:
    """A shared deadline every worker passes before it starts a build.

    A rate limit or capacity refusal is a fact about the account, not about one
    build: letting each build retry on its own schedule would hammer the API with
    refusals. The gate keeps one resume time for the whole fleet instead; the
    server's ``Retry-After`` sets it, or the policy's backoff when there is none.
    The backoff grows with consecutive refusals and resets on the next accepted start.

    Args:
        policy: the retry policy whose backoff and ``sleep`` the gate uses.
        clock: monotonic seconds; anyio's clock by default.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        clock: Callable[[], float] = anyio.current_time,
    ):
        self._policy = policy
        self._sleep: Callable[[float], Awaitable[None]] = policy.sleep
        self._clock = clock
        self._resume_at = 0.0
        self._backoff: Backoff | None = None
        self.pauses = 0
        """How many times a refusal closed the gate while it was open."""

    def is_paused(self) -> bool:
        """Whether starts are held back right now."""
        return self._clock() < self._resume_at

    async def wait(self) -> None:
        """Return once starts are allowed; a refusal meanwhile extends the wait."""
        while (delay := self._resume_at - self._clock()) > 0:
            before = self._resume_at
            await self._sleep(delay)
            if self._resume_at == before:
                # The policy's sleep may return early (tests skip waits); only a
                # new refusal should hold this worker back again.
                break
        await anyio.lowlevel.checkpoint()

    def refused(self, retry_after: float | None) -> float:
        """Record a refused start and pause the fleet; returns the pause in seconds."""
        if self._backoff is None:
            self._backoff = self._policy.backoff()
        delay = self._backoff.next_delay(retry_after)
        if delay is None:
            # A hint longer than the policy's cap still pauses the fleet for that
            # long: giving up would fail builds the server only asked to delay.
            delay = retry_after if retry_after is not None else self._policy.max_delay
        now = self._clock()
        if now >= self._resume_at:
            # Refusals of starts sent together extend one pause; they are not new ones.
            self.pauses += 1
        self._resume_at = max(self._resume_at, now + delay)
        return delay

    def accepted(self) -> None:
        """Record an accepted start: the next refusal starts its backoff afresh."""
        self._backoff = None
