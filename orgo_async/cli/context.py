"""What every command receives: the connection settings and where its output goes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orgo_async.cli.output import Output

if TYPE_CHECKING:
    from orgo_async import Orgo
    from orgo_async.cli._params import GlobalOptions

__all__ = ["API_KEY_ENV", "BASE_URL_ENV", "CLIContext"]

BASE_URL_ENV = "ORGO_BASE_URL"
API_KEY_ENV = "ORGO_API_KEY"


@dataclass
class CLIContext:
    """Global options of one invocation, shared by every command.

    Attributes:
        api_key: ``--api-key``, else ``$ORGO_API_KEY``, else None (the client then refuses).
        base_url: ``--base-url``, else ``$ORGO_BASE_URL``, else None (the public API).
        output: where results and errors are written.
        timeout: ``--timeout``: seconds each request may take; None keeps the default.
        verbose: ``--verbose``: show requests, retries and reconnects on stderr.
    """

    api_key: str | None
    base_url: str | None
    output: Output
    timeout: float | None = None
    verbose: bool = False

    @classmethod
    def from_options(cls, options: GlobalOptions) -> CLIContext:
        """Resolve the global options, falling back to the environment."""
        return cls(
            api_key=options.api_key or os.environ.get(API_KEY_ENV) or None,
            base_url=options.base_url or os.environ.get(BASE_URL_ENV) or None,
            output=Output(json=options.json),
            timeout=options.timeout,
            verbose=options.verbose,
        )

    def client(self) -> Orgo:
        """A new client for these settings; use it as ``async with ctx.client() as orgo``."""
        from orgo_async import Orgo

        settings: dict[str, Any] = {}
        if self.timeout is not None:
            settings["timeout"] = self.timeout
        return Orgo(api_key=self.api_key, base_url=self.base_url, **settings)
