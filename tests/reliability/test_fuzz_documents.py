"""Fuzzing documents from the reference examples, and YAML built from hostile features.

tests/unit/documents/test_properties.py fuzzes generated documents and random data; this
starts instead from the documented examples (every feature the format has) and mutates
keys, values, types and nesting, or the YAML text itself. Whatever comes in, parsing,
loading and digesting raise only TemplateError subclasses, and validate_template never
raises at all on a parsed mapping: it reports issues. Random YAML made of anchors,
aliases, merge keys, tags, huge numbers, deep nesting, long scalars and BOMs ends the
same way, each document within a time and memory bound.
"""

from __future__ import annotations

import contextlib
import time
import tracemalloc
from typing import Any

from hypothesis import HealthCheck, given, settings

from orgo_async.documents import load_template, parse_document, template_digest, validate_template
from orgo_async.errors import TemplateError, TemplateSyntaxError
from orgo_async.models import ValidationIssue
from tests.reliability.hostile_documents import yaml_documents
from tests.reliability.mutations import (
    EXAMPLE_FILES,
    EXAMPLES,
    mutated_examples,
    mutated_texts,
)

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load_and_digest(source: Any) -> None:
    """Load and digest, letting only TemplateError out; a loaded template round-trips."""
    try:
        template = load_template(source)
    except TemplateError:
        return
    template_digest(template)
    assert load_template(template.to_dict()) == template


def test_the_examples_are_valid() -> None:
    """Every example the fuzzers start from is itself a valid document."""
    assert len(EXAMPLES) >= 5
    for path, example in zip(EXAMPLE_FILES, EXAMPLES, strict=True):
        assert [i for i in validate_template(example) if i.is_error] == [], path.name


@FUZZ
@given(mutated_examples())
def test_validate_never_raises_on_a_mutated_example(document: Any) -> None:
    """validate_template reports issues for any mutation of an example; it never raises."""
    issues = validate_template(document)
    assert all(isinstance(issue, ValidationIssue) for issue in issues)
    assert any(issue.is_error for issue in issues) != _loads(document)


def _loads(document: Any) -> bool:
    try:
        load_template(document)
    except TemplateError:
        return False
    return True


@FUZZ
@given(mutated_examples())
def test_a_mutated_example_raises_only_template_errors(document: Any) -> None:
    """Loading and digesting a mutated example raise nothing but TemplateError."""
    _load_and_digest(document)


@FUZZ
@given(mutated_texts())
def test_mutated_yaml_text_raises_only_template_errors(text: str) -> None:
    """Parsing, validating, loading and digesting mutated YAML raise only TemplateError."""
    data: Any = None
    with contextlib.suppress(TemplateSyntaxError):
        data = parse_document(text)
    try:
        validate_template(text)
    except TemplateSyntaxError:
        assert data is None  # validate refuses exactly the text parse refused
    _load_and_digest(text)
    if isinstance(data, dict):
        assert isinstance(validate_template(data), list)


@FUZZ
@given(mutated_texts())
def test_mutated_yaml_as_bytes_raises_only_template_errors(text: str) -> None:
    """The same mutations fed as bytes (and as invalid UTF-8) raise only TemplateError."""
    raw = text.encode("utf-8")
    for source in (raw, raw + b"\xff\xfe", b"\xef\xbb\xbf" + raw):
        with contextlib.suppress(TemplateSyntaxError):
            parse_document(source)
        _load_and_digest(source)


SECONDS_PER_DOCUMENT = 5.0
"""Loose: the slowest drawn document is read, validated, loaded and digested in ~0.5 s."""
MIB_PER_DOCUMENT = 64
"""Loose: parsing the largest drawn document traces a few MiB at its peak."""


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(yaml_documents())
def test_hostile_yaml_ends_in_a_result_or_a_template_error(text: str | bytes) -> None:
    """Parse, validate, load and digest end in a result or a TemplateError, within bounds."""
    start = time.monotonic()
    for read in (parse_document, validate_template):
        with contextlib.suppress(TemplateError):
            read(text)
    _load_and_digest(text)
    assert time.monotonic() - start < SECONDS_PER_DOCUMENT
    # Traced apart: tracemalloc makes ruamel's character-by-character scanner ~10x slower.
    tracemalloc.start()
    try:
        with contextlib.suppress(TemplateError):
            parse_document(text)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak < MIB_PER_DOCUMENT
