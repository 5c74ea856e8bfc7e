"""Registry routes: schema, list, publish, validate, versions, get, delete, curated."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import msgspec
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
    shown,
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
    state = request.app[STATE]
    body = await _document_body(request)
    try:
        data = await parse_body_off_loop(body)
    except TemplateSyntaxError as exc:
        return _invalid(request, [ValidationIssue(field="", code="syntax", message=str(exc))])
    wrapped = _is_wrapped(data)
    if state.config.validate_wants_wrapped and not wrapped:
        raise ApiError(400, policy.WANTS_WRAPPED_MESSAGE)
    document = data["template"] if wrapped else _unwrap(data)[1]
    try:
        normalized = await normalize_off_loop(document)
    except (TemplateValidationError, TemplateSyntaxError) as exc:
        return _invalid(request, _issues(exc))
    result = ValidationResult(ok=True, template=normalized.document, warnings=normalized.warnings)
    return json_response(result)


def _invalid(request: web.Request, issues: list[ValidationIssue]) -> web.Response:
    """Validate's answer for an invalid document: 200 ``ok: false``, or 422 when switched."""
    errors = [issue for issue in issues if issue.is_error]
    warnings = [issue for issue in issues if not issue.is_error]
    if request.app[STATE].config.validate_invalid_422:
        raise ApiError(422, "the template failed validation", errors=errors)
    return json_response(ValidationResult(ok=False, errors=errors, warnings=warnings))


async def publish(request: web.Request) -> web.Response:
    """``POST /templates[?auto_build=&force=]``: 201 new, 200 identical, 409 different.

    Identical means the whole normalized document, identity block included; ``force``
    replaces the version whatever it held (201, a new ``published``).
    """
    state = request.app[STATE]
    auto_build = query_bool(request, "auto_build")
    force = query_bool(request, "force")
    body = await _document_body(request)
    try:
        data = await parse_body_off_loop(body)
    except TemplateSyntaxError as exc:
        raise ApiError(400, str(exc), extra={"line": exc.line, "column": exc.column}) from exc
    namespace, document, claimed = _unwrap(data)
    try:
        normalized = await normalize_off_loop(document)
    except (TemplateValidationError, TemplateSyntaxError) as exc:
        issues = _issues(exc)
        raise ApiError(
            422, "the template failed validation", errors=[i for i in issues if i.is_error]
        ) from exc
    ref = _publish_ref(namespace, normalized, claimed)
    existing = state.registry.get(ref)
    if existing is not None and not force and existing.content == normalized.content:
        entry, status = existing, 200  # the same document again: nothing changes
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
            content=normalized.content,
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
        ref=str(ref),
        digest=entry.digest,
        published=entry.published,
        auto_build=started,
        warnings=normalized.warnings,
    )
    return json_response(result, status)


# --- helpers -------------------------------------------------------------------


def _entry(request: web.Request, ref: TemplateRef) -> TemplateEntry:
    entry = request.app[STATE].registry.get(ref)
    if entry is None:
        raise ApiError(404, f"no such template version in this namespace: {ref}")
    return entry


async def _document_body(request: web.Request) -> bytes:
    """A publish or validate body, in a content type the API takes and not empty.

    Raises:
        ApiError: 415 for another content type, 400 for an empty body or one declared
            as JSON that is not JSON.
    """
    media_type = request.content_type if "Content-Type" in request.headers else ""
    if media_type and not (
        media_type in policy.DOCUMENT_MEDIA_TYPES or media_type.endswith("+json")
    ):
        raise ApiError(
            415,
            f"send the document as application/yaml or application/json, not {shown(media_type)}",
        )
    body = await read_body(request)
    if not body.strip():
        raise ApiError(400, "request body is empty: send an orgo.ai/v1 document as YAML or JSON")
    if media_type in policy.JSON_MEDIA_TYPES or media_type.endswith("+json"):
        try:
            msgspec.json.decode(body.removeprefix(b"\xef\xbb\xbf"))
        except (msgspec.DecodeError, RecursionError) as exc:
            raise ApiError(400, "the body is declared as application/json but is not JSON") from exc
    return body


def _is_wrapped(data: Any) -> bool:
    """``{"template": doc}``: validate's wrapped body (a raw document has ``api_version``)."""
    return (
        isinstance(data, Mapping)
        and set(data) == {"template"}
        and isinstance(data["template"], Mapping)
        and "api_version" in data["template"]
    )


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
