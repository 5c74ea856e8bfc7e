"""The emulator's settings, checked once, shared by the CLI and :func:`run_emulator`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from orgo_async.emulator import policy
from orgo_async.errors import ConfigurationError

__all__ = ["EMULATOR_API_KEY", "EMULATOR_FREE_PLAN_KEY", "EmulatorConfig"]

EMULATOR_API_KEY: Final = "sk_test_orgo_async"
"""Default key of the emulator's Scale-plan account."""
EMULATOR_FREE_PLAN_KEY: Final = "sk_test_free_plan"
"""Default key whose plan has no templates: publish, build, cancel and test-run get 403."""


@dataclass(frozen=True, kw_only=True)
class EmulatorConfig:
    """How one emulator behaves.

    Attributes:
        api_key: the Scale-plan key every authenticated call must present.
        free_plan_key: a key that may read but gets 403 on publish, build, cancel and test-run.
        build_time: seconds one build's log is spread over (0: as fast as possible).
        log_lines: each build logs at least this many lines (padded with filler).
        capacity: at most this many builds at once (None: no limit); more get 429.
        seed: seeds every random choice (faults, filler) for reproducible runs.
        fault_429: probability that an API request is answered 429 instead.
        fault_5xx: probability that an API request is answered with a 5xx instead.
        drop_stream: probability, per SSE frame, that the connection is cut mid-frame.
        latency_ms: delay added to every API request.
        state_file: where published templates and finished builds survive restarts.
        build_timeout: a build still running after this many seconds ends on ``timeout``.
        keepalive: seconds of quiet after which an SSE stream sends a comment.
        validate_wants_wrapped: validate answers a raw document 400 "template required"
            and takes only ``{"template": doc}``, as servers seen in the field do.
        validate_invalid_422: validate answers an invalid document 422 (the other status
            the docs list) instead of 200 with ``ok: false``.
    """

    api_key: str = EMULATOR_API_KEY
    free_plan_key: str | None = EMULATOR_FREE_PLAN_KEY
    build_time: float = 0.0
    log_lines: int = 20
    capacity: int | None = None
    seed: int | None = None
    fault_429: float = 0.0
    fault_5xx: float = 0.0
    drop_stream: float = 0.0
    latency_ms: int = 0
    state_file: Path | None = None
    build_timeout: float = policy.DEFAULT_BUILD_TIMEOUT_S
    keepalive: float = policy.KEEPALIVE_S
    # Documented or field-observed server behaviours that are not the default.
    validate_wants_wrapped: bool = False
    validate_invalid_422: bool = False

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ConfigurationError("the emulator needs a non-empty api_key")
        if self.free_plan_key is not None and self.free_plan_key == self.api_key:
            raise ConfigurationError("free_plan_key must differ from api_key")
        for name in ("fault_429", "fault_5xx", "drop_stream"):
            check_probability(name, getattr(self, name))
        longest = policy.MAX_DURATION_S
        for name in ("build_time", "build_timeout", "keepalive"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value <= longest):
                raise ConfigurationError(
                    f"{name} must be a number of seconds from 0 to {longest:g}, not {value!r}"
                )
        if self.build_timeout == 0:
            raise ConfigurationError("build_timeout must be greater than 0")
        if self.keepalive < policy.MIN_KEEPALIVE_S:
            raise ConfigurationError(f"keepalive must be at least {policy.MIN_KEEPALIVE_S:g}s")
        _check_count("log_lines", self.log_lines, policy.MAX_LOG_LINES)
        _check_count("latency_ms", self.latency_ms, policy.MAX_LATENCY_MS)
        if self.capacity is not None:
            _check_count("capacity", self.capacity, None)

    @staticmethod
    def state_path(value: str | os.PathLike[str] | None) -> Path | None:
        """Turn a ``--state`` argument into a path (None stays None)."""
        return None if value is None else Path(value)


def _check_count(name: str, value: int, most: int | None) -> None:
    if not isinstance(value, int) or value < 0 or (most is not None and value > most):
        upper = "" if most is None else f" and <= {most:,}"
        raise ConfigurationError(f"{name} must be a whole number >= 0{upper}, not {value!r}")


def check_probability(name: str, value: float) -> None:
    """Raise :class:`ConfigurationError` unless ``value`` is a probability."""
    if not (isinstance(value, (int, float)) and 0.0 <= value <= 1.0):
        raise ConfigurationError(f"{name} must be a probability between 0 and 1, not {value!r}")
