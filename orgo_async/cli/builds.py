"""Build commands: ``publish [--build]``, ``build [--follow]``, ``status``, ``cancel``, ``logs``."""

from __future__ import annotations

import argparse
import time
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from orgo_async.cli.console import BuildView, make_view, outcome_from_info
from orgo_async.cli.exits import ExitCode
from orgo_async.cli.templates import check_distinct_refs, load_files, report_problems
from orgo_async.errors import (
    APIConnectionError,
    BuildError,
    NotFoundError,
    OrgoError,
    StreamError,
)
from orgo_async.fleet.report import BuildOutcome
from orgo_async.models import TERMINAL_STATUSES, BuildInfo
from orgo_async.refs import TemplateRef

if TYPE_CHECKING:
    from orgo_async import Orgo
    from orgo_async.cli.context import CLIContext

__all__ = ["follow_build", "register", "run_publish"]

# How long cleanup calls (cancelling a build on Ctrl-C) may take before the CLI gives up.
CLEANUP_TIMEOUT = 5.0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the build commands to the ``orgo-async`` parser."""
    publish = commands.add_parser(
        "publish",
        help="publish template files (validated locally first)",
        description="Validate every file locally, then publish each one. Nothing is published "
        "when any file is invalid. Identical content at an existing ref is not an error.",
    )
    publish.add_argument("files", nargs="+", metavar="FILE", type=Path)
    publish.add_argument(
        "--build", action="store_true", help="build each published version and follow the builds"
    )
    publish.add_argument(
        "--force", action="store_true", help="replace different content already at the same ref"
    )
    publish.set_defaults(handler=run_publish)

    build = commands.add_parser(
        "build",
        help="build a published version's golden snapshot",
        description="Start the build of REF. With --follow, stream its log until it ends "
        "(exit 1 if it failed); Ctrl-C then cancels the build on the server (exit 130).",
    )
    build.add_argument("ref", metavar="REF")
    build.add_argument("--follow", "-f", action="store_true", help="stream the log until it ends")
    build.set_defaults(handler=run_build)

    status = commands.add_parser("status", help="show the build status of a version")
    status.add_argument("ref", metavar="REF")
    status.set_defaults(handler=run_status)

    cancel = commands.add_parser("cancel", help="cancel a running build")
    cancel.add_argument("ref", metavar="REF")
    cancel.set_defaults(handler=run_cancel)

    logs = commands.add_parser(
        "logs",
        help="print a build's log (the whole log so far, then live lines until it ends)",
    )
    logs.add_argument("ref", metavar="REF")
    logs.set_defaults(handler=run_logs)


async def follow_build(
    orgo: Orgo,
    ref: TemplateRef,
    view: BuildView,
    *,
    started: BuildInfo | None = None,
    cancel_on_interrupt: bool = True,
    t0: float | None = None,
) -> BuildOutcome:
    """Stream ``ref``'s build log into ``view`` until the build ends; return how it ended.

    If the command is cancelled (Ctrl-C) while following and ``cancel_on_interrupt`` is
    set, the build is cancelled on the server first, within :data:`CLEANUP_TIMEOUT`.
    """
    t0 = time.monotonic() if t0 is None else t0
    try:
        if started is not None and started.status in TERMINAL_STATUSES:
            info = started  # a reused golden: ready at once, nothing to stream
        else:
            try:
                async with orgo.builds.events(ref) as events:
                    async for event in events:
                        view.event(str(ref), event)
            except NotFoundError:
                pass  # no log for this version; its status still says how it ended
            except (StreamError, APIConnectionError):
                pass  # reconnects gave up: the rest of the log is lost, not the build
            info = await _final_status(orgo, ref)
    except anyio.get_cancelled_exc_class():
        if cancel_on_interrupt:
            await _cancel_quietly(orgo, ref)
        raise
    outcome = outcome_from_info(info, time.monotonic() - t0)
    view.finished(outcome)
    return outcome


async def _cancel_quietly(orgo: Orgo, ref: TemplateRef) -> None:
    """Cancel ``ref``'s build on the server, shielded and time-boxed, on the way out of a cancel.

    Best effort: a cancel that fails must not replace the interrupt (exit 130) with its own
    error; the build then ends on its own on the server.
    """
    with anyio.move_on_after(CLEANUP_TIMEOUT, shield=True), suppress(OrgoError):
        await orgo.builds.cancel(ref)


async def _final_status(orgo: Orgo, ref: TemplateRef) -> BuildInfo:
    """The build's status once it has ended; the stream can end a moment before it settles.

    ``wait()`` raises for a build that did not end ready; its error carries the status.
    """
    info = await orgo.builds.status(ref)
    if info.status in TERMINAL_STATUSES:
        return info
    try:
        # follow_build decides about cancelling on the server (cancel_on_interrupt).
        return await orgo.builds.wait(ref, cancel_on_cancel=False)
    except BuildError as exc:
        if exc.info is None:
            raise
        return exc.info


async def run_build(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``build REF [--follow]``: start a build, and optionally follow it to its end."""
    ref = TemplateRef.parse(args.ref)
    async with ctx.client() as orgo:
        t0 = time.monotonic()
        if not args.follow:
            info = await orgo.builds.start(ref)
            _print_info(ctx, info)
            return ExitCode.OK
        view = make_view(ctx.output)
        try:
            try:
                info = await orgo.builds.start(ref)
            except anyio.get_cancelled_exc_class():
                # The start may have reached the server before the interrupt did.
                await _cancel_quietly(orgo, ref)
                raise
            ctx.output.record("build", info)
            outcome = await follow_build(orgo, ref, view, started=info, t0=t0)
        finally:
            view.close()
    return ExitCode.OK if outcome.ok else ExitCode.FAILED


