"""Build commands: ``publish [--build]``, ``build [--follow]``, ``status``, ``cancel``, ``logs``."""

from __future__ import annotations

import time
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import click

from orgo_async.cli._params import SECONDS, default_in_help
from orgo_async.cli._runner import run
from orgo_async.cli.console import BuildView, make_view, outcome_from_info
from orgo_async.cli.exits import CommandError, ExitCode
from orgo_async.cli.templates import (
    FILE_HELP,
    PATH,
    REF_HELP,
    check_distinct_refs,
    load_files,
    report_problems,
    report_warnings,
)
from orgo_async.errors import (
    APIConnectionError,
    BuildError,
    BuildTimeoutError,
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

__all__ = ["follow_build", "register", "run_build", "run_publish"]

# How long cleanup calls (cancelling a build on Ctrl-C) may take before the CLI gives up.
CLEANUP_TIMEOUT = 5.0


def register(group: click.Group) -> None:
    """Add the build commands to the ``orgo-async`` group."""

    @group.command(
        short_help="Publish template files (validated locally first).",
        help="Validate every file locally, then publish each one as written. Nothing is "
        "published when any file is invalid; warnings are printed and do not stop it. "
        "--no-validate skips the local check and leaves the verdict to the server. "
        "Identical content at an existing ref is not an error.\n\n"
        "With --build, one file is built and its log followed; several files are built "
        "as a fleet. --auto-build asks the server to start the build and returns at once.",
    )
    @click.argument("files", nargs=-1, required=True, metavar="FILE...", type=PATH, help=FILE_HELP)
    @click.option("--build", is_flag=True, help="Build each published version and follow it.")
    @click.option(
        "--auto-build", is_flag=True, help="Have the server start each build; do not wait."
    )
    @click.option("--force", is_flag=True, help="Replace different content at the same ref.")
    @click.option(
        "--validate/--no-validate",
        default=True,
        help=default_in_help("Check each file locally before sending it.", "--validate"),
    )
    def publish(
        files: tuple[Path, ...], build: bool, auto_build: bool, force: bool, validate: bool
    ) -> int:
        return run(
            run_publish,
            files=list(files),
            build=build,
            auto_build=auto_build,
            force=force,
            validate=validate,
        )

    @group.command(
        short_help="Build a published version's golden snapshot.",
        help="Start the build of REF and return at once. With --follow, stream its log "
        "until it ends; with --wait, wait for the end without the log (up to --timeout). "
        "Both exit 1 unless the build ends ready; Ctrl-C then cancels the build on the "
        "server (exit 130).",
    )
    @click.argument("ref", metavar="REF", help=REF_HELP)
    @click.option("--follow", "-f", is_flag=True, help="Stream the log until the build ends.")
    @click.option("--wait", "-w", is_flag=True, help="Wait for the end without the log.")
    @click.option(
        "--timeout",
        type=SECONDS,
        default=None,
        help=default_in_help(
            "With --wait: give up after this many seconds (the build goes on; exit 1). "
            "The time limit of each request goes before the command: "
            "orgo-async --timeout 10 build ...",
            "no limit",
        ),
    )
    def build(ref: str, follow: bool, wait: bool, timeout: float | None) -> int:
        if follow and wait:
            raise click.UsageError("choose one of --follow and --wait")
        if timeout is not None and not wait:
            raise click.UsageError(
                "--timeout after 'build' limits --wait; to limit each request, put it "
                "before the command: orgo-async --timeout SECONDS build ..."
            )
        return run(run_build, ref=ref, follow=follow, wait=wait, wait_limit=timeout)

    @group.command(
        short_help="Show the build status of a version.",
        help="Show where the build of REF stands: not_built, building, ready or failed. "
        "Exits 0 whatever the status; scripts read it with --json.",
    )
    @click.argument("ref", metavar="REF", help=REF_HELP)
    def status(ref: str) -> int:
        return run(run_status, ref=ref)

    @group.command(
        short_help="Cancel a running build.",
        help="Ask the server to cancel the build of REF. Nothing building is not an error.",
    )
    @click.argument("ref", metavar="REF", help=REF_HELP)
    def cancel(ref: str) -> int:
        return run(run_cancel, ref=ref)


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
    set, the build is cancelled on the server first, within
    [`CLEANUP_TIMEOUT`][orgo_async.cli.builds.CLEANUP_TIMEOUT].
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


async def run_build(
    ctx: CLIContext,
    *,
    ref: str,
    follow: bool = False,
    wait: bool = False,
    wait_limit: float | None = None,
) -> int:
    """``build REF [--follow | --wait [--timeout S]]``: start a build, optionally to its end.

    ``wait_limit`` is ``--timeout``: the longest ``--wait``, in seconds.
    """
    parsed = TemplateRef.parse(ref)
    async with ctx.client() as orgo:
        t0 = time.monotonic()
        if wait:
            return await _wait(ctx, orgo, parsed, wait_limit)
        if not follow:
            info = await orgo.builds.start(parsed)
            _print_info(ctx, info)
            return ExitCode.OK
        view = make_view(ctx.output)
        try:
            try:
                info = await orgo.builds.start(parsed)
            except anyio.get_cancelled_exc_class():
                # The start may have reached the server before the interrupt did.
                await _cancel_quietly(orgo, parsed)
                raise
            ctx.output.record("build", info)
            outcome = await follow_build(orgo, parsed, view, started=info, t0=t0)
        finally:
            view.close()
    return ExitCode.OK if outcome.ok else ExitCode.FAILED


async def _wait(ctx: CLIContext, orgo: Orgo, ref: TemplateRef, limit: float | None) -> int:
    """Start ``ref``'s build and wait for its end without the log; 0 only when ready.

    Ctrl-C cancels the build on the server (as ``--follow`` does); ``limit`` does not:
    the build goes on, and the command says how to stop it.
    """
    await orgo.builds.start(ref)
    try:
        info = await orgo.builds.wait(ref, timeout=limit)
    except BuildTimeoutError as exc:
        if exc.info is not None and exc.info.status != "building":
            _print_info(ctx, exc.info)  # the server timed the build out
            return ExitCode.FAILED
        ctx.output.record("wait_timeout", ref=str(ref), timeout=limit)
        ctx.output.error(
            [f"{ref}: still building after {limit:g}s; the build goes on"],
            kind="wait_timeout",
            exit_code=ExitCode.FAILED,
            notes=[f"follow it with: orgo-async logs {ref}; stop it with: orgo-async cancel {ref}"],
        )
        return ExitCode.FAILED
    except BuildError as exc:
        if exc.info is None:
            raise
        _print_info(ctx, exc.info)
        return ExitCode.FAILED
    _print_info(ctx, info)
    return ExitCode.OK


async def run_status(ctx: CLIContext, *, ref: str) -> int:
    """``status REF``: the build status (exit 0 whatever it is; use ``--json`` in scripts)."""
    async with ctx.client() as orgo:
        info = await orgo.builds.status(TemplateRef.parse(ref))
    _print_info(ctx, info)
    return ExitCode.OK


async def run_cancel(ctx: CLIContext, *, ref: str) -> int:
    """``cancel REF``: ask the server to cancel; ``idle`` (nothing building) is not an error."""
    parsed = TemplateRef.parse(ref)
    async with ctx.client() as orgo:
        result = await orgo.builds.cancel(parsed)
    ctx.output.record("cancel", result, ref=str(parsed))
    if result.status == "cancelling":
        ctx.output.line(f"{parsed}: cancelling")
    else:
        ctx.output.line(f"{parsed}: nothing is building")
    return ExitCode.OK


async def run_publish(
    ctx: CLIContext,
    *,
    files: list[Path],
    build: bool = False,
    auto_build: bool = False,
    force: bool = False,
    validate: bool = True,
) -> int:
    """``publish FILE... [--build] [--auto-build] [--force] [--no-validate]``: validate all,
    then publish each as written."""
    out = ctx.output
    loaded = load_files(files, validate=validate)
    check_distinct_refs(loaded)
    report_warnings(out, loaded)
    if not report_problems(out, loaded):
        return ExitCode.USAGE
    if build and len(loaded) > 1:
        if not validate:
            raise CommandError(
                "error: --no-validate with --build takes one file: "
                "several are built as a fleet, which checks every file"
            )
        # Several builds need what a fleet does: a concurrency bound and 429 handling.
        from orgo_async.cli.fleet import run_fleet_of

        return await run_fleet_of(ctx, [entry.path for entry in loaded], force=force)
    async with ctx.client() as orgo:
        for entry in loaded:
            result = await orgo.templates.publish(
                entry.document, force=force, auto_build=auto_build, validate=validate
            )
            out.record("published", result, file=str(entry.path))
            started = f"; build {result.auto_build}" if result.auto_build else ""
            out.line(f"published {result.ref} digest {result.digest[:12]} ({entry.path}){started}")
        if not build:
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
