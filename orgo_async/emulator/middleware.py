"""Request pipeline: request id and error envelope, statistics, latency, faults, auth."""

from __future__ import annotations

import enum
import hmac
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping

import anyio
from aiohttp import web

from orgo_async.emulator import policy
from orgo_async.emulator._control_guard import check_control_caller
from orgo_async.emulator.responses import (
    ApiError,
    current_request_id,
    error_response,
    route_key,
    set_request_id,
)
from orgo_async.emulator.state import EmulatorState

__all__ = ["Access", "pipeline"]

_log = logging.getLogger("orgo_async.emulator")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Access(enum.Enum):
    """Who may call a route, and whether faults apply to it."""

    PUBLIC = "public"
    """No key needed; faults apply (``/template-schema``)."""
    READ = "read"
    """Any valid key."""
    WRITE = "write"
    """A key whose plan has templates (Scale or higher); the free-plan key gets 403."""
    META = "meta"
    """No key, no faults: the OpenAPI description."""
    CONTROL = "control"
    """No key, no faults, tools on this machine only (not web pages): ``/_emulator`` routes."""


_UNCOUNTED = frozenset({Access.CONTROL, Access.META})
"""Statistics count the API, not the tooling around it."""


def _http_message(exc: web.HTTPException, request: web.Request) -> str:
    if exc.status == 404:
        return f"no such route: {request.method} {request.path}"
    if exc.status == 405:
        return f"method {request.method} is not allowed on {request.path}"
    if exc.status == 413:
        return f"request body too large: the limit is {policy.MAX_BODY_BYTES} bytes"
    return exc.reason


def pipeline(
    state: EmulatorState, access: Mapping[str, Access]
) -> list[Callable[..., Awaitable[web.StreamResponse]]]:
    """The middlewares, outermost first, for routes whose access levels ``access`` gives."""

    @web.middleware
    async def envelope(request: web.Request, handler: Handler) -> web.StreamResponse:
        set_request_id(str(uuid.uuid4()))
        try:
            response = await handler(request)
        except ApiError as exc:
            response = error_response(exc)
        except web.HTTPException as exc:
            response = error_response(ApiError(exc.status, _http_message(exc, request)))
            if "Allow" in exc.headers:
                response.headers["Allow"] = exc.headers["Allow"]
        except Exception:
            _log.exception("unhandled error answering %s %s", request.method, request.path)
            response = error_response(ApiError(500, "Internal server error."))
        route = route_key(request)
        if access.get(route) not in _UNCOUNTED:
            state.stats.request(route, response.status)
        return response

    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = route_key(request)
        level = access.get(route)
        if level is None or level is Access.META:
            return await handler(request)
        if level is Access.CONTROL:
            check_control_caller(request)
            return await handler(request)
        faults = state.faults
        if faults.settings.latency_ms:
            await anyio.sleep(faults.settings.latency_ms / 1000)
        fault = faults.pick(route)
        if fault is not None:
            raise ApiError(fault.status, fault.message, retry_after=fault.retry_after)
        if level is not Access.PUBLIC:
            _authorize(request, state, write=level is Access.WRITE)
        return await handler(request)

    return [envelope, gate]


async def add_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` hook: every response, streams included, names its request."""
    response.headers["X-Request-Id"] = current_request_id() or str(uuid.uuid4())


def _authorize(request: web.Request, state: EmulatorState, *, write: bool) -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise _unauthorized(policy.MISSING_KEY_MESSAGE)
    config = state.config
    # Header bytes that are not UTF-8 arrive as surrogates: compare them as the bytes they
    # were (they match no key) instead of failing to encode them.
    presented = key.encode("utf-8", "surrogateescape")
    # Constant-time comparison: the emulator should not teach timing leaks by example.
    if hmac.compare_digest(presented, config.api_key.encode()):
        return
    free = config.free_plan_key
    if free is not None and hmac.compare_digest(presented, free.encode()):
        if write:
            raise ApiError(403, policy.PLAN_MESSAGE)
        return
    raise _unauthorized(policy.INVALID_KEY_MESSAGE)


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})
