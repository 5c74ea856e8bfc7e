"""``emulator ...``: run the local Orgo emulator in the foreground (its options are its own)."""

from __future__ import annotations

import argparse

import click

__all__ = ["register", "run_emulator"]

_DESCRIPTION = (
    "Serve the Orgo templates API on this machine, for trying the SDK and the CLI and for "
    "tests. It prints its base URL first and serves until Ctrl-C. Point clients at that URL "
    "(or set ORGO_BASE_URL) with the emulator's API key."
)


def register(group: click.Group) -> None:
    """Add ``emulator``, which hands its arguments to the emulator's own parser."""

    @group.command(
        cls=click.Command,  # not OrgoCommand: its --api-key is the emulator's, not the client's
        short_help="Run the local Orgo emulator until Ctrl-C.",
        help=_DESCRIPTION + " Its options: orgo-async emulator --help.",
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @click.argument(
        "args",
        nargs=-1,
        type=click.UNPROCESSED,
        metavar="[OPTIONS]",
        help="The emulator's options (--port, --build-time, --capacity, faults...).",
    )
    def emulator(args: tuple[str, ...]) -> int:
        return run_emulator(list(args))


def run_emulator(argv: list[str]) -> int:
    """Serve until Ctrl-C: 0 on a clean stop, 2 for bad or impossible settings, 1 if unbindable."""
    from orgo_async.emulator.serve import add_emulator_arguments, run_forever

    parser = argparse.ArgumentParser(prog="orgo-async emulator", description=_DESCRIPTION)
    add_emulator_arguments(parser)
    try:
        options = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage and 0 on --help
        return int(exc.code) if isinstance(exc.code, int) else 2
    return run_forever(options)
