"""The client's public types, pinned for ``mypy --strict``; pytest never collects this file.

Each assignment states the type a call must return; a change to a signature that breaks
callers fails type-checking here first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from orgo_async import (
    APIStatusError,
    BuildInfo,
    CancelResult,
    DeleteResult,
    FellBehindError,
    Orgo,
    PublishResult,
    RateLimitError,
    RetryPolicy,
    StopRunResult,
    TemplateRef,
    TemplateRun,
    TemplateTooLargeError,
    TemplateVersion,
    Timeout,
    UnprocessableEntityError,
    ValidationIssue,
    ValidationResult,
)
from orgo_async.documents import Template, load_template
from orgo_async.resources import Builds, Templates


async def client_usage(session: aiohttp.ClientSession) -> None:
    """Every client call, with the types its results must have."""

    async def no_wait(delay: float) -> None:
        del delay

    policy = RetryPolicy(initial_delay=0.5, max_delay=10.0, jitter="decorrelated", sleep=no_wait)
    async with Orgo(
        "sk_test",
        "http://127.0.0.1:8080/api",
        timeout=Timeout(connect=2.0, read=30.0, total=None),
        max_retries=3,
        retry=policy,
        session=session,
        allow_insecure_http=False,
        max_connections=10,
        max_connections_per_host=5,
        max_response_bytes=1 << 20,
    ) as orgo:
        client: Orgo = orgo
        templates: Templates = client.templates
        builds: Builds = client.builds
        base_url: str = client.base_url
        timeout: Timeout = client.timeout
        retries: int = client.max_retries
        closed: bool = client.closed

        ref = TemplateRef.parse("default/claude-code@1.0.0")
        template: Template = load_template(Path("template.yaml"))

        published: PublishResult = await templates.publish(template, auto_build=True, force=False)
        from_text: PublishResult = await templates.publish("api_version: orgo.ai/v1\n")
        from_path: PublishResult = await templates.publish(Path("template.yaml"))
        from_mapping: PublishResult = await templates.publish({"api_version": "orgo.ai/v1"})
        unchecked: PublishResult = await templates.publish(
            "api_version: orgo.ai/v1\n", validate=False, namespace="team"
        )
        checked: ValidationResult = await templates.validate(b"api_version: orgo.ai/v1\n")
        issues: list[ValidationIssue] = checked.errors
        flagged: list[ValidationIssue] = [*checked.warnings, *published.warnings]
        warned: tuple[ValidationIssue, ...] = template.warnings
        severity: str = warned[0].severity if warned else "error"
        blocking: bool = any(issue.is_error for issue in issues)
        written: bytes | None = template.source
        version: TemplateVersion = await templates.get(ref, timeout=5.0, max_retries=0)
        by_text: TemplateVersion = await templates.get("claude-code@1.0.0", timeout=Timeout())
        history: list[TemplateVersion] = await templates.versions("default", "claude-code")
        mine: list[TemplateVersion] = await templates.list()
        in_namespace: list[TemplateVersion] = await templates.list("default")
        deleted: DeleteResult = await templates.delete(ref)
        schema: dict[str, Any] = await templates.schema()
        curated: list[TemplateVersion] = await templates.curated()
        curated_history: list[TemplateVersion] = await templates.curated_versions(
            "system", "claude-code"
        )
        run: TemplateRun = await templates.test_run(ref)
        stopped: StopRunResult = await templates.stop_test_run(run.desktop_id)

        started: BuildInfo = await builds.start(ref)
        status: BuildInfo = await builds.status("default/claude-code@1.0.0")
        cancelled: CancelResult = await builds.cancel(ref, max_retries=1)

        del (base_url, timeout, retries, closed, published, from_text, from_path, from_mapping)
        del (issues, version, by_text, history, mine, in_namespace, deleted, schema, curated)
        del (unchecked, flagged, severity, blocking, written)
        del (curated_history, stopped, started, status, cancelled)
    await orgo.aclose()


def error_attributes(error: APIStatusError, limited: RateLimitError) -> None:
    """What a caller reads from the errors the client raises."""
    status_code: int = error.status_code
    request_id: str | None = error.request_id
    body: Any = error.body
    method: str | None = error.method
    url: str | None = error.url
    retry_after: float | None = limited.retry_after
    del (status_code, request_id, body, method, url, retry_after)


def too_large(error: TemplateTooLargeError) -> tuple[int, int]:
    """A body refused before sending says how large it was, and the limit."""
    return error.size, error.limit


def fell_behind(error: FellBehindError) -> tuple[int, float]:
    """A dropped events() consumer learns how full its buffer was and for how long."""
    return error.buffer, error.waited


def issues_of(error: UnprocessableEntityError) -> list[ValidationIssue]:
    """A 422's issues are typed."""
    return error.issues


async def fleet_submission(orgo: Orgo, path: Path) -> None:
    """submit is awaited, and hands back the build's handle."""
    from orgo_async.fleet import BuildFleet, BuildHandle

    async with BuildFleet(orgo) as fleet:
        by_path: BuildHandle = await fleet.submit(path)
        by_ref: BuildHandle = await fleet.submit("default/demo@1.0.0", publish=False)
        unchecked: BuildHandle = await fleet.submit(path, validate=False)
        del (by_path, by_ref, unchecked)
