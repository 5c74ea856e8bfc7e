"""Run the emulator: :func:`run_emulator` for tests, ``serve_forever``/``main`` for the CLI."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from aiohttp import web

from orgo_async.emulator import policy
from orgo_async.emulator.app import create_app
from orgo_async.emulator.config import EMULATOR_API_KEY, EMULATOR_FREE_PLAN_KEY, EmulatorConfig
from orgo_async.emulator.state import EmulatorState
from orgo_async.errors import ConfigurationError

__all__ = [
    "add_emulator_arguments",
    "main",
    "run_emulator",
    "run_forever",
    "serve_config",
    "serve_forever",
]


@asynccontextmanager
async def serve_config(
    config: EmulatorConfig, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Serve ``config`` on ``host:port`` (0: a free port); yields the API base URL.

    On exit the server stops accepting, builds in flight end as ``interrupted`` (so their
    streams close), open responses get :data:`~orgo_async.emulator.policy.SHUTDOWN_TIMEOUT_S`
    to finish, and no task outlives the block.
    """
    async with EmulatorState(config) as state:
        runner = web.AppRunner(
            create_app(state),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=policy.SHUTDOWN_TIMEOUT_S,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound_port = runner.addresses[0][1]
            shown = f"[{host}]" if ":" in host else host
            yield f"http://{shown}:{bound_port}{policy.API_PREFIX}"
        finally:
            state.builds.stop_all()
            with anyio.CancelScope(shield=True):
                await runner.cleanup()


@asynccontextmanager
async def run_emulator(
    *,
    api_key: str = EMULATOR_API_KEY,
    free_plan_key: str | None = EMULATOR_FREE_PLAN_KEY,
    build_time: float = 0.0,
    log_lines: int = 20,
    capacity: int | None = None,
    seed: int | None = None,
    fault_429: float = 0.0,
    fault_5xx: float = 0.0,
    drop_stream: float = 0.0,
    latency_ms: int = 0,
    state_file: str | Path | None = None,
    build_timeout: float = policy.DEFAULT_BUILD_TIMEOUT_S,
    keepalive: float = policy.KEEPALIVE_S,
    host: str = "127.0.0.1",
    port: int = 0,
) -> AsyncIterator[str]:
    """Run an emulator on loopback for the block; yields ``"http://127.0.0.1:<port>/api"``.

    Raises:
        ConfigurationError: a setting is out of range, or ``state_file`` is not a state file.
    """
    config = EmulatorConfig(
        api_key=api_key,
        free_plan_key=free_plan_key,
        build_time=build_time,
        log_lines=log_lines,
        capacity=capacity,
        seed=seed,
        fault_429=fault_429,
        fault_5xx=fault_5xx,
        drop_stream=drop_stream,
        latency_ms=latency_ms,
        state_file=EmulatorConfig.state_path(state_file),
        build_timeout=build_timeout,
        keepalive=keepalive,
    )
    async with serve_config(config, host=host, port=port) as url:
        yield url


def add_emulator_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options (``--port``, ``--api-key``, faults...) to ``parser``."""
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    add("--port", type=int, default=0, help="port to bind; 0 picks a free one (default: 0)")
    add("--api-key", default=EMULATOR_API_KEY, help="the Scale-plan key callers must send")
    add(
        "--free-plan-key",
        default=EMULATOR_FREE_PLAN_KEY,
        help="a key whose plan has no templates (403)",
    )
    add("--build-time", type=float, default=0.0, metavar="SECONDS", help="seconds each build takes")
    add("--log-lines", type=int, default=20, metavar="N", help="log at least N lines per build")
    add(
        "--capacity", type=int, default=None, metavar="N", help="at most N builds at once, then 429"
    )
    add("--seed", type=int, default=None, metavar="N", help="seed every random choice")
    add("--fault-429", type=float, default=0.0, metavar="P", help="answer 429 with probability P")
    add("--fault-5xx", type=float, default=0.0, metavar="P", help="answer a 5xx with probability P")
    add(
        "--drop-stream",
        type=float,
        default=0.0,
        metavar="P",
        help="cut an SSE frame with probability P",
    )
    add("--latency", type=int, default=0, metavar="MS", help="delay every API request by MS")
    add(
        "--state",
        default=None,
        metavar="FILE",
        help="keep templates and builds in FILE across restarts",
    )
    add(
        "--build-timeout",
        type=float,
        default=policy.DEFAULT_BUILD_TIMEOUT_S,
        metavar="SECONDS",
        help="builds still running after this long end on phase timeout",
    )


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """The settings that parsed ``add_emulator_arguments`` options describe."""
    return EmulatorConfig(
        api_key=args.api_key,
        free_plan_key=args.free_plan_key or None,
        build_time=args.build_time,
        log_lines=args.log_lines,
        capacity=args.capacity,
        seed=args.seed,
        fault_429=args.fault_429,
        fault_5xx=args.fault_5xx,
        drop_stream=args.drop_stream,
        latency_ms=args.latency,
        state_file=EmulatorConfig.state_path(args.state),
        build_timeout=args.build_timeout,
    )


async def serve_forever(args: argparse.Namespace) -> None:
    """Serve until SIGINT or SIGTERM; the base URL is the first line printed (flushed)."""
    config = config_from_args(args)
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with serve_config(config, host=args.host, port=args.port) as url:
            print(url, flush=True)
            async for _ in signals:
                break


def run_forever(args: argparse.Namespace) -> int:
    """Serve the parsed options until SIGINT/SIGTERM in a new event loop; the exit code.

    0 after a clean stop, 2 for impossible settings, 1 when the address cannot be bound;
    errors go to stderr.
    """
    try:
        anyio.run(serve_forever, args)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the address is taken, or not ours to bind
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m orgo_async.emulator``: serve until interrupted; 0 on a clean stop."""
    parser = argparse.ArgumentParser(
        prog="python -m orgo_async.emulator",
        description="Serve a local emulator of the Orgo templates API.",
    )
    add_emulator_arguments(parser)
    return run_forever(parser.parse_args(argv))