async def run_status(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``status REF``: the build status (exit 0 whatever it is; use ``--json`` in scripts)."""
    ref = TemplateRef.parse(args.ref)
    async with ctx.client() as orgo:
        info = await orgo.builds.status(ref)
    _print_info(ctx, info)
    return ExitCode.OK


async def run_cancel(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``cancel REF``: ask the server to cancel; ``idle`` (nothing building) is not an error."""
    ref = TemplateRef.parse(args.ref)
    async with ctx.client() as orgo:
        result = await orgo.builds.cancel(ref)
    ctx.output.record("cancel", result, ref=str(ref))
    if result.status == "cancelling":
        ctx.output.line(f"{ref}: cancelling")
    else:
        ctx.output.line(f"{ref}: nothing is building")
    return ExitCode.OK


async def run_logs(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``logs REF``: the log so far, then live lines until the build ends.

    Ctrl-C only stops reading: the build goes on.
    """
    ref = TemplateRef.parse(args.ref)
    view = make_view(ctx.output)
    try:
        async with ctx.client() as orgo, orgo.builds.events(ref) as events:
            async for event in events:
                view.event(str(ref), event)
    finally:
        view.close()
    return ExitCode.OK


async def run_publish(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``publish FILE... [--build] [--force]``: validate all locally, then publish each."""
    out = ctx.output
    loaded = load_files(args.files)
    check_distinct_refs(loaded)
    if not report_problems(out, loaded):
        return ExitCode.USAGE
    if args.build and len(loaded) > 1:
        # Several builds need what a fleet does: a concurrency bound and 429 handling.
        from orgo_async.cli.fleet import run_fleet_of

        return await run_fleet_of(ctx, [entry.path for entry in loaded], force=args.force)
    async with ctx.client() as orgo:
        for entry in loaded:
            assert entry.template is not None  # load_files succeeded for every entry
            result = await orgo.templates.publish(entry.template, force=args.force)
            out.record("published", result, file=str(entry.path))
            out.line(f"published {result.ref} digest {result.digest[:12]} ({entry.path})")
        if not args.build:
            return ExitCode.OK
        ref = TemplateRef.parse(result.ref)
        t0 = time.monotonic()
        view = make_view(out)
        try:
            info = await orgo.builds.start(ref)
            out.record("build", info)
            outcome = await follow_build(orgo, ref, view, started=info, t0=t0)
        finally:
            view.close()
    return ExitCode.OK if outcome.ok else ExitCode.FAILED


def _print_info(ctx: CLIContext, info: BuildInfo) -> None:
    ctx.output.record("build", info)
    details = []
    if info.reused:
        details.append("reused golden snapshot")
    if info.build_time_ms is not None:
        details.append(f"built in {info.build_time_ms / 1000:.1f}s")
    if info.error:
        details.append(f"error: {info.error}")
    extra = f" ({', '.join(details)})" if details else ""
    ctx.output.line(f"{info.ref}: {info.status}{extra} digest {info.digest[:12]}")
