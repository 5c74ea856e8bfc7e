"""Counters the control routes report: requests by route and status, builds and streams."""

from __future__ import annotations

from collections import Counter, defaultdict

import msgspec

__all__ = ["BuildSummary", "Stats", "StatsReport", "StreamStats"]


class BuildSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One finished build: how it ended and how many log lines it emitted."""

    id: str
    ref: str
    digest: str
    outcome: str
    lines: int


class StreamStats(msgspec.Struct, kw_only=True):
    """Build-event streams: connections opened, frames sent, connections cut on purpose."""

    opened: int = 0
    frames: int = 0
    cut: int = 0


class StatsReport(msgspec.Struct, frozen=True, kw_only=True):
    """Body of ``GET /api/_emulator/stats``.

    Attributes:
        requests: ``"METHOD /path/{template}"`` -> status code (as text) -> count.
        outcomes: build outcome (ready, reused, failed, cancelled, timeout, interrupted) -> count.
        builds: every finished build since the last reset, oldest first.
        building: builds in flight now.
        streams: SSE connection counters.
    """

    requests: dict[str, dict[str, int]]
    outcomes: dict[str, int]
    builds: list[BuildSummary]
    building: int
    streams: StreamStats


class Stats:
    """Mutable counters, read as a :class:`StatsReport`."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start every counter again from zero."""
        self._requests: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._outcomes: Counter[str] = Counter()
        self._builds: list[BuildSummary] = []
        self.streams = StreamStats()

    def request(self, route: str, status: int) -> None:
        """Count one answered request."""
        self._requests[route][str(status)] += 1

    def build_finished(self, summary: BuildSummary) -> None:
        """Count one build that reached its final state."""
        self._outcomes[summary.outcome] += 1
        self._builds.append(summary)

    def report(self, *, building: int) -> StatsReport:
        """A snapshot of every counter."""
        return StatsReport(
            requests={
                route: dict(sorted(c.items())) for route, c in sorted(self._requests.items())
            },
            outcomes=dict(sorted(self._outcomes.items())),
            builds=list(self._builds),
            building=building,
            streams=StreamStats(
                opened=self.streams.opened, frames=self.streams.frames, cut=self.streams.cut
            ),
        )
