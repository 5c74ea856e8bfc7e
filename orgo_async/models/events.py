"""Frames of the build log stream."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypeAlias

from orgo_async.models._base import Model

__all__ = ["TERMINAL_PHASES", "BuildEvent", "BuildLevel", "BuildPhase"]

BuildLevel: TypeAlias = Literal["info", "success", "warn", "error"]
BuildPhase: TypeAlias = Literal[
    "publish",
    "compile",
    "boot",
    "install",
    "snapshot",
    "record",
    "archive",
    "ready",
    "cancel",
    "timeout",
]

TERMINAL_PHASES: frozenset[BuildPhase] = frozenset({"ready", "cancel", "timeout"})
"""Phases that end a build's stream; a failed build ends on a ``level="error"`` frame."""


class BuildEvent(Model, frozen=True, kw_only=True, gc=False):
    """One line of a build's log, as one SSE ``data:`` frame carries it."""

    # gc=False: only strings, a datetime and None, so never in a cycle; a fleet decodes
    # hundreds of thousands of these, and untracked they cost the collector nothing.

    ts: datetime
    level: BuildLevel
    phase: BuildPhase
    line: str
    source: str | None = None
