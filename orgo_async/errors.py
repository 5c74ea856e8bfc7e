"""Every error orgo_async raises, in one tree.

```
OrgoError
├── ConfigurationError          bad client settings (no key, insecure URL); also a ValueError
├── InvalidRefError             a ref that does not parse; also a ValueError
├── TemplateError               a document problem found locally, before any request
│   ├── TemplateSyntaxError     YAML/JSON that does not parse (line, column)
│   │   └── TemplateTooLargeError   a document or request body over the size limit (size, limit)
│   └── TemplateValidationError a document that parses but breaks the format (issues)
├── APIError                    something went wrong talking to the API
│   ├── APIConnectionError      the server could not be reached, or a stream dropped
│   │   └── APITimeoutError     connect, read or stream-idle timeout
│   ├── APIResponseValidationError  a response that is not what the API documents
│   ├── StreamError             a server-sent event stream broke its contract
│   │   ├── EventTooLargeError  one event exceeded the configured maximum size
│   │   └── EventDecodeError    a frame whose data is not a valid event (its start kept)
│   └── APIStatusError          the server answered with an error status
│       ├── BadRequestError           400
│       ├── AuthenticationError       401
│       ├── PermissionDeniedError     403
│       ├── NotFoundError             404
│       ├── ConflictError             409
│       ├── UnprocessableEntityError  422 (carries the validation issues)
│       ├── RateLimitError            429 (carries retry_after)
│       └── InternalServerError       5xx
├── BuildError                  a build ended in a state other than ready
│   ├── BuildFailedError        status failed (error text, last log lines)
│   ├── BuildCancelledError     the build was cancelled
│   └── BuildTimeoutError       the build or the wait for it timed out
└── FellBehindError             a fleet's events() consumer stopped reading and was dropped
```

No error message or ``repr`` ever contains the API key: errors are built from the
method, the URL (which never carries the key) and the parsed response body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orgo_async.models import BuildEvent, BuildInfo, ValidationIssue

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BuildCancelledError",
    "BuildError",
    "BuildFailedError",
    "BuildTimeoutError",
    "ConfigurationError",
    "ConflictError",
    "EventDecodeError",
    "EventTooLargeError",
    "FellBehindError",
    "InternalServerError",
    "InvalidRefError",
    "NotFoundError",
    "OrgoError",
    "PermissionDeniedError",
    "RateLimitError",
    "StreamError",
    "TemplateError",
    "TemplateSyntaxError",
    "TemplateTooLargeError",
    "TemplateValidationError",
    "UnprocessableEntityError",
]


class OrgoError(Exception):
    """Root of every error raised by orgo_async."""


class ConfigurationError(OrgoError, ValueError):
    """The client was configured in a way that cannot work or is unsafe."""


class InvalidRefError(OrgoError, ValueError):
    """A template ref or one of its components does not match the documented patterns."""


# --- documents ---------------------------------------------------------------


class TemplateError(OrgoError):
    """A template document is unusable; found locally, before any request."""


class TemplateSyntaxError(TemplateError):
    """The document is not well-formed YAML or JSON, or uses a forbidden YAML feature.

    Attributes:
        line: 1-based line of the problem, when known.
        column: 1-based column of the problem, when known.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}")


class TemplateTooLargeError(TemplateSyntaxError):
    """The document, or the request body made from it, is larger than the API takes.

    Raised before anything is read further or sent. A ``TemplateSyntaxError`` too: the
    text is not read at all.

    Attributes:
        size: the size found, in bytes (at least ``limit + 1`` when reading stopped early).
        limit: the most bytes allowed.
    """

    def __init__(self, message: str, *, size: int, limit: int):
        super().__init__(message)
        self.size = size
        self.limit = limit


class TemplateValidationError(TemplateError):
    """The document parses but breaks the orgo.ai/v1 format; every problem is in ``issues``.

    ``issues`` holds the errors and, after them, any warnings found beside them.
    """

    def __init__(self, issues: Sequence[ValidationIssue]):
        self.issues: list[ValidationIssue] = list(issues)
        lines = [
            f"  {issue.field or '<document>'}: "
            f"{'' if issue.is_error else 'warning: '}{issue.message}"
            for issue in self.issues
        ]
        count = sum(1 for issue in self.issues if issue.is_error)
        super().__init__(
            f"template is invalid ({count} problem{'s' if count != 1 else ''}):\n"
            + "\n".join(lines)
        )


