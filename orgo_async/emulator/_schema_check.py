"""The served JSON Schema, applied with ``jsonschema``: a second opinion on every document.

The SDK's validator states the format in its own tables; checking each normalized
document against the schema ``GET /template-schema`` serves, with a JSON Schema library
kept by others, means a gap in those tables cannot let the emulator store a document
that its own schema refuses. Patterns are ECMA-262 in the schema; the ``$`` of Python's
``re`` also matches before a final newline, so such values are refused here by the SDK's
rules, which anchor at the very end.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import msgspec

try:
    from jsonschema import Draft202012Validator
except ImportError as exc:  # pragma: no cover - depends on how the package was installed
    raise ImportError(
        "the Orgo emulator needs jsonschema: pip install 'orgo-async[emulator]'"
    ) from exc

from orgo_async.documents._paths import index_path, key_path
from orgo_async.models import ValidationIssue

__all__ = ["load_schema", "schema_issues"]

_MOST_ISSUES = 50
"""A document breaking the schema in more places gets this many issues back."""


@cache
def load_schema() -> bytes:
    """The ``orgo.ai/v1`` JSON Schema that ``GET /template-schema`` serves, byte for byte."""
    return (
        resources.files("orgo_async.emulator")
        .joinpath("data")
        .joinpath("orgo-template-schema.v1.json")
        .read_bytes()
    )


@cache
def _validator() -> Draft202012Validator:
    schema = msgspec.json.decode(load_schema())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_issues(document: Any) -> list[ValidationIssue]:
    """Every place ``document`` breaks the served schema, as ``schema`` issues (errors)."""
    issues = []
    for error in _validator().iter_errors(document):
        issues.append(
            ValidationIssue(
                field=_field(error.absolute_path),
                code="schema",
                message=f"{error.validator}: {error.message[:200]}",
            )
        )
        if len(issues) >= _MOST_ISSUES:
            break
    return issues


def _field(parts: Any) -> str:
    path = ""
    for part in parts:
        path = index_path(path, part) if isinstance(part, int) else key_path(path, str(part))
    return path
