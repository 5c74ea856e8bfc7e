"""Error responses become the right typed error, with everything a caller needs to act on it."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from orgo_async._status import status_error
from orgo_async.errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    OrgoError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from orgo_async.models import ValidationIssue

URL = "http://127.0.0.1:1/api/templates"


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        pytest.param(400, BadRequestError, id="400"),
        pytest.param(401, AuthenticationError, id="401"),
        pytest.param(403, PermissionDeniedError, id="403"),
        pytest.param(404, NotFoundError, id="404"),
        pytest.param(409, ConflictError, id="409"),
        pytest.param(422, UnprocessableEntityError, id="422"),
        pytest.param(429, RateLimitError, id="429"),
        pytest.param(500, InternalServerError, id="500"),
        pytest.param(503, InternalServerError, id="503"),
        pytest.param(418, APIStatusError, id="other-4xx"),
    ],
)
def test_each_status_has_its_error_class(status: int, error_type: type[APIStatusError]) -> None:
    """Every documented status maps to its own class; others to APIStatusError."""
    body = b'{"error": "nope", "request_id": "req-1"}'
    error = status_error("POST", URL, status, CIMultiDict(), body)
    assert type(error) is error_type
    assert isinstance(error, APIError)
    assert isinstance(error, OrgoError)
    assert (error.status_code, error.method, error.url) == (status, "POST", URL)
    assert error.request_id == "req-1"
    assert error.message == "nope"
    assert error.body == {"error": "nope", "request_id": "req-1"}


def test_request_id_falls_back_to_the_header() -> None:
    """Without a request_id in the body, the X-Request-Id header is used."""
    error = status_error("GET", URL, 404, CIMultiDict({"X-Request-Id": "hdr-9"}), b"{}")
    assert error.request_id == "hdr-9"
    assert "hdr-9" in str(error)


def test_a_text_body_is_kept_as_text() -> None:
    """A body that is not JSON is kept as text and summarised in the message."""
    error = status_error("GET", URL, 502, CIMultiDict(), b"<html>bad gateway</html>")
    assert error.body == "<html>bad gateway</html>"
    assert "Bad Gateway" in error.message
    assert "bad gateway" in error.message


def test_unprocessable_entity_carries_the_issues() -> None:
    """A 422 decodes every issue of its errors array."""
    body = (
        b'{"error": "invalid", "errors": ['
        b'{"field": "hardware.cpu", "code": "invalid_enum", "message": "bad cpu", "hint": "use 2"},'
        b'{"field": "template.name", "code": "required", "message": "missing"}]}'
    )
    error = status_error("POST", URL, 422, CIMultiDict(), body)
    assert isinstance(error, UnprocessableEntityError)
    assert error.issues == [
        ValidationIssue(field="hardware.cpu", code="invalid_enum", message="bad cpu", hint="use 2"),
        ValidationIssue(field="template.name", code="required", message="missing"),
    ]


def test_malformed_issues_still_give_a_422_error() -> None:
    """Issues that do not decode leave .issues empty but keep the raw body."""
    body = b'{"error": "invalid", "errors": [{"field": 3}]}'
    error = status_error("POST", URL, 422, CIMultiDict(), body)
    assert isinstance(error, UnprocessableEntityError)
    assert error.issues == []
    assert error.body == {"error": "invalid", "errors": [{"field": 3}]}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("5", 5.0, id="seconds"),
        pytest.param(None, None, id="absent"),
        pytest.param("later", None, id="unreadable"),
    ],
)
def test_rate_limit_error_carries_retry_after(header: str | None, expected: float | None) -> None:
    """A 429 reads the server's Retry-After hint."""
    headers = CIMultiDict({"Retry-After": header} if header is not None else {})
    error = status_error("POST", URL, 429, headers, b'{"error": "capacity"}')
    assert isinstance(error, RateLimitError)
    assert error.retry_after == expected


def test_an_empty_body_gets_the_status_phrase() -> None:
    """With no body at all, the message is the status phrase."""
    error = status_error("DELETE", URL, 404, CIMultiDict(), b"")
    assert error.message == "Not Found"
    assert str(error) == f"404 DELETE {URL}: Not Found"
