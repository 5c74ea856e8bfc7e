"""Typed keys of the values the emulator's aiohttp application carries."""

from __future__ import annotations

from aiohttp import web

from orgo_async.emulator.state import EmulatorState

__all__ = ["STATE"]

STATE = web.AppKey("orgo_emulator_state", EmulatorState)
"""The :class:`EmulatorState` every handler reads and changes."""
