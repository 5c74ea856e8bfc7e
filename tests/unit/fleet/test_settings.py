"""BuildFleet's settings and lifecycle misuse, checked before any request is sent."""

from __future__ import annotations

from typing import Any

import pytest

from orgo_async import ConfigurationError, Orgo
from orgo_async.fleet import BuildFleet, FleetClosedError


@pytest.fixture
def orgo() -> Orgo:
    """A client that is never used to send anything."""
    return Orgo("sk_test_unused", "http://127.0.0.1:9/api")


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"concurrency": 0}, id="no-concurrency"),
        pytest.param({"concurrency": True}, id="bool-concurrency"),
        pytest.param({"concurrency": 2.5}, id="float-concurrency"),
        pytest.param({"event_buffer": 0}, id="no-buffer"),
        pytest.param({"build_timeout": 0}, id="zero-timeout"),
        pytest.param({"build_timeout": -1.0}, id="negative-timeout"),
        pytest.param({"build_timeout": float("inf")}, id="infinite-timeout"),
        pytest.param({"build_timeout": "60"}, id="text-timeout"),
        pytest.param({"build_timeout": True}, id="bool-timeout"),
    ],
)
def test_bad_settings_raise_configuration_error(orgo: Orgo, settings: dict[str, Any]) -> None:
    """A setting out of range raises ConfigurationError when the fleet is made."""
    with pytest.raises(ConfigurationError):
        BuildFleet(orgo, **settings)


async def test_a_fleet_never_entered_refuses_work(orgo: Orgo) -> None:
    """A fleet that was never entered takes no submissions and cannot be waited on."""
    fleet = BuildFleet(orgo)
    with pytest.raises(FleetClosedError, match="not entered"):
        await fleet.submit("default/demo@1.0.0")
    fleet.close_submissions()
    fleet.cancel()
    with pytest.raises(FleetClosedError, match="not entered"):
        await fleet.wait()
    assert fleet.report().wall_time == 0.0


async def test_entering_twice_raises_and_an_empty_fleet_reports_nothing(orgo: Orgo) -> None:
    """A fleet is entered once; with no submissions it finishes at once with an empty report."""
    fleet = BuildFleet(orgo)
    async with fleet:
        with pytest.raises(FleetClosedError, match="only once"):
            await fleet.__aenter__()
        report = await fleet.wait()
    assert report.builds == {}
    assert report.ok
    assert [item async for item in fleet.events()] == []
