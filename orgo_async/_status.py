"""HTTP error statuses into typed errors: the one mapping the transport and streams share."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

from orgo_async._decode import SHOWN_BYTES, convert, error_body
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
    parsed = error_body(body)
    fields = parsed if isinstance(parsed, dict) else {}
    message = fields.get("error")
    if isinstance(message, str) and message:
        message = message[:SHOWN_BYTES]  # a server's message, however long, is one line of text
    else:
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
    return convert(raw, list[ValidationIssue]) or []
