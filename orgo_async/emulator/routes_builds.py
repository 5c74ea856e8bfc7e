"""Build routes: start, status, cancel, and the build log as server-sent events."""

from __future__ import annotations

from aiohttp import web

from orgo_async.emulator.app_keys import STATE
from orgo_async.emulator.builds import CapacityReached
from orgo_async.emulator.registry import TemplateEntry
from orgo_async.emulator.responses import ApiError, json_response, path_ref
from orgo_async.emulator.sse import stream_log
from orgo_async.models import CancelResult

__all__ = ["build_events", "build_status", "cancel_build", "start_build"]

_MAX_ID_DIGITS = 18
"""Longer ids cannot name a frame of any log, and stay clear of int()'s digit limit."""


def _entry(request: web.Request) -> TemplateEntry:
    ref = path_ref(request)
    entry = request.app[STATE].registry.get(ref)
    if entry is None:
        raise ApiError(404, f"no such template version in this namespace: {ref}")
    return entry


async def start_build(request: web.Request) -> web.Response:
    """``POST …/build``: 202 with the new, in-flight or reused build."""
    state = request.app[STATE]
    entry = _entry(request)
    try:
        info = state.builds.start(entry)
    except CapacityReached as exc:
        raise ApiError(
            429, "build rate limit or host capacity reached", retry_after=exc.retry_after
        ) from exc
    return json_response(info, 202)


async def build_status(request: web.Request) -> web.Response:
    """``GET …/build``: where the version's golden snapshot stands."""
    return json_response(request.app[STATE].builds.status(_entry(request)))


async def cancel_build(request: web.Request) -> web.Response:
    """``DELETE …/build``: 202 ``cancelling``, or 404 ``idle`` when nothing is building."""
    state = request.app[STATE]
    entry = _entry(request)
    if not state.builds.cancel(entry.ref):
        raise ApiError(404, f"nothing is building for {entry.ref}", extra={"status": "idle"})
    return json_response(CancelResult(status="cancelling"), 202)


async def build_events(request: web.Request) -> web.StreamResponse:
    """``GET …/build/events``: the build log from the start, or after ``Last-Event-ID``."""
    state = request.app[STATE]
    entry = _entry(request)
    record = state.builds.records.get(entry.ref)
    if record is None:
        raise ApiError(404, f"{entry.ref} has never been built")
    return await stream_log(request, state, record.log, _last_event_id(request))


def _last_event_id(request: web.Request) -> int:
    raw = request.headers.get("Last-Event-ID", "").strip()
    if not raw:
        return 0
    # isdigit() alone admits non-ASCII digits such as "\u00b2", and int() refuses numbers
    # past its digit limit: both are a malformed id (400), not a server error.
    if raw.isascii() and raw.isdigit() and len(raw) <= _MAX_ID_DIGITS:
        return int(raw)
    shown = raw if len(raw) <= 40 else raw[:40] + "..."
    raise ApiError(400, f"Last-Event-ID must be a frame id from this stream, not {shown!r}")
