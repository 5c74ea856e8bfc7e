"""``orgo.builds`` against the emulator: start, status, reuse, cancel and capacity."""

from __future__ import annotations

import pytest

from orgo_async.errors import NotFoundError, RateLimitError
from orgo_async.testing import run_emulator
from tests.integration._emulator_client import (
    MINIMAL,
    MINIMAL_REF,
    emulator_client,
    requests_to,
    settle,
)

# Another name and another digest: identical templates would share one build.
OTHER = MINIMAL.replace("my-template@", "other-template@").replace("cpu: 2", "cpu: 4")
OTHER_REF = "default/other-template@1.0.0"


async def test_start_then_status_until_ready() -> None:
    """A started build reports building, then ready with its golden snapshot."""
    async with run_emulator() as url, emulator_client(url) as orgo:
        published = await orgo.templates.publish(MINIMAL)
        assert (await orgo.builds.status(MINIMAL_REF)).status == "not_built"
        started = await orgo.builds.start(MINIMAL_REF)
        assert started.status == "building"
        assert started.digest == published.digest
        ready = await settle(orgo, MINIMAL_REF)
    assert ready.status == "ready"
    assert ready.golden_dir is not None
    assert not ready.reused


async def test_a_digest_with_a_golden_is_reused_at_once() -> None:
    """Starting a build whose digest already has a golden answers ready with reused."""
    async with run_emulator() as url, emulator_client(url) as orgo:
        await orgo.templates.publish(MINIMAL)
        await orgo.builds.start(MINIMAL_REF)
        await settle(orgo, MINIMAL_REF)
        again = await orgo.builds.start(MINIMAL_REF)
    assert again.status == "ready"
    assert again.reused


async def test_cancel_with_nothing_building_is_idle_not_an_error() -> None:
    """The API's 404 {"status": "idle"} becomes CancelResult(status="idle")."""
    async with run_emulator() as url, emulator_client(url) as orgo:
        await orgo.templates.publish(MINIMAL)
        result = await orgo.builds.cancel(MINIMAL_REF)
        route = "DELETE /templates/{namespace}/{name}/{version}/build"
        assert await requests_to(url, route) == {"404": 1}
    assert result.status == "idle"


async def test_cancel_of_an_unknown_ref_is_still_not_found() -> None:
    """Only the idle answer is mapped: a 404 for a missing version raises NotFoundError."""
    async with run_emulator() as url, emulator_client(url) as orgo:
        with pytest.raises(NotFoundError):
            await orgo.builds.cancel("default/never-published@1.0.0")


async def test_cancel_a_running_build() -> None:
    """Cancelling a build in flight answers cancelling; it settles as failed: cancelled."""
    async with run_emulator(build_time=30) as url, emulator_client(url) as orgo:
        await orgo.templates.publish(MINIMAL)
        await orgo.builds.start(MINIMAL_REF)
        result = await orgo.builds.cancel(MINIMAL_REF)
        assert result.status == "cancelling"
        final = await settle(orgo, MINIMAL_REF)
    assert (final.status, final.error) == ("failed", "cancelled")


async def test_capacity_429_is_retried_after_retry_after_then_raised() -> None:
    """At capacity, build start gets 429 + Retry-After; each retry waits exactly that."""
    waits: list[float] = []
    async with (
        run_emulator(build_time=30, capacity=1) as url,
        emulator_client(url, waits, max_retries=2) as orgo,
    ):
        await orgo.templates.publish(MINIMAL)
        await orgo.templates.publish(OTHER)
        await orgo.builds.start(MINIMAL_REF)
        with pytest.raises(RateLimitError) as caught:
            await orgo.builds.start(OTHER_REF)
        await orgo.builds.cancel(MINIMAL_REF)
        route = "POST /templates/{namespace}/{name}/{version}/build"
        assert (await requests_to(url, route))["429"] == 3
    error = caught.value
    assert error.status_code == 429
    assert error.retry_after is not None
    assert error.retry_after >= 1
    assert len(waits) == 2
    assert all(wait >= 1 and wait == int(wait) for wait in waits)


async def test_status_of_an_unknown_ref_is_not_found() -> None:
    """Build status of a version that was never published raises NotFoundError."""
    async with run_emulator() as url, emulator_client(url) as orgo:
        with pytest.raises(NotFoundError) as caught:
            await orgo.builds.status("default/never-published@1.0.0")
    assert caught.value.request_id
