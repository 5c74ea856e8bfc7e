"""Shared test configuration: async tests run on asyncio through anyio's pytest plugin."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio, the loop our users run (``anyio_mode = "auto"`` marks them)."""
    return "asyncio"
