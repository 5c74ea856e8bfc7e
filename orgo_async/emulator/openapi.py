"""An OpenAPI 3.1 description of the public API the emulator serves, built from the models."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

import msgspec

from orgo_async import __version__
from orgo_async.emulator import policy
from orgo_async.models import (
    BuildEvent,
    BuildInfo,
    CancelResult,
    DeleteResult,
    ErrorBody,
    PublishResult,
    StopRunResult,
    TemplateList,
    TemplateRun,
    TemplateVersion,
    ValidationResult,
    VersionList,
)
from orgo_async.refs import DEFAULT_NAMESPACE, NAME_PATTERN, VERSION_PATTERN

__all__ = ["openapi_document"]

_REF = "#/components/schemas/{name}"


class CancelIdle(ErrorBody, frozen=True, kw_only=True):
    """404 body of a cancel when nothing is building."""

    status: Literal["idle"] = "idle"


class RunRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Body of ``POST /templates/run``."""

    ref: str


class PublishEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    """The JSON envelope publish accepts besides a raw document (validate: ``template`` only)."""

    template: dict[str, Any]
    namespace: str = DEFAULT_NAMESPACE
    name: str | None = None
    version: str | None = None


_MODELS: tuple[type[Any], ...] = (
    BuildEvent,
    BuildInfo,
    CancelIdle,
    CancelResult,
    DeleteResult,
    ErrorBody,
    PublishEnvelope,
    PublishResult,
    RunRequest,
    StopRunResult,
    TemplateList,
    TemplateRun,
    TemplateVersion,
    ValidationResult,
    VersionList,
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(name=name)}


def _json(name: str, description: str, *, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref(name)}},
    }
    if retry_after:
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        }
    return response


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        400: "The body or a parameter does not parse.",
        401: "Missing or invalid API key.",
        403: "The key's plan does not allow this, or the template is curated.",
        404: "No such template, version or build.",
        409: "Conflicting state.",
        413: "The request body is too large.",
        415: "The body's Content-Type is not one the API takes for a document.",
        422: "The template failed validation; ``errors`` lists every problem.",
        429: "Rate limit or capacity reached.",
    }
    out = {str(c): _json("ErrorBody", texts[c], retry_after=c == 429) for c in codes}
    out["5XX"] = _json("ErrorBody", "The server failed.", retry_after=True)
    return out


_NS = {
    "name": "namespace",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": f"^{NAME_PATTERN}$"},
}
_NAME = {
    "name": "name",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": f"^{NAME_PATTERN}$"},
}
_VERSION = {
    "name": "version",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": f"^{VERSION_PATTERN}$"},
}
_BOOL = {"type": "boolean", "default": False}
_DOCUMENT_BODY = {
    "required": True,
    "content": {
        "application/yaml": {"schema": {"type": "string"}},
        "application/json": {"schema": {"oneOf": [_ref("OrgoTemplate"), _ref("PublishEnvelope")]}},
    },
}


def _op(op_id: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"operationId": op_id, "summary": summary, "responses": responses, **extra}


