"""The live build console: what a followed build or a fleet looks like in the terminal.

Every view takes the same four calls, so the commands feed them without knowing which
one the user gets: ``event(ref, event)`` for each log line, ``state(ref, state)`` when a
fleet moves a build along (``publishing``, ``waiting``, ``building``), ``finished(outcome)``
when a build has ended, and ``close()``. [`make_view`][orgo_async.cli.console.make_view] picks one:

- ``--json``: one JSON line per event and per outcome;
- a terminal with rich installed: a Docker-style log for one build, a live table for a fleet;
- anything else (a pipe, a file, CI, no rich): plain ``ref | phase | line`` text, no ANSI codes.

rich is imported only by the rich views, so the SDK and the plain views never need it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Protocol, TextIO

from orgo_async.cli.output import Output, is_terminal
from orgo_async.fleet.report import BuildOutcome, outcome_status

if TYPE_CHECKING:
    from orgo_async.models import BuildEvent, BuildInfo

__all__ = [
    "BuildView",
    "JSONView",
    "PlainView",
    "make_view",
    "outcome_from_info",
    "rich_available",
    "summary",
    "timestamp",
]


def outcome_from_info(info: BuildInfo, wall_time: float) -> BuildOutcome:
    """Summarise a build's final status as the fleet does, so both report alike."""
    return BuildOutcome(
        ref=info.ref,
        status=outcome_status(info),
        digest=info.digest,
        reused=info.reused,
        build_time_ms=info.build_time_ms,
        error=info.error,
        wall_time=wall_time,
    )


class BuildView(Protocol):
    """Receives a build's events and outcome and shows them."""

    def event(self, ref: str, event: BuildEvent) -> None:
        """Show one log line of ``ref``'s build."""

    def state(self, ref: str, state: str) -> None:
        """Show that a fleet moved ``ref`` to ``state`` (not a terminal one)."""

    def finished(self, outcome: BuildOutcome) -> None:
        """Show that a build ended."""

    def close(self) -> None:
        """Flush and stop any live display; called once, last."""


def rich_available() -> bool:
    """Whether the optional ``rich`` package (the ``cli`` extra) is installed."""
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def make_view(
    output: Output,
    *,
    fleet: bool = False,
    refs: list[str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    timestamps: bool = False,
) -> BuildView:
    """The view that fits the output: JSON lines, rich (on a terminal) or plain text.

    ``timestamps`` shows each line's own time (JSON lines always carry it).
    """
    if output.json:
        return JSONView(output)
    if is_terminal(output.stdout) and rich_available():
        from rich.console import Console

        console = Console(file=output.stdout)
        if fleet:
            from orgo_async.cli.console_fleet import FleetLiveView

            return FleetLiveView(console, refs=refs or [], clock=clock)
        from orgo_async.cli.console_rich import RichBuildLog

        return RichBuildLog(console, timestamps=timestamps)
    return PlainView(output.stdout, timestamps=timestamps)


class PlainView:
    """``ref | phase | line`` text for pipes, files and CI logs; no colours, no cursor moves."""

    def __init__(self, stream: TextIO, *, timestamps: bool = False):
        self._stream = stream
        self._timestamps = timestamps

    def event(self, ref: str, event: BuildEvent) -> None:
        """Write one line (after its time, with ``timestamps``)."""
        level = "" if event.level == "info" else f"{event.level.upper()}: "
        source = f"[{event.source}] " if event.source else ""
        when = f"{timestamp(event.ts)} " if self._timestamps else ""
        self._stream.write(f"{when}{ref} | {event.phase} | {level}{source}{event.line}\n")
        self._stream.flush()

    def state(self, ref: str, state: str) -> None:
        """Write the new state as ``ref | state | building``."""
        self._stream.write(f"{ref} | state | {state}\n")
        self._stream.flush()

    def finished(self, outcome: BuildOutcome) -> None:
        """Write the outcome line."""
        digest = f" (digest {outcome.digest[:12]})" if outcome.digest and outcome.ok else ""
        self._stream.write(f"{outcome.ref} | {outcome.status} | {summary(outcome)}{digest}\n")
        self._stream.flush()

    def close(self) -> None:
        """Nothing to stop."""


class JSONView:
    """``{"type": "event", "ref": ..., ...}`` and ``{"type": "outcome", ...}`` lines."""

    def __init__(self, output: Output):
        self._output = output

    def event(self, ref: str, event: BuildEvent) -> None:
        """Write one event line."""
        self._output.record("event", event, ref=ref)

    def state(self, ref: str, state: str) -> None:
        """Write one state line."""
        self._output.record("state", ref=ref, state=state)

    def finished(self, outcome: BuildOutcome) -> None:
        """Write one outcome line."""
        self._output.record(
            "outcome",
            ref=outcome.ref,
            status=outcome.status,
            ok=outcome.ok,
            wall_time=round(outcome.wall_time, 3),
            digest=outcome.digest,
            reused=outcome.reused,
            build_time_ms=outcome.build_time_ms,
            error=outcome.error,
        )

    def close(self) -> None:
        """Nothing to stop."""


def summary(outcome: BuildOutcome) -> str:
    """One sentence of how a build ended: ``ready in 1.2s``, ``failed after 0.8s: ...``."""
    took = f"{outcome.wall_time:.1f}s"
    if outcome.status == "ready":
        return f"ready in {took}"
    if outcome.status == "reused":
        return "ready at once: reused the golden snapshot"
    if outcome.status == "cancelled":
        return f"cancelled after {took}"
    if outcome.status == "timeout":
        return f"timed out after {took}"
    return f"failed after {took}: {outcome.error or 'unknown error'}"


def timestamp(moment: datetime) -> str:
    """``2026-06-08T17:00:01.250Z``: a log line's time in UTC, to the millisecond."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    text = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
