"""A followed build in the style of a Docker build console, drawn with rich."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from orgo_async.cli.console import summary, timestamp
from orgo_async.fleet.report import BuildOutcome

if TYPE_CHECKING:
    from orgo_async.models import BuildEvent

__all__ = ["LEVEL_STYLES", "RichBuildLog"]

LEVEL_STYLES: dict[str, str] = {
    "info": "",
    "success": "bold green",
    "warn": "yellow",
    "error": "bold red",
}
"""rich style of a log line, by its level."""

_OUTCOME_STYLES = {"ready": "bold green", "reused": "bold green", "cancelled": "yellow"}


class RichBuildLog:
    """Prints ``=> [phase]`` headers, then levelled lines with elapsed time and source.

    Elapsed time is measured from the build's first event, using the events' own
    timestamps, so a replayed log reads exactly like the live one. With ``timestamps``
    each line shows its own time (UTC) instead.
    """

    def __init__(self, console: Console, *, timestamps: bool = False):
        self._console = console
        self._timestamps = timestamps
        self._started: dict[str, datetime] = {}
        self._last: tuple[str, str] | None = None

    def event(self, ref: str, event: BuildEvent) -> None:
        """Print a phase header when the phase changes, then the line."""
        started = self._started.setdefault(ref, event.ts)
        if self._last != (ref, event.phase):
            # The ref is only worth its width once a second build shares the console.
            who = f"{ref} " if len(self._started) > 1 else ""
            self._console.print(
                Text.assemble(("=> ", "bold blue"), (f"{who}[{event.phase}]", "bold"))
            )
            self._last = (ref, event.phase)
        elapsed = max((event.ts - started).total_seconds(), 0.0)
        when = f"{timestamp(event.ts)} " if self._timestamps else f"{elapsed:7.1f}s "
        line = Text.assemble(
            (when, "dim"),
            (f"{event.source or '':>8} | ", "cyan"),
            (event.line, LEVEL_STYLES.get(event.level, "")),
        )
        self._console.print(line, overflow="fold", highlight=False)

    def state(self, ref: str, state: str) -> None:
        """Mention a wait: the only state change that explains a quiet console."""
        if state == "waiting":
            self._console.print(
                Text(f"=> {ref} waits for the build of the same digest", style="dim")
            )

    def finished(self, outcome: BuildOutcome) -> None:
        """Print the final summary line: a tick or a cross, the ref and how it ended."""
        mark, style = ("✔", _OUTCOME_STYLES.get(outcome.status, "bold red"))
        if not outcome.ok:
            mark = "✘"
        digest = f" (digest {outcome.digest[:12]})" if outcome.digest and outcome.ok else ""
        self._console.print(
            Text.assemble((f"{mark} {outcome.ref} ", style), summary(outcome), (digest, "dim")),
            highlight=False,
        )

    def close(self) -> None:
        """Nothing to stop: every line was printed as it came."""
