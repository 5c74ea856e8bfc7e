"""What ``submit`` was given: a ref to build as is, or a document to check, publish and build."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TypeAlias

from orgo_async._documents_input import document_identity
from orgo_async.documents import Template, TemplateSource, load_template, template_digest
from orgo_async.documents._offload import off_loop
from orgo_async.documents.load import read_written
from orgo_async.errors import InvalidRefError
from orgo_async.refs import DEFAULT_NAMESPACE, TemplateRef

__all__ = ["Submission", "SubmitSource", "read_submission", "take_submission"]

SubmitSource: TypeAlias = "TemplateRef | TemplateSource"
"""A ref (``TemplateRef`` or ``"ns/name@ver"``) or a document (loaded, path, text, mapping)."""


@dataclass(frozen=True)
class Submission:
    """A submission, checked: the ref and, for a document, what to publish and its digest.

    ``template`` is the loaded template, or with ``validate=False`` the document's text
    as written (a mapping as JSON), which nothing has checked; ``digest`` is only known
    for a loaded template.
    """

    ref: TemplateRef
    template: Template | bytes | None = None
    digest: str | None = None


async def take_submission(source: SubmitSource, *, validate: bool = True) -> Submission:
    """:func:`read_submission`, run off the event loop unless ``source`` is tiny.

    Reading a file, parsing YAML and digesting a large template all hold the thread that
    runs them, for up to a second at the document size limit.
    """
    return await off_loop(functools.partial(read_submission, validate=validate), source)


def read_submission(source: SubmitSource, *, validate: bool = True) -> Submission:
    """Tell a ref from a document and check it, before anything is queued.

    A string that parses as a ref is a ref. A one-line string with an ``@`` and no
    ``:`` or path suffix can only have been meant as a ref, so one that does not
    parse raises :class:`~orgo_async.InvalidRefError` rather than a puzzling document
    error. Anything else is a document, loaded as :func:`~orgo_async.documents.load_template`
    reads it (a path is read from disk here), and digested. With ``validate=False`` a
    document is only parsed, for the ref it names, and kept as written.

    Raises:
        InvalidRefError: a ref that does not parse, or a document naming an invalid one.
        TemplateSyntaxError: a document that does not parse.
        TemplateValidationError: a document that breaks the format (lists every problem),
            or, unvalidated, one that names no name and version.
        TemplateError: a path that cannot be read, or a value that is no document.
    """
    if isinstance(source, TemplateRef):
        return Submission(source)
    if isinstance(source, str):
        try:
            return Submission(TemplateRef.parse(source))
        except InvalidRefError:
            if _meant_as_ref(source):
                raise
    if not validate and not isinstance(source, Template):
        written = read_written(source)
        name, version = document_identity(written.data)
        return Submission(TemplateRef(DEFAULT_NAMESPACE, name, version), written.body())
    template = load_template(source)
    return Submission(template.ref, template, template_digest(template))


def _meant_as_ref(text: str) -> bool:
    line = text.strip()
    return (
        "@" in line
        and "\n" not in line
        and ":" not in line
        and not line.lower().endswith((".yaml", ".yml", ".json"))
    )
