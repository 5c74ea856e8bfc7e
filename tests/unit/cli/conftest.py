"""Synthetic build events and outcomes for rendering tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from orgo_async.models import BuildEvent, BuildLevel, BuildPhase

START = datetime(2026, 6, 8, 17, 0, 0, tzinfo=timezone.utc)

EventFactory = Callable[..., BuildEvent]


@pytest.fixture
def make_event() -> EventFactory:
    """Build a BuildEvent ``seconds`` after a fixed start."""

    def make(
        phase: BuildPhase,
        line: str,
        *,
        seconds: float = 0.0,
        level: BuildLevel = "info",
        source: str | None = None,
    ) -> BuildEvent:
        return BuildEvent(
            ts=START + timedelta(seconds=seconds),
            level=level,
            phase=phase,
            line=line,
            source=source,
        )

    return make
