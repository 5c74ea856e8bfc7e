"""Turn the document a caller passes (Template, path, text or mapping) into a request body.

Bodies carry the document as its author wrote it: text and files byte for byte with their
own media type, a mapping as JSON, a loaded :class:`~orgo_async.documents.Template` as the
text it was loaded from. Sugar is expanded by the server, never here. The body shapes
seen in the field (reference §2.14) are built here too: the publish envelope
``{"namespace", "name", "version", "template"}`` and validate's ``{"template": doc}``.
Every body is refused above the API's size limit before it is sent.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

import msgspec

from orgo_async.errors import TemplateError, TemplateSyntaxError, TemplateValidationError
from orgo_async.models import ValidationIssue

if TYPE_CHECKING:
    from orgo_async.documents import Template
    from orgo_async.documents.load import Written

# orgo_async.documents (and ruamel.yaml behind it) is imported when a document is first
# handled, so importing the client stays cheap for code that only reads and builds.

__all__ = [
    "JSON_MEDIA_TYPE",
    "YAML_MEDIA_TYPE",
    "Body",
    "TemplateDocument",
    "document_identity",
    "publish_body",
    "validate_body",
    "wrapped_validate_body",
]

TemplateDocument: TypeAlias = "Template | str | bytes | os.PathLike[str] | Mapping[str, Any]"
"""A template as callers hand it over: loaded, a file path, YAML/JSON text, or parsed data."""

JSON_MEDIA_TYPE = "application/json"
YAML_MEDIA_TYPE = "application/yaml"


class Body(NamedTuple):
    """A request body and its media type; ``template`` when it was validated locally."""

    data: bytes
    media_type: str
    template: Template | None = None


async def publish_body(
    document: TemplateDocument, *, validate: bool = True, namespace: str | None = None
) -> Body:
    """The publish body for ``document``: as written, or in the envelope for ``namespace``.

    With ``validate`` the document is loaded first and refused on any error (warnings
    pass, on ``Body.template``); without it nothing is checked but what sending needs.
    Files are read, and documents parsed, off the event loop unless they are tiny.

    Raises:
        TemplateSyntaxError: text that does not parse (when it had to be parsed).
        TemplateValidationError: a document that breaks the format (with ``validate``),
            or one whose name and version an envelope cannot find.
        TemplateTooLargeError: the body would be over the API's size limit.
        TemplateError: a path that cannot be read.
    """
    from orgo_async.documents._offload import off_loop

    work = functools.partial(_publish_body, validate=validate, namespace=namespace)
    return await off_loop(work, document)


async def validate_body(document: TemplateDocument) -> Body:
    """The document as written, for the server to check: nothing is checked here.

    Raises:
        TemplateSyntaxError: text that is not Unicode.
        TemplateTooLargeError: the body would be over the API's size limit.
        TemplateError: a path that cannot be read.
    """
    from orgo_async.documents._offload import off_loop

    return await off_loop(_validate_body, document)


async def wrapped_validate_body(document: TemplateDocument) -> Body:
    """``{"template": <document>}`` as JSON: the validate body some servers ask for.

    Raises:
        TemplateSyntaxError: text that does not parse (it must, to be wrapped).
        TemplateTooLargeError: the body would be over the API's size limit.
        TemplateError: a path that cannot be read.
    """
    from orgo_async.documents._offload import off_loop

    return await off_loop(_wrapped_validate_body, document)


# --- the work, run off the event loop ----------------------------------------------


def _publish_body(document: TemplateDocument, *, validate: bool, namespace: str | None) -> Body:
    from orgo_async.documents import Template
    from orgo_async.documents.load import template_of

    template: Template | None = None
    if isinstance(document, Template):
        template = document
        written = _written_of_template(document, parse=namespace is not None)
    elif validate:
        written = _read(document, parse=True)
        template = template_of(written)
    else:
        written = _read(document, parse=namespace is not None)
    if namespace is None:
        source = template.source if template is not None else None
        body = source if source is not None else written.body()
        return Body(_checked(body), written.media_type, template)
    data = written.data
    if template is not None:
        name, version = template.template.name, template.template.version
    else:
        name, version = document_identity(data)
    envelope = {"namespace": namespace, "name": name, "version": version, "template": data}
    return Body(_encoded(envelope), JSON_MEDIA_TYPE, template)


def _validate_body(document: TemplateDocument) -> Body:
    from orgo_async.documents import Template

    if isinstance(document, Template):
        written = _written_of_template(document, parse=False)
    else:
        written = _read(document, parse=False)
    return Body(_checked(written.body()), written.media_type)


def _wrapped_validate_body(document: TemplateDocument) -> Body:
    from orgo_async.documents import Template

    if isinstance(document, Template):
        data = _written_of_template(document, parse=True).data
    else:
        data = _read(document, parse=True).data
    return Body(_encoded({"template": data}), JSON_MEDIA_TYPE)


def _written_of_template(template: Template, *, parse: bool) -> Written:
    """What a Template stands for: the text it was loaded from, else its canonical form."""
    from orgo_async.documents.load import Written, read_written

    if template.source is None:
        return Written(template.to_dict(), None, JSON_MEDIA_TYPE)
    if parse:
        return read_written(template.source)
    return Written(None, template.source, template.media_type)


def _read(document: TemplateDocument, *, parse: bool) -> Written:
    """Read a document as written; text is parsed only when ``parse`` asks for it."""
    from orgo_async.documents.load import (
        JSON_MEDIA_TYPE,
        YAML_MEDIA_TYPE,
        Written,
        read_file,
        read_written,
        source_path,
    )

    if parse or isinstance(document, Mapping):
        if not isinstance(document, (str, bytes, os.PathLike, Mapping)):
            raise _not_a_document(document)
        return read_written(document)
    path = source_path(document)
    if path is not None:
        text = read_file(path)
    elif isinstance(document, bytes):
        text = document
    elif isinstance(document, str):
        try:
            text = document.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise TemplateSyntaxError(f"the document is not Unicode text: {exc.reason}") from exc
    else:
        raise _not_a_document(document)
    return Written(None, _checked(text), JSON_MEDIA_TYPE if _is_json(text) else YAML_MEDIA_TYPE)


def _is_json(text: bytes) -> bool:
    # YAML 1.2 is a superset of JSON, so only text that is JSON is labelled as JSON.
    body = text.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not body.startswith(b"{"):
        return False
    try:
        msgspec.json.decode(body)
    except msgspec.DecodeError:
        return False
    return True


def document_identity(data: Any) -> tuple[str, str]:
    """The name and version a parsed document names, unvalidated: its template block or sugar.

    Raises:
        TemplateValidationError: the document names neither.
    """
    if isinstance(data, Mapping):
        block = data.get("template")
        if isinstance(block, Mapping):
            name, version = block.get("name"), block.get("version")
            if isinstance(name, str) and isinstance(version, str):
                return name, version
        sugar = data.get("name")
        if isinstance(sugar, str) and "@" in sugar:
            name, _, version = sugar.strip().partition("@")
            return name, version
    raise TemplateValidationError(
        [
            ValidationIssue(
                field="template.name",
                code="required",
                message="the document names no template name and version",
                hint="write template.name and template.version, or name: <name>@<version>",
            )
        ]
    )


def _encoded(data: Any) -> bytes:
    from orgo_async.documents._limits import encode_json

    return _checked(encode_json(data))


def _checked(body: bytes) -> bytes:
    from orgo_async.documents._limits import check_body_size

    return check_body_size(body)


def _not_a_document(document: object) -> TemplateError:
    return TemplateError(
        "a template document must be a Template, a path, YAML/JSON text or a mapping, "
        f"not {type(document).__name__}"
    )
