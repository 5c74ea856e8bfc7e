"""What every command receives: the connection settings and where its output goes."""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orgo_async.cli.output import Output

if TYPE_CHECKING:
    from orgo_async import Orgo

__all__ = ["AsyncHandler", "CLIContext", "SyncHandler"]

DEFAULT_BASE_URL_ENV = "ORGO_BASE_URL"
API_KEY_ENV = "ORGO_API_KEY"


@dataclass
class CLIContext:
    """Global options of one invocation, shared by every command.

    Attributes:
        api_key: ``--api-key``, else ``$ORGO_API_KEY``, else None (the client then refuses).
        base_url: ``--base-url``, else ``$ORGO_BASE_URL``, else None (the public API).
        output: where results and errors are written.
    """

    api_key: str | None
    base_url: str | None
    output: Output

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CLIContext:
        """Resolve the global options, falling back to the environment."""
        return cls(
            api_key=args.api_key or os.environ.get(API_KEY_ENV) or None,
            base_url=args.base_url or os.environ.get(DEFAULT_BASE_URL_ENV) or None,
            output=Output(json=args.json),
        )

    def client(self) -> Orgo:
        """A new client for these settings; use it as ``async with ctx.client() as orgo``."""
        from orgo_async import Orgo

        return Orgo(api_key=self.api_key, base_url=self.base_url)


AsyncHandler = Callable[[argparse.Namespace, CLIContext], Awaitable[int]]
"""A command that talks to the API: runs inside the event loop."""
SyncHandler = Callable[[argparse.Namespace, CLIContext], int]
"""A command that needs no event loop (``validate``) or runs its own (``emulator``)."""
