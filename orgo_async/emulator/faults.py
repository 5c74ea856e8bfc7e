"""Faults on purpose: random 429/5xx, latency, streams cut mid-frame, and scripted injections.

Every random choice comes from its own generator seeded from ``seed``, so turning one
kind of fault on does not change the sequence of another, and a run is reproducible.
A faulted request never reaches its handler: retrying it is always safe.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import msgspec

from orgo_async.emulator import policy
from orgo_async.emulator.config import EmulatorConfig, check_probability
from orgo_async.errors import ConfigurationError

__all__ = ["FaultResponse", "FaultSettings", "Faults", "Injection", "StreamCut"]

_DEFAULT_MESSAGES = {
    429: "Rate limit exceeded; retry later.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service temporarily unavailable.",
    504: "Gateway timeout.",
}


class FaultSettings(msgspec.Struct, kw_only=True):
    """Probabilities and delay applied to every API request (``/_emulator`` excluded)."""

    fault_429: float = 0.0
    fault_5xx: float = 0.0
    drop_stream: float = 0.0
    latency_ms: int = 0

    @classmethod
    def of(cls, config: EmulatorConfig) -> FaultSettings:
        """The fault settings ``config`` asks for."""
        return cls(
            fault_429=config.fault_429,
            fault_5xx=config.fault_5xx,
            drop_stream=config.drop_stream,
            latency_ms=config.latency_ms,
        )

    def check(self) -> None:
        """Raise :class:`ConfigurationError` for a value out of range."""
        for name in ("fault_429", "fault_5xx", "drop_stream"):
            check_probability(name, getattr(self, name))
        if self.latency_ms < 0:
            raise ConfigurationError("latency_ms must be >= 0")


class Injection(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Answer the next ``count`` requests of ``route`` with ``status`` (scripted fault).

    ``route`` is ``"METHOD /path/{template}"`` as the statistics name it, such as
    ``"POST /templates/{namespace}/{name}/{version}/build"``, or ``"*"`` for any API route.
    """

    route: str
    status: int
    count: int = 1
    retry_after: int | None = None
    message: str | None = None

    def check(self) -> None:
        """Raise :class:`ConfigurationError` for an impossible injection."""
        if not 400 <= self.status <= 599:
            raise ConfigurationError("an injected status must be between 400 and 599")
        longest = int(policy.MAX_DURATION_S)
        retry_after = 0 if self.retry_after is None else self.retry_after
        if self.count < 1 or not 0 <= retry_after <= longest:
            raise ConfigurationError(f"count must be >= 1 and retry_after from 0 to {longest}")


class StreamCut(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Cut the next ``count`` build-event streams mid-frame after ``after`` whole frames."""

    after: int
    count: int = 1

    def check(self) -> None:
        """Raise :class:`ConfigurationError` for an impossible cut."""
        if self.after < 0 or self.count < 1:
            raise ConfigurationError("after must be >= 0 and count >= 1")


@dataclass(frozen=True)
class FaultResponse:
    """The error a faulted request gets instead of its answer."""

    status: int
    message: str
    retry_after: int | None


class Faults:
    """The fault state of one emulator."""

    def __init__(self, settings: FaultSettings, seed: int | None):
        self.settings = settings
        self.injections: list[Injection] = []
        self.cuts: list[StreamCut] = []
        self.reseed(seed)

    def reseed(self, seed: int | None) -> None:
        """Restart every random sequence from ``seed`` (None: unpredictable)."""
        self.seed = seed

        def rng(kind: str) -> random.Random:
            return random.Random(f"{seed}:{kind}") if seed is not None else random.Random()

        self._rng_429, self._rng_5xx, self._rng_drop = rng("429"), rng("5xx"), rng("drop")

    def clear(self) -> None:
        """Turn every fault off and forget scripted injections and cuts."""
        self.settings = FaultSettings()
        self.injections.clear()
        self.cuts.clear()

    def pick(self, route: str) -> FaultResponse | None:
        """The fault this request of ``route`` gets, if any; consumes a scripted injection."""
        for injection in self.injections:
            if injection.route in (route, "*"):
                injection.count -= 1
                if injection.count <= 0:
                    self.injections.remove(injection)
                return self._response(injection.status, injection.retry_after, injection.message)
        if self.settings.fault_429 and self._rng_429.random() < self.settings.fault_429:
            return self._response(429, None, None)
        if self.settings.fault_5xx and self._rng_5xx.random() < self.settings.fault_5xx:
            return self._response(self._rng_5xx.choice(policy.FAULT_5XX_STATUSES), None, None)
        return None

    def take_cut(self) -> int | None:
        """For a new stream: after how many frames to cut it, if a cut is scripted."""
        if not self.cuts:
            return None
        cut = self.cuts[0]
        cut.count -= 1
        if cut.count <= 0:
            self.cuts.pop(0)
        return cut.after

    def drop_now(self) -> bool:
        """Whether to cut the stream in the middle of the frame about to be sent."""
        p = self.settings.drop_stream
        return bool(p) and self._rng_drop.random() < p

    @staticmethod
    def _response(status: int, retry_after: int | None, message: str | None) -> FaultResponse:
        if retry_after is None and status in (429, 503):
            retry_after = policy.FAULT_RETRY_AFTER_S
        text = message or _DEFAULT_MESSAGES.get(status, f"Injected error {status}.")
        return FaultResponse(status, text, retry_after)
