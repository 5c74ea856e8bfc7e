"""Test-run routes: start a preview of a ready build, stop it."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from orgo_async.emulator import policy
from orgo_async.emulator.app_keys import STATE
from orgo_async.emulator.responses import ApiError, json_response, read_json, shown
from orgo_async.emulator.runs import RunCapacityReached
from orgo_async.errors import InvalidRefError
from orgo_async.models import StopRunResult
from orgo_async.refs import TemplateRef

__all__ = ["start_test_run", "stop_test_run"]


class _RunBody(msgspec.Struct, kw_only=True):
    """Body of ``POST /templates/run``; fields it does not know are ignored."""

    ref: Any = None


async def start_test_run(request: web.Request) -> web.Response:
    """``POST /templates/run`` with ``{"ref": ...}``: 200 preview, 409 unless the build is ready."""
    state = request.app[STATE]
    raw = (await read_json(request, _RunBody, what="test-run body")).ref
    if not isinstance(raw, str):
        raise ApiError(400, 'ref required: send {"ref": "namespace/name@version"}')
    try:
        ref = TemplateRef.parse(raw)
    except InvalidRefError as exc:
        raise ApiError(400, str(exc)) from exc
    entry = state.registry.get(ref)
    if entry is None:
        raise ApiError(404, f"no such template version in this namespace: {ref}")
    status = state.builds.status(entry).status
    if status != "ready":
        raise ApiError(409, f"the build of {ref} is not ready (status: {status})")
    hardware = entry.document.get("hardware")
    resolution = policy.DEFAULT_RESOLUTION
    if isinstance(hardware, dict) and isinstance(hardware.get("resolution"), str):
        resolution = hardware["resolution"]
    try:
        run = state.runs.start(resolution)
    except RunCapacityReached as exc:
        raise ApiError(
            429,
            "run-VM rate limit or concurrency cap reached",
            retry_after=policy.TEST_RUN_RETRY_AFTER_S,
        ) from exc
    return json_response(run)


async def stop_test_run(request: web.Request) -> web.Response:
    """``DELETE /templates/run?id=``: 200 ``stopped`` true, or false when already stopped."""
    desktop_id = request.query.get("id", "").strip()
    if not desktop_id:
        raise ApiError(400, "query parameter 'id' (the preview's desktop_id) is required")
    stopped = request.app[STATE].runs.stop(desktop_id)
    if stopped is None:
        raise ApiError(404, f"no such test run: {shown(desktop_id)}")
    return json_response(StopRunResult(stopped=stopped))
