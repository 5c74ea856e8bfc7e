"""Check a document against the orgo.ai/v1 format and report every problem at once.

The walk runs over plain data (never stopping at the first problem, unlike a typed
decoder) and yields :class:`~orgo_async.models.ValidationIssue` objects with field paths
such as ``files[0].to``, ``apps[1].services[0].name`` or ``env.FOO`` (``""`` is the whole
document).

Each issue has a severity. What the schema or the docs state is an ``error``; what is
orgo_async's own answer where the docs are silent (their Unknowns) is a ``warning``, and
never keeps a document from loading or being sent. Enum values and schema patterns are
checked as written, since the schema judges the document as stored (so ``${...}`` cannot
stand in a patterned field); every other string check (paths, URLs) runs on the value the
computer will see, so ``to: ${var.home}/x`` is judged as that path. The ``template``
identity block is never interpolated.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import msgspec

from orgo_async.documents import _format as fmt
from orgo_async.documents._paths import index_path, key_path, leaf_name
from orgo_async.documents.checks import check_semantics
from orgo_async.documents.interpolate import Scope, scope_of
from orgo_async.documents.sugar import SUGAR_KEYS, Expansion, expand_sugar, written_path
from orgo_async.models import ValidationIssue
from orgo_async.models.templates import ERROR, WARNING

__all__ = ["ISSUE_CODES", "Checked", "check_document"]

ISSUE_CODES = frozenset(
    {
        "required",
        "type",
        "invalid_enum",
        "pattern",
        "format",
        "range",
        "too_many_items",
        "too_few_items",
        "unknown_field",
        "exactly_one_of",
        "at_most_one_of",
        "duplicate",
        "conflict",
        "reserved_path",
        "reserved_port",
        "unknown_ref",
        "secret_ref",
        "undeclared_secret",
        "not_interpolated",
        "undocumented_form",
    }
)
"""Every ``code`` an issue can carry; docs/documents.md explains each."""


class Checked(NamedTuple):
    """What validation found: the expansion (None if not a mapping) and every issue.

    ``issues`` lists errors first, then warnings. ``whole_floats`` tells that an integer
    field was written as a whole float (``4.0``), which the canonical form writes as ``4``.
    """

    expansion: Expansion | None
    issues: list[ValidationIssue]
    whole_floats: bool = False


def check_document(data: Any) -> Checked:
    """Expand sugar and validate every rule of the format."""
    if not isinstance(data, Mapping):
        kind = "null" if data is None else type(data).__name__
        issue = ValidationIssue(
            field="",
            code="type",
            message=f"a template must be a mapping of fields, not {kind}",
            hint="start from `api_version: orgo.ai/v1` and `name: my-template@1.0.0`",
        )
        return Checked(None, [issue])
    expansion = expand_sugar(data)
    document = expansion.document
    walker = _Walker(scope_of(document))
    walker.check(fmt.TEMPLATE, document, "")
    walker.issues.extend(check_semantics(document))
    issues = list(expansion.issues)
    for issue in walker.issues:
        if issue.code == "required" and issue.field in expansion.claimed:
            continue  # the sugar key that stood for it already has its own issue
        field = written_path(issue.field, expansion.origins)
        if field != issue.field:
            issue = msgspec.structs.replace(issue, field=field)
        issues.append(issue)
    if any(not issue.is_error for issue in issues):
        issues.sort(key=lambda issue: not issue.is_error)  # stable: errors, then warnings
    return Checked(expansion, issues, walker.whole_floats)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class _Walker:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.issues: list[ValidationIssue] = []
        self.whole_floats = False

    def add(
        self, field: str, code: str, message: str, hint: str | None = None, severity: str = ERROR
    ) -> None:
        self.issues.append(
            ValidationIssue(field=field, code=code, message=message, hint=hint, severity=severity)
        )

    def check(self, spec: fmt.Spec, value: Any, path: str) -> None:
        if isinstance(spec, fmt.Obj):
            self.object(spec, value, path)
        elif isinstance(spec, fmt.Str):
            self.string(spec, value, path)
        elif isinstance(spec, fmt.ListOf):
            self.list(spec, value, path)
        elif isinstance(spec, fmt.MapOf):
            self.mapping(spec, value, path)
        elif isinstance(spec, fmt.Int):
            self.integer(spec, value, path)
        elif isinstance(spec, fmt.Num):
            self.number(spec, value, path)
        elif isinstance(spec, fmt.Bool):
            if not isinstance(value, bool):
                self.wrong_type(path, "true or false", value)
        else:
            self.env_value(value, path)

    def wrong_type(self, path: str, expected: str, value: Any) -> None:
        hint = None
        if expected.startswith("a string") and isinstance(value, (int, float)):
            # YAML reads 1.0, 0644, 8080 or true as numbers and booleans; quotes keep them text.
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            hint = f'quote it in YAML: {leaf_name(path)}: "{shown}"'
        self.add(path, "type", f"{leaf_name(path)} must be {expected}, not {_kind(value)}", hint)

    def object(self, spec: fmt.Obj, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            self.wrong_type(path, "a mapping", value)
            return
        for key, item in value.items():
            if not isinstance(key, str):
                self.add(path, "type", f"field names must be strings, not {_kind(key)} {key!r}")
                continue
            sub = spec.fields.get(key)
            if sub is None:
                self.unknown(spec, key, path)
            else:
                self.check(sub, item, key_path(path, key))
        for name in spec.required:
            if name not in value:
                self.add(key_path(path, name), "required", f"{name} is required")

    def unknown(self, spec: fmt.Obj, key: str, path: str) -> None:
        hint = spec.did_you_mean.get(key)
        if hint is None:
            # At the top level the sugar keys are valid spellings too.
            known = [*spec.fields, *SUGAR_KEYS] if spec is fmt.TEMPLATE else list(spec.fields)
            close = difflib.get_close_matches(key, known, n=1)
            hint = close[0] if close else None
        where = f"in {leaf_name(path)}" if path else "at the top level"
        if spec.open:
            # The schema leaves trigger sources and actions open: a field it does not
            # list may be one the service knows. The canonical form leaves it out.
            self.add(
                key_path(path, key),
                "unknown_field",
                f"field {key!r} {where} is not in the schema; it is sent, but left out of "
                "the canonical form",
                f"did you mean {hint}?" if hint else None,
                WARNING,
            )
            return
        self.add(
            key_path(path, key),
            "unknown_field",
            f"unknown field {key!r} {where}",
            f"did you mean {hint}?" if hint else None,
        )

    def string(self, spec: fmt.Str, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.wrong_type(path, "a string", value)
            return
        if spec.enum is not None:
            if value not in spec.enum:
                hint = "enum values are taken as written; ${...} is not resolved here"
                self.add(
                    path,
                    "invalid_enum",
                    f"{leaf_name(path)} must be one of {', '.join(spec.enum)}",
                    hint if "${" in value else None,
                )
            return
        if (
            path.startswith("template.")
            and spec.pattern is None
            and ("${var." in value or "${env." in value)
        ):
            self.add(
                path,
                "not_interpolated",
                f"{leaf_name(path)} holds ${{...}}, which is kept as written: "
                "the template block is not interpolated",
                "write the text itself here",
                WARNING,
            )
        regex = spec.regex
        if regex is None:
            return
        # The schema judges the document as written (and stored). No schema pattern lets
        # `${` through, so a value that passes needs no second look after interpolation.
        if regex.search(value) is None:
            self.add(
                path,
                "pattern",
                f"{leaf_name(path)} must be {spec.describe}, not {value[:80]!r}",
                _PLACEHOLDER_HINT if "${" in value else f"pattern {spec.pattern}",
            )

    def list(self, spec: fmt.ListOf, value: Any, path: str) -> None:
        if not isinstance(value, list):
            self.wrong_type(path, "a list", value)
            return
        name = leaf_name(path)
        if spec.max_items is not None and len(value) > spec.max_items:
            self.add(
                path,
                "too_many_items",
                f"{name} has {len(value)} items; at most {spec.max_items} are allowed",
            )
        if spec.min_items is not None and len(value) < spec.min_items:
            self.add(path, "too_few_items", f"{name} needs at least {spec.min_items} item(s)")
        for index, item in enumerate(value):
            self.check(spec.item, item, index_path(path, index))

    def mapping(self, spec: fmt.MapOf, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            self.wrong_type(path, "a mapping", value)
            return
        regex = fmt.compile_pattern(spec.key_pattern) if spec.key_pattern else None
        for key, item in value.items():
            if not isinstance(key, str):
                self.add(path, "type", f"keys of {leaf_name(path)} must be strings, not {key!r}")
                continue
            sub_path = key_path(path, key)
            if regex is not None and regex.search(key) is None:
                self.add(
                    sub_path,
                    "pattern",
                    f"{leaf_name(path)} key {key!r} must be {spec.key_describe}",
                    f"pattern {spec.key_pattern}",
                )
            self.check(spec.value, item, sub_path)

    def integer(self, spec: fmt.Int, value: Any, path: str) -> None:
        if isinstance(value, float) and value.is_integer():
            # JSON Schema counts 4.0 as the integer 4; the canonical form writes 4.
            self.whole_floats = True
            self.add(
                path,
                "type",
                f"{leaf_name(path)} is written as {value!r}; it is read as the whole "
                f"number {int(value)}",
                f"write {int(value)}",
                WARNING,
            )
            value = int(value)
        elif isinstance(value, bool) or not isinstance(value, int):
            self.wrong_type(path, "a whole number", value)
            return
        name = leaf_name(path)
        if spec.enum is not None and value not in spec.enum:
            self.add(
                path, "invalid_enum", f"{name} must be one of {', '.join(map(str, spec.enum))}"
            )
        elif spec.minimum is not None and value < spec.minimum:
            self.add(path, "range", f"{name} must be at least {spec.minimum}{_up_to(spec)}")
        elif spec.maximum is not None and value > spec.maximum:
            self.add(path, "range", f"{name} must be at most {spec.maximum}")

    def number(self, spec: fmt.Num, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.wrong_type(path, "a number", value)
        elif isinstance(value, float) and not math.isfinite(value):
            self.add(path, "type", f"{leaf_name(path)} must be a finite number")
        elif spec.enum and value not in spec.enum:
            self.add(path, "invalid_enum", spec.message, spec.hint)
        elif spec.documented is not None and value not in spec.documented:
            # The schema allows it, the docs' prose does not list it: the server decides.
            self.add(
                path,
                "invalid_enum",
                f"{leaf_name(path)} {value!r} is in the schema but not in the docs' list: "
                f"{spec.message}",
                spec.hint,
                WARNING,
            )

    def env_value(self, value: Any, path: str) -> None:
        if isinstance(value, str):
            return
        if isinstance(value, Mapping):
            self.object(_SECRET_REF, value, path)
            return
        self.wrong_type(path, "a string or {secret: <name>}", value)


# The schema gives the reference no pattern; an undeclared name is checked (a warning) apart.
_SECRET_REF = fmt.Obj({"secret": fmt.S}, ("secret",))
_PLACEHOLDER_HINT = (
    "the schema's pattern applies to the document as written, so ${...} cannot stand here"
)


def _up_to(spec: fmt.Int) -> str:
    return f" and at most {spec.maximum}" if spec.maximum is not None else ""
