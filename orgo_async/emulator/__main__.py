"""``python -m orgo_async.emulator``: serve the emulator until SIGINT/SIGTERM."""

import sys

from orgo_async.emulator.serve import main

if __name__ == "__main__":
    sys.exit(main())
