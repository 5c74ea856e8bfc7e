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
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Final, TypeAlias

import msgspec
from ruamel.yaml import YAML
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode
from ruamel.yaml.reader import Reader, ReaderError

from orgo_async.documents.schema import Template
from orgo_async.documents.validate import check_document
from orgo_async.errors import TemplateError, TemplateSyntaxError, TemplateValidationError
from orgo_async.models import ValidationIssue

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "TemplateSource",
    "load_template",
    "parse_document",
    "read_source",
    "validate_template",
]

TemplateSource: TypeAlias = str | bytes | os.PathLike[str] | Mapping[str, Any] | Template
"""Anything :func:`load_template` accepts."""

MAX_NODES: Final = 100_000
"""Values a document may expand to; aliases count each time they are used (alias bombs)."""
MAX_DEPTH: Final = 64
"""How deeply lists and mappings may nest."""

_PATH_SUFFIXES = (".yaml", ".yml", ".json")
# Outside strings JSON has no quotes, so this finds every string; group 1 marks object keys.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?')
_SURROGATE = re.compile("[\ud800-\udfff]")


class _StrictConstructor(SafeConstructor):
    """ruamel's safe constructor limited to JSON's types: null, bool, int, float, str, seq, map.

    Timestamps stay the text they were written as; sets, binary, ordered maps and any
    other tag are refused with their position.
    """

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        return self.construct_scalar(node)

    def refuse(self, node: Any) -> Any:
        raise ConstructorError(
            None, None, f"the YAML tag {node.tag!r} is not allowed in a template", node.start_mark
        )

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise ConstructorError(
                        None, None, "mapping keys must be plain scalars", key_node.start_mark
                    )
        return super().construct_mapping(node, deep=deep)


_StrictConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _StrictConstructor.construct_yaml_timestamp
)
for _tag in ("binary", "omap", "pairs", "set"):
    _StrictConstructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _StrictConstructor.refuse)
_StrictConstructor.add_constructor(None, _StrictConstructor.refuse)


class _JSONCompatibleReader(Reader):
    """A reader that also lets through DEL and C1 controls (U+007F-U+009F).

    JSON allows them unescaped inside strings (msgspec writes them that way), and YAML 1.2
    accepts JSON text, so a JSON document must not be refused for containing them.
    """

    _printable_ascii = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x80)])
    # ruamel declares this as its lazily compiled pattern; a compiled one serves the same calls.
    NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x9f\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # type: ignore[assignment]


def _yaml() -> YAML:
    yaml = YAML(typ="safe")
    yaml.Reader = _JSONCompatibleReader
    yaml.Constructor = _StrictConstructor
    # Stop the recursive composer early; _check_data then applies the exact limit.
    yaml.max_depth = MAX_DEPTH + 2
    return yaml


def parse_document(source: str | bytes) -> Any:
    """Parse one YAML 1.2 or JSON document into plain data (dict, list, str, int, ...).

    Raises:
        TemplateSyntaxError: malformed YAML, a forbidden tag, a duplicate key, more than
            one document, an empty document, a lone surrogate, or one too large or deeply
            nested.
        TemplateError: ``source`` is neither text nor bytes.
    """
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TemplateSyntaxError(f"the document is not UTF-8: {exc.reason}") from exc
    if not isinstance(source, str):
        raise TemplateError(f"cannot parse a document from {type(source).__name__}")
    data = _parse_json(source)
    if data is not None:
        _check_data(data)
        return data
    try:
        data = _yaml().load(source)
    except MaxDepthExceededError as exc:
        raise TemplateSyntaxError(
            f"the document nests deeper than {MAX_DEPTH} levels",
            line=exc.problem_mark.line + 1,
            column=exc.problem_mark.column + 1,
        ) from exc
    except MarkedYAMLError as exc:
        raise _syntax_error(exc) from exc
    except ReaderError as exc:
        # Control characters are refused before parsing, by offset rather than mark.
        offset = int(exc.position)
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        raise TemplateSyntaxError(
            f"the character {shown} is not allowed in YAML",
            line=source.count("\n", 0, offset) + 1,
            column=offset - source.rfind("\n", 0, offset),
        ) from exc
    except YAMLError as exc:
        raise TemplateSyntaxError(f"invalid YAML: {exc}") from exc
    except RecursionError as exc:
        raise TemplateSyntaxError(f"the document nests deeper than {MAX_DEPTH} levels") from exc
    if data is None:
        raise TemplateSyntaxError("the document is empty", line=1, column=1)
    _check_data(data)
    return data


def _parse_json(source: str) -> Any:
    """Decode JSON text exactly as JSON (msgspec); None when it is not JSON or repeats a key.

    YAML 1.2 reads JSON too, but folds a NEL (U+0085) inside strings into a space, and is
    far slower; documents sent as JSON (the client's canonical form) take this path.
    """
    if not source.lstrip().startswith("{"):
        return None
    try:
        data = msgspec.json.decode(source)
    except (msgspec.DecodeError, RecursionError):
        return None
    # A JSON object may repeat a key and msgspec keeps the last; count the keys written and
    # let the YAML parser report a repeat with its position.
    written = sum(1 for match in _JSON_STRING.finditer(source) if match[1])
    return data if written == _count_keys(data) else None


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


def _syntax_error(exc: MarkedYAMLError) -> TemplateSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem and "duplicate key" not in exc.problem:
        problem = f"{exc.context}, {exc.problem}"
    problem = " ".join(str(problem).split())
    if mark is None:
        return TemplateSyntaxError(problem)
    return TemplateSyntaxError(problem, line=mark.line + 1, column=mark.column + 1)


def _check_data(data: Any) -> None:
    """Refuse data too large, too deeply nested, or holding text UTF-8 cannot encode."""
    # An explicit stack: the walk itself must not recurse on hostile input.
    budget = MAX_NODES
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        budget -= 1
        if budget < 0:
            raise TemplateSyntaxError(f"the document expands to more than {MAX_NODES} values")
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, (Mapping, list, tuple)):
            if depth >= MAX_DEPTH:
                raise TemplateSyntaxError(f"the document nests deeper than {MAX_DEPTH} levels")
            if isinstance(value, Mapping):
                for key in value:
                    if isinstance(key, str):
                        _check_text(key)
                items: Any = value.values()
            else:
                items = value
            stack.extend((item, depth + 1) for item in items)


def _check_text(text: str) -> None:
    # An escape such as "\ud800" yields a lone surrogate; it would pass validation and then
    # fail, untyped, wherever the document is encoded (the digest, a publish request).
    if not text.isascii():
        match = _SURROGATE.search(text)
        if match is not None:
            raise TemplateSyntaxError(
                f"the document holds a lone surrogate (U+{ord(match[0]):04X}),"
                " which is not Unicode text"
            )


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


def read_source(source: str | bytes | os.PathLike[str]) -> Any:
    """Parse a document from text, bytes or a file path (see the module docs for the rule)."""
    path = source_path(source)
    if path is not None:
        try:
            with open(path, "rb") as file:
                text = file.read()
        except OSError as exc:
            raise TemplateError(f"cannot read template file {path!r}: {exc.strerror}") from exc
        return parse_document(text)
    if isinstance(source, (str, bytes)):
        return parse_document(source)
    raise TemplateError(f"cannot read a template from {type(source).__name__}")


def _data_of(source: Any) -> Any:
    if isinstance(source, (str, bytes, os.PathLike)):
        return read_source(source)
    # Anything else is data a caller already parsed; a list or a scalar is then reported
    # as a `type` issue at the top level rather than refused outright.
    _check_data(source)
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
