"""HTTP helpers shared by the routes: JSON bodies, the error envelope, request parsing."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Mapping
from typing import Any, TypeVar

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
    "read_json",
    "route_key",
    "shown",
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
    raise ApiError(400, f"query parameter {name!r} must be true or false, not {shown(value)}")


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
    """The request body, refused with 413 past the size limit before reading it all.

    The limit counts bytes after any ``Content-Encoding`` is undone, so a compressed bomb
    stops at the limit too.

    Raises:
        ApiError: 413 past the limit; 400 for a body that cannot be read (a broken
            compressed or chunked encoding).
    """
    limit = policy.MAX_BODY_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"request body too large: the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"request body too large: the limit is {limit} bytes")
            chunks.append(chunk)
    except web.RequestPayloadError as exc:
        raise ApiError(400, f"the request body could not be read: {shown(str(exc))}") from exc
    return b"".join(chunks)


_Body = TypeVar("_Body")


async def read_json(request: web.Request, kind: type[_Body], *, what: str) -> _Body:
    """The body decoded as JSON into ``kind``; an empty body reads as ``{}``.

    Raises:
        ApiError: 415 for a body declared as anything but JSON; 413 past the size limit;
            400 for a body that is not JSON of that shape, or nests too deeply to decode.
    """
    body = await read_body(request)
    if not body.strip():
        body = b"{}"
    elif not _declares_json(request):
        raise ApiError(
            415,
            f"the {what} is JSON: send it with Content-Type: application/json "
            f"(not {shown(request.headers.get('Content-Type', ''))})",
        )
    try:
        return msgspec.json.decode(body, type=kind)
    except RecursionError as exc:
        # msgspec decodes recursively: nesting past Python's limit is the sender's doing.
        raise ApiError(400, f"the {what} nests too deeply") from exc
    except msgspec.DecodeError as exc:
        raise ApiError(400, f"invalid {what}: {exc}") from exc


def _declares_json(request: web.Request) -> bool:
    media_type = request.content_type
    return media_type == "application/json" or media_type.endswith("+json")


_SHOWN_CHARS = 60


def shown(value: str) -> str:
    """``repr`` of a value taken from a request, cut short so an error message stays small."""
    if len(value) > _SHOWN_CHARS:
        return repr(value[:_SHOWN_CHARS]) + "..."
    return repr(value)


_NAME = re.compile(NAME_PATTERN)


def checked_name(value: str, what: str) -> str:
    """``value`` if it matches the kebab-case name pattern.

    Raises:
        ApiError: 400 naming ``what`` otherwise.
    """
    if _NAME.fullmatch(value) is None:
        raise ApiError(400, f"invalid {what} {shown(value)}: expected lowercase kebab-case")
    return value
