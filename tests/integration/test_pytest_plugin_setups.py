"""The ``orgo_emulator`` fixture in a user's own test project, under every async test setup.

Each setup is a small project written into ``tmp_path`` and run with ``pytest`` in a
subprocess against the installed package, as a user would run it: the plugin is found
through its entry point, nothing from this repository's configuration applies.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Generous: three interpreters start at once on a shared machine; each run takes ~2 s.
# The old async fixture hung pytest-asyncio's auto mode, so a hang must end as a failure.
PROCESS_TIMEOUT = 60

USER_TESTS = '''\
"""A user's tests of their own code against the Orgo emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
{fixture_import}
from orgo_async import Orgo
from orgo_async.testing import EMULATOR_API_KEY

DOC = "api_version: orgo.ai/v1\\nname: hello@1.0.0\\ncpu: 2\\nram: 4gb\\n"


@{fixture_decorator}
async def orgo(orgo_emulator: str) -> AsyncIterator[Orgo]:
    async with Orgo(api_key=EMULATOR_API_KEY, base_url=orgo_emulator) as client:
        yield client

{marks}
async def test_publish_then_build(orgo: Orgo) -> None:
    published = await orgo.templates.publish(DOC)
    await orgo.builds.start(published.ref)
    info = await orgo.builds.wait(published.ref, timeout=30)
    assert info.status == "ready"

{marks}
@pytest.mark.orgo_emulator(capacity=1, build_time=0.1)
async def test_marker_settings_reach_the_emulator(orgo_emulator: str) -> None:
    async with Orgo(api_key=EMULATOR_API_KEY, base_url=orgo_emulator) as client:
        assert await client.templates.list() == []


def test_a_plain_test_can_use_it_too(orgo_emulator: str) -> None:
    assert orgo_emulator.startswith("http://127.0.0.1:")
'''

MODULE_LOOP_TEST = """\
import pytest

from orgo_async import Orgo
from orgo_async.testing import EMULATOR_API_KEY


@pytest.mark.asyncio(loop_scope="module")
async def test_on_a_module_scoped_loop(orgo_emulator: str) -> None:
    async with Orgo(api_key=EMULATOR_API_KEY, base_url=orgo_emulator) as client:
        assert [v.ref for v in await client.templates.curated()]
"""

# Plugins of this suite's own environment that a user project would not load: they only
# slow each run down (schemathesis alone takes a second to import).
_NOT_THE_USERS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest")

INI_HEAD = "[pytest]\naddopts = -p no:cacheprovider\nfilterwarnings = error\n"


def _project(root: Path, *, ini: str, fixture: tuple[str, str], marks: str) -> Path:
    root.mkdir()
    (root / "pytest.ini").write_text(INI_HEAD + ini, encoding="utf-8")
    fixture_import, fixture_decorator = fixture
    (root / "test_user.py").write_text(
        USER_TESTS.format(
            fixture_import=fixture_import, fixture_decorator=fixture_decorator, marks=marks
        ),
        encoding="utf-8",
    )
    return root


def _setups(tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    """Each setup's project folder and the pytest options it runs with."""
    asyncio_fixture = ("import pytest_asyncio", "pytest_asyncio.fixture")
    strict = _project(
        tmp_path / "asyncio-strict",
        ini="asyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n",
        fixture=asyncio_fixture,
        marks="@pytest.mark.asyncio",
    )
    auto = _project(
        tmp_path / "asyncio-auto",
        ini="asyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n",
        fixture=("", "pytest.fixture"),
        marks="",
    )
    (auto / "test_module_loop.py").write_text(MODULE_LOOP_TEST, encoding="utf-8")
    anyio_project = _project(
        tmp_path / "anyio",
        ini="",
        fixture=("", "pytest.fixture"),
        marks="@pytest.mark.anyio",
    )
    (anyio_project / "conftest.py").write_text(
        'import pytest\n\n\n@pytest.fixture\ndef anyio_backend() -> str:\n    return "asyncio"\n',
        encoding="utf-8",
    )
    return {
        "asyncio-strict": (strict, []),
        "asyncio-auto": (auto, []),
        # anyio's plugin alone, as in a project that never installed pytest-asyncio.
        "anyio": (anyio_project, ["-p", "no:asyncio"]),
    }


def test_the_fixture_works_under_every_async_plugin(tmp_path: Path) -> None:
    """A user project passes under pytest-asyncio (strict, auto) and under anyio's plugin."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COV_")) and key != "PYTHONPATH"
    }
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", *_NOT_THE_USERS, *options],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for name, (folder, options) in _setups(tmp_path).items()
    }
    results = {}
    for name, process in processes.items():
        try:
            out, _ = process.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()  # a fixture that hangs the run is a failure, not a stuck suite
            out, _ = process.communicate()
        results[name] = (process.returncode, out)
    for name, (code, out) in results.items():
        assert code == 0, f"{name}:\n{out}"
    assert "4 passed" in results["asyncio-auto"][1]
    assert "3 passed" in results["asyncio-strict"][1]
    assert "3 passed" in results["anyio"][1]


@pytest.mark.orgo_emulator(capacity=1)
def test_the_fixture_serves_a_synchronous_test(orgo_emulator: str) -> None:
    """A plain synchronous test gets a live emulator URL (its loop runs in a thread)."""
    import urllib.request

    with urllib.request.urlopen(orgo_emulator + "/template-schema", timeout=10) as response:
        assert response.status == 200
