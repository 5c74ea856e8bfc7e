"""``logs REF``: a build's log, all or its end (``--tail``, ``--since``), followed or not.

The build log stream replays every line logged so far, then goes on live until the build
ends. The API does not say where the replay stops, so the command takes it as over at the
first line timestamped after the moment it asked (by this machine's clock), when the
stream has been quiet for [`QUIET_GAP`][orgo_async.cli._logs.QUIET_GAP] (the replay
arrives in one burst), or when the stream ends (a finished build's log). A server clock
far off this machine's moves that cut by as much; ``--tail`` with ``--follow`` loses no
line either way, since everything after the cut is shown live.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Final

import anyio
import click
from anyio.abc import ObjectSendStream

from orgo_async.cli._params import DURATION, NON_NEGATIVE_INT, default_in_help
from orgo_async.cli._runner import run
from orgo_async.cli.console import make_view
from orgo_async.cli.exits import ExitCode
from orgo_async.cli.templates import REF_HELP
from orgo_async.refs import TemplateRef

if TYPE_CHECKING:
    from orgo_async import Orgo
    from orgo_async.cli.context import CLIContext
    from orgo_async.models import BuildEvent

__all__ = ["FIRST_LINE_WAIT", "QUIET_GAP", "print_log", "register", "run_logs"]

QUIET_GAP: Final = 0.5
"""Seconds without a line after which the replayed part of a live log counts as over."""
FIRST_LINE_WAIT: Final = 5.0
"""Seconds to wait for a first line before a live build's log counts as empty so far."""
# Lines read ahead of the terminal; a full buffer holds the stream back instead of growing.
_BUFFER: Final = 256


def register(group: click.Group) -> None:
    """Add ``logs`` to the ``orgo-async`` group."""

    @group.command(
        short_help="Print a build's log, then follow it until the build ends.",
        help="Print the log of REF's latest build from its first line, then follow it live "
        "until the build ends (Ctrl-C stops reading; the build goes on).\n\n"
        "--no-follow prints what is logged so far and exits. --tail keeps the last N lines "
        "of that; --since only lines timestamped within the last DURATION (90s, 5m, 1h30m, "
        "2d).",
    )
    @click.argument("ref", metavar="REF", help=REF_HELP)
    @click.option(
        "--tail",
        "-n",
        type=NON_NEGATIVE_INT,
        default=None,
        help=default_in_help("Only the last N lines logged so far (then the live ones).", "all"),
    )
    @click.option(
        "--since",
        type=DURATION,
        default=None,
        help=default_in_help("Only lines logged within this long before now.", "all"),
    )
    @click.option("--timestamps", "-t", is_flag=True, help="Show each line's time (UTC).")
    @click.option(
        "--follow/--no-follow",
        default=True,
        help="Keep printing live lines until the build ends.",
    )
    def logs(
        ref: str, tail: int | None, since: timedelta | None, timestamps: bool, follow: bool
    ) -> int:
        return run(run_logs, ref=ref, tail=tail, since=since, timestamps=timestamps, follow=follow)


async def run_logs(
    ctx: CLIContext,
    *,
    ref: str,
    tail: int | None = None,
    since: timedelta | None = None,
    timestamps: bool = False,
    follow: bool = True,
) -> int:
    """``logs REF [--tail N] [--since D] [--timestamps] [--no-follow]``."""
    parsed = TemplateRef.parse(ref)
    cutoff = None if since is None else datetime.now(timezone.utc) - since
    view = make_view(ctx.output, timestamps=timestamps)
    try:
        async with ctx.client() as orgo:
            await print_log(
                orgo,
                parsed,
                lambda event: view.event(str(parsed), event),
                tail=tail,
                cutoff=cutoff,
                follow=follow,
            )
    finally:
        view.close()
    return ExitCode.OK


async def print_log(
    orgo: Orgo,
    ref: TemplateRef,
    show: Callable[[BuildEvent], None],
    *,
    tail: int | None = None,
    cutoff: datetime | None = None,
    follow: bool = True,
) -> None:
    """Show ``ref``'s log lines: the last ``tail`` of those logged so far, then live ones.

    Lines timestamped before ``cutoff`` are skipped. Without ``follow`` it returns once
    the lines logged so far are shown.
    """
    replaying = tail is not None or not follow
    backlog: deque[BuildEvent] = deque(maxlen=tail)
    send, receive = anyio.create_memory_object_stream["BuildEvent"](_BUFFER)
    asked = datetime.now(timezone.utc)
    async with anyio.create_task_group() as group, receive:
        group.start_soon(_read_log, orgo, ref, send)
        seen_any = False
        while True:
            wait = (QUIET_GAP if seen_any else FIRST_LINE_WAIT) if replaying else None
            event: BuildEvent | None = None
            with anyio.move_on_after(wait):
                try:
                    event = await receive.receive()
                except anyio.EndOfStream:
                    break  # the build has ended and every line arrived
            seen_any = seen_any or event is not None
            if replaying and (event is None or _aware(event.ts) > asked):
                # Quiet, or a line logged after we asked: the earlier ones have all arrived.
                replaying = False
                _flush(backlog, show)
                if not follow:
                    group.cancel_scope.cancel()
                    return
            if event is None or (cutoff is not None and _aware(event.ts) < cutoff):
                continue
            if replaying and tail is not None:
                backlog.append(event)
            else:
                show(event)
        _flush(backlog, show)


async def _read_log(orgo: Orgo, ref: TemplateRef, send: ObjectSendStream[BuildEvent]) -> None:
    # The stream is opened, read and closed in this one task: its cancel scopes must be.
    async with send, orgo.builds.events(ref) as events:
        async for event in events:
            await send.send(event)


def _flush(backlog: deque[BuildEvent], show: Callable[[BuildEvent], None]) -> None:
    while backlog:
        show(backlog.popleft())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
