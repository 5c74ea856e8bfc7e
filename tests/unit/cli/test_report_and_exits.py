"""The end-of-run report and the mapping from errors to exit codes and messages."""

from __future__ import annotations

import pytest

from orgo_async.cli.exits import (
    ExitCode,
    cli_words,
    describe_error,
    error_fields,
    error_notes,
    exit_code_for,
)
from orgo_async.cli.report import plain_report, totals_line
from orgo_async.errors import (
    APIConnectionError,
    AuthenticationError,
    BuildFailedError,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    InvalidRefError,
    NotFoundError,
    OrgoError,
    PermissionDeniedError,
    TemplateSyntaxError,
    TemplateValidationError,
    UnprocessableEntityError,
)
from orgo_async.fleet.report import BuildOutcome
from orgo_async.models import ValidationIssue

STATUS_KW = {"method": "GET", "url": "http://127.0.0.1/api/templates"}


def outcome(ref: str, status: str, **kw: object) -> BuildOutcome:
    """A fleet outcome with a one-second wall time."""
    return BuildOutcome(ref=ref, status=status, wall_time=1.0, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param([], "0 builds", id="empty"),
        pytest.param(["ready"], "1 build: 1 ready", id="one"),
        pytest.param(
            ["failed", "ready", "reused", "ready"],
            "4 builds: 2 ready, 1 reused, 1 failed",
            id="ordered-by-status",
        ),
    ],
)
def test_totals_line(statuses: list[str], expected: str) -> None:
    """The totals count builds by status, best first."""
    assert totals_line([outcome(f"default/t{i}@1.0.0", s) for i, s in enumerate(statuses)]) == (
        expected
    )


def test_plain_report_is_aligned_in_given_order() -> None:
    """The plain report aligns its columns, keeps the outcomes' order, ends with the totals."""
    lines = plain_report(
        [
            outcome("default/zeta@1.0.0", "failed", error="boom"),
            outcome("default/a@1.0.0", "ready", digest="f" * 64),
        ]
    )
    assert lines == [
        "REF                 RESULT  TIME  DIGEST        ERROR",
        "default/zeta@1.0.0  failed  1.0s                boom",
        "default/a@1.0.0     ready   1.0s  ffffffffffff",
        "2 builds: 1 ready, 1 failed",
    ]


ISSUE = ValidationIssue(
    field="hardware.cpu", code="invalid_enum", message="cpu must be one of 1, 2, 4, 8, 16"
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        pytest.param(ConfigurationError("no key"), ExitCode.USAGE, id="configuration"),
        pytest.param(InvalidRefError("bad ref"), ExitCode.USAGE, id="ref"),
        pytest.param(TemplateValidationError([ISSUE]), ExitCode.USAGE, id="invalid-template"),
        pytest.param(TemplateSyntaxError("bad", line=1, column=2), ExitCode.USAGE, id="syntax"),
        pytest.param(
            AuthenticationError("Invalid API key", status_code=401, **STATUS_KW),
            ExitCode.USAGE,
            id="401",
        ),
        pytest.param(
            PermissionDeniedError("plan", status_code=403, **STATUS_KW), ExitCode.USAGE, id="403"
        ),
        pytest.param(
            UnprocessableEntityError("invalid", status_code=422, issues=[ISSUE], **STATUS_KW),
            ExitCode.USAGE,
            id="422",
        ),
        pytest.param(
            NotFoundError("no such version", status_code=404, **STATUS_KW),
            ExitCode.FAILED,
            id="404",
        ),
        pytest.param(
            ConflictError("different content", status_code=409, **STATUS_KW),
            ExitCode.FAILED,
            id="409",
        ),
        pytest.param(
            InternalServerError("boom", status_code=503, **STATUS_KW), ExitCode.FAILED, id="5xx"
        ),
        pytest.param(APIConnectionError("refused"), ExitCode.FAILED, id="connection"),
        pytest.param(
            BuildFailedError("failed", ref="default/a@1.0.0"), ExitCode.FAILED, id="build"
        ),
    ],
)
def test_exit_code_for(error: OrgoError, code: ExitCode) -> None:
    """Input and configuration problems exit 2; failed operations exit 1."""
    assert exit_code_for(error) == code


def test_describe_validation_error_lists_every_issue() -> None:
    """A validation error becomes one line per issue, with field path and code."""
    second = ValidationIssue(field="files[0].to", code="required", message="to is required")
    assert describe_error(TemplateValidationError([ISSUE, second])) == [
        "hardware.cpu: cpu must be one of 1, 2, 4, 8, 16 [invalid_enum]",
        "files[0].to: to is required [required]",
    ]


def test_describe_status_error_is_one_line_and_the_request_id_a_note() -> None:
    """An API status error is one line; the request id (and, verbose, the URL) follow apart."""
    error = NotFoundError("no such version", status_code=404, request_id="req-1", **STATUS_KW)
    assert describe_error(error) == ["error: 404 not found: no such version"]
    assert error_notes(error) == ["request id req-1"]
    assert error_notes(error, verbose=True) == [
        "GET http://127.0.0.1/api/templates, request id req-1"
    ]
    assert error_fields(error)["request_id"] == "req-1"


def test_connection_errors_name_the_server_not_the_whole_url() -> None:
    """An unreachable server is named by its origin; the request's URL is a verbose note."""
    error = APIConnectionError(
        "connection failed: refused", method="GET", url="http://127.0.0.1:9/api/templates"
    )
    assert describe_error(error) == [
        "error: cannot reach the Orgo API at http://127.0.0.1:9: connection failed: refused"
    ]
    assert error_notes(error) == []
    assert error_notes(error, verbose=True) == ["GET http://127.0.0.1:9/api/templates"]


@pytest.mark.parametrize(
    ("library", "cli"),
    [
        pytest.param(
            "no API key: pass api_key= or set ORGO_API_KEY (create one at orgo.ai/workspaces)",
            "no API key: pass --api-key or set $ORGO_API_KEY (create one at orgo.ai/workspaces)",
            id="no-key",
        ),
        pytest.param(
            "bump template.version or publish with force=true",
            "bump template.version or publish with --force",
            id="conflict",
        ),
        pytest.param("republish with ?force=true", "republish with --force", id="query-force"),
        pytest.param(
            "api_key contains whitespace or control characters",
            "the API key contains whitespace or control characters",
            id="key-characters",
        ),
        pytest.param(
            "refusing plain http:// to example.com: the API key would travel unencrypted; "
            "use https:// or pass allow_insecure_http=True",
            "refusing plain http:// to example.com: the API key would travel unencrypted; "
            "use https://",
            id="insecure",
        ),
        pytest.param(
            "base_url must not carry credentials; pass api_key= instead",
            "--base-url must not carry credentials; pass the key with --api-key instead",
            id="credentials",
        ),
        pytest.param("set $ORGO_BASE_URL", "set $ORGO_BASE_URL", id="already-cli-words"),
        pytest.param(
            "connection failed: ClientConnectorError: Cannot connect to host 127.0.0.1:9",
            "connection failed: Cannot connect to host 127.0.0.1:9",
            id="aiohttp-class-name",
        ),
    ],
)
def test_cli_words(library: str, cli: str) -> None:
    """Library and server wording becomes this command line's options and variables."""
    assert cli_words(library) == cli


def test_configuration_errors_are_described_in_cli_words() -> None:
    """A configuration error from the client reaches the terminal in the CLI's words."""
    error = ConfigurationError("no API key: pass api_key= or set ORGO_API_KEY")
    assert describe_error(error) == ["error: no API key: pass --api-key or set $ORGO_API_KEY"]
