"""Exit codes of ``orgo-async``, and every error put in the command line's own words.

The rule: ``2`` means *your input or configuration is wrong and retrying will not help*
(bad usage, an invalid document or ref, a missing or rejected API key, a plan that does not
allow the call); ``1`` means *the operation failed* (a build failed, the server answered
with another error, or could not be reached); ``130`` means the command was interrupted.

The library speaks Python (``pass api_key=``) and the server speaks HTTP (``?force=true``);
[`cli_words`][orgo_async.cli.exits.cli_words] is the one place their messages are turned
into the options of this command line (``--api-key``, ``--force``).
"""

from __future__ import annotations

import enum
import http
import re
from typing import Any

from yarl import URL

from orgo_async.errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BuildError,
    ConfigurationError,
    InvalidRefError,
    OrgoError,
    PermissionDeniedError,
    TemplateError,
    TemplateSyntaxError,
    TemplateValidationError,
    UnprocessableEntityError,
)

__all__ = [
    "CommandError",
    "ExitCode",
    "cli_words",
    "describe_error",
    "error_fields",
    "error_notes",
    "exit_code_for",
]


class ExitCode(enum.IntEnum):
    """Process exit status of every ``orgo-async`` command."""

    OK = 0
    FAILED = 1
    USAGE = 2
    INTERRUPTED = 130


class CommandError(Exception):
    """A command's own refusal (a file exists, no terminal to confirm on): lines and a code."""

    def __init__(self, *lines: str, exit_code: ExitCode = ExitCode.USAGE, kind: str = "usage"):
        super().__init__(lines[0] if lines else kind)
        self.lines = list(lines)
        self.exit_code = exit_code
        self.kind = kind


# Errors the user fixes by changing the command, the document or the configuration.
_USAGE_ERRORS: tuple[type[OrgoError], ...] = (
    ConfigurationError,
    InvalidRefError,
    TemplateError,
    AuthenticationError,
    PermissionDeniedError,
    UnprocessableEntityError,
)

# Library and server wording -> this command line's options. Applied in order.
_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"pass api_key= or set \$?ORGO_API_KEY"), "pass --api-key or set $ORGO_API_KEY"),
    (re.compile(r"pass api_key= instead"), "pass the key with --api-key instead"),
    (re.compile(r"; use https:// or pass allow_insecure_http=True"), "; use https://"),
    (re.compile(r"\bapi_key\b(?!=)"), "the API key"),
    (re.compile(r"\bbase_url\b"), "--base-url"),
    (re.compile(r"(?:publish )?with \??force=true"), "publish with --force"),
    (re.compile(r"\??\bforce=true\b"), "--force"),
    (re.compile(r"\??\bauto_build=true\b"), "--auto-build"),
    (re.compile(r"(?<![$\w])ORGO_(API_KEY|BASE_URL)\b"), r"$ORGO_\1"),
    # aiohttp's exception class names say nothing to someone at a terminal.
    (re.compile(r"\b(?:aiohttp\.)?(?:Client|Server)\w*(?:Error|Timeout): "), ""),
)

_HINTS: tuple[tuple[type[OrgoError], str], ...] = (
    (AuthenticationError, "check --api-key or $ORGO_API_KEY"),
    (PermissionDeniedError, "this key's plan does not allow the call"),
)


def cli_words(message: str) -> str:
    """``message`` with the library's parameter names replaced by this CLI's options."""
    for pattern, replacement in _WORDS:
        message = pattern.sub(replacement, message)
    return message


def exit_code_for(exc: OrgoError) -> ExitCode:
    """Return the exit code a command ends with when ``exc`` escapes it."""
    if isinstance(exc, _USAGE_ERRORS):
        return ExitCode.USAGE
    return ExitCode.FAILED


def describe_error(exc: OrgoError) -> list[str]:
    """Describe ``exc`` in as few lines as possible: one, or one per validation issue."""
    if isinstance(exc, (TemplateValidationError, UnprocessableEntityError)) and exc.issues:
        lines = [_status_line(exc)] if isinstance(exc, UnprocessableEntityError) else []
        lines += [
            f"{issue.field or '<document>'}: {cli_words(issue.message)} [{issue.code}]"
            for issue in exc.issues
        ]
        return lines
    if isinstance(exc, TemplateSyntaxError):
        return [f"syntax error: {exc}"]
    if isinstance(exc, APIStatusError):
        return [_status_line(exc)]
    if isinstance(exc, APIConnectionError):
        where = f" at {_origin(exc.url)}" if exc.url else ""
        return [f"error: cannot reach the Orgo API{where}: {cli_words(exc.message)}"]
    if isinstance(exc, BuildError):
        return [f"build of {exc.ref} ended badly: {cli_words(str(exc))}"]
    return [f"error: {cli_words(str(exc))}"]


def error_notes(exc: OrgoError, *, verbose: bool = False) -> list[str]:
    """The lines printed after the message: a hint, the request id; the request if verbose."""
    notes = [hint for kind, hint in _HINTS if isinstance(exc, kind)]
    if isinstance(exc, APIStatusError):
        request = f"{exc.method} {exc.url}" if verbose else ""
        rid = f"request id {exc.request_id}" if exc.request_id else ""
        joined = ", ".join(part for part in (request, rid) if part)
        if joined:
            notes.append(joined)
    elif isinstance(exc, APIConnectionError) and verbose and exc.url:
        notes.append(f"{exc.method} {exc.url}")
    return notes


def error_fields(exc: OrgoError) -> dict[str, Any]:
    """Extra keys of an error's JSON record: the HTTP status, request id and URL."""
    if isinstance(exc, APIStatusError):
        return {
            "status_code": exc.status_code,
            "request_id": exc.request_id,
            "method": exc.method,
            "url": exc.url,
        }
    if isinstance(exc, APIConnectionError):
        return {"method": exc.method, "url": exc.url}
    return {}


def _status_line(exc: APIStatusError) -> str:
    try:
        phrase = http.HTTPStatus(exc.status_code).phrase.lower()
    except ValueError:
        phrase = "error"
    return f"error: {exc.status_code} {phrase}: {cli_words(exc.message)}"


def _origin(url: str) -> str:
    try:
        parsed = URL(url)
    except ValueError:
        return url
    if not parsed.absolute:
        return url
    return str(parsed.origin())