def _paths() -> dict[str, Any]:
    version_path = [_NS, _NAME, _VERSION]
    return {
        "/template-schema": {
            "get": _op(
                "getTemplateSchema",
                "The orgo.ai/v1 JSON Schema (public).",
                {
                    "200": {
                        "description": "The schema.",
                        "content": {"application/schema+json": {"schema": {"type": "object"}}},
                    }
                },
                security=[],
            )
        },
        "/templates": {
            "get": _op(
                "listTemplates",
                "List your templates.",
                {"200": _json("TemplateList", "Your versions."), **_errors(400, 401)},
                parameters=[{"name": "namespace", "in": "query", "schema": _NS["schema"]}],
            ),
            "post": _op(
                "publishTemplate",
                "Publish a template version.",
                {
                    "201": _json("PublishResult", "Published."),
                    "200": _json("PublishResult", "Identical content was already published."),
                    **_errors(400, 401, 403, 409, 413, 415, 422),
                },
                parameters=[
                    {"name": "auto_build", "in": "query", "schema": _BOOL},
                    {"name": "force", "in": "query", "schema": _BOOL},
                ],
                requestBody=_DOCUMENT_BODY,
            ),
        },
        "/templates/validate": {
            "post": _op(
                "validateTemplate",
                "Validate a document without side effects.",
                {
                    "200": _json("ValidationResult", "ok, or every problem."),
                    **_errors(400, 401, 413, 415),
                },
                requestBody=_DOCUMENT_BODY,
            )
        },
        "/templates/global": {
            "get": _op(
                "listCurated",
                "List curated templates.",
                {"200": _json("TemplateList", "Curated versions."), **_errors(401)},
            )
        },
        "/templates/global/{namespace}/{name}": {
            "get": _op(
                "listCuratedVersions",
                "Versions of one curated template.",
                {"200": _json("VersionList", "Oldest semver first."), **_errors(400, 401, 404)},
                parameters=[_NS, _NAME],
            )
        },
        "/templates/run": {
            "post": _op(
                "startTestRun",
                "Start a preview of a ready build.",
                {
                    "200": _json("TemplateRun", "The preview."),
                    **_errors(400, 401, 403, 404, 409, 429),
                },
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": _ref("RunRequest")}},
                },
            ),
            "delete": _op(
                "stopTestRun",
                "Stop a preview.",
                {
                    "200": _json("StopRunResult", "Stopped (false: it already was)."),
                    **_errors(400, 401, 403, 404),
                },
                parameters=[
                    {"name": "id", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
            ),
        },
        "/templates/{namespace}/{name}": {
            "get": _op(
                "listVersions",
                "Versions of one template.",
                {"200": _json("VersionList", "Oldest semver first."), **_errors(400, 401, 404)},
                parameters=[_NS, _NAME],
            )
        },
        "/templates/{namespace}/{name}/{version}": {
            "get": _op(
                "getVersion",
                "One version with its document.",
                {"200": _json("TemplateVersion", "The version."), **_errors(400, 401, 404)},
                parameters=version_path,
            ),
            "delete": _op(
                "deleteVersion",
                "Delete one of your versions.",
                {"200": _json("DeleteResult", "Deleted."), **_errors(400, 401, 403, 404, 409)},
                parameters=version_path,
            ),
        },
        "/templates/{namespace}/{name}/{version}/build": {
            "post": _op(
                "startBuild",
                "Build the golden snapshot.",
                {
                    "202": _json("BuildInfo", "Building, or ready when reused."),
                    **_errors(400, 401, 403, 404, 429),
                },
                parameters=version_path,
            ),
            "get": _op(
                "getBuildStatus",
                "Where the golden snapshot stands.",
                {"200": _json("BuildInfo", "The build state."), **_errors(400, 401, 404)},
                parameters=version_path,
            ),
            "delete": _op(
                "cancelBuild",
                "Cancel the build in flight.",
                {
                    "202": _json("CancelResult", "Cancelling."),
                    **_errors(400, 401, 403),
                    "404": _json(
                        "CancelIdle", "Nothing is building (status idle), or no such version."
                    ),
                },
                parameters=version_path,
            ),
        },
        "/templates/{namespace}/{name}/{version}/build/events": {
            "get": _op(
                "streamBuildEvents",
                "The build log as server-sent events; each data line is a BuildEvent.",
                {
                    "200": {
                        "description": "text/event-stream of BuildEvent frames, each with an id.",
                        "content": {
                            "text/event-stream": {
                                "schema": {"type": "string"},
                                "x-event-schema": _ref("BuildEvent"),
                            }
                        },
                    },
                    **_errors(400, 401, 404),
                },
                parameters=[
                    *version_path,
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "schema": {"type": "string", "pattern": "^[0-9]+$"},
                    },
                ],
            )
        },
    }


@cache
def _document(template_schema: bytes) -> bytes:
    _, components = msgspec.json.schema_components(_MODELS, ref_template=_REF)
    components["OrgoTemplate"] = msgspec.json.decode(template_schema)
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Orgo templates API (orgo_async emulator)",
            "version": __version__,
            "description": "The templates API as the orgo_async emulator serves it.",
        },
        "servers": [{"url": policy.API_PREFIX}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": _paths(),
    }
    return msgspec.json.encode(document)


def openapi_document(template_schema: bytes) -> bytes:
    """The OpenAPI 3.1 document as JSON, with ``template_schema`` as ``OrgoTemplate``."""
    return _document(template_schema)
