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

A template loaded from text or a file keeps that text (:attr:`Template.source`), and one
loaded from a mapping keeps the mapping as JSON: publishing sends what was written, and
the server expands sugar itself. Validation warnings do not stop a load; they stay on
the template (:attr:`Template.warnings`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Final, NamedTuple, TypeAlias

import msgspec

from orgo_async.documents._limits import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_NODES,
    IntegerRangeError,
    check_data,
    document_text,
    encode_json,
)
from orgo_async.documents._yaml import load_yaml
from orgo_async.documents.schema import Template
from orgo_async.documents.validate import check_document
from orgo_async.errors import (
    TemplateError,
    TemplateSyntaxError,
    TemplateTooLargeError,
    TemplateValidationError,
)
from orgo_async.models import ValidationIssue

__all__ = [
    "JSON_MEDIA_TYPE",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_NODES",
    "YAML_MEDIA_TYPE",
    "TemplateSource",
    "Written",
    "load_template",
    "parse_document",
    "read_source",
    "read_written",
    "validate_template",
]

JSON_MEDIA_TYPE: Final = "application/json"
YAML_MEDIA_TYPE: Final = "application/yaml"

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
    return _parse(source)[0]


def _parse(source: str | bytes) -> tuple[Any, bool]:
    """Parse document text; the flag tells whether it was read as JSON."""
    text = document_text(source)
    data = _parse_json(text)
    is_json = data is not None
    if data is None:
        data = load_yaml(text)
        if data is None:
            raise TemplateSyntaxError("the document is empty", line=1, column=1)
    check_data(data)
    return data, is_json


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
        raise TemplateTooLargeError(
            f"the template file {path!r} is over {MAX_DOCUMENT_BYTES:,} bytes, the most read",
            size=len(data),
            limit=MAX_DOCUMENT_BYTES,
        )
    return data


def read_source(source: str | bytes | os.PathLike[str]) -> Any:
    """Parse a document from text, bytes or a file path (see the module docs for the rule)."""
    if not isinstance(source, (str, bytes, os.PathLike)):
        raise TemplateError(f"cannot read a template from {type(source).__name__}")
    return read_written(source).data


class Written(NamedTuple):
    """A document as its author handed it over: parsed data, and the text to send.

    ``text`` is the text or file content byte for byte; None for a mapping, which is
    sent as JSON.
    """

    data: Any
    text: bytes | None
    media_type: str

    def body(self) -> bytes:
        """What a request sends: the text as written, or the mapping as JSON."""
        return self.text if self.text is not None else encode_json(self.data)


def read_written(source: str | bytes | os.PathLike[str] | Mapping[str, Any]) -> Written:
    """Read a document as written: a file, text or bytes, or a caller-built mapping.

    Raises:
        TemplateSyntaxError: the text does not parse, or is over the size limit.
        TemplateError: a path that cannot be read.
    """
    path = source_path(source)
    raw: str | bytes
    if path is not None:
        raw = read_file(path)
    elif isinstance(source, (str, bytes)):
        raw = source
    else:
        # Data a caller already parsed; a list or a scalar is then reported as a `type`
        # issue at the top level rather than refused outright.
        check_data(source)
        # Always copy: a dict may hold tuples or other mappings deeper down, and the
        # validator and msgspec only take lists and dicts there.
        return Written(_plain(source), None, JSON_MEDIA_TYPE)
    data, is_json = _parse(raw)
    # The parse refused lone surrogates, so the text encodes.
    text = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    return Written(data, text, JSON_MEDIA_TYPE if is_json else YAML_MEDIA_TYPE)


def validate_template(source: TemplateSource) -> list[ValidationIssue]:
    """Return every issue of a document, errors first; ``[]`` when it has none.

    A document is valid when no issue is an error (:attr:`ValidationIssue.is_error`);
    warnings mark orgo_async's own answers where the docs are silent.

    Raises:
        TemplateSyntaxError: the text does not parse (there is nothing to validate).
    """
    if isinstance(source, Template):
        return list(source.warnings)
    return check_document(read_written(source).data).issues


def load_template(source: TemplateSource) -> Template:
    """Parse, expand sugar, validate and return the canonical (not interpolated) Template.

    Warnings do not stop the load: they are on :attr:`Template.warnings`.

    Raises:
        TemplateSyntaxError: the text does not parse.
        TemplateValidationError: the document breaks the format; ``issues`` lists every
            error, then every warning.
    """
    if isinstance(source, Template):
        return source
    written = read_written(source)
    return template_of(written)


def template_of(written: Written) -> Template:
    """Validate what :func:`read_written` read and build its Template (see load_template)."""
    checked = check_document(written.data)
    issues, expansion = checked.issues, checked.expansion
    if expansion is None or (issues and issues[0].is_error):
        raise TemplateValidationError(issues)
    document = expansion.document
    document = _whole(document) if checked.whole_floats else _whole_cpu(document)
    try:
        template = msgspec.convert(document, Template)
    except msgspec.ValidationError as exc:  # a gap in the validator; still a typed error
        # msgspec ends the message with " - at `$.files[0].to`", or names no path at the top.
        message, at, path = str(exc).rpartition(" - at `$")
        field = path.rstrip("`").lstrip(".") if at else ""
        raise TemplateValidationError(
            [ValidationIssue(field=field, code="type", message=message if at else str(exc))]
        ) from exc
    # Not fields of the document: kept beside it (see Template). A mapping is encoded
    # only when its source is asked for; the copy read_written made is the template's own.
    extra = template.__dict__
    if written.text is not None:
        extra["_source"] = written.text
    else:
        extra["_written"] = written.data
    extra["_media_type"] = written.media_type
    if issues:
        extra["_warnings"] = tuple(issues)
    return template


def _whole_cpu(document: dict[str, Any]) -> dict[str, Any]:
    """Write ``cpu: 2.0`` as ``2`` so the canonical form has one spelling per number."""
    hardware = document.get("hardware")
    if isinstance(hardware, Mapping):
        cpu = hardware.get("cpu")
        if isinstance(cpu, float) and cpu.is_integer():
            document = {**document, "hardware": {**hardware, "cpu": int(cpu)}}
    return document


def _whole(value: Any) -> Any:
    """Every whole float written as an integer (``ram_gb: 4.0`` is ``4``), strings untouched."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {key: _whole(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole(item) for item in value]
    return value
