"""pytest fixtures for testing code that talks to Orgo, against the embedded emulator.

Installed as a ``pytest11`` plugin, so the fixture is available without imports:

```python
async def test_publish(orgo_emulator: str) -> None:
    async with Orgo(api_key=EMULATOR_API_KEY, base_url=orgo_emulator) as orgo:
        ...

@pytest.mark.orgo_emulator(build_time=0.2, capacity=1)
async def test_slow_builds(orgo_emulator: str) -> None: ...
```

The fixture is async: run the test with anyio's pytest plugin (``@pytest.mark.anyio``).
Nothing here starts unless a test asks for ``orgo_emulator``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

__all__ = ["orgo_emulator"]


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``orgo_emulator`` marker, so ``--strict-markers`` accepts it."""
    config.addinivalue_line(
        "markers",
        "orgo_emulator(**settings): keyword arguments for run_emulator() "
        "used by the orgo_emulator fixture (build_time=, capacity=, seed=, ...)",
    )


@pytest.fixture
async def orgo_emulator(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh emulator for one test; yields its API base URL (``http://127.0.0.1:<port>/api``).

    Settings come from the test's ``@pytest.mark.orgo_emulator(...)`` marker, if any.
    """
    # Imported here so that merely loading the plugin costs nothing.
    from orgo_async.testing import run_emulator

    marker = request.node.get_closest_marker("orgo_emulator")
    settings = dict(marker.kwargs) if marker is not None else {}
    async with run_emulator(**settings) as url:
        yield url
