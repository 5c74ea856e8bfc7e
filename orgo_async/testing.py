"""Helpers for testing code that talks to Orgo: a local emulator on loopback.

```python
from orgo_async.testing import EMULATOR_API_KEY, run_emulator

async with run_emulator(build_time=0.5, capacity=2) as url:
    ...  # url is "http://127.0.0.1:<port>/api"; send Authorization: Bearer EMULATOR_API_KEY
```

With pytest, the ``orgo_emulator`` fixture (``orgo_async.pytest_plugin``) yields such a URL.
"""

from __future__ import annotations

from orgo_async.emulator.config import EMULATOR_API_KEY, EMULATOR_FREE_PLAN_KEY
from orgo_async.emulator.serve import run_emulator

__all__ = ["EMULATOR_API_KEY", "EMULATOR_FREE_PLAN_KEY", "run_emulator"]
