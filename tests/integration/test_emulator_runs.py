"""Test-run previews: start one from a ready build, 409 before that, stop it."""

from __future__ import annotations

from typing import Any

import pytest

from orgo_async.emulator import policy
from tests.integration.test_emulator_support import api, doc

RUN = "/templates/run"


async def test_a_ready_curated_template_starts_a_preview(orgo_emulator: str) -> None:
    """A curated (prebuilt) ref starts a preview with every documented field."""
    async with (
        api() as s,
        s.post(orgo_emulator + RUN, json={"ref": "system/claude-code@1.0.0"}) as r,
    ):
        assert r.status == 200
        run = await r.json()
    assert set(run) == {"id", "desktop_id", "status", "vnc_password", "public_host", "resolution"}
    assert run["resolution"] == "1280x720x24"
    assert run["status"] == "running"


async def test_a_version_not_built_is_409(orgo_emulator: str) -> None:
    """A test-run of a version whose build is not ready is 409."""
    async with api() as s:
        async with s.post(orgo_emulator + "/templates", data=doc("alpha")) as r:
            assert r.status == 201
        async with s.post(orgo_emulator + RUN, json={"ref": "default/alpha@1.0.0"}) as r:
            assert r.status == 409
            assert "not_built" in (await r.json())["error"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({}, 400, id="no-ref"),
        pytest.param({"ref": "not a ref"}, 400, id="bad-ref"),
        pytest.param({"ref": "default/ghost@1.0.0"}, 404, id="unknown"),
        pytest.param("[1, 2", 400, id="not-json"),
    ],
)
async def test_bad_test_run_requests(orgo_emulator: str, body: Any, status: int) -> None:
    """A missing, malformed or unknown ref is refused with a typed status."""
    json_text = {"data": body, "headers": {"Content-Type": "application/json"}}
    kwargs = json_text if isinstance(body, str) else {"json": body}
    async with api() as s, s.post(orgo_emulator + RUN, **kwargs) as r:
        assert r.status == status
        assert (await r.json())["error"]


async def test_stop_is_true_once_then_false_and_404_for_unknown(orgo_emulator: str) -> None:
    """Stopping a preview answers stopped:true, then stopped:false; unknown ids are 404."""
    async with api() as s:
        async with s.post(orgo_emulator + RUN, json={"ref": "system/openclaw@1.0.0"}) as r:
            desktop_id = (await r.json())["desktop_id"]
        for expected in (True, False):
            async with s.delete(orgo_emulator + RUN, params={"id": desktop_id}) as r:
                assert r.status == 200
                assert await r.json() == {"stopped": expected}
        async with s.delete(orgo_emulator + RUN, params={"id": "dsk_unknown"}) as r:
            assert r.status == 404
        async with s.delete(orgo_emulator + RUN) as r:
            assert r.status == 400


async def test_previews_past_the_cap_get_429(orgo_emulator: str) -> None:
    """One preview more than the concurrency cap gets 429 with Retry-After."""
    async with api() as s:
        for _ in range(policy.MAX_TEST_RUNS):
            async with s.post(orgo_emulator + RUN, json={"ref": "system/hermes-agent@1.0.0"}) as r:
                assert r.status == 200
        async with s.post(orgo_emulator + RUN, json={"ref": "system/hermes-agent@1.0.0"}) as r:
            assert r.status == 429
            assert r.headers["Retry-After"] == str(policy.TEST_RUN_RETRY_AFTER_S)
