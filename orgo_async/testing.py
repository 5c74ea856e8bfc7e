"""Helpers for testing code that talks to Orgo: a local emulator on loopback.

```python
from orgo_async.testing import EMULATOR_API_KEY, run_emulator

async with run_emulator(build_time=0.5, capacity=2) as url:
    # url is "http://127.0.0.1:<port>/api"; the key is EMULATOR_API_KEY
    async with Orgo(api_key=EMULATOR_API_KEY, base_url=url) as orgo:
        ...
```

Synchronous code (a plain test, a script, a test runner without async support) uses
[`emulator_thread`][orgo_async.testing.emulator_thread], which serves the same emulator
from a background thread. With pytest, the ``orgo_emulator`` fixture
([`orgo_async.pytest_plugin`][orgo_async.pytest_plugin]) yields such a URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import anyio.lowlevel

from orgo_async._retry import RetryPolicy
from orgo_async.emulator.config import EMULATOR_API_KEY, EMULATOR_FREE_PLAN_KEY
from orgo_async.emulator.serve import run_emulator

__all__ = [
    "EMULATOR_API_KEY",
    "EMULATOR_FREE_PLAN_KEY",
    "NO_WAIT_RETRIES",
    "emulator_thread",
    "no_wait_retries",
    "run_emulator",
]


@contextmanager
def emulator_thread(**settings: Any) -> Iterator[str]:
    """Serve an emulator from a background thread for the block; yields its base URL.

    The emulator gets an asyncio event loop of its own, so the caller may be synchronous
    or run any event loop (in any scope) of its own. Leaving the block stops the server
    and joins the thread. ``settings`` are those of
    [`run_emulator`][orgo_async.testing.run_emulator].

    ```python
    with emulator_thread(build_time=0.2) as url:
        subprocess.run(["orgo-async", "--base-url", url, "list"], check=True)
    ```

    Raises:
        ConfigurationError: a setting is out of range.
    """
    # Imported here: the portal machinery is only needed by callers of this helper.
    from anyio.from_thread import start_blocking_portal

    with (
        start_blocking_portal(backend="asyncio") as portal,
        portal.wrap_async_context_manager(run_emulator(**settings)) as url,
    ):
        yield url


# --- retries without waiting (for client tests) ------------------------------


def no_wait_retries(waits: list[float] | None = None, **policy: Any) -> RetryPolicy:
    """A [`RetryPolicy`][orgo_async.RetryPolicy] that retries as usual but never sleeps.

    Each wait the client would have slept (``Retry-After`` included) is appended to
    ``waits`` when given, so a test can assert on it. Other keyword arguments are
    [`RetryPolicy`][orgo_async.RetryPolicy] settings.

    ```python
    waits: list[float] = []
    retry = no_wait_retries(waits)
    async with Orgo(api_key=EMULATOR_API_KEY, base_url=url, retry=retry) as orgo:
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
