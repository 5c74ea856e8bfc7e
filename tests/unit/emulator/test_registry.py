"""Semver ordering of versions (pure)."""

from __future__ import annotations

from orgo_async.emulator.registry import semver_key


def test_semver_precedence_orders_prereleases_and_numbers() -> None:
    """Pre-releases sort before their release, numeric identifiers numerically, build ignored."""
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.0+build.5",
        "1.2.0",
        "1.10.0",
        "2.0.0",
    ]
    assert sorted(reversed(ordered), key=semver_key) == ordered
