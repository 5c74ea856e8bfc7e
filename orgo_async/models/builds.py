"""Payloads of the build endpoints."""

from __future__ import annotations

from typing import Literal, TypeAlias

from orgo_async.models._base import Model

__all__ = ["TERMINAL_STATUSES", "BuildInfo", "BuildStatus", "CancelResult", "CancelStatus"]

BuildStatus: TypeAlias = Literal["not_built", "building", "ready", "failed"]
"""Where a version's golden snapshot stands."""
CancelStatus: TypeAlias = Literal["cancelling", "idle"]
"""``cancelling`` when a build was in flight; ``idle`` when nothing was building."""

TERMINAL_STATUSES: frozenset[BuildStatus] = frozenset({"ready", "failed"})


class BuildInfo(Model, frozen=True, kw_only=True):
    """A version's build state: returned by build start and build status.

    Attributes:
        ref: the template ref.
        digest: the content digest the golden snapshot is keyed by.
        status: ``not_built``, ``building``, ``ready`` or ``failed``.
        golden_dir: where the golden snapshot lives, when there is one.
        build_time_ms: how long the build took, when ready.
        reused: true when an existing golden with the same digest was reused.
        error: why the build failed, when failed.
    """

    ref: str
    digest: str
    status: BuildStatus
    golden_dir: str | None = None
    build_time_ms: int | None = None
    reused: bool = False
    error: str | None = None


class CancelResult(Model, frozen=True, kw_only=True):
    """Body of a build cancel: ``cancelling`` (202) or ``idle`` (nothing was building)."""

    status: CancelStatus
