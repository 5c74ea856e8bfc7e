"""Run one command: build its context, run it (in an event loop if async), map its end to a code.

Every command's click callback hands its handler to [`run`][orgo_async.cli._runner.run].
Typed errors become their one-line message and exit code here, in one place; Ctrl-C
cancels an async handler (so it can cancel the builds it started) and answers 130.
"""

from __future__ import annotations

import inspect
import logging
import signal
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from typing import Any

import anyio
import click

from orgo_async.cli._params import global_options
from orgo_async.cli.context import CLIContext
from orgo_async.cli.exits import (
    CommandError,
    ExitCode,
    describe_error,
    error_fields,
    error_notes,
    exit_code_for,
)
from orgo_async.cli.output import Output
from orgo_async.errors import OrgoError

__all__ = ["Handler", "report_interrupt", "run", "run_async"]

Handler = Callable[..., Awaitable[int]] | Callable[..., int]
"""A command: ``handler(ctx, **params)``, returning the exit code (or a coroutine of it)."""


def run(handler: Handler, **params: Any) -> int:
    """Run ``handler(ctx, **params)`` for the current click command; return its exit code."""
    ctx = CLIContext.from_options(global_options(click.get_current_context()))
    with _requests_shown(ctx.output) if ctx.verbose else nullcontext():
        return _run_reporting(ctx, handler, params)


def _run_reporting(ctx: CLIContext, handler: Handler, params: dict[str, Any]) -> int:
    try:
        if inspect.iscoroutinefunction(handler):
            return run_async(ctx, partial(handler, ctx, **params))
        return int(handler(ctx, **params))  # type: ignore[arg-type]
    except (KeyboardInterrupt, click.Abort):  # click.Abort: Ctrl-C or end of input at a prompt
        return report_interrupt(ctx.output)
    except Exception as exc:
        error = _sole_error(exc)
        if isinstance(error, CommandError):
            ctx.output.error(error.lines, kind=error.kind, exit_code=error.exit_code)
            return error.exit_code
        if not isinstance(error, OrgoError):
            raise
        code = exit_code_for(error)
        ctx.output.error(
            describe_error(error),
            kind=type(error).__name__,
            exit_code=code,
            notes=error_notes(error, verbose=ctx.verbose),
            **error_fields(error),
        )
        return code


def run_async(ctx: CLIContext, command: Callable[[], Awaitable[int]]) -> int:
    """Run ``command`` in a new event loop; Ctrl-C cancels it and answers 130."""
    return anyio.run(_run_interruptible, command, ctx.output)


def report_interrupt(output: Output) -> int:
    """Say the command was interrupted; the exit code to end with (130)."""
    output.error(["interrupted"], kind="interrupted", exit_code=ExitCode.INTERRUPTED)
    return ExitCode.INTERRUPTED


async def _run_interruptible(command: Callable[[], Awaitable[int]], output: Output) -> int:
    """Run ``command``; on Ctrl-C cancel it (so it can cancel its builds) and answer 130."""
    outcome: dict[str, Any] = {}
    interrupted = False

    async def body() -> None:
        # Typed errors are kept out of the task group so they are not wrapped in a group.
        try:
            outcome["code"] = await command()
        except Exception as exc:
            if not isinstance(_sole_error(exc), (OrgoError, CommandError)):
                raise
            outcome["error"] = exc
        finally:
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(body)
        # Signal handlers can only be installed from the main thread; elsewhere Ctrl-C
        # keeps Python's default and surfaces as KeyboardInterrupt in run().
        if threading.current_thread() is threading.main_thread():
            with anyio.open_signal_receiver(signal.SIGINT) as signals:
                async for _ in signals:
                    interrupted = True
                    group.cancel_scope.cancel()
                    break
    if "error" in outcome:
        raise outcome["error"]
    if interrupted:
        return report_interrupt(output)
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


class _NoteHandler(logging.Handler):
    """Writes the library's log records as dim notes on the command's stderr."""

    def __init__(self, output: Output) -> None:
        super().__init__(logging.DEBUG)
        self._output = output

    def emit(self, record: logging.LogRecord) -> None:
        """Write one record as ``· message``."""
        self._output.note(f"· {record.getMessage()}")


@contextmanager
def _requests_shown(output: Output) -> Iterator[None]:
    """Route the ``orgo_async`` logger (requests, retries, reconnects) to stderr meanwhile."""
    logger = logging.getLogger("orgo_async")
    handler = _NoteHandler(output)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
