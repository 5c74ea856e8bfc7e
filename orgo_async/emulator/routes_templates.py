"""Registry routes: schema, list, publish, validate, versions, get, delete, curated."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from orgo_async.emulator import policy
from orgo_async.emulator.app_keys import STATE
from orgo_async.emulator.builds import CapacityReached
from orgo_async.emulator.documents import (
    NormalizedTemplate,
    normalize_off_loop,
    parse_body_off_loop,
)
from orgo_async.emulator.registry import TemplateEntry
from orgo_async.emulator.responses import (
    ApiError,
    checked_name,
    json_response,
    path_ref,
    query_bool,
    read_body,
)
from orgo_async.errors import TemplateSyntaxError, TemplateValidationError
from orgo_async.models import (
    DeleteResult,
    PublishResult,
    TemplateList,
    ValidationIssue,
    ValidationResult,
    VersionList,
)
from orgo_async.refs import DEFAULT_NAMESPACE, TemplateRef

__all__ = [
    "curated_list",
    "curated_versions",
    "delete_version",
    "get_version",
    "list_templates",
    "list_versions",
    "publish",
    "template_schema",
    "validate",
]

_ENVELOPE_KEYS = frozenset({"namespace", "name", "version", "template"})


async def template_schema(request: web.Request) -> web.Response:
    """``GET /template-schema``: the JSON Schema, public and cacheable."""
    response = web.Response(body=request.app[STATE].schema, content_type="application/schema+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


async def list_templates(request: web.Request) -> web.Response:
    """``GET /templates[?namespace=]``: own templates (never curated ones)."""
    namespace = request.query.get("namespace")
    if namespace is not None:
        checked_name(namespace, "namespace")
    entries = request.app[STATE].registry.listing(curated=False, namespace=namespace)
    return json_response(TemplateList(templates=[e.as_version() for e in entries]))


async def curated_list(request: web.Request) -> web.Response:
    """``GET /templates/global``: Orgo's curated templates."""
    entries = request.app[STATE].registry.listing(curated=True)
    return json_response(TemplateList(templates=[e.as_version() for e in entries]))


async def list_versions(request: web.Request) -> web.Response:
    """``GET /templates/{namespace}/{name}``: every version, oldest semver first."""
    return _versions(request, curated_only=False)


async def curated_versions(request: web.Request) -> web.Response:
    """``GET /templates/global/{namespace}/{name}``: versions of one curated template."""
    return _versions(request, curated_only=True)


def _versions(request: web.Request, *, curated_only: bool) -> web.Response:
    namespace = checked_name(request.match_info["namespace"], "namespace")
    name = checked_name(request.match_info["name"], "name")
    entries = request.app[STATE].registry.versions(namespace, name)
    if curated_only:
        entries = [e for e in entries if e.curated]
    if not entries and policy.UNKNOWN_TEMPLATE_IS_404:
        raise ApiError(404, f"no template {namespace}/{name}")
    return json_response(VersionList(versions=[e.as_version() for e in entries]))


async def get_version(request: web.Request) -> web.Response:
    """``GET /templates/{namespace}/{name}/{version}``: one version with its document."""
    return json_response(_entry(request, path_ref(request)).as_version())


async def delete_version(request: web.Request) -> web.Response:
    """``DELETE /templates/{namespace}/{name}/{version}``: forget one own version."""
    state = request.app[STATE]
    ref = path_ref(request)
    entry = _entry(request, ref)
    if entry.curated:
        raise ApiError(403, f"{ref} is a curated template and cannot be deleted")
    record = state.builds.records.get(ref)
    if record is not None and record.status == "building":
        raise ApiError(409, f"a build of {ref} is in flight; cancel it before deleting the version")
    state.registry.remove(ref)
    state.builds.discard(ref, line="build cancelled: the version was deleted")
    await state.save()
    return json_response(DeleteResult(deleted=True))


async def validate(request: web.Request) -> web.Response:
    """``POST /templates/validate``: 200 with the normalized document or every problem."""
    body = await _nonempty_body(request)
    try:
        data = await parse_body_off_loop(body)
    except TemplateSyntaxError as exc:
        issue = ValidationIssue(field="", code="syntax", message=str(exc))
        return json_response(ValidationResult(ok=False, errors=[issue]))
    _, document, _ = _unwrap(data)
    try:
        normalized = await normalize_off_loop(document)
    except (TemplateValidationError, TemplateSyntaxError) as exc:
        return json_response(ValidationResult(ok=False, errors=_issues(exc)))
    return json_response(ValidationResult(ok=True, template=normalized.document))