# --- transport and API -------------------------------------------------------


class APIError(OrgoError):
    """Something went wrong while talking to the Orgo API."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None):
        self.message = message
        self.method = method
        self.url = url
        super().__init__(message)


class APIConnectionError(APIError):
    """The server could not be reached, or the connection dropped mid-response."""


class APITimeoutError(APIConnectionError):
    """A connect, read or stream-idle timeout elapsed."""


class APIResponseValidationError(APIError):
    """The server answered with a body that does not match what the API documents.

    Attributes:
        status_code: HTTP status of the response.
        body: the raw response body (truncated to a few KiB).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status_code: int | None = None,
        body: bytes = b"",
    ):
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        self.body = body[:4096]


class StreamError(APIError):
    """A server-sent event stream broke its contract."""


class EventTooLargeError(StreamError):
    """One event grew past the configured maximum size; the stream was closed."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"server-sent event exceeds the maximum size of {limit} bytes")


class EventDecodeError(StreamError):
    """A frame's data is not a valid event; ``raw`` keeps the start of it (4,096 characters)."""

    def __init__(self, message: str, *, raw: str, url: str | None = None):
        self.raw = raw
        super().__init__(f"{message}: {raw[:200]!r}", url=url)


class APIStatusError(APIError):
    """The API answered with an error status.

    Attributes:
        status_code: the HTTP status.
        request_id: the server's request id, when it sent one.
        body: the parsed JSON body, or the text when it was not JSON.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status_code: int,
        request_id: str | None = None,
        body: Any = None,
    ):
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        self.request_id = request_id
        self.body = body

    def __str__(self) -> str:
        rid = f" [request_id={self.request_id}]" if self.request_id else ""
        return f"{self.status_code} {self.method} {self.url}: {self.message}{rid}"


class BadRequestError(APIStatusError):
    """400: the request body is empty or does not parse."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or invalid."""


class PermissionDeniedError(APIStatusError):
    """403: the key's plan or workspace does not allow this call."""


class NotFoundError(APIStatusError):
    """404: no such template, version or build."""


class ConflictError(APIStatusError):
    """409: different content is already published at this ref, or the build is not ready."""


class UnprocessableEntityError(APIStatusError):
    """422: the server rejected the document; ``issues`` lists every problem."""

    def __init__(self, message: str, *, issues: Sequence[ValidationIssue] = (), **kwargs: Any):
        super().__init__(message, **kwargs)
        self.issues: list[ValidationIssue] = list(issues)


class RateLimitError(APIStatusError):
    """429: rate limit or capacity reached; ``retry_after`` is the server's hint in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


# --- builds ------------------------------------------------------------------


class BuildError(OrgoError):
    """A build ended in a state other than ``ready``.

    Attributes:
        ref: the ref whose build ended.
        info: the last build status read, when one was.
        last_lines: the last log lines seen, oldest first.
    """

    def __init__(
        self,
        message: str,
        *,
        ref: str,
        info: BuildInfo | None = None,
        last_lines: Sequence[BuildEvent] = (),
    ):
        self.ref = ref
        self.info = info
        self.last_lines: list[BuildEvent] = list(last_lines)
        super().__init__(message)


class BuildFailedError(BuildError):
    """The build failed; ``error`` is the server's reason."""

    def __init__(self, message: str, *, error: str | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.error = error


class BuildCancelledError(BuildError):
    """The build was cancelled before it reached ``ready``."""


class BuildTimeoutError(BuildError):
    """The build timed out on the server, or waiting for it took longer than allowed."""


# --- fleet events ------------------------------------------------------------


class FellBehindError(OrgoError):
    """A fleet's ``events()`` consumer took nothing while its buffer stayed full; it was dropped.

    Its iterator handed out the items it had buffered first; the items published after
    it was dropped were not delivered to it. The fleet's builds went on.

    Attributes:
        buffer: the items its buffer held (the fleet's ``event_buffer``).
        waited: the seconds builds waited for room before dropping it.
    """

    def __init__(self, *, buffer: int, waited: float):
        self.buffer = buffer
        self.waited = waited
        super().__init__(
            f"this events() iterator fell behind: its buffer of {buffer} items stayed full "
            f"for {waited:g} s, so the fleet stopped feeding it to let the builds go on; "
            "keep reading, or close the iterator when you stop"
        )
