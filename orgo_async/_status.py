"""HTTP error statuses into typed errors: the one mapping the transport and streams share."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

import msgspec

from orgo_async._retry import retry_after_from_headers
from orgo_async.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from orgo_async.models import ValidationIssue

__all__ = ["status_error"]


def status_error(
    method: str, url: str, status: int, headers: Mapping[str, str], body: bytes
) -> APIStatusError:
    """The typed error for an error response: one subclass per documented status."""
    parsed = _parse_body(body)
    fields = parsed if isinstance(parsed, dict) else {}
    message = fields.get("error")
    if not isinstance(message, str) or not message:
        message = _fallback_message(status, parsed)
    request_id = fields.get("request_id")
    if not isinstance(request_id, str):
        request_id = headers.get("X-Request-Id")
    common: dict[str, Any] = {
        "method": method,
        "url": url,
        "status_code": status,
        "request_id": request_id,
        "body": parsed,
    }
    if status == 422:
        return UnprocessableEntityError(message, issues=_issues(fields.get("errors")), **common)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after_from_headers(headers), **common)
    if status >= 500:
        return InternalServerError(message, **common)
    return _STATUS_ERRORS.get(status, APIStatusError)(message, **common)


_STATUS_ERRORS: Final[dict[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
}
_ISSUES: Final = msgspec.json.Decoder(list[ValidationIssue])


def _parse_body(body: bytes) -> Any:
    """The body as JSON when it is JSON, else as text (undecodable bytes replaced)."""
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return body.decode("utf-8", errors="replace")


def _fallback_message(status: int, parsed: Any) -> str:
    reason = HTTPStatus(status).phrase if status in _KNOWN_STATUSES else "error"
    if isinstance(parsed, str) and parsed.strip():
        return f"{reason}: {parsed.strip()[:200]}"
    return reason


_KNOWN_STATUSES: Final = frozenset(int(s) for s in HTTPStatus)


def _issues(raw: Any) -> list[ValidationIssue]:
    # A 422 whose issues do not decode still deserves its 422 error; the raw list stays in .body.
    if not isinstance(raw, list):
        return []
    try:
        return _ISSUES.decode(msgspec.json.encode(raw))
    except msgspec.DecodeError:
        return []
