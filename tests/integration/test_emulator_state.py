"""``--state``: published templates and finished builds survive a restart."""

from __future__ import annotations

from pathlib import Path

import anyio
import msgspec
import pytest

from orgo_async.errors import ConfigurationError
from orgo_async.testing import run_emulator
from tests.integration.test_emulator_support import api, doc, read_frames

V = "/templates/default/alpha/1.0.0"


async def test_templates_and_builds_survive_a_restart(tmp_path: Path) -> None:
    """Start, publish and build, stop, start again: the version, its build and log are back."""
    state = tmp_path / "state.json"
    async with run_emulator(state_file=state) as url, api() as s:
        async with s.post(url + "/templates?auto_build=true", data=doc("alpha")) as r:
            published = await r.json()
        frames = await read_frames(s, url + V + "/build/events")
        async with s.get(url + V + "/build") as r:
            info = await r.json()
    async with run_emulator(state_file=state) as url, api() as s:
        async with s.get(url + V) as r:
            assert r.status == 200
            assert (await r.json())["published"] == published["published"]
        async with s.get(url + V + "/build") as r:
            assert await r.json() == info
        assert await read_frames(s, url + V + "/build/events") == frames
        # The golden survived too: the same content elsewhere is reused at once.
        envelope = {
            "namespace": "other",
            "template": (await (await s.get(url + V)).json())["template"],
        }
        async with s.post(url + "/templates?auto_build=true", json=envelope) as r:
            assert (await r.json())["auto_build"] == "ready"
    left = [p.name async for p in anyio.Path(tmp_path).iterdir()]
    assert left == ["state.json"]  # no temporary files left behind


async def test_a_build_in_flight_at_shutdown_is_failed_interrupted_after_restart(
    tmp_path: Path,
) -> None:
    """A build still running when the emulator stops comes back failed with ``interrupted``."""
    state = tmp_path / "state.json"
    async with (
        run_emulator(state_file=state, build_time=30) as url,
        api() as s,
        s.post(url + "/templates?auto_build=true", data=doc("alpha")) as r,
    ):
        assert (await r.json())["auto_build"] == "building"
    async with run_emulator(state_file=state) as url, api() as s:
        async with s.get(url + V + "/build") as r:
            info = await r.json()
        frames = await read_frames(s, url + V + "/build/events")
        async with s.post(url + V + "/build") as r:
            assert (await r.json())["status"] == "building"  # and it can be built again
    assert (info["status"], info["error"]) == ("failed", "interrupted")
    assert frames[-1].data["level"] == "error"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json", id="garbage"),
        pytest.param(b'{"format": 99}', id="unknown-format"),
        pytest.param(b'{"templates": [{"ref": 1}]}', id="wrong-shape"),
    ],
)
async def test_a_state_file_that_is_not_ours_is_refused_and_kept(
    tmp_path: Path, content: bytes
) -> None:
    """An unreadable state file stops the start with ConfigurationError and stays untouched."""
    state = tmp_path / "state.json"
    state.write_bytes(content)
    with pytest.raises(ConfigurationError, match="not a valid emulator state"):
        async with run_emulator(state_file=state):
            pass
    assert state.read_bytes() == content


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        pytest.param(
            {"ref": "default/alpha@1.0.0", "document": {"hardware": {"cpu": 999}}},
            "hardware.cpu: cpu must be one of 1, 2, 4, 8, 16",
            id="invalid-document",
        ),
        pytest.param({"ref": "default/../x@1.0.0"}, "invalid", id="invalid-ref"),
    ],
)
async def test_a_state_file_with_a_bad_template_is_refused(
    tmp_path: Path, entry: dict[str, object], message: str
) -> None:
    """A stored template publish would refuse stops the start, and the file stays untouched."""
    state = tmp_path / "state.json"
    document = {
        "api_version": "orgo.ai/v1",
        "template": {"name": "alpha", "version": "1.0.0"},
        **entry.pop("document", {}),  # type: ignore[dict-item]
    }
    stored = {
        "templates": [
            {"digest": "0" * 64, "published": "2026-01-01T00:00:00Z", "document": document} | entry
        ]
    }
    state.write_bytes(msgspec.json.encode(stored))
    content = state.read_bytes()
    with pytest.raises(ConfigurationError, match=message):
        async with run_emulator(state_file=state):
            pass
    assert state.read_bytes() == content
