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
    await state.save()
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
    await state.save()
    return json_response(CancelResult(status="cancelling"), 202)


async def build_events(request: web.Request) -> web.StreamResponse:
    """``GET …/build/events``: the build log from the start, or after ``Last-Event-ID``."""
    state = request.app[STATE]
    entry = _entry(request)
    record = state.builds.records.get(entry.ref)
    if record is None:
        raise ApiError(404, f"{entry.ref} has never been built")
    raw = request.headers.get("Last-Event-ID", "").strip()
    if raw and not raw.isdigit():
        raise ApiError(400, f"Last-Event-ID must be a frame id from this stream, not {raw!r}")
    return await stream_log(request, state, record.log, int(raw or 0))
