"""The emulator's only door to :mod:`orgo_async.documents`: parse, normalize, digest.

Keeping every call into the document layer here means the emulator and the client
share one definition of the ``orgo.ai/v1`` format, sugar, digest, bounds and BOM rule.
Request handlers use the ``*_off_loop`` forms, which parse anything but a tiny body in a
worker thread, so a large or hostile document never holds the server's event loop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from orgo_async.documents import load_template, parse_document, template_digest
from orgo_async.documents._offload import off_loop
from orgo_async.errors import TemplateValidationError
from orgo_async.models import ValidationIssue

__all__ = [
    "NormalizedTemplate",
    "interpolated_document",
    "normalize",
    "normalize_off_loop",
    "parse_body",
    "parse_body_off_loop",
]


@dataclass(frozen=True)
class NormalizedTemplate:
    """A valid document in canonical form, with the identity the registry keys it by."""

    name: str
    version: str
    document: dict[str, Any]
    digest: str


def parse_body(body: bytes) -> Any:
    """Parse a YAML or JSON request body into plain data.

    Raises:
        TemplateSyntaxError: the body is not one well-formed YAML/JSON document.
    """
    return parse_document(body)


async def parse_body_off_loop(body: bytes) -> Any:
    """:func:`parse_body`, in a worker thread unless the body is tiny."""
    return await off_loop(parse_body, body)


async def normalize_off_loop(data: Any) -> NormalizedTemplate:
    """:func:`normalize`, in a worker thread unless the data is tiny."""
    return await off_loop(normalize, data)


def normalize(data: Any) -> NormalizedTemplate:
    """Expand sugar, validate and digest parsed data.

    Raises:
        TemplateValidationError: the document breaks the format (every issue listed).
        TemplateSyntaxError: the data could not be read as a document at all.
    """
    if isinstance(data, (str, bytes, os.PathLike)):
        # load_template reads text that looks like a file name from disk: a request body
        # that parses to a bare string must never name a file on the server.
        kind = type(data).__name__
        issue = ValidationIssue(
            field="", code="type", message=f"a template is a mapping, not {kind}"
        )
        raise TemplateValidationError([issue])
    template = load_template(data)
    ref = template.ref
    return NormalizedTemplate(
        name=ref.name,
        version=ref.version,
        document=template.to_dict(),
        digest=template_digest(template),
    )


def interpolated_document(document: dict[str, Any]) -> dict[str, Any]:
    """The canonical document with ``${var.X}``/``${env.X}`` resolved, as a build sees it."""
    return load_template(document).interpolated().to_dict()
