"""``--state``: published templates and finished builds survive a restart."""

from __future__ import annotations

from pathlib import Path

import anyio
import msgspec
import pytest

from orgo_async.emulator._legacy_state import BACKUP_SUFFIX
from orgo_async.emulator.policy import RESTARTED_ERROR
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


async def test_a_json_state_left_by_a_kill_is_migrated_and_its_build_settled(
    tmp_path: Path,
) -> None:
    """The JSON state of earlier versions, with a build in flight, starts as a database."""
    state = tmp_path / "state.json"
    document = {"api_version": "orgo.ai/v1", "template": {"name": "alpha", "version": "1.0.0"}}
    event = {"ts": "2026-01-01T00:00:00Z", "level": "info", "phase": "install", "line": "apt"}
    ref = "default/alpha@1.0.0"
    template = {"ref": ref, "digest": "d" * 64, "published": event["ts"], "document": document}
    build = {"id": "bld_7", "ref": ref, "digest": "d" * 64, "status": "building"}
    old = {
        "format": 1,
        "templates": [template],
        "builds": [{**build, "events": [event, event]}],
        "build_count": 7,
    }
    state.write_bytes(msgspec.json.encode(old))
    async with run_emulator(state_file=state) as url, api() as s:
        async with s.get(url + V + "/build") as r:
            info = await r.json()
        frames = await read_frames(s, url + V + "/build/events")
        async with s.post(url + "/templates?auto_build=true", data=doc("beta")) as r:
            assert r.status == 201
        async with s.get(url + "/templates/default/beta/1.0.0/build") as r:
            assert (await r.json())["status"] in ("building", "ready")
    assert (info["status"], info["error"]) == ("failed", RESTARTED_ERROR)
    assert [f.id for f in frames] == [1, 2, 3]
    assert [f.data["level"] for f in frames] == ["info", "info", "error"]
    assert frames[-1].data["phase"] == "install"
    names = sorted([p.name async for p in anyio.Path(tmp_path).iterdir()])
    assert names == ["state.json", "state.json" + BACKUP_SUFFIX]
    assert msgspec.json.decode((tmp_path / names[1]).read_bytes()) == old
    async with (
        run_emulator(state_file=state) as url,
        api() as s,
        s.get(url + "/templates/default/beta/1.0.0") as r,
    ):
        assert r.status == 200  # published on the migrated database, and still there


async def test_a_second_emulator_on_the_same_state_is_refused(tmp_path: Path) -> None:
    """Two emulators never write one state: the second start raises ConfigurationError."""
    state = tmp_path / "state.db"
    async with run_emulator(state_file=state):
        with pytest.raises(ConfigurationError, match="in use by another process"):
            async with run_emulator(state_file=state):
                pass


@pytest.mark.parametrize(
    ("where", "message"),
    [
        pytest.param("missing/state.db", "does not exist", id="missing-directory"),
        pytest.param(".", "is a directory", id="directory"),
    ],
)
async def test_an_unusable_state_path_raises_before_serving(
    tmp_path: Path, where: str, message: str
) -> None:
    """run_emulator refuses a state path that cannot hold a state, before it serves."""
    with pytest.raises(ConfigurationError, match=message):
        async with run_emulator(state_file=tmp_path / where):
            pytest.fail("the emulator served")
