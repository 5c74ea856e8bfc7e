"""Helpers for testing code that talks to Orgo: a local emulator on loopback.

```python
from orgo_async.testing import EMULATOR_API_KEY, run_emulator

async with run_emulator(build_time=0.5, capacity=2) as url:
    ...  # url is "http://127.0.0.1:<port>/api"; send Authorization: Bearer EMULATOR_API_KEY
```

With pytest, the ``orgo_emulator`` fixture (``orgo_async.pytest_plugin``) yields such a URL.
"""

from __future__ import annotations

from typing import Any, Final

import anyio.lowlevel

from orgo_async._retry import RetryPolicy
from orgo_async.emulator.config import EMULATOR_API_KEY, EMULATOR_FREE_PLAN_KEY
from orgo_async.emulator.serve import run_emulator

__all__ = [
    "EMULATOR_API_KEY",
    "EMULATOR_FREE_PLAN_KEY",
    "NO_WAIT_RETRIES",
    "no_wait_retries",
    "run_emulator",
]


# --- retries without waiting (for client tests) ------------------------------


def no_wait_retries(waits: list[float] | None = None, **policy: Any) -> RetryPolicy:
    """A :class:`~orgo_async.RetryPolicy` that retries as usual but never sleeps.

    Each wait the client would have slept (``Retry-After`` included) is appended to
    ``waits`` when given, so a test can assert on it. Other keyword arguments are
    :class:`~orgo_async.RetryPolicy` settings.

    ```python
    waits: list[float] = []
    async with Orgo(api_key=EMULATOR_API_KEY, base_url=url, retry=no_wait_retries(waits)) as orgo:
        ...
    ```
    """

    async def skip(delay: float) -> None:
        if waits is not None:
            waits.append(delay)
        # Still a checkpoint, so a retry loop stays cancellable.
        await anyio.lowlevel.checkpoint()

    return RetryPolicy(sleep=skip, **policy)


NO_WAIT_RETRIES: Final = no_wait_retries()
"""A retry policy with the default backoff whose waits are all skipped."""
