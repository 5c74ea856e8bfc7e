"""HTTP helpers shared by the routes: JSON bodies, the error envelope, request parsing."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Mapping
from typing import Any

import msgspec
from aiohttp import web

from orgo_async.emulator import policy
from orgo_async.errors import InvalidRefError
from orgo_async.models import ErrorBody, ValidationIssue
from orgo_async.refs import NAME_PATTERN, TemplateRef

__all__ = [
    "ApiError",
    "checked_name",
    "current_request_id",
    "error_response",
    "json_response",
    "path_ref",
    "query_bool",
    "read_body",
    "route_key",
]

# The request id lives in a context variable: middleware, handler and response-prepare
# hooks of one request run in one task, and aiohttp's typed request keys are recent.
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "orgo_emulator_request_id", default=""
)

_encoder = msgspec.json.Encoder()


def current_request_id() -> str:
    """The id of the request being answered."""
    return _request_id.get()


def set_request_id(request_id: str) -> None:
    """Bind ``request_id`` to the request being answered."""
    _request_id.set(request_id)


class ApiError(Exception):
    """An error answer: status, message, and extra body fields or headers."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[ValidationIssue] | None = None,
        extra: Mapping[str, Any] | None = None,
        retry_after: int | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        self.status = status
        self.message = message
        self.errors = errors or []
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)
        super().__init__(message)


def json_response(
    body: Any, status: int = 200, *, content_type: str = "application/json"
) -> web.Response:
    """A response whose body is ``body`` (a msgspec Struct or plain data) as JSON."""
    return web.Response(body=_encoder.encode(body), status=status, content_type=content_type)


def error_response(error: ApiError) -> web.Response:
    """The error envelope ``{"error", "request_id"}`` (plus ``errors`` or extra fields)."""
    envelope = ErrorBody(error=error.message, request_id=current_request_id(), errors=error.errors)
    body: dict[str, Any] = msgspec.to_builtins(envelope)
    body.update(error.extra)
    response = json_response(body, error.status)
    response.headers.update(error.headers)
    return response


def route_key(request: web.Request) -> str:
    """``"METHOD /path/{template}"`` naming the route, without the ``/api`` prefix."""
    resource = request.match_info.route.resource
    if resource is None:
        return f"{request.method} <unmatched>"
    path = resource.canonical
    if path.startswith(policy.API_PREFIX):
        path = path[len(policy.API_PREFIX) :] or "/"
    return f"{request.method} {path}"


def query_bool(request: web.Request, name: str) -> bool:
    """A boolean query parameter (absent: False).

    Raises:
        ApiError: 400 for a value that is not a boolean spelling.
    """
    value = request.query.get(name, "").strip().lower()
    if value in policy.TRUE_WORDS:
        return True
    if value in policy.FALSE_WORDS:
        return False
    raise ApiError(400, f"query parameter {name!r} must be true or false, not {value!r}")


def path_ref(request: web.Request) -> TemplateRef:
    """The ref in the path's ``{namespace}/{name}/{version}``.

    Raises:
        ApiError: 400 when a component breaks the documented patterns.
    """
    info = request.match_info
    try:
        return TemplateRef(info["namespace"], info["name"], info["version"])
    except InvalidRefError as exc:
        raise ApiError(400, str(exc)) from exc


async def read_body(request: web.Request) -> bytes:
    """The request body, refused with 413 past the size limit before reading it all."""
    limit = policy.MAX_BODY_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"request body too large: the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"request body too large: the limit is {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


_NAME = re.compile(NAME_PATTERN)


def checked_name(value: str, what: str) -> str:
    """``value`` if it matches the kebab-case name pattern.

    Raises:
        ApiError: 400 naming ``what`` otherwise.
    """
    if _NAME.fullmatch(value) is None:
        raise ApiError(400, f"invalid {what} {value!r}: expected lowercase kebab-case")
    return value
