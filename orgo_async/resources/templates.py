"""``orgo.templates``: publish, validate, read and delete template versions; test-runs."""

from __future__ import annotations

import builtins
from typing import Any, Final

import msgspec

from orgo_async._documents_input import (
    JSON_MEDIA_TYPE,
    TemplateDocument,
    publish_body,
    validate_body,
    wrapped_validate_body,
)
from orgo_async._timeout import Timeout
from orgo_async._transport import Request
from orgo_async.errors import BadRequestError, InvalidRefError, UnprocessableEntityError
from orgo_async.models import (
    DeleteResult,
    PublishResult,
    StopRunResult,
    TemplateList,
    TemplateRun,
    TemplateVersion,
    ValidationResult,
    VersionList,
)
from orgo_async.refs import TemplateRef
from orgo_async.resources._base import Resource, checked_name

__all__ = ["Templates"]

_PUBLISH: Final = msgspec.json.Decoder(PublishResult)
_VALIDATION: Final = msgspec.json.Decoder(ValidationResult)
_VERSION: Final = msgspec.json.Decoder(TemplateVersion)
_VERSIONS: Final = msgspec.json.Decoder(VersionList)
_TEMPLATES: Final = msgspec.json.Decoder(TemplateList)
_DELETE: Final = msgspec.json.Decoder(DeleteResult)
_SCHEMA: Final = msgspec.json.Decoder(dict[str, Any])
_RUN: Final = msgspec.json.Decoder(TemplateRun)
_STOP: Final = msgspec.json.Decoder(StopRunResult)
_WANTS_WRAPPED: Final = "template required"
"""How a server that takes only ``{"template": doc}`` on validate refuses a raw document."""