async def publish(request: web.Request) -> web.Response:
    """``POST /templates[?auto_build=&force=]``: 201 new, 200 identical, 409 different."""
    state = request.app[STATE]
    auto_build = query_bool(request, "auto_build")
    force = query_bool(request, "force")
    body = await _nonempty_body(request)
    try:
        data = await parse_body_off_loop(body)
    except TemplateSyntaxError as exc:
        raise ApiError(400, str(exc), extra={"line": exc.line, "column": exc.column}) from exc
    namespace, document, claimed = _unwrap(data)
    try:
        normalized = await normalize_off_loop(document)
    except (TemplateValidationError, TemplateSyntaxError) as exc:
        raise ApiError(422, "the template failed validation", errors=_issues(exc)) from exc
    ref = _publish_ref(namespace, normalized, claimed)
    existing = state.registry.get(ref)
    if existing is not None and existing.digest == normalized.digest:
        entry, status = existing, 200  # identical content: idempotent, nothing changes
    elif existing is not None and not force:
        raise ApiError(
            409,
            f"a different template is already published at {ref}; "
            "bump template.version or publish with force=true",
        )
    else:
        if existing is not None:
            state.builds.discard(ref, line="build cancelled: the version was republished")
        entry = TemplateEntry(
            ref=ref,
            digest=normalized.digest,
            published=datetime.now(timezone.utc),
            document=normalized.document,
        )
        state.registry.put(entry)
        status = 201
    started: str | None = None
    if auto_build:
        try:
            started = state.builds.start(entry, from_publish=True).status
        except CapacityReached:
            started = "not_built"  # the version is published; build it later
    await state.save()
    result = PublishResult(
        ref=str(ref), digest=entry.digest, published=entry.published, auto_build=started
    )
    return json_response(result, status)


# --- helpers -------------------------------------------------------------------


def _entry(request: web.Request, ref: TemplateRef) -> TemplateEntry:
    entry = request.app[STATE].registry.get(ref)
    if entry is None:
        raise ApiError(404, f"no such template version in this namespace: {ref}")
    return entry


async def _nonempty_body(request: web.Request) -> bytes:
    body = await read_body(request)
    if not body.strip():
        raise ApiError(400, "request body is empty: send an orgo.ai/v1 document as YAML or JSON")
    return body


def _unwrap(data: Any) -> tuple[Any, Any, dict[str, Any]]:
    """Split ``{"namespace", "name", "version", "template"}`` envelopes from raw documents.

    Returns the namespace (None when not given), the document, and the envelope's
    ``name``/``version`` claims. ``{"template": doc}`` (validate's wrapped form) is an
    envelope too. A raw document always has ``api_version`` at the top.
    """
    if not isinstance(data, Mapping) or "api_version" in data:
        return None, data, {}
    inner = data.get("template")
    if not set(data) <= _ENVELOPE_KEYS or not isinstance(inner, Mapping):
        return None, data, {}
    if "api_version" not in inner and set(data) == {"template"}:
        return None, data, {}  # a raw document missing api_version, not an envelope
    claims = {k: data[k] for k in ("name", "version") if k in data}
    return data.get("namespace"), inner, claims


def _publish_ref(
    namespace: Any, normalized: NormalizedTemplate, claims: dict[str, Any]
) -> TemplateRef:
    issues: list[ValidationIssue] = []
    ns = DEFAULT_NAMESPACE if namespace is None else namespace
    if not isinstance(ns, str) or not ns:
        issues.append(
            ValidationIssue(field="namespace", code="type", message="namespace must be a string")
        )
    elif ns in policy.RESERVED_NAMESPACES:
        issues.append(
            ValidationIssue(
                field="namespace",
                code="reserved_namespace",
                message=f"namespace {ns!r} is reserved",
                hint=f"publish into {DEFAULT_NAMESPACE!r}",
            )
        )
    actual = {"name": normalized.name, "version": normalized.version}
    for key, claimed in claims.items():
        if claimed != actual[key]:
            issues.append(
                ValidationIssue(
                    field=key,
                    code="mismatch",
                    message=f"envelope {key} {claimed!r} is not template.{key} {actual[key]!r}",
                )
            )
    if not issues:
        try:
            return TemplateRef(str(ns), normalized.name, normalized.version)
        except ValueError as exc:
            issues.append(ValidationIssue(field="namespace", code="pattern", message=str(exc)))
    raise ApiError(422, "the publish envelope is invalid", errors=issues)


def _issues(exc: TemplateValidationError | TemplateSyntaxError) -> list[ValidationIssue]:
    if isinstance(exc, TemplateValidationError):
        return exc.issues
    return [ValidationIssue(field="", code="syntax", message=str(exc))]
