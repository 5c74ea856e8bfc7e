"""``completion SHELL``: print the shell completion script for bash, zsh or fish."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

__all__ = ["COMPLETE_VAR", "SHELLS", "register"]

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_ORGO_ASYNC_COMPLETE"
"""The environment variable through which the script asks ``orgo-async`` for completions."""

_HELP = """\
Print the script that makes SHELL complete orgo-async's commands, options and files.

\b
Load it in the current shell:
  bash:  eval "$(orgo-async completion bash)"
  zsh:   eval "$(orgo-async completion zsh)"
  fish:  orgo-async completion fish | source
Add that line to ~/.bashrc, ~/.zshrc or ~/.config/fish/config.fish to keep it.
"""


def register(group: click.Group) -> None:
    """Add ``completion`` to the ``orgo-async`` group."""

    @group.command(short_help="Print the shell completion script (bash, zsh, fish).", help=_HELP)
    @click.argument("shell", type=click.Choice(SHELLS), help="The shell to complete in.")
    @click.pass_context
    def completion(ctx: click.Context, shell: str) -> int:
        complete = get_completion_class(shell)
        assert complete is not None  # every name in SHELLS has a class
        root = ctx.find_root()
        script = complete(root.command, {}, root.info_name or "orgo-async", COMPLETE_VAR)
        click.echo(script.source())
        return 0
