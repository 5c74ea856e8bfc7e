"""Typed payloads of the Orgo templates API, shared by the client and the emulator."""

from orgo_async.models._base import Model
from orgo_async.models.builds import (
    TERMINAL_STATUSES,
    BuildInfo,
    BuildStatus,
    CancelResult,
    CancelStatus,
)
from orgo_async.models.errors import ErrorBody
from orgo_async.models.events import TERMINAL_PHASES, BuildEvent, BuildLevel, BuildPhase
from orgo_async.models.templates import (
    DeleteResult,
    PublishResult,
    StopRunResult,
    TemplateList,
    TemplateRun,
    TemplateVersion,
    ValidationIssue,
    ValidationResult,
    VersionList,
)

__all__ = [
    "TERMINAL_PHASES",
    "TERMINAL_STATUSES",
    "BuildEvent",
    "BuildInfo",
    "BuildLevel",
    "BuildPhase",
    "BuildStatus",
    "CancelResult",
    "CancelStatus",
    "DeleteResult",
    "ErrorBody",
    "Model",
    "PublishResult",
    "StopRunResult",
    "TemplateList",
    "TemplateRun",
    "TemplateVersion",
    "ValidationIssue",
    "ValidationResult",
    "VersionList",
]
