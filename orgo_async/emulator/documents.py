"""The emulator's only door to :mod:`orgo_async.documents`: parse, normalize, digest.

Keeping every call into the document layer here means the emulator and the client
share one definition of the ``orgo.ai/v1`` format, sugar, digest, bounds and BOM rule.
On top of those shared rules the emulator checks every normalized document against the
JSON Schema it serves (:mod:`~orgo_async.emulator._schema_check`), and refuses the few
warnings :data:`~orgo_async.emulator.policy.REFUSED_WARNINGS` names. Request handlers use
the ``*_off_loop`` forms, which work in a worker thread unless the body is tiny, so a
large or hostile document never holds the server's event loop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import msgspec

from orgo_async.documents import parse_document, template_digest
from orgo_async.documents._offload import off_loop
from orgo_async.documents.load import JSON_MEDIA_TYPE, Written, template_of
from orgo_async.emulator import policy
from orgo_async.emulator._schema_check import schema_issues
from orgo_async.emulator.registry import content_hash
from orgo_async.errors import TemplateValidationError
from orgo_async.models import ValidationIssue
from orgo_async.models.templates import ERROR

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
    """A valid document in canonical form, with the identity the registry keys it by.

    ``digest`` keys the golden snapshot (it leaves the identity block out);
    ``content`` hashes the whole normalized document and tells a republish apart.
    """

    name: str
    version: str
    document: dict[str, Any]
    digest: str
    content: str
    warnings: list[ValidationIssue] = field(default_factory=list)


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
    """Expand sugar, validate, check against the served schema, digest parsed data.

    Raises:
        TemplateValidationError: the document breaks the format (every issue listed).
        TemplateSyntaxError: the data could not be read as a document at all.
    """
    if isinstance(data, (str, bytes, os.PathLike)):
        # The loader reads text that looks like a file name from disk: a request body that
        # parses to a bare string must never name a file on the server.
        kind = type(data).__name__
        issue = ValidationIssue(
            field="", code="type", message=f"a template is a mapping, not {kind}"
        )
        raise TemplateValidationError([issue])
    template = template_of(Written(data, None, JSON_MEDIA_TYPE))
    refused = [
        msgspec.structs.replace(issue, severity=ERROR)
        for issue in template.warnings
        if issue.code in policy.REFUSED_WARNINGS
    ]
    warnings = [issue for issue in template.warnings if issue.code not in policy.REFUSED_WARNINGS]
    document = template.to_dict()
    refused += schema_issues(document)
    if refused:
        raise TemplateValidationError([*refused, *warnings])
    ref = template.ref
    return NormalizedTemplate(
        name=ref.name,
        version=ref.version,
        document=document,
        digest=template_digest(template),
        content=content_hash(document),
        warnings=warnings,
    )


def interpolated_document(document: dict[str, Any]) -> dict[str, Any]:
    """The canonical document with ``${var.X}``/``${env.X}`` resolved, as a build sees it."""
    from orgo_async.documents import load_template

    return load_template(document).interpolated().to_dict()
