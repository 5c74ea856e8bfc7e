"""``python -m orgo_async.cli`` and the ``orgo-async`` console script."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

_MISSING_EXTRA = (
    "orgo-async: the command line needs the 'cli' extra ({missing} is not installed):\n"
    "    pip install 'orgo-async[cli]'"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``orgo-async`` with ``argv`` (default: the process arguments); return the exit code."""
    try:
        import click  # noqa: F401
    except ImportError as exc:
        print(_MISSING_EXTRA.format(missing=exc.name or "click"), file=sys.stderr)
        return 2
    from orgo_async.cli._app import main as run_main

    return run_main(argv)


if __name__ == "__main__":
    sys.exit(main())
