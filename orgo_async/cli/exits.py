"""Exit codes of ``orgo-async`` and how each error maps to one, with a one-line message.

The rule: ``2`` means *your input or configuration is wrong and retrying will not help*
(bad usage, an invalid document or ref, a missing or rejected API key, a plan that does not
allow the call); ``1`` means *the operation failed* (a build failed, the server answered
with another error, or could not be reached); ``130`` means the command was interrupted.
"""

from __future__ import annotations

import enum

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

__all__ = ["ExitCode", "describe_error", "exit_code_for"]


class ExitCode(enum.IntEnum):
    """Process exit status of every ``orgo-async`` command."""

    OK = 0
    FAILED = 1
    USAGE = 2
    INTERRUPTED = 130


# Errors the user fixes by changing the command, the document or the configuration.
_USAGE_ERRORS: tuple[type[OrgoError], ...] = (
    ConfigurationError,
    InvalidRefError,
    TemplateError,
    AuthenticationError,
    PermissionDeniedError,
    UnprocessableEntityError,
)


def exit_code_for(exc: OrgoError) -> ExitCode:
    """Return the exit code a command ends with when ``exc`` escapes it."""
    if isinstance(exc, _USAGE_ERRORS):
        return ExitCode.USAGE
    return ExitCode.FAILED


def describe_error(exc: OrgoError) -> list[str]:
    """Describe ``exc`` in as few lines as possible: one, or one per validation issue."""
    if isinstance(exc, (TemplateValidationError, UnprocessableEntityError)) and exc.issues:
        head = str(exc).splitlines()[0] if isinstance(exc, UnprocessableEntityError) else None
        lines = [head] if head else []
        lines += [
            f"{issue.field or '<document>'}: {issue.message} [{issue.code}]" for issue in exc.issues
        ]
        return lines
    if isinstance(exc, TemplateSyntaxError):
        return [f"syntax error: {exc}"]
    if isinstance(exc, APIStatusError):
        return [f"error: {exc}"]
    if isinstance(exc, APIConnectionError):
        where = f" ({exc.method} {exc.url})" if exc.method and exc.url else ""
        return [f"error: cannot reach the Orgo API{where}: {exc.message}"]
    if isinstance(exc, BuildError):
        return [f"build of {exc.ref} ended badly: {exc}"]
    return [f"error: {exc}"]
