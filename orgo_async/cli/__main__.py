"""``python -m orgo_async.cli`` and the ``orgo-async`` console script."""

from __future__ import annotations

import sys

from orgo_async.cli.app import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
