"""A fleet of builds on a terminal: a live table of every build with the merged log tail below."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from orgo_async.cli.console_rich import LEVEL_STYLES
from orgo_async.cli.report import report_table
from orgo_async.fleet.report import BuildOutcome

if TYPE_CHECKING:
    from orgo_async.models import BuildEvent

__all__ = ["FleetLiveView"]

_PHASES = ("publish", "compile", "boot", "install", "snapshot", "record", "archive", "ready")
_STATUS_STYLES = {
    "queued": "dim",
    "publishing": "dim cyan",
    "waiting": "magenta",
    "building": "cyan",
    "ready": "bold green",
    "reused": "green",
    "failed": "bold red",
    "error": "bold red",
    "cancelled": "yellow",
    "timeout": "yellow",
}
# Redraws are cheap but not free; a build can emit hundreds of lines a second.
_MIN_REDRAW_INTERVAL = 0.05


@dataclass
class _Row:
    ref: str
    phase: str = "-"
    lines: int = 0
    started: float | None = None
    elapsed: float | None = None
    status: str = "queued"


class FleetLiveView:
    """Keeps one row per build and the last log lines of all of them, redrawn in place.

    The table is redrawn on events (at most every 50 ms) and on
    [`tick`][orgo_async.cli.console_fleet.FleetLiveView.tick], which the command calls a
    few times a second so elapsed times move while a build is quiet. When the fleet ends,
    [`close`][orgo_async.cli.console_fleet.FleetLiveView.close] leaves the final table on
    screen and prints the report.

    Args:
        console: where to draw.
        refs: builds known up front, shown as ``queued`` until their first event.
        clock: monotonic seconds; tests pass a fake one.
        tail: how many merged log lines to keep under the table.
    """

    def __init__(
        self,
        console: Console,
        *,
        refs: list[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        tail: int = 8,
    ):
        self._console = console
        self._clock = clock
        self._rows: dict[str, _Row] = {ref: _Row(ref) for ref in refs or []}
        self._tail: deque[Text] = deque(maxlen=tail)
        self._outcomes: list[BuildOutcome] = []
        self._live: Live | None = None
        self._last_redraw = 0.0

    def event(self, ref: str, event: BuildEvent) -> None:
        """Record one log line: the build's phase and line count, and the merged tail."""
        row = self._row(ref)
        if row.started is None:
            row.started = self._clock()
        row.phase = event.phase
        row.lines += 1
        if row.status in {"queued", "publishing", "waiting"}:
            row.status = "building"  # a log line means the build runs, whatever came before
        self._tail.append(
            Text.assemble(
                (f"{ref} ", "cyan"),
                (f"{event.phase:>8} | ", "dim"),
                (event.line, LEVEL_STYLES.get(event.level, "")),
                overflow="ellipsis",
                no_wrap=True,
            )
        )
        self._redraw()

    def state(self, ref: str, state: str) -> None:
        """Show the build's new place in the fleet (``publishing``, ``waiting``...)."""
        self._row(ref).status = state
        self._redraw(force=True)

    def finished(self, outcome: BuildOutcome) -> None:
        """Mark a build as ended with its outcome."""
        row = self._row(outcome.ref)
        row.status = outcome.status
        row.elapsed = outcome.wall_time
        self._outcomes.append(outcome)
        self._redraw(force=True)

    def tick(self) -> None:
        """Redraw so elapsed times move even when no build prints anything."""
        self._redraw(force=True)

    def close(self) -> None:
        """Stop the live display (its last frame stays) and print the report."""
        if self._live is not None:
            self._live.refresh()
            self._live.stop()
            self._live = None
        if self._outcomes:
            self._console.print(report_table(self._outcomes))

    def render(self) -> RenderableType:
        """The current frame: the build table, then the merged log tail."""
        table = Table(box=None, pad_edge=False, expand=False, header_style="bold")
        table.add_column("BUILD", no_wrap=True)
        table.add_column("PHASE", no_wrap=True)
        table.add_column("LINES", justify="right")
        table.add_column("ELAPSED", justify="right")
        table.add_column("STATUS", no_wrap=True)
        now = self._clock()
        for row in self._rows.values():
            if row.elapsed is not None:
                elapsed = f"{row.elapsed:.1f}s"
            elif row.started is not None:
                elapsed = f"{now - row.started:.1f}s"
            else:
                elapsed = "-"
            table.add_row(
                row.ref,
                _phase_text(row.phase),
                str(row.lines),
                elapsed,
                Text(row.status, style=_STATUS_STYLES.get(row.status, "")),
            )
        if not self._tail:
            return table
        return Group(table, Text("─" * 20, style="dim"), *self._tail)

    def _row(self, ref: str) -> _Row:
        row = self._rows.get(ref)
        if row is None:
            row = self._rows[ref] = _Row(ref)
        return row

    def _redraw(self, *, force: bool = False) -> None:
        now = self._clock()
        if not force and now - self._last_redraw < _MIN_REDRAW_INTERVAL:
            return
        self._last_redraw = now
        if self._live is None:
            # No refresh thread: the command's own task group drives redraws via tick().
            self._live = Live(
                get_renderable=self.render,
                console=self._console,
                auto_refresh=False,
                transient=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        self._live.refresh()


def _phase_text(phase: str) -> str:
    if phase in _PHASES:
        return f"{phase} ({_PHASES.index(phase) + 1}/{len(_PHASES)})"
    return phase
