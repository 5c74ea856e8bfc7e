"""The ``orgo-async`` group and ``main()``: parse, run one command, map its end to a code."""

from __future__ import annotations

from collections.abc import Sequence

import click

from orgo_async import __version__
from orgo_async.cli import (
    _catalog,
    _completion,
    _init,
    _logs,
    builds,
    demo,
    emulator,
    fleet,
    templates,
)
from orgo_async.cli._params import OrgoGroup
from orgo_async.cli._runner import report_interrupt
from orgo_async.cli.exits import ExitCode
from orgo_async.cli.output import Output

__all__ = ["cli", "main"]

PROG_NAME = "orgo-async"

_DESCRIPTION = """\
Publish, build and watch Orgo templates from the shell.

\b
Exit codes:
  0    success
  1    a build failed, the API answered with an error or could not be reached,
       or a confirmation was declined
  2    bad usage, an invalid document or ref, a missing or rejected API key
  130  interrupted (builds this command started are cancelled first)
"""

_EPILOG = (
    "Run 'orgo-async COMMAND --help' for a command's options. "
    'Shell completion: eval "$(orgo-async completion bash)" (or zsh, fish).'
)


_SECTIONS = (
    ("Write and check templates", ("init", "validate", "schema")),
    ("Publish and browse", ("publish", "get", "versions", "list", "delete", "curated")),
    ("Build and run", ("build", "status", "logs", "cancel", "test-run", "fleet")),
    ("On this machine", ("emulator", "demo", "completion")),
)


@click.group(
    PROG_NAME,
    cls=OrgoGroup,
    sections=_SECTIONS,
    help=_DESCRIPTION,
    epilog=_EPILOG,
    context_settings={
        "help_option_names": ["-h", "--help"],
        "show_default": True,
        "max_content_width": 100,
    },
)
@click.version_option(__version__, "--version", prog_name=PROG_NAME, message="%(prog)s %(version)s")
def cli() -> None:
    """The root group: global options only; each command does the work."""


templates.register(cli)
_init.register(cli)
_catalog.register(cli)
builds.register(cli)
_logs.register(cli)
fleet.register(cli)
emulator.register(cli)
demo.register(cli)
_completion.register(cli)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``orgo-async`` with ``argv`` (default: the process arguments); return the exit code."""
    args = None if argv is None else list(argv)
    try:
        code = cli.main(args=args, prog_name=PROG_NAME, standalone_mode=False)
    except click.ClickException as exc:  # usage errors (2); a bare ``orgo-async`` is one too
        exc.show()
        return exc.exit_code
    except click.Abort:
        # Ctrl-C or end of input at a prompt (a confirmation).
        return report_interrupt(Output())
    return ExitCode.OK if code is None else int(code)
