"""Telling refs from documents at submit, and checking documents before anything is queued."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgo_async.documents import load_template
from orgo_async.errors import InvalidRefError, TemplateSyntaxError, TemplateValidationError
from orgo_async.fleet.submission import read_submission
from orgo_async.refs import TemplateRef

DOC = "api_version: orgo.ai/v1\nname: demo@1.2.3\ncpu: 2\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("default/demo@1.0.0", "default/demo@1.0.0", id="full-ref"),
        pytest.param("demo@1.0.0", "default/demo@1.0.0", id="short-ref"),
        pytest.param("  system/claude-code@1.0.0\n", "system/claude-code@1.0.0", id="padded"),
        pytest.param(TemplateRef("team", "demo", "2.0.0"), "team/demo@2.0.0", id="template-ref"),
    ],
)
def test_refs_are_built_as_they_are(source: str | TemplateRef, expected: str) -> None:
    """A TemplateRef or a string that parses as a ref carries no document."""
    submission = read_submission(source)
    assert str(submission.ref) == expected
    assert submission.template is None


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("demo@1.0", id="short-version"),
        pytest.param("Demo@1.0.0", id="upper-case"),
        pytest.param("a/b/c@1.0.0", id="too-many-slashes"),
    ],
)
def test_one_line_ref_lookalikes_raise_invalid_ref(source: str) -> None:
    """A one-line string with an @ that does not parse is reported as a bad ref."""
    with pytest.raises(InvalidRefError):
        read_submission(source)


def test_text_is_a_document() -> None:
    """YAML text is loaded and validated; its ref comes from the document."""
    submission = read_submission(DOC)
    assert str(submission.ref) == "default/demo@1.2.3"
    assert submission.template == load_template(DOC)


def test_mapping_and_path_are_documents(tmp_path: Path) -> None:
    """A mapping and a file path are documents, giving the same template as the text."""
    path = tmp_path / "demo.yaml"
    path.write_text(DOC)
    mapping = {"api_version": "orgo.ai/v1", "name": "demo@1.2.3", "cpu": 2}
    from_text = read_submission(DOC)
    assert read_submission(mapping) == from_text
    assert read_submission(path) == from_text
    assert read_submission(str(path)) == from_text


@pytest.mark.parametrize(
    ("source", "error"),
    [
        pytest.param("api_version: orgo.ai/v1\nname: [\n", TemplateSyntaxError, id="syntax"),
        pytest.param(
            "api_version: orgo.ai/v1\nname: demo@1.0.0\ncpu: 3\n",
            TemplateValidationError,
            id="bad-cpu",
        ),
        pytest.param({"api_version": "orgo.ai/v1"}, TemplateValidationError, id="no-template"),
    ],
)
def test_invalid_documents_raise_typed_errors(source: object, error: type[Exception]) -> None:
    """A document that does not parse or validate raises its typed error at once."""
    with pytest.raises(error):
        read_submission(source)  # type: ignore[arg-type]
