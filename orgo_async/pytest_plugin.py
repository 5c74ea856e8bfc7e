"""pytest fixtures for testing code that talks to Orgo, against the embedded emulator.

Installed as a ``pytest11`` plugin, so the fixture is available without imports:

```python
async def test_publish(orgo_emulator: str) -> None:
    url = orgo_emulator
    async with Orgo(api_key=EMULATOR_API_KEY, base_url=url) as orgo:
        ...

@pytest.mark.orgo_emulator(build_time=0.2, capacity=1)
async def test_slow_builds(orgo_emulator: str) -> None: ...
```

The fixture is synchronous: the emulator runs on an event loop of its own, in a
background thread, so it works the same under pytest-asyncio (strict or auto mode, any
loop scope), anyio's pytest plugin, or in a plain synchronous test. Nothing here starts
unless a test asks for ``orgo_emulator``.
"""

from __future__ import annotations

from collections.abc import Iterator

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
def orgo_emulator(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh emulator for one test; yields its API base URL (``http://127.0.0.1:<port>/api``).

    Settings come from the test's ``@pytest.mark.orgo_emulator(...)`` marker, if any: the
    keyword arguments of [`run_emulator`][orgo_async.testing.run_emulator].

    The emulator is served by [`emulator_thread`][orgo_async.testing.emulator_thread]:
    its own event loop in a background thread, stopped when the test ends. An async
    fixture would have to run on the test's loop, and each async plugin drives fixtures
    differently (pytest-asyncio in strict mode ignores plain async fixtures; in auto mode
    it tears them down in another task than the one that set them up, which a task group
    refuses). A thread owes nothing to the test's loop, so every plugin and every loop
    scope gets the same fixture.
    """
    # Imported here so that merely loading the plugin costs nothing.
    from orgo_async.testing import emulator_thread

    marker = request.node.get_closest_marker("orgo_emulator")
    settings = dict(marker.kwargs) if marker is not None else {}
    with emulator_thread(**settings) as url:
        yield url
