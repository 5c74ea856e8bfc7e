"""The ``orgo-async`` parser and ``main()``: parse, run one command, map its end to an exit code."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from typing import Any

import anyio

from orgo_async import __version__
from orgo_async.cli import builds, demo, emulator, fleet, templates
from orgo_async.cli.context import AsyncHandler, CLIContext
from orgo_async.cli.exits import ExitCode, describe_error, exit_code_for
from orgo_async.errors import OrgoError

__all__ = ["build_parser", "main"]

_DESCRIPTION = """\
Publish, build and watch Orgo templates from the shell.

Exit codes: 0 success; 1 a build failed or the API answered with an error;
2 bad usage, an invalid document or ref, a missing or rejected API key;
130 interrupted (builds this command started are cancelled first).
"""


def build_parser() -> argparse.ArgumentParser:
    """The full ``orgo-async`` parser: global options, then one subcommand."""
    parser = argparse.ArgumentParser(
        prog="orgo-async",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"orgo-async {__version__}")
    parser.add_argument(
        "--api-key", metavar="KEY", help="API key (default: $ORGO_API_KEY)", default=None
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="API base URL (default: $ORGO_BASE_URL, else https://www.orgo.ai/api)",
        default=None,
    )
    parser.add_argument(
        "--json", action="store_true", help="print results and build events as JSON lines"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    templates.register(commands)
    builds.register(commands)
    fleet.register(commands)
    emulator.register(commands)
    demo.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``orgo-async`` with ``argv`` (default: the process arguments); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage and 0 on --help/--version
        return int(exc.code) if isinstance(exc.code, int) else ExitCode.USAGE
    ctx = CLIContext.from_args(args)
    try:
        if getattr(args, "sync_handler", None) is not None:
            return int(args.sync_handler(args, ctx))
        return anyio.run(_run_interruptible, args.handler, args, ctx)
    except KeyboardInterrupt:
        ctx.output.error(["interrupted"], kind="interrupted", exit_code=ExitCode.INTERRUPTED)
        return ExitCode.INTERRUPTED
    except Exception as exc:
        error = _sole_error(exc)
        if not isinstance(error, OrgoError):
            raise
        code = exit_code_for(error)
        ctx.output.error(describe_error(error), kind=type(error).__name__, exit_code=code)
        return code


async def _run_interruptible(
    handler: AsyncHandler, args: argparse.Namespace, ctx: CLIContext
) -> int:
    """Run ``handler``; on Ctrl-C cancel it (so it can cancel its builds) and answer 130."""
    outcome: dict[str, Any] = {}
    interrupted = False

    async def body() -> None:
        # Typed errors are kept out of the task group so they are not wrapped in a group.
        try:
            outcome["code"] = await handler(args, ctx)
        except Exception as exc:
            if not isinstance(_sole_error(exc), OrgoError):
                raise
            outcome["error"] = exc
        finally:
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(body)
        # Signal handlers can only be installed from the main thread; elsewhere Ctrl-C
        # keeps Python's default and surfaces as KeyboardInterrupt in main().
        if threading.current_thread() is threading.main_thread():
            with anyio.open_signal_receiver(signal.SIGINT) as signals:
                async for _ in signals:
                    interrupted = True
                    group.cancel_scope.cancel()
                    break
    if "error" in outcome:
        raise outcome["error"]
    if interrupted:
        ctx.output.error(["interrupted"], kind="interrupted", exit_code=ExitCode.INTERRUPTED)
        return ExitCode.INTERRUPTED
    return int(outcome.get("code", ExitCode.FAILED))


def _sole_error(exc: BaseException) -> BaseException:
    """The one error inside (nested) exception groups of one error each; else ``exc``.

    Task groups (ours, the fleet's, the emulator's) wrap what escapes them in a group;
    a single typed error inside still deserves its one-line message, not a traceback.
    """
    while True:
        inner = getattr(exc, "exceptions", None)
        if not (isinstance(inner, tuple) and len(inner) == 1):
            return exc
        exc = inner[0]
