"""Read template documents: YAML 1.2 (JSON is a subset) in safe mode, then load or validate.

How a source is read:

* a :class:`Template` is taken as is;
* ``bytes`` are always document text (UTF-8, a BOM is allowed);
* an ``os.PathLike`` is always a file path;
* a ``str`` is a file path when it is a single line ending in ``.yaml``, ``.yml`` or
  ``.json`` (any case); any other ``str`` is document text. A valid template is never one
  line ending that way, so the two readings cannot be confused;
* anything else (a mapping, or what :func:`parse_document` returned) is parsed data.

Text that is a JSON object is decoded as JSON; everything else goes through ruamel.yaml.
Every document is held to the bounds of :mod:`orgo_async.documents._limits` (size, nodes,
depth, 64-bit integers) before anything is built from it, so a hostile one ends in a
:class:`~orgo_async.errors.TemplateSyntaxError` in bounded time and memory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, TypeAlias

import msgspec

from orgo_async.documents._limits import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_NODES,
    IntegerRangeError,
    check_data,
    document_text,
)
from orgo_async.documents._yaml import load_yaml
from orgo_async.documents.schema import Template
from orgo_async.documents.validate import check_document
from orgo_async.errors import TemplateError, TemplateSyntaxError, TemplateValidationError
from orgo_async.models import ValidationIssue

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_NODES",
    "TemplateSource",
    "load_template",
    "parse_document",
    "read_source",
    "validate_template",
]

TemplateSource: TypeAlias = str | bytes | os.PathLike[str] | Mapping[str, Any] | Template
"""Anything :func:`load_template` accepts."""

_PATH_SUFFIXES = (".yaml", ".yml", ".json")
# Outside strings JSON has no quotes, so this finds every string; group 1 marks object keys.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?')


def parse_document(source: str | bytes) -> Any:
    """Parse one YAML 1.2 or JSON document into plain data (dict, list, str, int, ...).

    Raises:
        TemplateSyntaxError: malformed YAML, a forbidden tag, a duplicate key, more than
            one document, an empty document, a lone surrogate, an integer beyond 64 bits,
            text over the size limit, or one too deeply nested or expanding too far.
        TemplateError: ``source`` is neither text nor bytes.
    """
    if not isinstance(source, (str, bytes)):
        raise TemplateError(f"cannot parse a document from {type(source).__name__}")
    text = document_text(source)
    data = _parse_json(text)
    if data is None:
        data = load_yaml(text)
        if data is None:
            raise TemplateSyntaxError("the document is empty", line=1, column=1)
    check_data(data)
    return data


def _parse_json(source: str) -> Any:
    """Decode JSON text exactly as JSON (msgspec); None when the YAML parser should read it.

    YAML 1.2 reads JSON too, but folds a NEL (U+0085) inside strings into a space, and is
    far slower; documents sent as JSON (the client's canonical form) take this path. A
    repeated key or an integer beyond 64 bits is left to the YAML parser, which reports
    it with its line and column.
    """
    if not source.lstrip().startswith("{"):
        return None
    try:
        data = msgspec.json.decode(source)
    except (msgspec.DecodeError, RecursionError):
        return None
    # A JSON object may repeat a key and msgspec keeps the last; count the keys written.
    written = sum(1 for match in _JSON_STRING.finditer(source) if match[1])
    if written != _count_keys(data):
        return None
    try:
        check_data(data)
    except IntegerRangeError:
        return None  # the YAML parser refuses the same integer, with its position
    return data


def _count_keys(data: Any) -> int:
    count, stack = 0, [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            count += len(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


def _plain(value: Any) -> Any:
    """Copy caller-built data into dicts and lists (tuples read as lists)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def source_path(source: object) -> str | None:
    """The file path ``source`` names, or None when it is text or data (the module docs' rule)."""
    if isinstance(source, os.PathLike):
        return os.fspath(source)  # type: ignore[no-any-return]
    if (
        isinstance(source, str)
        and "\n" not in source
        and source.strip().lower().endswith(_PATH_SUFFIXES)
    ):
        return source.strip()
    return None


def read_file(path: str) -> bytes:
    """Read a document file, refusing one over the size limit without reading all of it.

    Raises:
        TemplateError: the file cannot be read.
        TemplateSyntaxError: the file is larger than :data:`MAX_DOCUMENT_BYTES`.
    """
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise TemplateError(f"cannot read template file {path!r}: {exc.strerror}") from exc
    if len(data) > MAX_DOCUMENT_BYTES:
        raise TemplateSyntaxError(
            f"the template file {path!r} is over {MAX_DOCUMENT_BYTES:,} bytes, the most read"
        )
    return data


def read_source(source: str | bytes | os.PathLike[str]) -> Any:
    """Parse a document from text, bytes or a file path (see the module docs for the rule)."""
    path = source_path(source)
    if path is not None:
        return parse_document(read_file(path))
    if isinstance(source, (str, bytes)):
        return parse_document(source)
    raise TemplateError(f"cannot read a template from {type(source).__name__}")


def _data_of(source: Any) -> Any:
    if isinstance(source, (str, bytes, os.PathLike)):
        return read_source(source)
    # Anything else is data a caller already parsed; a list or a scalar is then reported
    # as a `type` issue at the top level rather than refused outright.
    check_data(source)
    # Always copy: a dict may hold tuples or other mappings deeper down, and the validator
    # and msgspec only take lists and dicts there.
    return _plain(source)


def validate_template(source: TemplateSource) -> list[ValidationIssue]:
    """Return every problem of a document; ``[]`` when it is a valid template.

    Raises:
        TemplateSyntaxError: the text does not parse (there is nothing to validate).
    """
    if isinstance(source, Template):
        return []
    _, issues = check_document(_data_of(source))
    return issues


def load_template(source: TemplateSource) -> Template:
    """Parse, expand sugar, validate and return the canonical (not interpolated) Template.

    Raises:
        TemplateSyntaxError: the text does not parse.
        TemplateValidationError: the document breaks the format; ``issues`` lists every problem.
    """
    if isinstance(source, Template):
        return source
    expansion, issues = check_document(_data_of(source))
    if issues or expansion is None:
        raise TemplateValidationError(issues)
    document = _whole_numbers(expansion.document)
    try:
        return msgspec.convert(document, Template)
    except msgspec.ValidationError as exc:  # a gap in the validator; still a typed error
        # msgspec ends the message with " - at `$.files[0].to`", or names no path at the top.
        message, at, path = str(exc).rpartition(" - at `$")
        field = path.rstrip("`").lstrip(".") if at else ""
        raise TemplateValidationError(
            [ValidationIssue(field=field, code="type", message=message if at else str(exc))]
        ) from exc


def _whole_numbers(document: dict[str, Any]) -> dict[str, Any]:
    """Write ``cpu: 2.0`` as ``2`` so the canonical form has one spelling per number."""
    hardware = document.get("hardware")
    if isinstance(hardware, Mapping):
        cpu = hardware.get("cpu")
        if isinstance(cpu, float) and cpu.is_integer():
            document = {**document, "hardware": {**hardware, "cpu": int(cpu)}}
    return document
