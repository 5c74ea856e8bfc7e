"""When to retry a request and how long to wait first: backoff with jitter, ``Retry-After`` (pure).

Nothing here awaits. :class:`RetryPolicy` computes delays; the transport awaits
``policy.sleep(delay)``, which tests replace with a function that records the delay
and returns at once (see ``orgo_async.testing.NO_WAIT_RETRIES``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Final, Literal, TypeAlias

import anyio

from orgo_async.errors import ConfigurationError

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "RETRYABLE_STATUSES",
    "Backoff",
    "Jitter",
    "RetryPolicy",
    "is_retryable_status",
    "parse_retry_after",
    "retry_after_from_headers",
]

Jitter: TypeAlias = Literal["full", "decorrelated", "none"]
"""How a delay is randomised: AWS's "full" and "decorrelated" jitter, or not at all."""

DEFAULT_MAX_RETRIES: Final = 2
"""Retries after the first attempt, unless the client or the call says otherwise."""

# One generator for every backoff: jitter needs spread, not independence, and seeding a
# fresh random.Random from the OS per request costs more than the request's own bookkeeping.
_JITTER: Final = random.Random()

RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses worth another attempt: timeouts, rate limits and transient server failures.

501 (not implemented) and 505 are 5xx too, but repeating the request cannot change them.
"""


def is_retryable_status(status: int) -> bool:
    """Whether a response with this status may succeed if the request is sent again."""
    return status in RETRYABLE_STATUSES


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date.

    Returns ``None`` when the header is absent or unreadable; a date in the past gives ``0.0``.
    ``now`` is the current time, injectable so the function stays pure.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # float() accepts "nan" and "inf"; neither is a wait anyone can honour.
        if not math.isfinite(seconds):
            return None
        return max(seconds, 0.0)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are always GMT; email.utils leaves "-0000" dates naive.
        when = when.replace(tzinfo=timezone.utc)
    current = now if now is not None else datetime.now(timezone.utc)
    return max((when - current).total_seconds(), 0.0)


def retry_after_from_headers(
    headers: Mapping[str, str], *, now: datetime | None = None
) -> float | None:
    """The ``Retry-After`` hint of a response's headers, in seconds, if it has a readable one."""
    return parse_retry_after(headers.get("Retry-After"), now=now)


async def _sleep(delay: float) -> None:
    await anyio.sleep(delay)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How long to wait between attempts: exponential backoff with jitter and ``Retry-After``.

    The defaults follow Orgo's documented client policy: start at 1 s, double each
    retry, never wait more than 60 s. How many retries happen is the client's
    ``max_retries`` (overridable per call), not the policy's.

    Attributes:
        initial_delay: the base delay before the first retry, in seconds.
        max_delay: the longest computed backoff delay, in seconds.
        multiplier: growth factor of the base delay per retry.
        jitter: ``"full"`` waits a random time in ``[0, base]``; ``"decorrelated"``
            waits a random time in ``[initial_delay, 3 * previous wait]``; ``"none"``
            waits exactly the base.
        max_retry_after: the longest server ``Retry-After`` hint honoured. A longer hint
            means the server will not be ready soon, so the error is raised at once rather
            than retried early into another refusal.
        sleep: awaited with each delay; replace it to record waits or to skip them.
    """

    initial_delay: float = 1.0
    max_delay: float = 60.0
    multiplier: float = 2.0
    jitter: Jitter = "full"
    max_retry_after: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = field(default=_sleep, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigurationError(f"RetryPolicy.{name} must be finite and >= 0: {value!r}")
        if not (math.isfinite(self.multiplier) and self.multiplier >= 1):
            raise ConfigurationError(f"RetryPolicy.multiplier must be >= 1, not {self.multiplier}")
        if self.jitter not in ("full", "decorrelated", "none"):
            raise ConfigurationError(
                f"RetryPolicy.jitter must be full, decorrelated or none, not {self.jitter!r}"
            )

    def backoff(self, rng: random.Random | None = None) -> Backoff:
        """Start the delay sequence of one request's retries."""
        return Backoff(self, rng if rng is not None else _JITTER)


class Backoff:
    """The delays of one request's retries; decorrelated jitter needs the previous delay."""

    def __init__(self, policy: RetryPolicy, rng: random.Random):
        self._policy = policy
        self._rng = rng
        self._base = policy.initial_delay
        self._previous = policy.initial_delay

    def next_delay(self, retry_after: float | None = None) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up now.

        A server's ``retry_after`` hint wins over the computed backoff (waiting less would
        only earn another refusal); one longer than ``max_retry_after`` gives ``None``.
        """
        policy = self._policy
        # Grow the base step by step, capped, so no retry count can overflow a float.
        base, self._base = self._base, min(policy.max_delay, self._base * policy.multiplier)
        if retry_after is not None:
            if retry_after > policy.max_retry_after:
                return None
            self._previous = max(retry_after, policy.initial_delay)
            return retry_after
        base = min(base, policy.max_delay)
        if policy.jitter == "none":
            delay = base
        elif policy.jitter == "full":
            delay = self._rng.uniform(0.0, base)
        else:
            upper = max(policy.initial_delay, self._previous * 3)
            delay = min(policy.max_delay, self._rng.uniform(policy.initial_delay, upper))
        self._previous = delay
        return delay
