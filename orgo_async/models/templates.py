"""Payloads of the template registry endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal, TypeAlias

import msgspec

from orgo_async.models._base import Model

__all__ = [
    "ERROR",
    "WARNING",
    "DeleteResult",
    "PublishResult",
    "Severity",
    "StopRunResult",
    "TemplateList",
    "TemplateRun",
    "TemplateVersion",
    "ValidationIssue",
    "ValidationResult",
    "VersionList",
]

Severity: TypeAlias = Literal["error", "warning"]
"""How much an issue weighs: an ``error`` breaks a documented rule; a ``warning`` does not."""
ERROR: Final = "error"
WARNING: Final = "warning"


class ValidationIssue(Model, frozen=True, kw_only=True):
    """One problem in a template document.

    Attributes:
        field: path of the offending field, such as ``files[0].to``; ``""`` for the whole document.
        code: machine-readable code, such as ``required`` or ``invalid_enum``.
        message: what is wrong, for people.
        hint: how to fix it, when there is an obvious fix.
        severity: ``"error"`` for a rule the docs state (the document cannot be used),
            ``"warning"`` for one of orgo_async's own answers where the docs are silent
            (the server may accept it). Issues a server sends without one are errors;
            a value other than these two is kept as sent.
    """

    field: str
    code: str
    message: str
    hint: str | None = None
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        """Whether the issue blocks the document: anything but a warning does."""
        return self.severity != WARNING


class TemplateVersion(Model, frozen=True, kw_only=True):
    """One published template version, as the list, versions, curated and get endpoints return it.

    ``template`` is the normalized ``orgo.ai/v1`` document; list endpoints may leave it out.
    """

    ref: str
    digest: str
    published: datetime
    template: dict[str, Any] | None = None


class TemplateList(Model, frozen=True, kw_only=True):
    """Body of ``GET /templates`` and ``GET /templates/global``."""

    templates: list[TemplateVersion]


class VersionList(Model, frozen=True, kw_only=True):
    """Body of ``GET /templates/{namespace}/{name}`` and its curated twin."""

    versions: list[TemplateVersion]


class PublishResult(Model, frozen=True, kw_only=True):
    """Body of a successful publish.

    ``auto_build`` is the status of the build publish started, present only with
    ``auto_build=True``. ``warnings`` holds what a server flagged without refusing (the
    docs name no such field; servers that send none leave it empty).
    """

    ref: str
    digest: str
    published: datetime
    auto_build: str | None = None
    warnings: list[ValidationIssue] = msgspec.field(default_factory=list)


class ValidationResult(Model, frozen=True, kw_only=True):
    """Body of ``POST /templates/validate``: the normalized document, or every problem.

    ``warnings`` holds issues that do not make the document invalid (the docs name no
    such field; servers that send none leave it empty).
    """

    ok: bool
    template: dict[str, Any] | None = None
    errors: list[ValidationIssue] = msgspec.field(default_factory=list)
    warnings: list[ValidationIssue] = msgspec.field(default_factory=list)


class DeleteResult(Model, frozen=True, kw_only=True):
    """Body of a version delete."""

    deleted: bool


class TemplateRun(Model, frozen=True, kw_only=True):
    """A short-lived preview computer started from a built template (``POST /templates/run``)."""

    id: str
    desktop_id: str
    status: str
    vnc_password: str
    public_host: str
    resolution: str


class StopRunResult(Model, frozen=True, kw_only=True):
    """Body of ``DELETE /templates/run?id=``."""

    stopped: bool
