"""The API's error envelope."""

from __future__ import annotations

import msgspec

from orgo_async.models._base import Model
from orgo_async.models.templates import ValidationIssue

__all__ = ["ErrorBody"]


class ErrorBody(Model, frozen=True, kw_only=True):
    """``{"error": ..., "request_id": ...}``, with ``errors`` on 422.

    ``upstream_status`` is the status a desktop answered, on errors that came from one.
    """

    error: str | None = None
    request_id: str | None = None
    upstream_status: int | None = None
    errors: list[ValidationIssue] = msgspec.field(default_factory=list)
