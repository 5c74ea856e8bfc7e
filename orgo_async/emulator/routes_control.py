"""Control routes under ``/api/_emulator`` (no auth, loopback only) for tests and benchmarks.

``GET/PUT/DELETE /faults`` read, change and clear faults and build knobs at run time;
``POST /inject`` answers the next N requests of a route with a chosen status;
``POST /streams/cut`` cuts the next build-event streams after N frames;
``GET /stats`` reads the counters; ``POST /reset`` forgets everything but curated templates.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from orgo_async.emulator import policy
from orgo_async.emulator.app_keys import STATE
from orgo_async.emulator.config import EmulatorConfig
from orgo_async.emulator.faults import FaultSettings, Injection, StreamCut
from orgo_async.emulator.responses import ApiError, json_response, read_json
from orgo_async.emulator.state import EmulatorState
from orgo_async.errors import ConfigurationError

__all__ = [
    "Knobs",
    "clear_faults",
    "cut_streams",
    "get_faults",
    "get_stats",
    "inject",
    "reset",
    "update_faults",
]


class Knobs(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Body of ``PUT /api/_emulator/faults``: only the fields given change."""

    fault_429: float | msgspec.UnsetType = msgspec.UNSET
    fault_5xx: float | msgspec.UnsetType = msgspec.UNSET
    drop_stream: float | msgspec.UnsetType = msgspec.UNSET
    latency_ms: int | msgspec.UnsetType = msgspec.UNSET
    seed: int | msgspec.UnsetType | None = msgspec.UNSET
    build_time: float | msgspec.UnsetType = msgspec.UNSET
    log_lines: int | msgspec.UnsetType = msgspec.UNSET
    capacity: int | msgspec.UnsetType | None = msgspec.UNSET
    build_timeout: float | msgspec.UnsetType = msgspec.UNSET
    keepalive: float | msgspec.UnsetType = msgspec.UNSET


class ControlState(msgspec.Struct, frozen=True, kw_only=True):
    """Body of ``GET /api/_emulator/faults``: every knob, and pending injections and cuts."""

    knobs: Knobs
    injections: list[Injection]
    cuts: list[StreamCut]


def _current(state: EmulatorState) -> EmulatorConfig:
    f, b = state.faults.settings, state.builds.settings
    return dataclasses.replace(
        state.config,
        fault_429=f.fault_429,
        fault_5xx=f.fault_5xx,
        drop_stream=f.drop_stream,
        latency_ms=f.latency_ms,
        seed=state.faults.seed,
        build_time=b.build_time,
        log_lines=b.log_lines,
        capacity=b.capacity,
        build_timeout=b.build_timeout,
        keepalive=b.keepalive,
    )


def _control_state(state: EmulatorState) -> ControlState:
    c = _current(state)
    knobs = Knobs(**{f.name: getattr(c, f.name) for f in msgspec.structs.fields(Knobs)})
    return ControlState(knobs=knobs, injections=state.faults.injections, cuts=state.faults.cuts)


async def _decode(request: web.Request, kind: type[Any]) -> Any:
    return await read_json(request, kind, what="control body")


_Checked = TypeVar("_Checked", Injection, StreamCut)


async def _decode_checked(request: web.Request, kind: type[_Checked]) -> _Checked:
    """Decode a control body and check its values; 400 for either problem."""
    value: _Checked = await _decode(request, kind)
    try:
        value.check()
    except ConfigurationError as exc:
        raise ApiError(400, str(exc)) from exc
    return value


async def get_faults(request: web.Request) -> web.Response:
    """``GET /_emulator/faults``: the knobs in force."""
    return json_response(_control_state(request.app[STATE]))


async def update_faults(request: web.Request) -> web.Response:
    """``PUT /_emulator/faults``: change some knobs; 400 (nothing changed) for a bad value."""
    state = request.app[STATE]
    knobs: Knobs = await _decode(request, Knobs)
    changes = {k: v for k, v in msgspec.structs.asdict(knobs).items() if v is not msgspec.UNSET}
    try:
        config = dataclasses.replace(_current(state), **changes)
    except (ConfigurationError, TypeError) as exc:
        raise ApiError(400, str(exc)) from exc
    state.faults.settings = FaultSettings.of(config)
    if "seed" in changes:
        state.faults.reseed(config.seed)
    settings = state.builds.settings
    settings.build_time, settings.log_lines = config.build_time, config.log_lines
    settings.capacity, settings.build_timeout = config.capacity, config.build_timeout
    settings.keepalive, settings.seed = config.keepalive, config.seed
    return json_response(_control_state(state))


async def clear_faults(request: web.Request) -> web.Response:
    """``DELETE /_emulator/faults``: no random faults, latency, injections or cuts."""
    state = request.app[STATE]
    state.faults.clear()
    return json_response(_control_state(state))


async def inject(request: web.Request) -> web.Response:
    """``POST /_emulator/inject``: the next ``count`` requests of ``route`` get ``status``."""
    state = request.app[STATE]
    _append_pending(state.faults.injections, await _decode_checked(request, Injection))
    return json_response(_control_state(state))


async def cut_streams(request: web.Request) -> web.Response:
    """``POST /_emulator/streams/cut``: cut the next ``count`` streams after ``after`` frames."""
    state = request.app[STATE]
    _append_pending(state.faults.cuts, await _decode_checked(request, StreamCut))
    return json_response(_control_state(state))


def _append_pending(pending: list[_Checked], item: _Checked) -> None:
    if len(pending) >= policy.MAX_PENDING_FAULTS:
        raise ApiError(
            400, f"{policy.MAX_PENDING_FAULTS} are already pending: clear them with DELETE /faults"
        )
    pending.append(item)


async def get_stats(request: web.Request) -> web.Response:
    """``GET /_emulator/stats``: requests, builds and streams counted since the last reset."""
    state = request.app[STATE]
    return json_response(state.stats.report(building=state.builds.building()))


async def reset(request: web.Request) -> web.Response:
    """``POST /_emulator/reset``: back to a fresh emulator with only curated templates."""
    await request.app[STATE].reset()
    return json_response({"reset": True})
