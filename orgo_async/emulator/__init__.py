"""A local Orgo templates API: an aiohttp server that behaves as the documentation says.

Start one with :func:`run_emulator` (tests, benchmarks) or ``python -m orgo_async.emulator``.
"""

from orgo_async.emulator.config import EMULATOR_API_KEY, EMULATOR_FREE_PLAN_KEY, EmulatorConfig
from orgo_async.emulator.serve import (
    add_emulator_arguments,
    main,
    run_emulator,
    run_forever,
    serve_forever,
)

__all__ = [
    "EMULATOR_API_KEY",
    "EMULATOR_FREE_PLAN_KEY",
    "EmulatorConfig",
    "add_emulator_arguments",
    "main",
    "run_emulator",
    "run_forever",
    "serve_forever",
]
