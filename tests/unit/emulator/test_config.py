"""Emulator settings are checked once, with a clear error."""

from __future__ import annotations

from typing import Any

import pytest

from orgo_async.emulator.config import EmulatorConfig
from orgo_async.errors import ConfigurationError


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"api_key": ""}, id="empty-key"),
        pytest.param({"free_plan_key": "sk_test_orgo_async"}, id="same-keys"),
        pytest.param({"fault_429": 1.5}, id="probability-high"),
        pytest.param({"drop_stream": -0.1}, id="probability-low"),
        pytest.param({"build_time": float("nan")}, id="nan"),
        pytest.param({"build_timeout": 0}, id="zero-timeout"),
        pytest.param({"log_lines": -1}, id="log-lines"),
        pytest.param({"capacity": -2}, id="capacity"),
        pytest.param({"latency_ms": -5}, id="latency"),
    ],
)
def test_impossible_settings_raise_configuration_error(settings: dict[str, Any]) -> None:
    """Each impossible setting is refused with ConfigurationError."""
    with pytest.raises(ConfigurationError):
        EmulatorConfig(**settings)


def test_capacity_zero_is_allowed() -> None:
    """Capacity 0 is a valid way to refuse every build with 429."""
    assert EmulatorConfig(capacity=0).capacity == 0
