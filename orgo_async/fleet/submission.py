"""What ``submit`` was given: a ref to build as is, or a document to check, publish and build."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from orgo_async.documents import Template, TemplateSource, load_template, template_digest
from orgo_async.documents._offload import off_loop
from orgo_async.errors import InvalidRefError
from orgo_async.refs import TemplateRef

__all__ = ["Submission", "SubmitSource", "read_submission", "take_submission"]

SubmitSource: TypeAlias = "TemplateRef | TemplateSource"
"""A ref (``TemplateRef`` or ``"ns/name@ver"``) or a document (loaded, path, text, mapping)."""


@dataclass(frozen=True)
class Submission:
    """A submission, checked: the ref and, for a document, the loaded template and its digest."""

    ref: TemplateRef
    template: Template | None = None
    digest: str | None = None


async def take_submission(source: SubmitSource) -> Submission:
    """:func:`read_submission`, run off the event loop unless ``source`` is tiny.

    Reading a file, parsing YAML and digesting a large template all hold the thread that
    runs them, for up to a second at the document size limit.
    """
    return await off_loop(read_submission, source)


def read_submission(source: SubmitSource) -> Submission:
    """Tell a ref from a document and check it, before anything is queued.

    A string that parses as a ref is a ref. A one-line string with an ``@`` and no
    ``:`` or path suffix can only have been meant as a ref, so one that does not
    parse raises :class:`~orgo_async.InvalidRefError` rather than a puzzling document
    error. Anything else is a document, loaded as :func:`~orgo_async.documents.load_template`
    reads it (a path is read from disk here), and digested.

    Raises:
        InvalidRefError: a ref that does not parse.
        TemplateSyntaxError: a document that does not parse.
        TemplateValidationError: a document that breaks the format; lists every problem.
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
