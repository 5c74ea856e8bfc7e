"""Turn the document a caller passes (Template, path, text or mapping) into a request body."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import msgspec

from orgo_async.errors import TemplateError

if TYPE_CHECKING:
    from orgo_async.documents import Template

# orgo_async.documents (and ruamel.yaml behind it) is imported when a document is first
# handled, so importing the client stays cheap for code that only reads and builds.

__all__ = [
    "JSON_MEDIA_TYPE",
    "YAML_MEDIA_TYPE",
    "TemplateDocument",
    "canonical_body",
    "raw_body",
]

TemplateDocument: TypeAlias = "Template | str | bytes | os.PathLike[str] | Mapping[str, Any]"
"""A template as callers hand it over: loaded, a file path, YAML/JSON text, or parsed data."""

JSON_MEDIA_TYPE: Final = "application/json"
YAML_MEDIA_TYPE: Final = "application/yaml"


async def canonical_body(document: TemplateDocument) -> tuple[Template, bytes]:
    """Validate ``document`` locally and encode its canonical form as JSON.

    Files are read, and documents parsed, off the event loop unless they are tiny.

    Raises:
        TemplateSyntaxError: text that does not parse, or a hand-built ``Template``
            holding what JSON cannot write.
        TemplateValidationError: a document that breaks the format; lists every problem.
        TemplateError: a path that cannot be read.
    """
    from orgo_async.documents._offload import off_loop

    return await off_loop(_canonical_body, document)


async def raw_body(document: TemplateDocument) -> tuple[bytes, str]:
    """The document as the caller wrote it, with its media type, after a local parse check.

    Text and files are sent byte for byte, so the server judges exactly what was written;
    a mapping or ``Template`` is sent as JSON. Files are read, and documents parsed, off
    the event loop unless they are tiny.

    Raises:
        TemplateSyntaxError: text that does not parse, or a mapping that is not JSON data.
        TemplateError: a path that cannot be read.
    """
    from orgo_async.documents._offload import off_loop

    return await off_loop(_raw_body, document)


def _canonical_body(document: TemplateDocument) -> tuple[Template, bytes]:
    from orgo_async.documents import load_template
    from orgo_async.documents._limits import encode_json

    template = load_template(document)
    return template, encode_json(template.to_dict())


def _raw_body(document: TemplateDocument) -> tuple[bytes, str]:
    from orgo_async.documents import Template, parse_document
    from orgo_async.documents._limits import encode_json
    from orgo_async.documents.load import read_file, source_path

    if isinstance(document, Template):
        return encode_json(document.to_dict()), JSON_MEDIA_TYPE
    if isinstance(document, Mapping):
        return encode_json(document), JSON_MEDIA_TYPE
    path = source_path(document)
    if path is not None:
        text: str | bytes = read_file(path)
    elif isinstance(document, (str, bytes)):
        text = document
    else:
        raise TemplateError(
            "a template document must be a Template, a path, YAML/JSON text or a mapping, "
            f"not {type(document).__name__}"
        )
    parse_document(text)  # also refuses a lone surrogate, which UTF-8 cannot encode
    data = text.encode() if isinstance(text, str) else text
    return data, _media_type(data)


def _media_type(data: bytes) -> str:
    # YAML 1.2 is a superset of JSON, so only text that is JSON is labelled as JSON.
    try:
        msgspec.json.decode(data)
    except msgspec.DecodeError:
        return YAML_MEDIA_TYPE
    return JSON_MEDIA_TYPE
