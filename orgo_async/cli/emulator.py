"""``emulator ...``: run the local Orgo emulator in the foreground (its options are its own)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgo_async.cli.context import CLIContext

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``emulator`` with the emulator's own options to the ``orgo-async`` parser."""
    from orgo_async.emulator.serve import add_emulator_arguments

    parser = commands.add_parser(
        "emulator",
        help="run the local Orgo emulator (an aiohttp server) until Ctrl-C",
        description="Serve the Orgo templates API on this machine, for trying the SDK and the "
        "CLI and for tests. Point clients at the printed URL (or set ORGO_BASE_URL) with the "
        "emulator's API key.",
    )
    add_emulator_arguments(parser)
    parser.set_defaults(sync_handler=run_emulator)


def run_emulator(args: argparse.Namespace, ctx: CLIContext) -> int:
    """Serve until Ctrl-C: 0 on a clean stop, 2 for impossible settings, 1 if unbindable."""
    from orgo_async.emulator.serve import run_forever

    return run_forever(args)
