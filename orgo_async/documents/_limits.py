"""The bounds every document is held to, and the checks that apply them to text and data.

Text is checked before it is parsed (:func:`document_text`), parsed or caller-built data
before it is validated (:func:`check_data`), and data before it is written as JSON
(:func:`check_json`, :func:`encode_json`), so nothing downstream (the digest, a request
body, the emulator) meets a value it cannot write.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

import msgspec

from orgo_async.documents._paths import index_path, key_path
from orgo_async.errors import TemplateSyntaxError, TemplateTooLargeError

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_INT",
    "MAX_NODES",
    "MIN_INT",
    "IntegerRangeError",
    "check_body_size",
    "check_data",
    "check_json",
    "document_text",
    "encode_json",
]

MAX_DOCUMENT_BYTES: Final = 1_000_000
"""Largest document text read, in UTF-8 bytes (the API refuses publish bodies near this size)."""
MAX_NODES: Final = 100_000
"""Keys, values and list items a document may expand to; an alias counts each time it is used."""
MAX_DEPTH: Final = 64
"""How deeply lists and mappings may nest."""
MIN_INT: Final = -(2**63)
MAX_INT: Final = 2**63 - 1
"""Integers are signed 64-bit: what servers commonly decode a JSON integer into."""

_BOM: Final = "\ufeff"
_SURROGATE = re.compile("[\ud800-\udfff]")


class IntegerRangeError(TemplateSyntaxError):
    """An integer beyond 64 bits in data (the YAML reader reports one with its position)."""


def document_text(source: str | bytes) -> str:
    """The text of a document: within the size limit, UTF-8, one leading BOM removed.

    The same rule holds for ``str`` and ``bytes``, so the client and the emulator (which
    reads the bytes the client sent) see the same text. A second BOM right after the
    first is refused: YAML would silently drop it, while a JSON reader would not.

    Raises:
        TemplateSyntaxError: the text is too large, not UTF-8, or starts with two BOMs.
    """
    if isinstance(source, bytes):
        _check_size(len(source))
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateSyntaxError(f"the document is not UTF-8: {exc.reason}") from exc
    else:
        # Every character is one to four bytes; only count exactly near the limit.
        if len(source) * 4 > MAX_DOCUMENT_BYTES:
            _check_size(len(source.encode("utf-8", "surrogatepass")))
        text = source
    if text.startswith(_BOM):
        text = text[1:]
        if text.startswith(_BOM):
            raise TemplateSyntaxError(
                "the document starts with two byte order marks; remove one", line=1, column=1
            )
    return text


def _check_size(size: int) -> None:
    if size > MAX_DOCUMENT_BYTES:
        raise TemplateTooLargeError(
            f"the document is {size:,} bytes; at most {MAX_DOCUMENT_BYTES:,} are read",
            size=size,
            limit=MAX_DOCUMENT_BYTES,
        )


def check_body_size(body: bytes) -> bytes:
    """Return ``body`` when the API takes a request body that large.

    Raises:
        TemplateTooLargeError: the body is over :data:`MAX_DOCUMENT_BYTES`; its size is
            in the message.
    """
    if len(body) > MAX_DOCUMENT_BYTES:
        raise TemplateTooLargeError(
            f"the request body would be {len(body):,} bytes; the API takes at most "
            f"{MAX_DOCUMENT_BYTES:,}",
            size=len(body),
            limit=MAX_DOCUMENT_BYTES,
        )
    return body


def check_data(data: Any) -> None:
    """Refuse data too large or deep, holding non-Unicode text or an integer beyond 64 bits.

    Other values (a float, ``None``, an object) are left to validation, which reports them
    at their field.

    Raises:
        TemplateSyntaxError: naming the field of the value at fault.
    """
    _walk(data, strict=False)


def check_json(data: Any) -> None:
    """Refuse data that JSON cannot hold exactly, on top of what :func:`check_data` refuses.

    msgspec would write ``nan`` and ``inf`` as ``null`` and bytes as base64, and fails on
    integers of more than 4,300 digits; here each of them is a typed error instead.

    Raises:
        TemplateSyntaxError: naming the field of the value at fault.
    """
    _walk(data, strict=True)


def encode_json(data: Any) -> bytes:
    """Write data as JSON after :func:`check_json`.

    Raises:
        TemplateSyntaxError: naming the field of the value at fault.
    """
    check_json(data)
    return msgspec.json.encode(data)


def _walk(data: Any, *, strict: bool) -> None:
    # An explicit stack: the walk itself must not recurse on hostile input.
    budget = MAX_NODES
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        budget -= 1
        if budget < 0:
            raise TemplateSyntaxError(f"the document expands to more than {MAX_NODES:,} nodes")
        if isinstance(value, str):
            if not value.isascii():
                match = _SURROGATE.search(value)
                if match is not None:
                    code = f"U+{ord(match[0]):04X}"
                    problem = f"holds a lone surrogate ({code}), which is not Unicode text"
                    _refuse(data, value, problem)
        elif isinstance(value, int):
            if not MIN_INT <= value <= MAX_INT:
                problem = f"is an integer beyond 64 bits ({MIN_INT} to {MAX_INT})"
                _refuse(data, value, problem, IntegerRangeError)
        elif isinstance(value, (Mapping, list, tuple)):
            if depth >= MAX_DEPTH:
                raise TemplateSyntaxError(f"the document nests deeper than {MAX_DEPTH} levels")
            if isinstance(value, Mapping):
                for key in value:
                    if strict and not isinstance(key, str):
                        _refuse(data, key, f"is a key of type {_kind(key)}; JSON keys are text")
                    stack.append((key, depth + 1))  # keys count as nodes too
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)
        elif strict and not _json_scalar(value):
            _refuse(data, value, f"is {_kind(value)}, which JSON cannot hold")


def _json_scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, bool)


def _kind(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return type(value).__name__


def _refuse(
    data: Any, culprit: Any, problem: str, error: type[TemplateSyntaxError] = TemplateSyntaxError
) -> None:
    where = _path_of(data, culprit)
    place = f"the value at {where}" if where else "the document"
    raise error(f"{place} {problem}")


def _path_of(data: Any, culprit: Any) -> str:
    """The field path of ``culprit`` (found by identity) in ``data``; "" at the top."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if value is culprit:
            return path
        if isinstance(value, Mapping):
            for key, item in value.items():
                sub = _key_path(path, key)
                if key is culprit:
                    return sub
                stack.append((item, sub))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, index_path(path, i)) for i, item in enumerate(value))
    return ""


def _key_path(parent: str, key: Any) -> str:
    if isinstance(key, str) and not _SURROGATE.search(key):
        return key_path(parent, key)
    # A key JSON cannot write is shown the way Python writes it, escapes and all.
    return f"{parent}[{ascii(key) if isinstance(key, str) else _kind(key)}]"