class Templates(Resource):
    """The template registry: ``orgo.templates``.

    Every method also takes ``timeout=`` (seconds or a :class:`~orgo_async.Timeout`) and
    ``max_retries=``, overriding the client's settings for that call.
    """

    async def publish(
        self,
        document: TemplateDocument,
        *,
        auto_build: bool = False,
        force: bool = False,
        validate: bool = True,
        namespace: str | None = None,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> PublishResult:
        """Publish ``document`` as written under its ref; the server expands sugar.

        Text and files are sent byte for byte with their own media type (YAML or JSON),
        a mapping as JSON, and a loaded :class:`~orgo_async.documents.Template` as the
        text it was loaded from. ``validate`` (the default) checks the document locally
        first and sends nothing if it breaks a documented rule; warnings do not stop it.
        ``validate=False`` skips the check: the server alone judges the document.

        ``auto_build`` starts the golden build right away; ``force`` replaces a version
        already published with different content. ``namespace`` sends the JSON envelope
        ``{"namespace", "name", "version", "template"}`` instead of the raw document: the
        only way seen in the field to publish outside ``default``, not in the docs.

        Raises:
            TemplateSyntaxError: the text does not parse; nothing was sent.
            TemplateValidationError: the document breaks the format (every problem listed);
                nothing was sent.
            TemplateTooLargeError: the body would be over the API's 1,000,000 bytes;
                nothing was sent.
            ConflictError: different content is already published at this ref.
        """
        if namespace is not None:
            namespace = checked_name("namespace", namespace)
        body = await publish_body(document, validate=validate, namespace=namespace)
        params = {}
        if auto_build:
            params["auto_build"] = "true"
        if force:
            params["force"] = "true"
        # Publishing identical content again is not a conflict, so a plain publish is safe
        # to repeat. A forced one replaces the version (and resets its build) each time,
        # so it is only repeated when the server provably never saw it.
        request = Request(
            "POST", "/templates", params or None, body.data, body.media_type, idempotent=not force
        )
        response = await self._transport.request(request, timeout=timeout, max_retries=max_retries)
        return response.decode(_PUBLISH)

    async def validate(
        self,
        document: TemplateDocument,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> ValidationResult:
        """Ask the server to check ``document`` as written; nothing is stored or checked here.

        Problems come back in the result (``ok`` false, ``errors`` filled), not as an error,
        whether the server answers 200 or 422. A server that answers a raw document with
        400 "template required" is asked once more with ``{"template": <document>}``.

        Raises:
            TemplateTooLargeError: the body would be over the API's 1,000,000 bytes;
                nothing was sent.
            TemplateSyntaxError: the server wants the wrapped form and the text does not
                parse locally, so it cannot be wrapped.
        """
        body = await validate_body(document)
        try:
            return await self._validate(body.data, body.media_type, timeout, max_retries)
        except BadRequestError as exc:
            if _WANTS_WRAPPED not in exc.message.lower():
                raise
        wrapped = await wrapped_validate_body(document)
        return await self._validate(wrapped.data, wrapped.media_type, timeout, max_retries)

    async def _validate(
        self,
        body: bytes,
        media_type: str,
        timeout: float | Timeout | None,
        max_retries: int | None,
    ) -> ValidationResult:
        request = Request("POST", "/templates/validate", None, body, media_type)
        try:
            response = await self._transport.request(
                request, timeout=timeout, max_retries=max_retries
            )
        except UnprocessableEntityError as exc:
            return ValidationResult(ok=False, errors=exc.issues)
        return response.decode(_VALIDATION)

    async def get(
        self,
        ref: str | TemplateRef,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> TemplateVersion:
        """One published version, with its normalized document.

        Raises:
            InvalidRefError: ``ref`` is not ``namespace/name@version``.
            NotFoundError: no such version.
        """
        path = f"/templates/{TemplateRef.parse(ref).path}"
        response = await self._transport.request(
            Request("GET", path), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_VERSION)

    async def versions(
        self,
        namespace: str,
        name: str,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> builtins.list[TemplateVersion]:
        """Every published version of one template."""
        path = f"/templates/{checked_name('namespace', namespace)}/{checked_name('name', name)}"
        response = await self._transport.request(
            Request("GET", path), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_VERSIONS).versions

    async def list(
        self,
        namespace: str | None = None,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> builtins.list[TemplateVersion]:
        """Your published versions, optionally in one namespace; curated ones are not included."""
        params = None if namespace is None else {"namespace": checked_name("namespace", namespace)}
        response = await self._transport.request(
            Request("GET", "/templates", params), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_TEMPLATES).templates

    async def delete(
        self,
        ref: str | TemplateRef,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> DeleteResult:
        """Delete one version; computers already launched from it keep running.

        Raises:
            NotFoundError: no such version (also when a retried delete had gone through).
        """
        path = f"/templates/{TemplateRef.parse(ref).path}"
        response = await self._transport.request(
            Request("DELETE", path), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_DELETE)

    async def schema(
        self, *, timeout: float | Timeout | None = None, max_retries: int | None = None
    ) -> dict[str, Any]:
        """The JSON Schema of the ``orgo.ai/v1`` format."""
        response = await self._transport.request(
            Request("GET", "/template-schema"), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_SCHEMA)

    async def curated(
        self, *, timeout: float | Timeout | None = None, max_retries: int | None = None
    ) -> builtins.list[TemplateVersion]:
        """Orgo's curated templates (namespace ``system``)."""
        response = await self._transport.request(
            Request("GET", "/templates/global"), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_TEMPLATES).templates

    async def curated_versions(
        self,
        namespace: str,
        name: str,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> builtins.list[TemplateVersion]:
        """Every version of one curated template."""
        path = (
            f"/templates/global/{checked_name('namespace', namespace)}/{checked_name('name', name)}"
        )
        response = await self._transport.request(
            Request("GET", path), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_VERSIONS).versions

    async def test_run(
        self,
        ref: str | TemplateRef,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> TemplateRun:
        """Boot a short-lived preview computer from a built version.

        Each call starts a new computer, so it is only retried when the server provably
        never saw the request (connect failures, 429).

        Raises:
            ConflictError: the version's build is not ``ready``.
        """
        body = msgspec.json.encode({"ref": str(TemplateRef.parse(ref))})
        request = Request("POST", "/templates/run", None, body, JSON_MEDIA_TYPE, idempotent=False)
        response = await self._transport.request(request, timeout=timeout, max_retries=max_retries)
        return response.decode(_RUN)

    async def stop_test_run(
        self,
        id: str,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> StopRunResult:
        """Stop a preview by the ``desktop_id`` :meth:`test_run` returned."""
        if not isinstance(id, str) or not id.strip() or not id.isprintable():
            raise InvalidRefError(f"invalid test-run id {id!r}")
        request = Request("DELETE", "/templates/run", {"id": id})
        response = await self._transport.request(request, timeout=timeout, max_retries=max_retries)
        return response.decode(_STOP)
